"""Store an import (OPML, read-later exports, broadsheet's own JSON).

The whole batch is one transaction.  Importing the same file twice adds
nothing twice: feeds are unique by URL, stories by (source, guid), and
highlights by their uuid (a stable one is derived when the format has none).
"""

from __future__ import annotations

import json
import sqlite3
import uuid as uuidlib
from dataclasses import dataclass, field

from broadsheet.exchange.records import ImportBatch, ImportedHighlight, ImportedStory
from broadsheet.library.store import SAVED_TITLE, UNSUBSCRIBED, Library, _sort_ts, fallback_guid
from broadsheet.model import BUNDLED, FEED, SAVED, Document, iso, utcnow
from broadsheet.sanitize import clean, clean_line, clean_tag

_NAMESPACE = uuidlib.UUID("6f1d3c52-8a4e-4d0b-9d43-2b7f0c6e9a11")


@dataclass(slots=True)
class ImportReport:
    feeds_added: int = 0
    feeds_known: int = 0
    stories_added: int = 0
    stories_known: int = 0
    highlights_added: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: "ImportReport") -> None:
        """Count in a report of the same import's next batch."""
        self.feeds_added += other.feeds_added
        self.feeds_known += other.feeds_known
        self.stories_added += other.stories_added
        self.stories_known += other.stories_known
        self.highlights_added += other.highlights_added
        self.problems += other.problems

    def summary(self) -> str:
        parts = [
            f"{self.feeds_added} new feed{'s' if self.feeds_added != 1 else ''}",
            f"{self.stories_added} new stor{'ies' if self.stories_added != 1 else 'y'}",
            f"{self.highlights_added} new highlight{'s' if self.highlights_added != 1 else ''}",
        ]
        known = self.feeds_known + self.stories_known
        text = "Imported " + ", ".join(parts)
        if known:
            text += f" ({known} already in the library)"
        if self.problems:
            text += f"; {len(self.problems)} skipped"
        return text + "."


def import_batch(library: Library, batch: ImportBatch) -> ImportReport:
    report = ImportReport(problems=list(batch.problems))
    now = utcnow()
    with library.transaction() as db:
        sources: dict[tuple[str, str | None], int] = {}
        for feed in batch.feeds:
            source_id, created = _feed_source(db, feed.url, feed.title, feed.site_url, now)
            sources[(FEED, feed.url)] = source_id
            if created:
                report.feeds_added += 1
                if feed.unsubscribed:
                    db.execute("UPDATE sources SET gone = ? WHERE id = ?", (UNSUBSCRIBED, source_id))
                if feed.last_success or feed.last_error:
                    db.execute(
                        "UPDATE sources SET last_success = ?, last_error = ? WHERE id = ?",
                        (iso(feed.last_success), feed.last_error, source_id),
                    )
            elif not feed.unsubscribed and Library._poll_again(db, source_id):
                report.feeds_added += 1  # unsubscribed from, or gone: followed again
            else:
                report.feeds_known += 1
            if not created and feed.title:  # a feed never fetched yet is named by its URL
                db.execute("UPDATE sources SET title = ? WHERE id = ? AND title = url",
                           (clean_line(feed.title), source_id))
            for tag in feed.tags:
                name = clean_tag(tag)
                if name:
                    db.execute(
                        "INSERT OR IGNORE INTO source_tags (source_id, tag_id) VALUES (?, ?)",
                        (source_id, library._tag_id(db, name)),
                    )
        feed_tags: dict[int, list[str]] = {}
        for story in batch.stories:
            source_id = _story_source(library, db, story, sources, now)
            story_id, created = _store_story(db, source_id, story, now)
            if story.position:
                db.execute("INSERT OR IGNORE INTO reading_positions (story_id, block, updated) "
                           "VALUES (?, ?, ?)", (story_id, story.position, iso(now)))
            if created:
                report.stories_added += 1
            else:
                report.stories_known += 1
            names = [t for t in (clean_tag(t) for t in story.tags) if t]
            if created and story.feed_url:  # as a refresh gives a new story its feed's tags
                if source_id not in feed_tags:
                    feed_tags[source_id] = library._source_tags(db, source_id)
                names += [t for t in feed_tags[source_id] if t not in names]
            if names:
                library._add_tags(db, story_id, names)
            for highlight in story.highlights:
                if _store_highlight(db, story_id, story, highlight, now):
                    report.highlights_added += 1
            library._reindex(db, story_id)
    return report


def _feed_source(db: sqlite3.Connection, url: str, title: str, site_url: str | None,
                 now) -> tuple[int, bool]:
    row = db.execute("SELECT id FROM sources WHERE url = ?", (url,)).fetchone()
    if row:
        return row[0], False
    cursor = db.execute(
        "INSERT INTO sources (kind, url, title, site_url, created) VALUES (?, ?, ?, ?, ?)",
        (FEED, url, clean_line(title) or url, site_url, iso(now)),
    )
    return cursor.lastrowid, True


def _story_source(library: Library, db: sqlite3.Connection, story: ImportedStory,
                  sources: dict[tuple[str, str | None], int], now) -> int:
    if story.feed_url:
        key = (FEED, story.feed_url)
        if key not in sources:
            sources[key] = _feed_source(db, story.feed_url, story.source_title or "", None, now)[0]
        return sources[key]
    kind = BUNDLED if story.source_kind == BUNDLED else SAVED
    title = (story.source_title or SAVED_TITLE) if kind == BUNDLED else SAVED_TITLE
    key = (kind, title)
    if key not in sources:
        row = db.execute(
            "SELECT id FROM sources WHERE kind = ? AND (? = 'saved' OR title = ?) "
            "ORDER BY id LIMIT 1",
            (kind, kind, title),
        ).fetchone()
        if row is None:
            row = (db.execute(
                "INSERT INTO sources (kind, title, created) VALUES (?, ?, ?)",
                (kind, title, iso(now)),
            ).lastrowid,)
        sources[key] = row[0]
    return sources[key]


def _store_story(db: sqlite3.Connection, source_id: int, story: ImportedStory,
                 now) -> tuple[int, bool]:
    title = clean_line(story.title) or story.url or "(untitled)"
    summary = clean(story.summary)
    guid = clean_line(story.guid or "", 2000) or fallback_guid(story.url, title, summary)
    row = db.execute(
        "SELECT id FROM stories WHERE source_id = ? AND guid = ?", (source_id, guid)
    ).fetchone()
    if row:
        return row[0], False
    fetched = story.fetched or story.added or now
    document = None
    if story.document:
        try:
            document = json.dumps(Document.from_json(story.document).to_json())
        except (KeyError, TypeError, ValueError):
            document = None
    cursor = db.execute(
        """
        INSERT INTO stories (source_id, guid, url, title, author, published, fetched, sort_ts,
                             summary, content, document, read, starred, note)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        (source_id, guid, story.url, title, clean_line(story.author), iso(story.published),
         iso(fetched), _sort_ts(story.published, fetched), summary, story.content_html or "",
         document, int(story.read), int(story.starred), clean(story.note)),
    )
    return cursor.lastrowid, True


def _store_highlight(db: sqlite3.Connection, story_id: int, story: ImportedStory,
                     highlight: ImportedHighlight, now) -> bool:
    quote = clean(highlight.quote)
    if not quote.strip():
        return False
    identity = highlight.uuid or str(uuidlib.uuid5(
        _NAMESPACE, f"{story.url}\x00{story.guid}\x00{quote}\x00{highlight.note}"))
    placed = highlight.start is not None and highlight.end is not None
    created = iso(highlight.created or now)
    cursor = db.execute(
        """
        INSERT OR IGNORE INTO annotations (uuid, story_id, exact, prefix, suffix, start, "end",
                                           note, color, orphaned, created, updated)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        (identity, story_id, quote, clean(highlight.prefix), clean(highlight.suffix),
         highlight.start if placed else 0, highlight.end if placed else 0,
         clean(highlight.note), highlight.color or "yellow",
         int(highlight.orphaned or not placed), created, iso(highlight.updated) or created),
    )
    return cursor.rowcount > 0
