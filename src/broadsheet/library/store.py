"""The library: one SQLite file holding sources, stories, tags and annotations.

Every public method that writes is one short transaction (``BEGIN
IMMEDIATE`` … ``COMMIT``), so a crash loses at most the action in flight and
two processes on one file wait for each other instead of failing.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from broadsheet.config import usable_cpus
from broadsheet.library.migrations import migrate
from broadsheet.library.query import Query, parse_query
from broadsheet.library.schema import APPLICATION_ID, SCHEMA, SCHEMA_VERSION
from broadsheet.model import (
    BUNDLED,
    FEED,
    SAVED,
    Annotation,
    Document,
    FeedItem,
    Source,
    Story,
    TextPositionSelector,
    TextQuoteSelector,
    iso,
    parse_iso,
    utcnow,
)
from broadsheet.sanitize import clean, clean_line, clean_tag

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000
SAVED_TITLE = "Saved"
GONE_AFTER_404S = 3
# A feed keeps at most this many untouched stories (see Library._prune): one
# that sends all-new ids on every fetch must not grow the library without end.
KEEP_UNTOUCHED = 1000
# sources.gone: 0 polled; GONE the feed answered 410, or 404 three times;
# UNSUBSCRIBED the user stopped following it (kept for the stories they touched).
GONE = 1
UNSUBSCRIBED = 2
# A feed's stories that the user has not touched: not starred, no tag of
# their own (the feed's tags, which every new story of the feed gets, do not
# count), no highlight, no note; read or not.  Oldest (by sort time) first.
_UNTOUCHED = """
    SELECT s.id, s.guid FROM stories s
    WHERE s.source_id = ? AND s.starred = 0 AND s.note = ''
      AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.story_id = s.id)
      AND NOT EXISTS (
          SELECT 1 FROM story_tags st WHERE st.story_id = s.id AND st.tag_id NOT IN
              (SELECT so.tag_id FROM source_tags so WHERE so.source_id = s.source_id))
    ORDER BY s.sort_ts, s.id
"""


class LibraryError(Exception):
    """A problem with the library file, said in one sentence."""


@dataclass(slots=True)
class FeedUpdate:
    """The outcome of fetching one feed, for :meth:`Library.apply_updates`.

    ``items`` None: nothing to store but the fetch state (not modified, the
    same document again, or ``error``)."""

    source_id: int
    items: list[FeedItem] | None = None
    etag: str | None = None
    last_modified: str | None = None
    feed_title: str | None = None
    site_url: str | None = None
    content_hash: str | None = None
    error: str | None = None
    status: int | None = None
    listed: frozenset[str] | set[str] = frozenset()  # ids the feed lists besides ``items``
    new_ids: list[int] = field(default_factory=list)
    moved_to: str | None = None  # the feed's new address (it redirected there for good)


@dataclass(slots=True)
class FeedState:
    """What refresh needs to know about one feed."""

    id: int
    url: str
    title: str
    etag: str | None
    last_modified: str | None
    content_hash: str | None = None  # of the last document stored


def _check_existing_file(path: Path) -> None:
    """Refuse, without writing a byte, any file that is not a broadsheet library."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except IsADirectoryError:
        raise LibraryError(f"{path} is a folder, not a broadsheet library file.") from None
    except OSError as error:
        raise LibraryError(f"Cannot read {path}: {error.strerror or error}.") from None
    if head != SQLITE_MAGIC:
        raise LibraryError(f"{path} is not a broadsheet library; it was left untouched.")
    # SQLite needs to write the file and, for its journal, the folder.
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        raise LibraryError(
            f"{path} is in a read-only place; broadsheet needs to write to its library."
        )
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        probe = sqlite3.connect(uri, uri=True)
        try:
            app_id = probe.execute("PRAGMA application_id").fetchone()[0]
            version = probe.execute("PRAGMA user_version").fetchone()[0]
        finally:
            probe.close()
    except sqlite3.DatabaseError:
        raise LibraryError(
            f"{path} is damaged or not a broadsheet library; it was left untouched."
        ) from None
    if app_id != APPLICATION_ID:
        raise LibraryError(
            f"{path} is another program's database, not a broadsheet library; "
            "it was left untouched."
        )
    if version > SCHEMA_VERSION:
        raise LibraryError(
            f"{path} was written by a newer broadsheet (schema {version}); "
            "please upgrade broadsheet to open it."
        )


def _write_problem(error: sqlite3.OperationalError, path: Path) -> str | None:
    """The sentence for an SQLite write failure the user can act on, else None."""
    text = str(error).lower()
    if "disk is full" in text or "database or disk is full" in text:
        return f"The disk is full: nothing was saved to {path} (free some space and try again)."
    if "readonly" in text or "read-only" in text:
        return f"{path} cannot be written (read-only); nothing was saved."
    if "disk i/o error" in text:
        return f"Could not write to {path} (disk I/O error); nothing was saved."
    return None


def _row_time(text: str | None) -> datetime | None:
    return parse_iso(text)


def _sort_ts(published: datetime | None, fetched: datetime) -> float:
    moment = published if published is not None and published <= fetched else fetched
    return moment.timestamp()


def fallback_guid(url: str | None, title: str, summary: str = "") -> str:
    if url:
        return url
    digest = hashlib.sha1(f"{title}\x00{summary}".encode("utf-8", "replace")).hexdigest()
    return f"sha1:{digest}"


class Library:
    """A broadsheet library file.  Use :meth:`open`; close with :meth:`close`."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection

    # -- opening -----------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, upgrading: Callable[[str], None] | None = None) -> Library:
        """Open (or create) a library file.  One written by an older broadsheet
        is upgraded after a backup copy; ``upgrading`` is told first, in one
        sentence (a big file takes a few seconds to copy)."""
        path = Path(path).expanduser()
        exists = path.exists()
        if exists:
            _check_existing_file(path)
        else:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise LibraryError(
                    f"Cannot create the folder for {path}: {error.strerror or error}."
                ) from None
        try:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as error:
            raise LibraryError(f"Cannot open {path}: {error}.") from None
        library = cls(path, db)
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            if not exists:
                library._create()
            elif library.schema_version < SCHEMA_VERSION:
                migrate(db, path, library.schema_version, SCHEMA_VERSION, upgrading)
        except sqlite3.Error as error:
            db.close()
            raise LibraryError(f"Cannot use {path} as a library: {error}.") from None
        return library

    def _create(self) -> None:
        # executescript() would commit an open transaction, so the script
        # carries its own BEGIN/COMMIT: the schema appears whole or not at all.
        self._db.executescript(
            "BEGIN IMMEDIATE;"
            + SCHEMA
            + f"PRAGMA application_id = {APPLICATION_ID};"
            + f"PRAGMA user_version = {SCHEMA_VERSION};"
            + "INSERT INTO meta (key, value) VALUES ('application', 'broadsheet'),"
            + f" ('schema_version', '{SCHEMA_VERSION}'), ('created', '{iso(utcnow())}');"
            + "COMMIT;"
        )

    def close(self) -> None:
        if self._helper_db is not None:
            self._helper_db.close()
            self._helper_db = None
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One all-or-nothing change.  A full disk, or a file that vanished or
        turned read-only, is said in one sentence (LibraryError) after the
        rollback; nothing of the change is kept."""
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            else:
                db.execute("COMMIT")
        except sqlite3.OperationalError as error:
            problem = _write_problem(error, self.path)
            if problem is None:
                raise
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise LibraryError(problem) from None

    @property
    def schema_version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    # -- sources -----------------------------------------------------------

    def add_feed(self, url: str, title: str = "", site_url: str | None = None) -> tuple[int, bool]:
        """Subscribe to a feed; returns (source id, whether it is new).  A feed
        unsubscribed from, or no longer polled (gone), is polled again, and
        counts as new."""
        with self.transaction() as db:
            row = db.execute("SELECT id FROM sources WHERE url = ?", (url,)).fetchone()
            if row:
                return row[0], self._poll_again(db, row[0])
            cursor = db.execute(
                "INSERT INTO sources (kind, url, title, site_url, created) VALUES (?, ?, ?, ?, ?)",
                (FEED, url, clean_line(title) or url, site_url, iso(utcnow())),
            )
            return cursor.lastrowid, True

    def _special_source(self, kind: str, title: str) -> int:
        row = self._db.execute(
            "SELECT id FROM sources WHERE kind = ? ORDER BY id LIMIT 1", (kind,)
        ).fetchone()
        if row:
            return row[0]
        with self.transaction() as db:
            row = db.execute(
                "SELECT id FROM sources WHERE kind = ? ORDER BY id LIMIT 1", (kind,)
            ).fetchone()
            if row:
                return row[0]
            return db.execute(
                "INSERT INTO sources (kind, title, created) VALUES (?, ?, ?)",
                (kind, title, iso(utcnow())),
            ).lastrowid

    def saved_source_id(self) -> int:
        return self._special_source(SAVED, SAVED_TITLE)

    def bundled_source_id(self, title: str) -> int:
        return self._special_source(BUNDLED, title)

    @staticmethod
    def _poll_again(db: sqlite3.Connection, source_id: int) -> bool:
        """Poll a feed that was unsubscribed from or gone; whether it was."""
        return db.execute("UPDATE sources SET gone = 0, failures = 0 WHERE id = ? AND gone != 0",
                          (source_id,)).rowcount > 0

    def unsubscribe(self, source_id: int) -> tuple[int, int]:
        """Stop following a feed: its untouched stories (see ``_UNTOUCHED``)
        are deleted with their search rows; the stories the user starred,
        tagged, highlighted or noted stay, under the feed's name, which is no
        longer polled.  A feed left with no story goes altogether.  Returns
        (stories deleted, stories kept)."""
        with self.transaction() as db:
            row = db.execute("SELECT kind FROM sources WHERE id = ?", (source_id,)).fetchone()
            if row is None:
                raise LibraryError(f"There is no source {source_id}.")
            if row[0] != FEED:
                raise LibraryError("Only a feed can be unsubscribed from.")
            doomed = [(story_id,) for story_id, _ in db.execute(_UNTOUCHED, (source_id,))]
            db.executemany("DELETE FROM stories WHERE id = ?", doomed)
            db.executemany("DELETE FROM story_fts WHERE rowid = ?", doomed)
            kept = db.execute(
                "SELECT COUNT(*) FROM stories WHERE source_id = ?", (source_id,)).fetchone()[0]
            if kept:
                db.execute("UPDATE sources SET gone = ?, failures = 0 WHERE id = ?",
                           (UNSUBSCRIBED, source_id))
            else:
                db.execute("DELETE FROM sources WHERE id = ?", (source_id,))
        return len(doomed), kept

    def feeds(self) -> list[FeedState]:
        rows = self._db.execute(
            "SELECT id, url, title, etag, last_modified, content_hash FROM sources "
            "WHERE kind = ? AND gone = 0 ORDER BY id",
            (FEED,),
        ).fetchall()
        return [FeedState(*row) for row in rows]

    # How long a host's remembered share of requests stays good (servers change).
    HOST_SHARE_DAYS = 30

    def _stored_host_shares(self) -> dict[str, tuple[float, float]]:
        """Host key -> (share, when noted as a POSIX time), those still good."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'host shares'").fetchone()
        cutoff = utcnow().timestamp() - self.HOST_SHARE_DAYS * 86400
        try:
            stored = json.loads(row[0]) if row else {}
            return {key: (min(1.0, float(share)), float(when))
                    for key, (share, when) in stored.items()
                    if isinstance(key, str) and float(when) >= cutoff and float(share) > 0}
        except (ValueError, TypeError, AttributeError):
            return {}  # damaged: every host starts afresh

    def host_shares(self) -> dict[str, float]:
        """Host key -> the share of its most requests at once that the host
        still answered promptly at the end of a refresh, for hosts that
        earned more than the start (see :meth:`remember_host_shares`)."""
        return {key: share for key, (share, _) in self._stored_host_shares().items()}

    def remember_host_shares(self, shares: dict[str, float | None]) -> None:
        """Keep the shares a refresh ended with: a host given None (no more
        than the start, or showing strain) is forgotten; hosts not asked
        this time keep theirs until they are too old."""
        now = utcnow().timestamp()
        kept = {key: [share, when] for key, (share, when) in self._stored_host_shares().items()}
        for key, share in shares.items():
            if share is None:
                kept.pop(key, None)
            else:
                kept[key] = [round(share, 4), now]
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('host shares', ?)",
                       (json.dumps(kept, separators=(",", ":")),))

    def known_guids(self, source_id: int) -> frozenset[str]:
        """The ids of the stories stored for a feed."""
        return frozenset(r[0] for r in self._db.execute(
            "SELECT guid FROM stories WHERE source_id = ?", (source_id,)))

    def has_sources(self) -> bool:
        return self._db.execute("SELECT EXISTS (SELECT 1 FROM sources)").fetchone()[0] == 1

    def sources(self) -> list[Source]:
        rows = self._db.execute(
            """
            SELECT s.id, s.kind, s.title, s.url, s.site_url, s.last_error, s.last_success,
                   COUNT(t.id), COALESCE(SUM(t.read = 0), 0), s.gone
            FROM sources s LEFT JOIN stories t ON t.source_id = s.id
            GROUP BY s.id ORDER BY s.title COLLATE NOCASE
            """
        ).fetchall()
        states = {GONE: "gone", UNSUBSCRIBED: "unsubscribed"}
        return [
            Source(id=r[0], kind=r[1], title=r[2], url=r[3], site_url=r[4], last_error=r[5],
                   last_success=_row_time(r[6]), total=r[7], unread=r[8],
                   state=states.get(r[9], ""))
            for r in rows
        ]

    def record_fetch(
        self,
        source_id: int,
        *,
        error: str | None = None,
        status: int | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        title: str | None = None,
        site_url: str | None = None,
    ) -> None:
        """Note the outcome of fetching a feed (one transaction).  A feed that
        answers 410 Gone, or 404 three times in a row, is no longer polled;
        its stories stay."""
        with self.transaction() as db:
            self._record_fetch(db, source_id, error=error, status=status, etag=etag,
                               last_modified=last_modified, title=title, site_url=site_url)

    @staticmethod
    def _record_fetch(
        db: sqlite3.Connection,
        source_id: int,
        *,
        error: str | None = None,
        status: int | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        title: str | None = None,
        site_url: str | None = None,
    ) -> None:
        now = iso(utcnow())
        if error:
            missing = status in (404, 410)
            db.execute(
                """
                UPDATE sources SET last_checked = ?, last_error = ?,
                    failures = CASE WHEN ? THEN failures + 1 ELSE 0 END,
                    gone = CASE WHEN ? = 410 OR (? AND failures + 1 >= ?) THEN 1 ELSE gone END
                WHERE id = ?
                """,
                (now, clean_line(error, 300), missing, status, missing, GONE_AFTER_404S,
                 source_id),
            )
            return
        db.execute(
            """
            UPDATE sources SET last_checked = ?, last_success = ?, last_error = NULL,
                failures = 0,
                etag = ?, last_modified = ?,
                title = CASE WHEN ? != '' AND (title = '' OR title = url) THEN ? ELSE title END,
                site_url = COALESCE(?, site_url)
            WHERE id = ?
            """,
            (now, now, etag, last_modified, title or "", clean_line(title or ""),
             site_url, source_id),
        )

    def apply_updates(self, updates: Iterable[FeedUpdate]) -> None:
        """Store the outcome of fetching several feeds in one transaction
        (what :meth:`add_items` and :meth:`record_fetch` do for one); each
        update's ``new_ids`` is filled in.  One commit for many feeds costs
        far less than one each."""
        updates = list(updates)
        if not updates:
            return
        with self.transaction() as db:
            # A feed unsubscribed from while it was being fetched is left alone.
            polled = {row[0] for row in db.execute(
                "SELECT id FROM sources WHERE gone != ? AND id IN (SELECT value FROM json_each(?))",
                (UNSUBSCRIBED, json.dumps([u.source_id for u in updates])))}
            for update in updates:
                if update.source_id not in polled:
                    continue
                if update.moved_to:  # unless another source follows that address already
                    db.execute("UPDATE sources SET url = ? WHERE id = ? AND NOT EXISTS "
                               "(SELECT 1 FROM sources WHERE url = ?)",
                               (update.moved_to, update.source_id, update.moved_to))
                if update.items is None:
                    self._record_fetch(
                        db, update.source_id, error=update.error, status=update.status,
                        etag=update.etag, last_modified=update.last_modified,
                    )
                else:
                    update.new_ids = self._store_items(
                        db, update.source_id, update.items, (), etag=update.etag,
                        last_modified=update.last_modified, feed_title=update.feed_title,
                        site_url=update.site_url, content_hash=update.content_hash,
                        listed=update.listed,
                    )

    # -- stories -----------------------------------------------------------

    def add_items(
        self,
        source_id: int,
        items: Iterable[FeedItem],
        tags: Iterable[str] = (),
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        feed_title: str | None = None,
        site_url: str | None = None,
        content_hash: str | None = None,
    ) -> list[int]:
        """Store new feed items (duplicates by guid are skipped) and the
        feed's fetch state, all in one transaction.  Returns the new ids.

        The new stories, their tags and their search rows go in with one
        statement each; then the feed is pruned (see :meth:`_prune`).
        ``content_hash`` identifies the fetched document, so that the same
        document is not parsed again next time."""
        with self.transaction() as db:
            return self._store_items(
                db, source_id, items, tags, etag=etag, last_modified=last_modified,
                feed_title=feed_title, site_url=site_url, content_hash=content_hash,
            )

    def _store_items(
        self,
        db: sqlite3.Connection,
        source_id: int,
        items: Iterable[FeedItem],
        tags: Iterable[str] = (),
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        feed_title: str | None = None,
        site_url: str | None = None,
        content_hash: str | None = None,
        listed: Iterable[str] = (),
    ) -> list[int]:
        now = utcnow()
        now_text = iso(now)
        tag_names = [t for t in (clean_tag(t) for t in tags) if t]
        # New stories of a feed carry the feed's own tags (from OPML folders).
        tag_names += [t for t in self._source_tags(db, source_id) if t not in tag_names]
        rows: dict[str, tuple[Any, ...]] = {}
        former: dict[str, str] = {}  # an id stored before -> the id the item has now
        for item in items:
            title = clean_line(item.title)
            summary = clean(item.summary)
            guid = clean_line(item.guid or "", 2000) or fallback_guid(item.url, title, summary)
            if guid not in rows:  # the first of a guid wins, as before
                rows[guid] = (source_id, guid, item.url, title, clean_line(item.author),
                              iso(item.published), now_text, _sort_ts(item.published, now),
                              summary, item.content_html or "")
                if item.former_guid and item.former_guid != guid:
                    former[clean_line(item.former_guid, 2000)] = guid
        new_ids: list[int] = []
        known = {
            r[0] for r in db.execute(
                "SELECT guid FROM stories WHERE source_id = ? AND guid IN "
                "(SELECT value FROM json_each(?))",
                (source_id, json.dumps([*rows, *former])),
            )
        } if rows else set()
        for old_guid in known & former.keys():
            # Stored under its former id: it takes the new one (unless a story
            # has that already), and is known.
            guid = former[old_guid]
            if guid not in known:
                db.execute("UPDATE stories SET guid = ? WHERE source_id = ? AND guid = ?",
                           (guid, source_id, old_guid))
                known.add(guid)
        fresh = [row for guid, row in rows.items() if guid not in known]
        if fresh:
            first = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM stories").fetchone()[0]
            new_ids = list(range(first, first + len(fresh)))
            # A search row left behind under a reused id would clash.  Looked
            # for first: a DELETE on the search table, even of nothing, makes
            # FTS5 write out what it has gathered so far in this transaction,
            # which cost more than the inserts themselves.
            if db.execute("SELECT 1 FROM story_fts WHERE rowid >= ? LIMIT 1", (first,)).fetchone():
                db.execute("DELETE FROM story_fts WHERE rowid >= ?", (first,))
            db.executemany(
                "INSERT INTO stories (id, source_id, guid, url, title, author, published, "
                "fetched, sort_ts, summary, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(story_id, *row) for story_id, row in zip(new_ids, fresh)],
            )
            tag_text = ""
            if tag_names:
                tag_ids = [self._tag_id(db, name) for name in tag_names]
                db.executemany(
                    "INSERT OR IGNORE INTO story_tags (story_id, tag_id) VALUES (?, ?)",
                    [(story_id, tag_id) for story_id in new_ids for tag_id in tag_ids],
                )
                tag_text = " ".join(r[0] for r in db.execute(
                    "SELECT name FROM tags WHERE id IN (SELECT value FROM json_each(?)) "
                    "ORDER BY name COLLATE NOCASE", (json.dumps(tag_ids),)))
            # What _reindex would write for a story with no document, note
            # or highlight yet: its title, its summary and its tags.
            db.executemany(
                "INSERT INTO story_fts (rowid, title, body, tags, notes) VALUES (?, ?, ?, ?, '')",
                [(story_id, row[3], row[8], tag_text) for story_id, row in zip(new_ids, fresh)],
            )
            self._prune(db, source_id, set(rows).union(listed))
        db.execute(
            """
            UPDATE sources SET last_checked = ?, last_success = ?, last_error = NULL,
                failures = 0,
                etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified),
                content_hash = COALESCE(?, content_hash),
                title = CASE WHEN ? != '' AND (title = '' OR title = url) THEN ? ELSE title END,
                site_url = COALESCE(site_url, ?)
            WHERE id = ?
            """,
            (now_text, now_text, etag, last_modified, content_hash, feed_title or "",
             clean_line(feed_title or ""), site_url, source_id),
        )
        return new_ids

    def _prune(self, db: sqlite3.Connection, source_id: int, listed: Iterable[str]) -> int:
        """Keep at most KEEP_UNTOUCHED untouched stories of one feed.

        Untouched: not starred, no tag of its own (the feed's tags, which
        every new story of the feed gets, do not count), no highlight, no
        note; read or not.  The oldest (by sort time) go first, never one the
        feed still lists (it would come straight back as new); their search
        rows go with them.  Returns how many were deleted."""
        total = db.execute(
            "SELECT COUNT(*) FROM stories WHERE source_id = ?", (source_id,)
        ).fetchone()[0]
        if total <= KEEP_UNTOUCHED:
            return 0
        untouched = db.execute(_UNTOUCHED, (source_id,)).fetchall()
        excess = len(untouched) - KEEP_UNTOUCHED
        if excess <= 0:
            return 0
        listed = set(listed)
        doomed = [story_id for story_id, guid in untouched if guid not in listed][:excess]
        if len(doomed) < excess:  # only with more than KEEP_UNTOUCHED listed at once
            doomed += [story_id for story_id, guid in untouched if guid in listed][
                : excess - len(doomed)]
        db.executemany("DELETE FROM stories WHERE id = ?", [(i,) for i in doomed])
        db.executemany("DELETE FROM story_fts WHERE rowid = ?", [(i,) for i in doomed])
        return len(doomed)

    def add_story(
        self,
        source_id: int,
        *,
        url: str | None,
        title: str,
        document: Document | None = None,
        author: str = "",
        published: datetime | None = None,
        summary: str = "",
        guid: str | None = None,
        tags: Iterable[str] = (),
    ) -> tuple[int, bool]:
        """Store one story (a saved article); returns (id, whether it is new).
        Saving the same URL again tags the existing story instead."""
        now = utcnow()
        title = clean_line(title) or (url or "(untitled)")
        guid = guid or fallback_guid(url, title, summary)
        tag_names = [t for t in (clean_tag(t) for t in tags) if t]
        with self.transaction() as db:
            row = db.execute(
                "SELECT id FROM stories WHERE source_id = ? AND guid = ?", (source_id, guid)
            ).fetchone()
            if row:
                story_id, created = row[0], False
            else:
                story_id = db.execute(
                    """
                    INSERT INTO stories (source_id, guid, url, title, author, published, fetched,
                                         sort_ts, summary, document)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    (source_id, guid, url, title, clean_line(author), iso(published), iso(now),
                     _sort_ts(published, now), clean(summary),
                     json.dumps(document.to_json()) if document else None),
                ).lastrowid
                created = True
            if tag_names:
                self._add_tags(db, story_id, tag_names)
            self._reindex(db, story_id)
        return story_id, created

    def set_document(self, story_id: int, document: Document) -> None:
        """Store the story's text (a reading position in the old text goes)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE stories SET document = ? WHERE id = ?",
                (json.dumps(document.to_json()), story_id),
            )
            db.execute("DELETE FROM reading_positions WHERE story_id = ?", (story_id,))
            self._reindex(db, story_id)

    def document(self, story_id: int) -> Document | None:
        row = self._db.execute("SELECT document FROM stories WHERE id = ?", (story_id,)).fetchone()
        if row is None:
            raise LibraryError(f"There is no story {story_id}.")
        if not row[0]:
            return None
        try:
            return Document.from_json(json.loads(row[0]))
        except (ValueError, KeyError, TypeError):
            return None

    def story_content(self, story_id: int) -> tuple[str, str]:
        """The feed's (summary, full content HTML) of a story."""
        row = self._db.execute(
            "SELECT summary, content FROM stories WHERE id = ?", (story_id,)
        ).fetchone()
        if row is None:
            raise LibraryError(f"There is no story {story_id}.")
        return row[0], row[1]

    _STORY_COLUMNS = """
        s.id, s.source_id, src.title, s.title, s.url, s.guid, s.author, s.published, s.fetched,
        s.read, s.starred, s.document IS NOT NULL,
        (SELECT group_concat(name, char(31)) FROM (
            SELECT t.name FROM story_tags st JOIN tags t ON t.id = st.tag_id
            WHERE st.story_id = s.id ORDER BY t.name COLLATE NOCASE)),
        (SELECT COUNT(*) FROM annotations a WHERE a.story_id = s.id)
    """

    @staticmethod
    def _story_from_row(row: tuple[Any, ...], summary: str = "") -> Story:
        return Story(
            id=row[0], source_id=row[1], source_title=row[2], title=row[3], url=row[4],
            guid=row[5], author=row[6], published=_row_time(row[7]), fetched=_row_time(row[8]),
            read=bool(row[9]), starred=bool(row[10]), has_document=bool(row[11]),
            tags=tuple(row[12].split("\x1f")) if row[12] else (), annotation_count=row[13],
            summary=summary,
        )

    def existing_story_ids(self, ids: Iterable[int]) -> set[int]:
        """Those of ``ids`` that are stories of the library."""
        return {row[0] for row in self._db.execute(
            "SELECT id FROM stories WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(set(ids))),))}

    def story(self, story_id: int) -> Story:
        row = self._db.execute(
            f"SELECT {self._STORY_COLUMNS}, s.summary FROM stories s "
            "JOIN sources src ON src.id = s.source_id WHERE s.id = ?",
            (story_id,),
        ).fetchone()
        if row is None:
            raise LibraryError(f"There is no story {story_id}.")
        return self._story_from_row(row[:-1], row[-1])

    def story_at(self, url: str, kinds: tuple[str, ...] = ()) -> int | None:
        """The id of the newest story at ``url`` (of a source of one of
        ``kinds``, when given), if any.  With no index on addresses, every
        story's address is read (a tenth of a second at 100,000): for the
        command line, or for the few saved and bundled stories."""
        where = "url = ?"
        if kinds:
            where += (" AND source_id IN (SELECT id FROM sources WHERE kind IN "
                      f"({', '.join('?' * len(kinds))}))")
        row = self._db.execute(f"SELECT id FROM stories WHERE {where} ORDER BY id DESC LIMIT 1",
                               (url, *kinds)).fetchone()
        return row[0] if row else None

    def _source_ids_named(self, name: str) -> list[int]:
        """Ids of the sources whose title contains ``name``, in any case."""
        needle = name.casefold()
        return [
            source_id
            for source_id, title in self._db.execute("SELECT id, title FROM sources")
            if needle in (title or "").casefold()
        ]

    def _terms(self, query: Query, bounds: tuple[int, int] | None = None,
               ) -> list[tuple[str, str, list[Any]]]:
        """The query as terms, in the order they are written into SQL:
        ``("in", ids, params)``, the story is in a set of ids; ``("not in",
        ids, params)``, it is not; ``("row", condition, params)``, a condition
        on the story's own columns (``s.``).  Each set is one column ``id``
        that its index gives in id order (from the full-text index, the tag
        index, the annotations index); with ``bounds`` (low, high) only the
        ids in that range."""

        def ids(select: str, column: str, condition: str,
                params: list[Any]) -> tuple[str, list[Any]]:
            conditions = [condition] if condition else []
            if bounds is not None:
                conditions.append(f"{column} BETWEEN ? AND ?")
                params = [*params, *bounds]
            return select + (" WHERE " + " AND ".join(conditions) if conditions else ""), params

        terms: list[tuple[str, str, list[Any]]] = []
        fts = ("SELECT rowid AS id FROM story_fts", "rowid", "story_fts MATCH ?")
        match = query.fts_match()
        if match:
            terms.append(("in", *ids(*fts, [match])))
        exclude = query.fts_exclude()
        if exclude:
            terms.append(("not in", *ids(*fts, [exclude])))
        tagged = ("SELECT story_id AS id FROM story_tags", "story_id",
                  "tag_id = (SELECT id FROM tags WHERE name = ? COLLATE NOCASE)")
        terms += [("in", *ids(*tagged, [name])) for name in query.tags]
        terms += [("not in", *ids(*tagged, [name])) for name in query.not_tags]
        if query.read is not None:
            terms.append(("row", "s.read = ?", [int(query.read)]))
        if query.starred is not None:
            terms.append(("row", "s.starred = ?", [int(query.starred)]))
        wanted_sources: list[list[int]] = [[i] for i in query.source_ids]
        wanted_sources += [self._source_ids_named(n) for n in query.sources]
        for source_ids in wanted_sources:
            terms.append(("row", "s.source_id IN (SELECT value FROM json_each(?))",
                          [json.dumps(source_ids)]))
        unwanted = set(query.not_source_ids)
        for name in query.not_sources:
            unwanted.update(self._source_ids_named(name))
        if unwanted:
            terms.append(("row", "s.source_id NOT IN (SELECT value FROM json_each(?))",
                          [json.dumps(sorted(unwanted))]))
        kind = {True: "in", False: "not in"}
        if query.has_highlights is not None:
            terms.append((kind[query.has_highlights],
                          *ids("SELECT DISTINCT story_id AS id FROM annotations", "story_id",
                               "", [])))
        if query.has_notes is not None:
            # Both halves come from small indexes (stories_with_note is
            # partial): s.note itself sits in the wide row, after the article.
            noted, noted_params = ids("SELECT story_id AS id FROM annotations", "story_id",
                                      "note != ''", [])
            own, own_params = ids("SELECT id FROM stories", "id", "note != ''", [])
            terms.append((kind[query.has_notes], f"SELECT id FROM ({noted} UNION {own})",
                          [*noted_params, *own_params]))
        return terms

    @staticmethod
    def _merged(keep: list[tuple[str, list[Any]]], leave: list[tuple[str, list[Any]]],
                ) -> tuple[str, list[Any]]:
        """One set of ids from several: in every set of ``keep``, in none of
        ``leave``.  Each comes from its index in id order, and SQLite merges
        them side by side (ORDER BY on the compound), so no set is first
        built in memory: a prefix found in 70,000 stories costs one pass over
        its ids, not 70,000 insertions.  LIMIT -1 (no limit) keeps SQLite
        from dropping that ORDER BY when the set is joined."""
        sql = " INTERSECT ".join(s for s, _ in keep) + "".join(f" EXCEPT {s}" for s, _ in leave)
        params = [p for _, set_params in [*keep, *leave] for p in set_params]
        if len(keep) + len(leave) > 1:
            sql += " ORDER BY 1 LIMIT -1"
        return sql, params

    def _rows_set(self, rows: list[tuple[str, list[Any]]],
                  bounds: tuple[int, int] | None = None) -> tuple[str, list[Any]]:
        """Row conditions (is:, source:) as one more set of ids: a pass over
        the narrow id index (over the ids within ``bounds``)."""
        conditions = [sql for sql, _ in rows]
        params = [p for _, row_params in rows for p in row_params]
        if bounds is not None:
            conditions.append("s.id BETWEEN ? AND ?")
            params += bounds
        return (f"SELECT s.id FROM stories s{self._index('stories_id_state')} WHERE "
                + " AND ".join(conditions), params)

    def _where(self, query: Query, bounds: tuple[int, int] | None = None,
               merge_rows: bool = False) -> tuple[str, list[Any]]:
        # The sets a query names become one set of ids (_merged), which the
        # planner builds once: then it looks its few stories up by id, or
        # tests each story it walks against it.  Never a correlated subquery
        # run per story: a count over 100,000 stories costs one pass over an
        # index, not 100,000 probes.  ``bounds`` (low, high): only the stories
        # with ids in that range are asked about, so the sets hold only those.
        # ``merge_rows``: the row conditions join the merged set (worth it
        # when the sets hold most stories and the conditions few of them).
        terms = self._terms(query, bounds)
        keep = [(sql, p) for kind, sql, p in terms if kind == "in"]
        leave = [(sql, p) for kind, sql, p in terms if kind == "not in"]
        rows = [(sql, p) for kind, sql, p in terms if kind == "row"]
        clauses: list[str] = []
        params: list[Any] = []
        if keep and rows and merge_rows:
            keep, rows = [*keep, self._rows_set(rows, bounds)], []
        if keep:
            sql, set_params = self._merged(keep, leave)
            clauses.append(f"s.id IN ({sql})")
            params += set_params
        else:
            for sql, set_params in leave:
                clauses.append(f"s.id NOT IN ({sql})")
                params += set_params
        for sql, row_params in rows:
            clauses.append(sql)
            params += row_params
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    # Whether ensure_search_indexes' indexes exist (None: not looked yet), and
    # recent counts, each valid while the file is unchanged.
    _search_indexes: bool | None = None
    _counts: dict[tuple[Any, ...], tuple[tuple[int, int], Any]] | None = None
    _strays: tuple[tuple[int, int], bool] | None = None

    def _indexes_ready(self) -> bool:
        if self._search_indexes is None:
            names = {r[0] for r in self._db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'stories'")}
            self._search_indexes = {"stories_time_state", "stories_id_state"} <= names
        return self._search_indexes

    @staticmethod
    def _has_positive_set(query: Query) -> bool:
        """Whether the query names a set of stories to start from (words, a
        tag, highlights) rather than only filtering every story."""
        return bool(query.fts_match() or query.tags or query.has_notes
                    or query.has_highlights)

    def _one_exclusion(self, query: Query) -> tuple[Query, Query, str, list[Any]] | None:
        """For a query whose only set is one exclusion (``-tag:x``, ``-word``,
        ``-has:notes`` …): the query without it, the query with it turned
        round, and SQL for the excluded set's size."""
        if self._has_positive_set(query):
            return None
        fts_terms = len(query.not_words) + len(query.not_phrases) + len(query.not_in_columns)
        sets = (len(query.not_tags) + (query.has_notes is False)
                + (query.has_highlights is False) + (1 if fts_terms else 0))
        if sets != 1 or fts_terms > 1:
            return None
        if query.not_tags:
            without = replace(query, not_tags=[])
            turned = replace(query, not_tags=[], tags=list(query.not_tags))
            return without, turned, (
                "SELECT COUNT(*) FROM story_tags WHERE tag_id = "
                "(SELECT id FROM tags WHERE name = ? COLLATE NOCASE)"), [query.not_tags[0]]
        if query.has_notes is False:
            return (replace(query, has_notes=None), replace(query, has_notes=True),
                    "SELECT COUNT(DISTINCT story_id) FROM annotations WHERE note != ''", [])
        if query.has_highlights is False:
            return (replace(query, has_highlights=None), replace(query, has_highlights=True),
                    "SELECT COUNT(DISTINCT story_id) FROM annotations", [])
        without = replace(query, not_words=[], not_phrases=[], not_in_columns=[])
        turned = replace(without, words=list(query.not_words), phrases=list(query.not_phrases),
                         in_columns=list(query.not_in_columns))
        return (without, turned,
                "SELECT COUNT(*) FROM story_fts WHERE story_fts MATCH ?", [query.fts_exclude()])

    def _count_index(self, query: Query) -> str:
        """Look a set's members up by id, or pass over every story once:
        either way in a narrow index, never in the wide story rows."""
        if not self._indexes_ready() or self._by_source(query):
            return ""
        if self._has_positive_set(query):
            return " INDEXED BY stories_id_state"
        return " INDEXED BY stories_time_state"

    def _by_source(self, query: Query) -> bool:
        """Whether the stories of named sources are the place to start
        (the schema's source index holds them newest first)."""
        return bool(query.source_ids or query.sources) and not self._has_positive_set(query)

    def _file_version(self) -> tuple[int, int]:
        """Changes whenever the file does, from this connection or another."""
        return (self._db.execute("PRAGMA data_version").fetchone()[0], self._db.total_changes)

    def _index(self, name: str) -> str:
        return f" INDEXED BY {name}" if self._indexes_ready() else ""

    def _stray_search_rows(self) -> bool:
        """Whether the full-text table holds rows whose story is gone (left by
        an older broadsheet, or by hand): then a count of matching rows is
        not a count of stories.  One merged pass over both id lists (FTS5's
        own table of row sizes holds one narrow row per indexed story): about
        10 ms for 100,000 stories, repeated only when the file changed."""
        version = self._file_version()
        if self._strays is not None and self._strays[0] == version:
            return self._strays[1]
        try:
            strays = self._db.execute(
                "SELECT COUNT(*) FROM (SELECT id FROM story_fts_docsize EXCEPT "
                f"SELECT id FROM stories{self._index('stories_id_state')} "
                "ORDER BY 1 LIMIT 1)").fetchone()[0] > 0
        except sqlite3.Error:
            strays = True
        self._strays = (version, strays)
        return strays

    # The newest ids a set's share of the stories is estimated from, and the
    # share from which a query's row filters (is:, source:) are merged in as
    # one more pass over every story rather than looked up story by story.
    SAMPLE_IDS = 2_000
    DENSE_SHARE = 0.15

    def _share(self, query: Query) -> float:
        """About what share of the stories the query's sets hold (its row
        filters aside), judged from the newest ids: cheap, and only a guide
        for choosing a plan, never for a result."""
        key = ("share", repr(query))
        version = self._file_version()
        if self._counts is not None and key in self._counts and self._counts[key][0] == version:
            return self._counts[key][1]
        share = self._measure_share(query)
        if self._counts is None or len(self._counts) > 32:
            self._counts = {}
        self._counts[key] = (version, share)
        return share

    def _measure_share(self, query: Query) -> float:
        high = self._db.execute("SELECT MAX(id) FROM stories").fetchone()[0]
        if high is None:
            return 0.0
        bounds = (max(0, high - self.SAMPLE_IDS + 1), high)
        terms = self._terms(query, bounds)
        keep = [(s, p) for k, s, p in terms if k == "in"]
        if not keep:
            return 1.0
        sql, params = self._merged(keep, [(s, p) for k, s, p in terms if k == "not in"])
        found = self._db.execute(f"SELECT COUNT(*) FROM ({sql})", params).fetchone()[0]
        present = self._db.execute(
            f"SELECT COUNT(*) FROM stories{self._index('stories_id_state')} "
            "WHERE id BETWEEN ? AND ?", bounds).fetchone()[0]
        return found / present if present else 0.0

    def _count_sql(self, query: Query, bounds: tuple[int, int] | None = None,
                   ) -> tuple[str, list[Any]]:
        """The count of ``query``'s stories as one statement; with ``bounds``
        (low, high), of those whose ids are in that range, for a query that
        names a set (a word, a tag …)."""
        terms = self._terms(query, bounds)
        keep = [(sql, p) for kind, sql, p in terms if kind == "in"]
        if not keep:
            where, params = self._where(query)
            return f"SELECT COUNT(*) FROM stories s{self._count_index(query)}{where}", params
        leave = [(sql, p) for kind, sql, p in terms if kind == "not in"]
        rows = [(sql, p) for kind, sql, p in terms if kind == "row"]
        by_id = self._index("stories_id_state")
        if rows and self._share(query) > self.DENSE_SHARE:
            # Most stories are in the sets (a short prefix, a big tag): the
            # row filters become one more merged set, a pass over the narrow
            # index, instead of a lookup for every member.
            sql, params = self._merged([*keep, self._rows_set(rows, bounds)], leave)
            return f"SELECT COUNT(*) FROM ({sql})", params
        # Tags and highlights belong to stories that exist (foreign keys);
        # full-text rows should too, and are checked.
        only_words = not (query.tags or query.has_notes or query.has_highlights)
        if rows or (only_words and self._stray_search_rows()):
            where, params = self._where(query, bounds)
            return f"SELECT COUNT(*) FROM stories s{by_id}{where}", params
        # Nothing but sets: count the merged set itself (words alone: the
        # full-text index counts its matches without any story row).
        sql, params = self._merged(keep, leave)
        return f"SELECT COUNT(*) FROM ({sql})", params

    def _count(self, query: Query) -> int:
        if self._indexes_ready():
            split = self._one_exclusion(query)
            if split is not None:
                # Excluding a set smaller than half the library: count
                # everything, then take away the few in the set.
                without, turned, size_sql, size_params = split
                size = self._db.execute(size_sql, size_params).fetchone()[0]
                if size * 2 < self._count(Query()):
                    return self._count(without) - self._count(turned)
        key = (repr(query), self._indexes_ready())
        version = self._file_version()
        if self._counts is None or len(self._counts) > 32:
            self._counts = {}
        cached = self._counts.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        count = self._split_count(query)
        if count is None:
            sql, params = self._count_sql(query)
            count = self._db.execute(sql, params).fetchone()[0]
        self._counts[key] = (version, count)
        return count

    # A costly count over at least this many ids is split in two ranges of
    # ids counted at once, on two connections, when there are two CPUs to
    # run them (SQLite runs without the interpreter's lock).  Costly: a
    # phrase (FTS5 reads the positions of every word of it in every story
    # that has them all, and "of the" is in nearly every story), or words
    # found in more than SPLIT_SHARE of the stories along with other
    # conditions (each match is then looked at again).  Words alone are
    # counted from the index at once: never split.
    SPLIT_FROM = 20_000
    SPLIT_SHARE = 0.5

    def _split_count(self, query: Query) -> int | None:
        """The count of a costly query in two halves, or None when it is not
        worth it (or not possible: inside a transaction, whose changes the
        other connection would not see)."""
        # (A positive full-text term: the halves are sets of ids, see _count_sql.)
        if not query.fts_match() or self._db.in_transaction or usable_cpus() < 2:
            return None
        # (Two subqueries: MIN and MAX together would read every row.)
        low, high = self._db.execute(
            "SELECT (SELECT MIN(id) FROM stories), (SELECT MAX(id) FROM stories)").fetchone()
        if high is None or high - low < self.SPLIT_FROM:
            return None
        phrases = query.phrases or any(term.phrase for term in query.in_columns)
        if not phrases:
            alone = not self._has_rows(query) and not (
                query.tags or query.not_tags or query.has_notes is not None
                or query.has_highlights is not None)
            if alone or self._share(query) <= self.SPLIT_SHARE:
                return None
        middle = (low + high) // 2
        first_sql, first_params = self._count_sql(query, (low, middle))
        second_sql, second_params = self._count_sql(query, (middle + 1, high))
        helper = self._helper()
        outcome: dict[str, Any] = {}

        def count_first() -> None:
            try:
                outcome["count"] = helper.execute(first_sql, first_params).fetchone()[0]
            except BaseException as error:  # noqa: BLE001 - raised below, on this thread
                outcome["error"] = error

        import threading

        thread = threading.Thread(target=count_first, name="broadsheet-count", daemon=True)
        thread.start()
        try:
            second = self._db.execute(second_sql, second_params).fetchone()[0]
        finally:
            thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["count"] + second

    _helper_db: sqlite3.Connection | None = None

    def _helper(self) -> sqlite3.Connection:
        """A second, read-only connection to the file, for another thread."""
        if self._helper_db is None:
            uri = self.path.resolve().as_uri() + "?mode=ro"
            helper = sqlite3.connect(uri, uri=True, isolation_level=None,
                                     check_same_thread=False)
            helper.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._helper_db = helper
        return self._helper_db

    def count_stories(self, query: Query | str = "") -> int:
        if isinstance(query, str):
            query = parse_query(query)
        return self._count(query)

    @staticmethod
    def _has_sets(query: Query) -> bool:
        return bool(query.fts_match() or query.fts_exclude() or query.tags or query.not_tags
                    or query.has_notes is not None or query.has_highlights is not None)

    @staticmethod
    def _has_rows(query: Query) -> bool:
        return query.read is not None or query.starred is not None or bool(
            query.source_ids or query.sources or query.not_source_ids or query.not_sources)

    def _page_plan(self, query: Query, reach: int, matches: int,
                   total: int) -> tuple[str, int | None, bool]:
        """How to find the first ``reach`` matches in list order: the index
        to read (walk the time index, or look the matches up by id and sort
        them), how many of the first stories in list order to look among
        (None: all of them), and whether the row conditions join the sets.

        The first ``reach`` matches lie about among the first
        reach * total / matches stories.  Twice as many are looked among
        (more if they fall short), and each set is asked only about their
        ids: a narrow range when ids follow time, as they mostly do.  A query
        with only exclusions walks; one with a set looks its members up,
        among those stories when that is less work than among all.  Rough
        work per story of the library, in microseconds: reading the full-text
        index 0.05, looking up a member 0.7; a window adds 0.2 per story in
        it, and merging the row conditions in 0.06 per story of the library.
        """
        window = int(2 * reach * total / max(1, matches)) + reach
        if not self._has_positive_set(query):
            return " INDEXED BY stories_time_state", (window if window < total else None), False
        rows = self._has_rows(query)
        share = self._share(query) if rows else matches / total
        merge_rows = rows and share > self.DENSE_SHARE
        per_story = (0.05 if query.fts_match() else 0.0) + (
            0.06 + 0.15 * share if merge_rows else 0.7 * share)
        bounded = window < total * per_story / (per_story + 0.2)
        return " INDEXED BY stories_id_state", (window if bounded else None), merge_rows

    def _window(self, size: int, order: str) -> tuple[tuple[int, int], str, list[Any]] | None:
        """The first ``size`` stories in list order (``order`` DESC: newest
        first) and any others sharing the last one's time: the condition
        that keeps them, and a range that holds their ids.  The range is
        exact at the far end; at the near end it is simply the end of all
        ids (stepping over index entries is cheap, reading each one's id is
        not).  None when there are no more stories than that."""
        edge = self._db.execute(
            "SELECT sort_ts FROM stories INDEXED BY stories_time_state "
            f"ORDER BY sort_ts {order}, id {order} LIMIT 1 OFFSET ?", (size - 1,)).fetchone()
        if edge is None:
            return None
        (sort_ts,) = edge
        if order == "DESC":
            low = self._db.execute("SELECT MIN(id) FROM stories INDEXED BY stories_time_state "
                                   "WHERE sort_ts >= ?", (sort_ts,)).fetchone()[0]
            high = self._db.execute("SELECT MAX(id) FROM stories").fetchone()[0]
            return (low, high), "s.sort_ts >= ?", [sort_ts]
        low = self._db.execute("SELECT MIN(id) FROM stories").fetchone()[0]
        high = self._db.execute("SELECT MAX(id) FROM stories INDEXED BY stories_time_state "
                                "WHERE sort_ts <= ?", (sort_ts,)).fetchone()[0]
        return (low, high), "s.sort_ts <= ?", [sort_ts]

    def stories(self, query: Query | str = "", offset: int = 0, limit: int = 200) -> list[Story]:
        """Stories newest first."""
        if isinstance(query, str):
            query = parse_query(query)
        offset, limit = max(0, offset), max(0, limit)
        # OFFSET walks every row before the page, so a page past the middle
        # is read from the oldest end instead (the last page of 100,000
        # stories walks 200 rows, not 99,800); the count, usually just asked
        # for by the list, says where the middle is.
        order = "DESC"
        matches: int | None = None
        if offset > 0:
            matches = self._count(query)
            if matches <= offset:
                return []
            if offset * 2 > matches:
                end = min(matches, offset + limit)
                order, offset, limit = "ASC", matches - end, end - offset
        index = ""
        window: int | None = None
        merge_rows = False
        if self._indexes_ready() and not self._by_source(query):
            # Row conditions alone (is:unread): walk the time index until the
            # page is full.  With sets (words, tags …) the count, usually just
            # asked for by the list, says where to look (_page_plan).
            index = " INDEXED BY stories_time_state"
            if self._has_sets(query):
                if matches is None:
                    matches = self._count(query)
                if matches <= offset:
                    return []
                index, window, merge_rows = self._page_plan(
                    query, offset + limit, matches, self._count(Query()))
        while True:
            bounds, edge, edge_params = None, "", []
            if window is not None:
                found = self._window(window, order)
                if found is None:
                    window = None
                else:
                    bounds, edge, edge_params = found
            where, params = self._where(query, bounds, merge_rows)
            if edge:
                where = (f"{where} AND " if where else " WHERE ") + edge
            # The page's ids first, from the filters and a narrow index alone;
            # the wide columns (tags, counts, state stored after the article)
            # only for the rows shown, not for every match.
            rows = self._db.execute(
                "WITH page AS MATERIALIZED ("
                f"SELECT s.id, s.sort_ts FROM stories s{index}{where} "
                f"ORDER BY s.sort_ts {order}, s.id {order} LIMIT ? OFFSET ?) "
                f"SELECT {self._STORY_COLUMNS} FROM page JOIN stories s ON s.id = page.id "
                "JOIN sources src ON src.id = s.source_id "
                "ORDER BY page.sort_ts DESC, page.id DESC",
                [*params, *edge_params, limit, offset],
            ).fetchall()
            # A full page from the first stories is the page; a short one
            # may be short only of stories past them: look further.
            if window is None or len(rows) >= limit:
                return [self._story_from_row(row) for row in rows]
            window *= 4

    def set_read(self, story_id: int, read: bool = True) -> None:
        with self.transaction() as db:
            self._require_story(db, story_id)
            db.execute("UPDATE stories SET read = ? WHERE id = ?", (int(read), story_id))

    def set_starred(self, story_id: int, starred: bool = True) -> None:
        with self.transaction() as db:
            self._require_story(db, story_id)
            db.execute("UPDATE stories SET starred = ? WHERE id = ?", (int(starred), story_id))

    def mark_read(self, query: Query | str = "") -> int:
        """Mark every story ``query`` finds read (one transaction); returns how many changed."""
        return self.set_state(query, read=True)

    def set_state(self, query: Query | str | None = "", ids: Iterable[int] | None = None, *,
                  read: bool | None = None, starred: bool | None = None) -> int:
        """Set read and/or starred on every story ``query`` finds, or on the
        stories ``ids`` (one transaction); returns how many changed."""
        changes = [(column, int(value)) for column, value in (("read", read), ("starred", starred))
                   if value is not None]
        if not changes:
            return 0
        assignments = ", ".join(f"{column} = ?" for column, _ in changes)
        differs = " OR ".join(f"{column} != ?" for column, _ in changes)
        values = [value for _, value in changes]
        if ids is not None:
            chosen, params = "SELECT value FROM json_each(?)", [json.dumps(sorted(set(ids)))]
        else:
            where, params = self._where(parse_query(query or "") if not isinstance(query, Query) else query)
            chosen = f"SELECT s.id FROM stories s{where}"
        with self.transaction() as db:
            cursor = db.execute(
                f"UPDATE stories SET {assignments} WHERE ({differs}) AND id IN ({chosen})",
                [*values, *values, *params],
            )
            return cursor.rowcount

    # Indexes that keep the state filters (is:unread, is:starred) and the
    # unread tag counts fast on large libraries.  Without them SQLite must read
    # every story row, past its stored article, to learn whether it was read.
    SEARCH_INDEXES = (
        # Newest first with every filter column: a search walks it until the
        # page is full, and a count passes over it once.
        "CREATE INDEX IF NOT EXISTS stories_time_state ON stories "
        "(sort_ts DESC, id DESC, read, starred, source_id)",
        # The same by id: a search for a few matches looks each one up here.
        "CREATE INDEX IF NOT EXISTS stories_id_state ON stories "
        "(id, sort_ts, read, starred, source_id)",
    )

    def ensure_search_indexes(self) -> None:
        """Create the search indexes if they are missing (one transaction; a
        no-op once they exist).  The schema version does not change: they
        only speed queries up."""
        with self.transaction() as db:
            for statement in self.SEARCH_INDEXES:
                db.execute(statement)
        self._search_indexes = None

    # -- tags --------------------------------------------------------------

    @staticmethod
    def _require_story(db: sqlite3.Connection, story_id: int) -> None:
        if db.execute("SELECT 1 FROM stories WHERE id = ?", (story_id,)).fetchone() is None:
            raise LibraryError(f"There is no story {story_id}.")

    @staticmethod
    def _tag_id(db: sqlite3.Connection, name: str) -> int:
        row = db.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()
        if row:
            return row[0]
        return db.execute("INSERT INTO tags (name) VALUES (?)", (name,)).lastrowid

    def _add_tags(self, db: sqlite3.Connection, story_id: int, names: Iterable[str]) -> None:
        for name in names:
            db.execute(
                "INSERT OR IGNORE INTO story_tags (story_id, tag_id) VALUES (?, ?)",
                (story_id, self._tag_id(db, name)),
            )

    @staticmethod
    def _tags_of(db: sqlite3.Connection, story_id: int) -> tuple[str, ...]:
        rows = db.execute(
            "SELECT t.name FROM story_tags st JOIN tags t ON t.id = st.tag_id "
            "WHERE st.story_id = ? ORDER BY t.name COLLATE NOCASE",
            (story_id,),
        ).fetchall()
        return tuple(r[0] for r in rows)

    @staticmethod
    def _normalise_tags(names: Iterable[str]) -> list[str]:
        seen: dict[str, str] = {}
        for name in names:
            tag = clean_tag(name)
            if tag and tag.casefold() not in seen:
                seen[tag.casefold()] = tag
        return list(seen.values())

    def set_tags(self, story_id: int, names: Iterable[str]) -> tuple[str, ...]:
        """Replace a story's tags; returns them as stored."""
        wanted = self._normalise_tags(names)
        with self.transaction() as db:
            self._require_story(db, story_id)
            db.execute("DELETE FROM story_tags WHERE story_id = ?", (story_id,))
            self._add_tags(db, story_id, wanted)
            self._drop_unused_tags(db)
            self._reindex(db, story_id)
            return self._tags_of(db, story_id)

    def add_tags(self, story_id: int, names: Iterable[str]) -> tuple[str, ...]:
        wanted = self._normalise_tags(names)
        with self.transaction() as db:
            self._require_story(db, story_id)
            self._add_tags(db, story_id, wanted)
            self._reindex(db, story_id)
            return self._tags_of(db, story_id)

    def remove_tags(self, story_id: int, names: Iterable[str]) -> tuple[str, ...]:
        unwanted = self._normalise_tags(names)
        with self.transaction() as db:
            self._require_story(db, story_id)
            for name in unwanted:
                db.execute(
                    "DELETE FROM story_tags WHERE story_id = ? AND tag_id = "
                    "(SELECT id FROM tags WHERE name = ?)",
                    (story_id, name),
                )
            self._drop_unused_tags(db)
            self._reindex(db, story_id)
            return self._tags_of(db, story_id)

    @staticmethod
    def _drop_unused_tags(db: sqlite3.Connection) -> None:
        """Forget tags that no story and no source carries any more."""
        db.execute(
            "DELETE FROM tags WHERE NOT EXISTS "
            "(SELECT 1 FROM story_tags st WHERE st.tag_id = tags.id) AND NOT EXISTS "
            "(SELECT 1 FROM source_tags so WHERE so.tag_id = tags.id)"
        )

    @staticmethod
    def _existing_tag(db: sqlite3.Connection, name: str) -> tuple[int, str]:
        row = db.execute(
            "SELECT id, name FROM tags WHERE name = ? COLLATE NOCASE", (clean_tag(name),)
        ).fetchone()
        if row is None:
            raise LibraryError(f"There is no tag {clean_tag(name)!r}.")
        return row[0], row[1]

    @staticmethod
    def _stories_tagged(db: sqlite3.Connection, tag_id: int) -> list[int]:
        return [r[0] for r in db.execute(
            "SELECT story_id FROM story_tags WHERE tag_id = ? ORDER BY story_id", (tag_id,)
        )]

    def rename_tag(self, old: str, new: str) -> int:
        """Rename a tag on every story; returns how many stories carry it.

        When ``new`` names another tag already, the two merge: the stories get
        that tag (keeping its spelling) and no story holds it twice.  Changing
        only the case of a name is a plain rename."""
        target = clean_tag(new)
        if not target:
            raise LibraryError("A tag name cannot be empty.")
        with self.transaction() as db:
            old_id, _ = self._existing_tag(db, old)
            story_ids = self._stories_tagged(db, old_id)
            row = db.execute(
                "SELECT id FROM tags WHERE name = ? COLLATE NOCASE AND id != ?", (target, old_id)
            ).fetchone()
            if row is None:
                db.execute("UPDATE tags SET name = ? WHERE id = ?", (target, old_id))
            else:
                db.execute(
                    "INSERT OR IGNORE INTO story_tags (story_id, tag_id) "
                    "SELECT story_id, ? FROM story_tags WHERE tag_id = ?",
                    (row[0], old_id),
                )
                if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                              "AND name = 'source_tags'").fetchone():
                    # Sources tagged with the old name keep the tag too.
                    db.execute(
                        "INSERT OR IGNORE INTO source_tags (source_id, tag_id) "
                        "SELECT source_id, ? FROM source_tags WHERE tag_id = ?",
                        (row[0], old_id),
                    )
                db.execute("DELETE FROM story_tags WHERE tag_id = ?", (old_id,))
                db.execute("DELETE FROM tags WHERE id = ?", (old_id,))
            for story_id in story_ids:
                self._reindex(db, story_id)
        return len(story_ids)

    def delete_tag(self, name: str) -> int:
        """Take a tag off every story and forget it; returns how many stories had it."""
        with self.transaction() as db:
            tag_id, _ = self._existing_tag(db, name)
            story_ids = self._stories_tagged(db, tag_id)
            db.execute("DELETE FROM story_tags WHERE tag_id = ?", (tag_id,))
            db.execute("DELETE FROM tags WHERE id = ?", (tag_id,))
            for story_id in story_ids:
                self._reindex(db, story_id)
        return len(story_ids)

    def tag_counts(self, query: Query | str = "") -> list[tuple[str, int, int]]:
        """(name, stories, unread stories) for every tag on a story that the
        search ``query`` finds (all stories when empty), by name."""
        if isinstance(query, str):
            query = parse_query(query)
        names = {tag_id: name for tag_id, name in self._db.execute("SELECT id, name FROM tags")}
        if query.is_empty:
            # Every tag's stories straight from the tag index; the unread ones
            # from the unread stories, which are usually the fewer.
            totals = dict(self._db.execute(
                "SELECT t.id, (SELECT COUNT(*) FROM story_tags st WHERE st.tag_id = t.id) "
                "FROM tags t"))
            query = Query(read=False)
            unread_where, unread_params = self._where(query)
            unread = dict(self._db.execute(
                f"SELECT st.tag_id, COUNT(*) FROM stories s{self._count_index(query)} "
                f"JOIN story_tags st ON st.story_id = s.id{unread_where} GROUP BY st.tag_id",
                unread_params,
            ))
            rows = [(names[t], n, unread.get(t, 0)) for t, n in totals.items() if n]
        else:
            # The matching stories once (id and read state from a narrow
            # index), then their tags.
            where, params = self._where(query)
            rows = [
                (names[t], n, u) for t, n, u in self._db.execute(
                    "WITH hit AS MATERIALIZED (SELECT s.id, s.read FROM stories s"
                    f"{self._count_index(query)}{where}) "
                    "SELECT st.tag_id, COUNT(*), COALESCE(SUM(hit.read = 0), 0) "
                    "FROM hit JOIN story_tags st ON st.story_id = hit.id GROUP BY st.tag_id",
                    params,
                ) if t in names
            ]
        return sorted(rows, key=lambda row: (row[0].casefold(), row[0]))

    def all_tags(self) -> list[tuple[str, int]]:
        return [
            (name, count)
            for name, count in self._db.execute(
                "SELECT t.name, COUNT(st.story_id) FROM tags t "
                "LEFT JOIN story_tags st ON st.tag_id = t.id "
                "GROUP BY t.id ORDER BY t.name COLLATE NOCASE"
            )
        ]

    # -- annotations -------------------------------------------------------

    _ANNOTATION_COLUMNS = (
        'id, story_id, uuid, exact, prefix, suffix, start, "end", note, color, '
        "created, updated, orphaned"
    )

    @staticmethod
    def _annotation_from_row(row: tuple[Any, ...]) -> Annotation:
        return Annotation(
            id=row[0], story_id=row[1], uuid=row[2],
            quote=TextQuoteSelector(row[3], row[4], row[5]),
            position=TextPositionSelector(row[6], row[7]),
            note=row[8], color=row[9], created=_row_time(row[10]),
            updated=_row_time(row[11]), orphaned=bool(row[12]),
        )

    def add_annotation(
        self,
        story_id: int,
        quote: TextQuoteSelector,
        position: TextPositionSelector,
        note: str = "",
        color: str = "yellow",
    ) -> Annotation:
        import uuid as uuidlib  # (only here: loading it costs a start 6 ms)

        now = iso(utcnow())
        with self.transaction() as db:
            self._require_story(db, story_id)
            annotation_id = db.execute(
                f"INSERT INTO annotations ({self._ANNOTATION_COLUMNS}) "
                "VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                (story_id, str(uuidlib.uuid4()), quote.exact, quote.prefix, quote.suffix,
                 position.start, position.end, clean(note), color, now, now),
            ).lastrowid
            self._reindex(db, story_id)
            row = db.execute(
                f"SELECT {self._ANNOTATION_COLUMNS} FROM annotations WHERE id = ?",
                (annotation_id,),
            ).fetchone()
        return self._annotation_from_row(row)

    def annotations(self, story_id: int) -> list[Annotation]:
        rows = self._db.execute(
            f"SELECT {self._ANNOTATION_COLUMNS} FROM annotations WHERE story_id = ? "
            "ORDER BY start, id",
            (story_id,),
        ).fetchall()
        return [self._annotation_from_row(r) for r in rows]

    def annotation(self, annotation_id: int) -> Annotation:
        row = self._db.execute(
            f"SELECT {self._ANNOTATION_COLUMNS} FROM annotations WHERE id = ?", (annotation_id,)
        ).fetchone()
        if row is None:
            raise LibraryError(f"There is no annotation {annotation_id}.")
        return self._annotation_from_row(row)

    def set_note(self, annotation_id: int, note: str) -> None:
        with self.transaction() as db:
            row = db.execute(
                "SELECT story_id FROM annotations WHERE id = ?", (annotation_id,)
            ).fetchone()
            if row is None:
                raise LibraryError(f"There is no annotation {annotation_id}.")
            db.execute(
                "UPDATE annotations SET note = ?, updated = ? WHERE id = ?",
                (clean(note), iso(utcnow()), annotation_id),
            )
            self._reindex(db, row[0])

    def delete_annotation(self, annotation_id: int) -> None:
        with self.transaction() as db:
            row = db.execute(
                "SELECT story_id FROM annotations WHERE id = ?", (annotation_id,)
            ).fetchone()
            if row is None:
                raise LibraryError(f"There is no annotation {annotation_id}.")
            db.execute("DELETE FROM annotations WHERE id = ?", (annotation_id,))
            self._reindex(db, row[0])

    def story_note(self, story_id: int) -> str:
        row = self._db.execute("SELECT note FROM stories WHERE id = ?", (story_id,)).fetchone()
        if row is None:
            raise LibraryError(f"There is no story {story_id}.")
        return row[0]

    def reading_position(self, story_id: int) -> int:
        """The block (paragraph) of the story's text the reader was on when it
        was left; 0 for the top."""
        row = self._db.execute(
            "SELECT block FROM reading_positions WHERE story_id = ?", (story_id,)).fetchone()
        return row[0] if row else 0

    def set_reading_position(self, story_id: int, block: int) -> None:
        """Remember where the reader is in a story (0, the top, is remembered
        as nothing).  A story that is gone is left alone."""
        with self.transaction() as db:
            if block > 0:
                db.execute(
                    "INSERT INTO reading_positions (story_id, block, updated) "
                    "SELECT id, ?, ? FROM stories WHERE id = ? "
                    "ON CONFLICT (story_id) DO UPDATE SET block = excluded.block, "
                    "updated = excluded.updated",
                    (block, iso(utcnow()), story_id))
            else:
                db.execute("DELETE FROM reading_positions WHERE story_id = ?", (story_id,))

    def set_story_note(self, story_id: int, note: str) -> None:
        """A note on the whole story, not tied to a passage."""
        with self.transaction() as db:
            self._require_story(db, story_id)
            db.execute("UPDATE stories SET note = ? WHERE id = ?", (clean(note), story_id))
            self._reindex(db, story_id)

    def set_annotation_color(self, annotation_id: int, color: str) -> None:
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE annotations SET color = ?, updated = ? WHERE id = ?",
                (clean_line(color, 30), iso(utcnow()), annotation_id),
            )
            if not cursor.rowcount:
                raise LibraryError(f"There is no annotation {annotation_id}.")

    def restore_annotation(self, annotation: Annotation) -> Annotation:
        """Put back a deleted highlight exactly as it was (undo)."""
        with self.transaction() as db:
            self._require_story(db, annotation.story_id)
            db.execute(
                f"INSERT OR REPLACE INTO annotations ({self._ANNOTATION_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (annotation.id, annotation.story_id, annotation.uuid, annotation.quote.exact,
                 annotation.quote.prefix, annotation.quote.suffix, annotation.position.start,
                 annotation.position.end, annotation.note, annotation.color,
                 iso(annotation.created), iso(annotation.updated), int(annotation.orphaned)),
            )
            self._reindex(db, annotation.story_id)
        return self.annotation(annotation.id)

    def annotations_page(
        self, query: Query | str = "", offset: int = 0, limit: int = 200
    ) -> list[tuple[Annotation, Story]]:
        """Every highlight and note, newest first, with its story.  Words and
        phrases match the highlight's quote or note; tag:, source:, is: and
        has: filter by the story."""
        if isinstance(query, str):
            query = parse_query(query)
        words, phrases = list(query.words), list(query.phrases)
        story_query = Query(**{**query.__dict__, "words": [], "phrases": []})
        where, params = self._where(story_query)
        clauses = [where[len(" WHERE "):]] if where else []
        for term in [*words, *phrases]:
            clauses.append("(a.exact LIKE ? ESCAPE '\\' OR a.note LIKE ? ESCAPE '\\')")
            like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            params += [like, like]
        condition = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = self._db.execute(
            f"SELECT a.id FROM annotations a JOIN stories s ON s.id = a.story_id{condition} "
            "ORDER BY a.created DESC, a.id DESC LIMIT ? OFFSET ?",
            [*params, max(0, limit), max(0, offset)],
        ).fetchall()
        result = []
        stories: dict[int, Story] = {}
        for (annotation_id,) in rows:
            annotation = self.annotation(annotation_id)
            if annotation.story_id not in stories:
                stories[annotation.story_id] = self.story(annotation.story_id)
            result.append((annotation, stories[annotation.story_id]))
        return result

    def source_tags(self, source_id: int) -> list[str]:
        return self._source_tags(self._db, source_id)

    @staticmethod
    def _source_tags(db: sqlite3.Connection, source_id: int) -> list[str]:
        return [
            row[0] for row in db.execute(
                "SELECT t.name FROM source_tags so JOIN tags t ON t.id = so.tag_id "
                "WHERE so.source_id = ? ORDER BY t.name COLLATE NOCASE",
                (source_id,),
            )
        ]

    def move_annotation(
        self, annotation_id: int, quote: TextQuoteSelector | None,
        position: TextPositionSelector | None,
    ) -> None:
        """Re-anchor a highlight after its story's text changed; ``None``
        marks it orphaned (kept, never dropped)."""
        with self.transaction() as db:
            if quote is None or position is None:
                db.execute("UPDATE annotations SET orphaned = 1 WHERE id = ?", (annotation_id,))
                return
            db.execute(
                'UPDATE annotations SET exact = ?, prefix = ?, suffix = ?, start = ?, "end" = ?, '
                "orphaned = 0 WHERE id = ?",
                (quote.exact, quote.prefix, quote.suffix, position.start, position.end,
                 annotation_id),
            )

    # -- search index ------------------------------------------------------

    def _reindex(self, db: sqlite3.Connection, story_id: int) -> None:
        """Bring the story's full-text row in step, inside the caller's transaction."""
        row = db.execute(
            "SELECT title, summary, document, note FROM stories WHERE id = ?", (story_id,)
        ).fetchone()
        db.execute("DELETE FROM story_fts WHERE rowid = ?", (story_id,))
        if row is None:
            return
        title, summary, document_json, story_note = row
        body = summary
        if document_json:
            try:
                body = Document.from_json(json.loads(document_json)).plain_text()
            except (ValueError, KeyError, TypeError):
                pass
        tags = " ".join(self._tags_of(db, story_id))
        notes = "\n".join([story_note, *(
            r[0] for r in db.execute(
                "SELECT exact || ' ' || note FROM annotations WHERE story_id = ?", (story_id,)
            )
        )])
        db.execute(
            "INSERT INTO story_fts (rowid, title, body, tags, notes) VALUES (?, ?, ?, ?, ?)",
            (story_id, title, body, tags, notes),
        )

    # -- everything --------------------------------------------------------

    def export_all(self) -> dict[str, Any]:
        """The whole library as plain data (the project's JSON export)."""
        db = self._db
        sources = [
            {"id": r[0], "kind": r[1], "url": r[2], "title": r[3], "site_url": r[4],
             "last_success": r[5], "last_error": r[6], "tags": self.source_tags(r[0]),
             **({"unsubscribed": True} if r[7] == UNSUBSCRIBED else {})}
            for r in db.execute(
                "SELECT id, kind, url, title, site_url, last_success, last_error, gone "
                "FROM sources ORDER BY id"
            ).fetchall()
        ]
        stories = []
        positions = dict(db.execute("SELECT story_id, block FROM reading_positions"))
        for r in db.execute(
            "SELECT id, source_id, guid, url, title, author, published, fetched, summary, "
            "document, read, starred, note FROM stories ORDER BY id"
        ):
            story_id = r[0]
            position = positions.get(story_id, 0) if r[9] else 0
            stories.append({
                "id": story_id, "source_id": r[1], "guid": r[2], "url": r[3], "title": r[4],
                "author": r[5], "published": r[6], "fetched": r[7], "summary": r[8],
                "document": json.loads(r[9]) if r[9] else None,
                "read": bool(r[10]), "starred": bool(r[11]), "note": r[12],
                "tags": list(self._tags_of(db, story_id)),
                **({"position": position} if position else {}),
                "annotations": [
                    {
                        "uuid": a.uuid, "exact": a.quote.exact, "prefix": a.quote.prefix,
                        "suffix": a.quote.suffix, "start": a.position.start,
                        "end": a.position.end, "note": a.note, "color": a.color,
                        "created": iso(a.created), "updated": iso(a.updated),
                        "orphaned": a.orphaned,
                    }
                    for a in self.annotations(story_id)
                ],
            })
        return {
            "format": "broadsheet-library",
            "version": 1,
            "schema_version": self.schema_version,
            "exported": iso(utcnow()),
            "sources": sources,
            "stories": stories,
        }
