"""newsboat's own files: its ``urls`` list and its ``cache.db``.

``urls`` (``~/.newsboat/urls`` or ``~/.config/newsboat/urls``): one feed per
line, its URL and then its tags; a ``"~Name"`` token names the feed, a token
starting with ``!`` hides it in newsboat (it is followed here like the
others).  ``query:`` feeds are saved searches, and ``exec:`` and ``filter:``
feeds run a command: they are reported and skipped, and no command is run.

``cache.db`` (``~/.newsboat/cache.db`` or ``~/.local/share/newsboat/``): an
SQLite file with every item newsboat kept.  Items keep their guid (so a
refresh does not bring them back as new), read state, author, date and
content; newsboat's flags (letters) become tags ``flag-X``.  An item
deleted in newsboat comes in read (left out, the next refresh would bring
it back as new while the feed still lists it).  The file is only read, a
batch of items at a time, so a cache of a gigabyte does not have to fit in
memory.

Pure code like :mod:`broadsheet.exchange.importers`: files in, records out.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from html import escape, unescape
from collections.abc import Collection, Iterator
from pathlib import Path

from broadsheet.exchange.importers import (
    ImportFormatError,
    _add_tags,
    _from_unix,
    _parse_date,
    _shown,
    _web_url,
)
from broadsheet.exchange.records import ImportBatch, ImportedFeed, ImportedStory
from broadsheet.sanitize import clean, clean_line

FORMAT = "newsboat"
BATCH = 500  # items per batch (and per transaction when they are stored)

_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"?|(\S+)')
_ESCAPE = re.compile(r"\\(.)")
_COMMANDS = {"exec:": "an exec: feed runs a command", "filter:": "a filter: feed runs a command"}
_NEWSBOAT_FEEDS = ("query:", *_COMMANDS)  # feeds of newsboat's own, not addresses


def _tokens(line: str) -> list[str]:
    """A urls line split as newsboat splits it: on spaces, with "double
    quoted" tokens (backslash escapes inside) kept whole."""
    out = []
    for match in _TOKEN.finditer(line):
        quoted, bare = match.group(1), match.group(2)
        out.append(_ESCAPE.sub(r"\1", quoted) if quoted is not None else bare)
    return out


def looks_like_urls(text: str) -> bool:
    """Whether ``text`` reads as a newsboat urls file (every line a feed or a
    comment, at least one feed)."""
    feeds = 0
    for line in text.splitlines()[:500]:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        first = _tokens(line)[0].lower()
        if not first.startswith(("http://", "https://", *_NEWSBOAT_FEEDS)):
            return False
        feeds += 1
    return feeds > 0


def parse_urls(text: str) -> ImportBatch:
    batch = ImportBatch(format=FORMAT)
    seen: set[str] = set()
    newsboat_lines = 0  # query:, exec: and filter: feeds
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        where = f"line {number}"
        tokens = _tokens(stripped)
        first = tokens[0]
        if first.lower().startswith(_NEWSBOAT_FEEDS):
            newsboat_lines += 1
        if first.lower().startswith("query:"):
            name = first.split(":", 2)[1] if first.count(":") >= 2 else first[6:]
            batch.problems.append(f"{where}: the query feed {_shown(name, 60)} is a saved search in newsboat; "
                                  "search with / instead (skipped)")
            continue
        command = next((why for prefix, why in _COMMANDS.items() if first.lower().startswith(prefix)), None)
        if command is not None:
            batch.problems.append(f"{where}: {command}, which broadsheet never does (skipped)")
            continue
        url = _web_url(first)
        if url is None:
            batch.problems.append(f"{where}: {_shown(first, 80)} is not a web address (skipped)")
            continue
        if url in seen:
            continue
        seen.add(url)
        feed = ImportedFeed(url=url)
        for token in tokens[1:]:
            if token.startswith("~"):
                feed.title = clean_line(token[1:], 300)
            elif not token.startswith("!"):  # !: hidden in newsboat's list
                _add_tags(feed.tags, token)
        batch.feeds.append(feed)
    if not batch.feeds and not newsboat_lines:
        raise ImportFormatError("not a newsboat urls file: no line starts with a feed's address")
    return batch


# -- cache.db --------------------------------------------------------------------

# The text of an item's HTML, for search and the list's preview: tags out,
# paragraphs apart.  Regular expressions, not a parser: a cache holds tens of
# thousands of items, and the reader lays out the HTML itself when one is opened.
_UNSEEN = re.compile(r"<(script|style|template)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_BLOCK = re.compile(r"</?(?:p|div|br|li|blockquote|pre|tr|h[1-6]|section|article|figure|ul|ol|table)\b[^>]*>",
                    re.I)
_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def html_text(markup: str) -> str:
    """The plain text of an HTML fragment, paragraphs apart, sanitised."""
    if "<" in markup or "&" in markup:
        text = _TAG.sub("", _BLOCK.sub("\n\n", _UNSEEN.sub(" ", markup)))
        markup = unescape(text)
    paragraphs = (" ".join(part.split()) for part in re.split(r"\n\s*\n", clean(markup)))
    return "\n\n".join(p for p in paragraphs if p)


def _content_html(content: str, mime: str | None) -> str:
    if mime and mime.strip().lower() == "text/plain":
        parts = [p.strip() for p in re.split(r"\n\s*\n", content) if p.strip()]
        return clean("".join(f"<p>{escape(p)}</p>" for p in parts))
    return clean(content)


def _guid(guid: str, url: str) -> str:
    """newsboat's id of an item: its guid, or for an item without one, its
    link followed by its date as the feed wrote it.  That second kind is
    given as the link alone, the id broadsheet's feed reader gives it."""
    if url and guid != url and guid.startswith(url) and _parse_date(guid[len(url):]) is not None:
        return url
    return guid


@contextlib.contextmanager
def _reading() -> Iterator[None]:
    """An SQLite error while reading the cache, as one line."""
    try:
        yield
    except sqlite3.Error as error:
        raise ImportFormatError(f"cannot read this newsboat cache: {error}") from None


class NewsboatCache:
    """A newsboat cache.db, open read-only.  ``feeds()`` first, then
    ``batches()`` of stories."""

    def __init__(self, path: Path) -> None:
        with _reading():
            self._db = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
            tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"rss_feed", "rss_item"} <= tables:
            self._db.close()
            raise ImportFormatError("an SQLite file, but not a newsboat cache.db (it has no rss_item table)")
        self._columns = {row[1] for row in self._db.execute("PRAGMA table_info(rss_item)")}
        self.problems: list[str] = []
        self.items_read = 0  # by batches(), so far

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "NewsboatCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def count(self) -> int:
        """Items to import."""
        with _reading():
            return self._db.execute("SELECT COUNT(*) FROM rss_item").fetchone()[0]

    def take_problems(self) -> list[str]:
        """What was found wrong so far (and forget it)."""
        problems, self.problems = self.problems, []
        return problems

    def _feed_rows(self) -> list[tuple[str, str, str]]:
        with _reading():
            return self._db.execute("SELECT rssurl, url, title FROM rss_feed ORDER BY rowid").fetchall()

    def name_feeds(self, feeds: list[ImportedFeed]) -> None:
        """Give the urls file's feeds that it does not name the title (and
        site) newsboat last saw."""
        known = {rssurl: (site, title) for rssurl, site, title in self._feed_rows()}
        for feed in feeds:
            site, title = known.get(feed.url, ("", ""))
            if not feed.title:
                feed.title = clean_line(title or "", 300)
            site_url = _web_url(site)
            if feed.site_url is None and site_url != feed.url:
                feed.site_url = site_url

    def feeds(self, listed: Collection[str] | None = None) -> list[ImportedFeed]:
        """The cache's feeds.  With ``listed`` (the feeds of the urls file
        imported with it), those are left to it, and the others, dropped
        from the urls file since, keep their stories without being followed."""
        out = []
        for rssurl, site, title in self._feed_rows():
            url = _web_url(rssurl)
            if url is None:
                self.problems.append(f"feed {_shown(rssurl, 80)}: not a web address, its items skipped")
                continue
            if listed is not None and url in listed:
                continue
            site_url = _web_url(site)
            out.append(ImportedFeed(url=url, title=clean_line(title or "", 300),
                                    site_url=site_url if site_url != url else None,
                                    unsubscribed=listed is not None))
        return out

    def batches(self, size: int | None = None) -> Iterator[ImportBatch]:
        """The items, oldest first, ``size`` (BATCH) at a time."""
        size = size or BATCH
        wanted = ("guid", "title", "author", "url", "feedurl", "pubDate", "content", "unread", "flags",
                  "deleted", "content_mime_type")
        present = [c for c in wanted if c in self._columns]
        with _reading():
            cursor = self._db.execute(f"SELECT {', '.join(present)} FROM rss_item ORDER BY id")
            while True:
                rows = cursor.fetchmany(size)
                if not rows:
                    return
                self.items_read += len(rows)
                batch = ImportBatch(format=FORMAT, problems=self.take_problems())
                for row in rows:
                    story = self._story(dict(zip(present, row)), batch)
                    if story is not None:
                        batch.stories.append(story)
                yield batch

    def _story(self, item: dict, batch: ImportBatch) -> ImportedStory | None:
        feed_url = _web_url(item.get("feedurl"))
        if feed_url is None:
            return None  # an exec:/filter: feed's item (its feed was reported)
        raw_url = str(item.get("url") or "").strip()
        url = _web_url(raw_url)
        guid = _guid(str(item.get("guid") or ""), raw_url)
        if not guid and url is None:
            batch.problems.append(f"item {_shown(item.get('title'), 60)}: no id and no link (skipped)")
            return None
        content = str(item.get("content") or "")
        story = ImportedStory(
            url=url,
            title=clean_line(str(item.get("title") or ""), 1000),
            author=clean_line(str(item.get("author") or ""), 300),
            published=_from_unix(item.get("pubDate")) if item.get("pubDate") else None,
            read=not item.get("unread", 1) or bool(item.get("deleted")),
            summary=html_text(content),
            content_html=_content_html(content, item.get("content_mime_type")),
            guid=clean_line(guid, 2000) or None,
            feed_url=feed_url,
        )
        _add_tags(story.tags, [f"flag-{letter}" for letter in str(item.get("flags") or "") if letter.isalpha()])
        return story
