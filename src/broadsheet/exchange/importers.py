"""Read other programs' exports (and broadsheet's own) into an :class:`ImportBatch`.

Pure code: file bytes in, records out.  Nothing here touches the library or
the network.  Every piece of text is sanitised on its way into a record.

Formats (``FORMATS``):

``opml``        subscription lists; folders and ``category`` values become tags
``json``        broadsheet's own library export (``broadsheet-library``, version 1)
``pocket``      Pocket CSV export and Pocket's older HTML export
``instapaper``  Instapaper CSV export (4, 5 or 6 columns)
``omnivore``    Omnivore ``metadata_*.json``
``wallabag``    wallabag v1 and v2 JSON exports
``readwise``    Readwise highlights CSV and Readwise Reader library CSV
``newsboat``    newsboat's ``urls`` file (and its ``cache.db``: see
                :mod:`broadsheet.exchange.newsboat`, which reads it from its file)

A row or item that cannot be imported is reported in ``ImportBatch.problems``
as one line (``line N: reason`` for CSV and HTML, ``item N: reason`` for
JSON) and skipped; the rest of the file is imported.  A file that is not of
the requested format at all raises :class:`ImportFormatError`.
"""

from __future__ import annotations

import ast
import codecs
import csv
import hashlib
import html as _html
import io
import json
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from html.entities import html5 as _HTML5
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from broadsheet.exchange.records import (
    ImportBatch,
    ImportedFeed,
    ImportedHighlight,
    ImportedStory,
)
from broadsheet.model import Document, parse_iso
from broadsheet.sanitize import clean, clean_line, clean_tag

__all__ = [
    "FORMATS",
    "ImportFormatError",
    "guess_format",
    "parse_import",
]

FORMATS = ("opml", "json", "pocket", "instapaper", "omnivore", "wallabag", "readwise", "newsboat")

HIGHLIGHT_COLOURS = ("yellow", "green", "blue", "pink")
# How an SQLite file starts (a newsboat cache.db); the library has its own
# copy (broadsheet.library.store), which this layer may not import.
SQLITE_MAGIC = b"SQLite format 3\x00"
_COLOUR_ALIASES = {"orange": "yellow", "purple": "pink", "red": "pink", "violet": "pink"}

# Exports can hold whole articles in one CSV cell.
csv.field_size_limit(64 * 1024 * 1024)


class ImportFormatError(Exception):
    """The file is not of the requested format, or cannot be read at all.

    ``str(error)`` is one line, safe to show.
    """

    def __init__(self, message: str) -> None:
        super().__init__(clean_line(message, 300))


# ---------------------------------------------------------------------------
# Shared helpers


def _decode(data: bytes | str) -> str:
    """Bytes to text: BOM first, then UTF-8, then Windows-1252 (spreadsheets)."""
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


_NOT_IN_URLS = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def _web_url(value: object) -> str | None:
    """An absolute http(s) URL, stripped, or None."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or _NOT_IN_URLS.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def _shown(value: object, limit: int = 80) -> str:
    """A value quoted for a problem message."""
    return repr(clean_line(value, limit))


def _add_tags(tags: list[str], values: object) -> None:
    """Append cleaned tags, skipping empty ones and case-insensitive repeats."""
    if values is None:
        return
    if isinstance(values, str):
        values = [values]
    seen = {t.casefold() for t in tags}
    for value in values:  # type: ignore[union-attr]
        tag = clean_tag(value)
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)


def _split_tags(value: object, sep: str = ",") -> list[str]:
    if not isinstance(value, str):
        return []
    return [part for part in (p.strip() for p in value.split(sep)) if part]


def _list_tags(value: object) -> list[str]:
    """Tags written as a JSON/Python list literal or as comma-separated text."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, (str, int, float))]
    if not isinstance(value, str):
        return []
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        for loader in (json.loads, ast.literal_eval):
            try:
                loaded = loader(text)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                continue
            if isinstance(loaded, (list, tuple)):
                return [str(v) for v in loaded if isinstance(v, (str, int, float))]
        text = text[1:-1]
        return [t.strip().strip("'\"") for t in text.split(",") if t.strip().strip("'\"")]
    return _split_tags(text)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _from_unix(value: object) -> datetime | None:
    """Unix seconds (or milliseconds) to an aware UTC datetime; None if unreadable."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    if number != number or number <= 0:
        return None
    if number > 1e11:  # milliseconds
        number /= 1000.0
    try:
        return datetime.fromtimestamp(number, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


_TZ_BASIC = re.compile(r"([+-]\d\d)(\d\d)$")


def _parse_date(value: object) -> datetime | None:
    """ISO 8601 (also ``+0200`` and a space separator), RFC 822 or Unix time."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _from_unix(value)
    text = str(value).strip()
    if not text:
        return None
    if re.fullmatch(r"\d{9,13}(\.\d+)?", text):
        return _from_unix(text)
    iso_text = _TZ_BASIC.sub(r"\1:\2", text)
    try:
        return _utc(datetime.fromisoformat(iso_text.replace("Z", "+00:00")))
    except ValueError:
        pass
    moment = parse_iso(iso_text)
    if moment is not None:
        return _utc(moment)
    try:
        return _utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%B %d, %Y %I:%M %p",
                "%b %d, %Y %I:%M %p", "%B %d, %Y", "%Y-%m-%d"):
        try:
            return _utc(datetime.strptime(text, fmt))
        except ValueError:
            continue
    return None


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y", "on")
    return bool(value)


def _colour(value: object) -> str:
    name = clean_line(value, 30).lower()
    name = _COLOUR_ALIASES.get(name, name)
    return name if name in HIGHLIGHT_COLOURS else "yellow"


# ---------------------------------------------------------------------------
# CSV


def _csv_records(text: str) -> Iterator[tuple[int, list[str] | None, str]]:
    """Yield ``(start line, row, error)`` for each record of a CSV text.

    The start line is the 1-based line of the file where the record begins
    (quoted cells may span lines).  ``row`` is None when the csv module
    could not read the record; ``error`` then says why.
    """
    text = text.replace("\x00", "")
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    previous_end = 0
    while True:
        start = previous_end + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if reader.line_num <= previous_end:  # no progress: give up
                yield start, None, str(error)
                return
            previous_end = reader.line_num
            yield start, None, str(error)
            continue
        previous_end = reader.line_num
        yield start, row, ""


class _CsvTable:
    """A CSV file with a header row, read record by record."""

    def __init__(self, text: str) -> None:
        self.records = _csv_records(text)
        self.header: list[str] = []
        for line, row, _error in self.records:
            if row and any(cell.strip() for cell in row):
                self.header = [_header_key(c) for c in row]
                self.header_line = line
                break

    def rows(self, problems: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
        for line, row, error in self.records:
            if row is None:
                problems.append(f"line {line}: unreadable CSV ({clean_line(error, 100)}), skipped")
                continue
            if not any(cell.strip() for cell in row):
                continue
            yield line, {
                key: (row[i] if i < len(row) else "") for i, key in enumerate(self.header)
            }


def _header_key(cell: str) -> str:
    return re.sub(r"\s+", " ", cell.replace("\ufeff", "")).strip().lower()


def _csv_header(text: str) -> list[str]:
    for _line, row, _error in _csv_records(text[:65536]):
        if row and any(c.strip() for c in row):
            return [_header_key(c) for c in row]
        if row is None:
            return []
    return []


def _require(header: list[str], needed: tuple[str, ...], what: str) -> None:
    missing = [n for n in needed if n not in header]
    if missing:
        raise ImportFormatError(
            f"not {what}: the header lacks {', '.join(missing)}"
        )


def _story_url(value: object, where: str, problems: list[str]) -> str | None:
    """The story's URL, or None after reporting why the row is skipped."""
    url = _web_url(value)
    if url is None:
        if isinstance(value, str) and value.strip():
            problems.append(f"{where}: URL {_shown(value)} is not an http(s) URL, skipped")
        else:
            problems.append(f"{where}: no URL, skipped")
    return url


# ---------------------------------------------------------------------------
# Pocket


def _parse_pocket(text: str) -> ImportBatch:
    head = text.lstrip()[:4096].lower()
    if head.startswith("<") and ("<html" in head or "<!doctype" in head or "<h1" in head
                                 or "<ul" in head):
        return _parse_pocket_html(text)
    return _parse_pocket_csv(text)


def _parse_pocket_csv(text: str) -> ImportBatch:
    batch = ImportBatch(format="pocket")
    table = _CsvTable(text)
    _require(table.header, ("url",), "a Pocket CSV export")
    for line, row in table.rows(batch.problems):
        where = f"line {line}"
        url = _story_url(row.get("url"), where, batch.problems)
        if url is None:
            continue
        story = ImportedStory(url=url, title=clean_line(row.get("title", "")))
        raw_time = row.get("time_added", "").strip()
        story.added = _from_unix(raw_time)
        if raw_time and story.added is None:
            batch.problems.append(f"{where}: unreadable time_added {_shown(raw_time)}, ignored")
        _add_tags(story.tags, _split_tags(row.get("tags", ""), "|"))
        status = row.get("status", "").strip().lower()
        story.read = status in ("archive", "archived", "read")
        batch.stories.append(story)
    return batch


def _parse_pocket_html(text: str) -> ImportBatch:
    batch = ImportBatch(format="pocket")
    try:
        root = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError) as error:
        raise ImportFormatError(f"unreadable Pocket HTML export: {error}") from None
    read = False
    found_section = False
    for element in root.iter("h1", "h2", "a"):
        if element.tag in ("h1", "h2"):
            heading = clean_line(element.text_content()).lower()
            found_section = True
            read = "archive" in heading or heading == "read"
            continue
        href = element.get("href")
        if href is None:
            continue
        where = f"line {element.sourceline}" if element.sourceline else "a link"
        url = _story_url(href, where, batch.problems)
        if url is None:
            continue
        story = ImportedStory(url=url, title=clean_line(element.text_content()), read=read)
        raw_time = (element.get("time_added") or "").strip()
        story.added = _from_unix(raw_time)
        if raw_time and story.added is None:
            batch.problems.append(f"{where}: unreadable time_added {_shown(raw_time)}, ignored")
        _add_tags(story.tags, _split_tags(element.get("tags") or ""))
        batch.stories.append(story)
    if not found_section and not batch.stories:
        raise ImportFormatError("not a Pocket HTML export: no Unread/Read Archive sections")
    return batch


# ---------------------------------------------------------------------------
# Instapaper

_INSTAPAPER_FOLDERS = {"unread": None, "archive": "read", "starred": "starred"}


def _parse_instapaper(text: str) -> ImportBatch:
    batch = ImportBatch(format="instapaper")
    table = _CsvTable(text)
    _require(table.header, ("url",), "an Instapaper CSV export")
    for line, row in table.rows(batch.problems):
        where = f"line {line}"
        url = _story_url(row.get("url"), where, batch.problems)
        if url is None:
            continue
        story = ImportedStory(url=url, title=clean_line(row.get("title", "")))
        folder = clean_line(row.get("folder", ""), 200)
        kind = _INSTAPAPER_FOLDERS.get(folder.lower(), "tag") if folder else None
        if kind == "read":
            story.read = True
        elif kind == "starred":
            story.starred = True
        elif kind == "tag":
            _add_tags(story.tags, folder)
        raw_time = row.get("timestamp", "").strip()
        if raw_time:
            story.added = _from_unix(raw_time)
            if story.added is None:
                batch.problems.append(f"{where}: unreadable Timestamp {_shown(raw_time)}, ignored")
        raw_tags = row.get("tags", "").strip()
        if raw_tags:
            try:
                tags = json.loads(raw_tags, strict=False)
            except ValueError:
                tags = None
            if isinstance(tags, str):
                tags = [tags]
            if not isinstance(tags, list):
                batch.problems.append(
                    f"{where}: Tags {_shown(raw_tags)} is not a JSON list, read as comma-separated"
                )
                tags = _list_tags(raw_tags)
            _add_tags(story.tags, [t for t in tags if isinstance(t, (str, int, float))])
        selection = clean(row.get("selection", "")).strip()
        if selection:
            story.highlights.append(ImportedHighlight(quote=selection, created=story.added))
        batch.stories.append(story)
    return batch


# ---------------------------------------------------------------------------
# JSON exports


def _load_json(text: str, what: str) -> Any:
    try:
        return json.loads(text, strict=False)
    except json.JSONDecodeError as error:
        raise ImportFormatError(
            f"not {what}: invalid JSON at line {error.lineno} column {error.colno}"
        ) from None
    except RecursionError:
        raise ImportFormatError(f"not {what}: JSON nested too deeply") from None


def _json_items(data: Any, what: str, keys: tuple[str, ...] = ()) -> list[Any]:
    """The list of entries of an export (a bare array, or one under ``keys``)."""
    if isinstance(data, dict):
        for key in keys:
            if isinstance(data.get(key), list):
                return data[key]
        raise ImportFormatError(f"not {what}: expected a JSON array of entries")
    if not isinstance(data, list):
        raise ImportFormatError(f"not {what}: expected a JSON array of entries")
    return data


def _text(value: object) -> str:
    """A JSON scalar as text ('' for null, lists and objects)."""
    if value is None or isinstance(value, (list, dict)):
        return ""
    return str(value)


def _parse_omnivore(text: str) -> ImportBatch:
    batch = ImportBatch(format="omnivore")
    items = _json_items(_load_json(text, "an Omnivore export"), "an Omnivore export")
    for number, item in enumerate(items, 1):
        where = f"item {number}"
        if not isinstance(item, dict):
            batch.problems.append(f"{where}: not an object, skipped")
            continue
        state = _text(item.get("state")).strip().lower()
        if state == "deleted":
            batch.problems.append(f"{where}: deleted in Omnivore, skipped")
            continue
        url = _story_url(item.get("url") or item.get("originalUrl"), where, batch.problems)
        if url is None:
            continue
        story = ImportedStory(
            url=url,
            title=clean_line(_text(item.get("title"))),
            author=clean_line(_text(item.get("author")), 300),
            summary=clean(_text(item.get("description"))).strip(),
            read=state == "archived",
            added=_parse_date(item.get("savedAt")),
            published=_parse_date(item.get("publishedAt")),
        )
        labels = item.get("labels") or []
        if isinstance(labels, str):
            labels = _split_tags(labels)
        for label in labels if isinstance(labels, list) else []:
            if isinstance(label, dict):
                label = label.get("name") or label.get("label")
            if isinstance(label, (str, int, float)):
                _add_tags(story.tags, str(label))
        for mark in item.get("highlights") or []:
            if isinstance(mark, dict):
                quote = clean(_text(mark.get("quote"))).strip()
                if quote:
                    story.highlights.append(ImportedHighlight(
                        quote=quote,
                        note=clean(_text(mark.get("annotation"))).strip(),
                        color=_colour(mark.get("color")),
                        created=_parse_date(mark.get("createdAt")),
                        updated=_parse_date(mark.get("updatedAt")),
                    ))
        batch.stories.append(story)
    return batch


def _wallabag_tags(value: object) -> list[str]:
    if isinstance(value, str):
        return _split_tags(value)
    tags: list[str] = []
    if isinstance(value, list):
        for tag in value:
            if isinstance(tag, dict):
                tag = tag.get("label") or tag.get("name") or tag.get("slug")
            if isinstance(tag, (str, int, float)):
                tags.append(str(tag))
    return tags


def _parse_wallabag(text: str) -> ImportBatch:
    batch = ImportBatch(format="wallabag")
    data = _load_json(text, "a wallabag export")
    if isinstance(data, dict) and not any(isinstance(data.get(k), list) for k in ("entries", "items")):
        # Some wallabag v1 exports are an object keyed by entry number.
        if data and all(isinstance(v, dict) for v in data.values()):
            data = list(data.values())
    items = _json_items(data, "a wallabag export", ("entries", "items"))
    for number, item in enumerate(items, 1):
        where = f"item {number}"
        if not isinstance(item, dict):
            batch.problems.append(f"{where}: not an object, skipped")
            continue
        url = _story_url(item.get("url") or item.get("given_url"), where, batch.problems)
        if url is None:
            continue
        authors = item.get("published_by")
        if isinstance(authors, list):
            author = ", ".join(_text(a) for a in authors if _text(a))
        else:
            author = _text(authors)
        story = ImportedStory(
            url=url,
            title=clean_line(_text(item.get("title"))),
            # v2: is_archived / is_starred; v1: is_read / is_fav
            read=_truthy(item.get("is_archived", item.get("is_read"))),
            starred=_truthy(item.get("is_starred", item.get("is_fav"))),
            added=_parse_date(item.get("created_at")),
            published=_parse_date(item.get("published_at")),
            author=clean_line(author, 300),
            content_html=clean(_text(item.get("content"))),
        )
        _add_tags(story.tags, _wallabag_tags(item.get("tags")))
        annotations = item.get("annotations") or []
        if not isinstance(annotations, list):
            annotations = []
        for index, note in enumerate(annotations, 1):
            if not isinstance(note, dict):
                continue
            quote = clean(_text(note.get("quote"))).strip()
            if not quote:
                batch.problems.append(f"{where}: annotation {index} has no quote, skipped")
                continue
            story.highlights.append(ImportedHighlight(
                quote=quote,
                note=clean(_text(note.get("text"))).strip(),
                created=_parse_date(note.get("created_at")),
                updated=_parse_date(note.get("updated_at")),
            ))
        batch.stories.append(story)
    return batch


# ---------------------------------------------------------------------------
# Readwise

_READWISE_URL_COLUMNS = ("url", "source url", "book url", "highlight url", "document url")


def _first(row: dict[str, str], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = row.get(key, "")
        if value and value.strip():
            return value.strip()
    return ""


_INLINE_TAG = re.compile(r"\.([^\W\d_][\w-]*)(?:\s+|$)")


def _inline_tags(note: str) -> tuple[list[str], str]:
    """Readwise's inline tags at the start of a note (``.policing .follow-up
    the rest``): the tags, and the rest."""
    tags = []
    while (match := _INLINE_TAG.match(note)) is not None:
        tags.append(match.group(1))
        note = note[match.end():]
    return tags, note


def _unguarded(text: str) -> str:
    """A cell without the ``'`` a CSV writer put before a leading ``= + - @``
    (so that spreadsheets do not take it for a formula)."""
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


def _parse_readwise(text: str) -> ImportBatch:
    table = _CsvTable(text)
    if "highlight" in table.header:
        return _parse_readwise_highlights(table)
    if "title" in table.header and "url" in table.header:
        return _parse_readwise_library(table)
    raise ImportFormatError(
        "not a Readwise export: expected a highlights CSV (Highlight, Book Title, …) "
        "or a library CSV (Title, URL, …)"
    )


def _parse_readwise_highlights(table: _CsvTable) -> ImportBatch:
    batch = ImportBatch(format="readwise")
    by_key: dict[str, ImportedStory] = {}
    for line, row in table.rows(batch.problems):
        where = f"line {line}"
        # Readwise's own export (Book Title, Highlighted at …), or the CSV its
        # import takes, which many tools write (Title, Author, URL, Date).
        quote = _unguarded(clean(row.get("highlight", "")).strip())
        title = _unguarded(clean_line(row.get("book title") or row.get("title", "")))
        author = _unguarded(clean_line(row.get("book author") or row.get("author", ""), 300))
        raw_url = _first(row, _READWISE_URL_COLUMNS)
        url = _web_url(raw_url)
        if raw_url and url is None:
            batch.problems.append(
                f"{where}: URL {_shown(raw_url)} is not an http(s) URL, kept without it"
            )
        if not quote:
            batch.problems.append(f"{where}: empty highlight, skipped")
            continue
        if not url and not title:
            batch.problems.append(f"{where}: highlight without a book title or URL, skipped")
            continue
        book_id = clean_line(row.get("amazon book id", ""), 100)
        if url:
            key = "url:" + url
        else:
            key = "book:" + (book_id or f"{title.casefold()}\x00{author.casefold()}")
        story = by_key.get(key)
        if story is None:
            guid = None
            if url is None:
                if book_id:
                    guid = f"readwise:amazon:{book_id}"
                else:
                    digest = hashlib.sha1(
                        f"{title}\x00{author}".encode("utf-8", "replace")
                    ).hexdigest()[:20]
                    guid = f"readwise:{digest}"
            story = ImportedStory(url=url, title=title, author=author, guid=guid)
            by_key[key] = story
            batch.stories.append(story)
        elif not story.author and author:
            story.author = author
        _add_tags(story.tags, _list_tags(row.get("document tags", "")))
        raw_when = (row.get("highlighted at") or row.get("date", "")).strip()
        created = _parse_date(raw_when)
        if raw_when and created is None:
            batch.problems.append(f"{where}: unreadable date {_shown(raw_when)}, ignored")
        tags, note = _inline_tags(_unguarded(clean(row.get("note", "")).strip()))
        _add_tags(story.tags, tags)
        story.highlights.append(ImportedHighlight(
            quote=quote,
            note=note,
            color=_colour(row.get("color", "")),
            created=created,
        ))
    return batch


_READWISE_READ_LOCATIONS = ("archive", "archived")


def _parse_readwise_library(table: _CsvTable) -> ImportBatch:
    batch = ImportBatch(format="readwise")
    for line, row in table.rows(batch.problems):
        where = f"line {line}"
        url = _story_url(row.get("url"), where, batch.problems)
        if url is None:
            continue
        story = ImportedStory(
            url=url,
            title=clean_line(row.get("title", "")),
            author=clean_line(row.get("author", ""), 300),
        )
        raw_when = _first(row, ("saved date", "saved at", "created at"))
        story.added = _parse_date(raw_when)
        if raw_when and story.added is None:
            batch.problems.append(f"{where}: unreadable date {_shown(raw_when)}, ignored")
        story.published = _parse_date(_first(row, ("published date", "published at")))
        location = row.get("location", "").strip().lower()
        story.read = location in _READWISE_READ_LOCATIONS
        _add_tags(story.tags, _list_tags(row.get("document tags", "")))
        summary = _first(row, ("summary", "description"))
        if summary:
            story.summary = clean(summary).strip()
        batch.stories.append(story)
    return batch


# ---------------------------------------------------------------------------
# broadsheet's own export


def _position(value: Any) -> int:
    """A reading position (a paragraph number) as exported; 0 for anything else."""
    return value if type(value) is int and 0 < value < 1_000_000 else 0


def _clean_json(value: Any) -> Any:
    """Every string in a JSON structure passed through :func:`clean`."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_clean_json(v) for v in value]
    if isinstance(value, dict):
        return {clean(k): _clean_json(v) for k, v in value.items()}
    return value


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _parse_broadsheet(text: str) -> ImportBatch:
    data = _load_json(text, "a broadsheet export")
    if not isinstance(data, dict) or data.get("format") != "broadsheet-library":
        raise ImportFormatError('not a broadsheet export: no "format": "broadsheet-library"')
    if data.get("version") != 1:
        raise ImportFormatError(
            f"unsupported broadsheet export version {clean_line(data.get('version'), 20)}"
        )
    batch = ImportBatch(format="json")
    sources: dict[Any, dict[str, Any]] = {}
    raw_sources = data.get("sources")
    raw_stories = data.get("stories")
    if not isinstance(raw_sources, list) or not isinstance(raw_stories, list):
        raise ImportFormatError("not a broadsheet export: no sources and stories lists")
    feed_urls: set[str] = set()
    for number, source in enumerate(raw_sources, 1):
        where = f"source {number}"
        if not isinstance(source, dict) or "id" not in source:
            batch.problems.append(f"{where}: not a source object, skipped")
            continue
        kind = clean_line(_text(source.get("kind")), 20) or "saved"
        entry = {
            "kind": kind,
            "url": None,
            "title": clean_line(_text(source.get("title"))),
        }
        if kind == "feed":
            url = _web_url(source.get("url"))
            if url is None:
                batch.problems.append(
                    f"{where}: feed URL {_shown(_text(source.get('url')))} is not an http(s) "
                    "URL, skipped with its stories"
                )
                entry["kind"] = "invalid"
            else:
                entry["url"] = url
                if url not in feed_urls:
                    feed_urls.add(url)
                    feed = ImportedFeed(
                        url=url, title=entry["title"], site_url=_web_url(source.get("site_url")),
                        last_success=_parse_date(source.get("last_success")),
                        last_error=clean_line(_text(source.get("last_error")), 300) or None,
                        unsubscribed=source.get("unsubscribed") is True,
                    )
                    tags = source.get("tags")
                    if isinstance(tags, list):
                        _add_tags(feed.tags, [t for t in tags if isinstance(t, str)])
                    batch.feeds.append(feed)
        sources[source["id"]] = entry
    for number, item in enumerate(raw_stories, 1):
        where = f"item {number}"
        if not isinstance(item, dict):
            batch.problems.append(f"{where}: not a story object, skipped")
            continue
        source = sources.get(item.get("source_id"))
        if source is None:
            batch.problems.append(f"{where}: unknown source_id, skipped")
            continue
        if source["kind"] == "invalid":
            continue
        raw_url = item.get("url")
        url = _web_url(raw_url)
        if raw_url not in (None, "") and url is None:
            batch.problems.append(
                f"{where}: URL {_shown(_text(raw_url))} is not an http(s) URL, skipped"
            )
            continue
        guid = clean_line(_text(item.get("guid")), 2000) or None
        if url is None and guid is None:
            batch.problems.append(f"{where}: neither URL nor guid, skipped")
            continue
        document = item.get("document")
        if document is not None:
            try:
                document = Document.from_json(_clean_json(document)).to_json()
            except (KeyError, TypeError, ValueError, AttributeError):
                batch.problems.append(f"{where}: unreadable document, dropped")
                document = None
        story = ImportedStory(
            url=url,
            title=clean_line(_text(item.get("title"))),
            author=clean_line(_text(item.get("author")), 300),
            summary=clean(_text(item.get("summary"))),
            published=_parse_date(item.get("published")),
            fetched=_parse_date(item.get("fetched")),
            read=bool(item.get("read")),
            starred=bool(item.get("starred")),
            note=clean(_text(item.get("note"))),
            guid=guid,
            document=document,
            feed_url=source["url"] if source["kind"] == "feed" else None,
            source_kind=source["kind"],
            source_title=source["title"],
            position=_position(item.get("position")) if document is not None else 0,
        )
        story.added = story.fetched
        tags = item.get("tags")
        _add_tags(story.tags, [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else [])
        annotations = item.get("annotations") or []
        for index, note in enumerate(annotations if isinstance(annotations, list) else [], 1):
            if not isinstance(note, dict):
                batch.problems.append(f"{where}: annotation {index} is not an object, skipped")
                continue
            quote = clean(_text(note.get("exact")))
            if not quote.strip():
                batch.problems.append(f"{where}: annotation {index} has no quote, skipped")
                continue
            story.highlights.append(ImportedHighlight(
                quote=quote,
                note=clean(_text(note.get("note"))),
                color=clean_line(_text(note.get("color")), 30) or "yellow",
                created=_parse_date(note.get("created")),
                updated=_parse_date(note.get("updated")),
                uuid=clean_line(_text(note.get("uuid")), 100) or None,
                prefix=clean(_text(note.get("prefix"))),
                suffix=clean(_text(note.get("suffix"))),
                start=_int_or_none(note.get("start")),
                end=_int_or_none(note.get("end")),
                orphaned=bool(note.get("orphaned")),
            ))
        batch.stories.append(story)
    return batch


# ---------------------------------------------------------------------------
# OPML
#
# A feed is an <outline> with an xmlUrl attribute.  Its tags are the names of
# the folders it sits in (each folder's ``text``, else its ``title``) and its
# ``category`` values.  A category is comma-separated; a value that starts
# with "/" is a path ("/Tourism/New York") and gives its last segment as the
# tag ("New York"); any other value is a tag as written ("tag/three").
#
# Many real OPML files are not well-formed XML.  When a strict parse fails,
# the file is read twice leniently, with lxml's recovering parser and with a
# scan of the <outline …> tags that copes with bare "&", unescaped quotes
# and raw HTML inside attribute values; the reading that finds more feeds
# wins (the scan on a tie: lxml's recovery mangles URLs that hold a bare "&").

_Outline = tuple[dict[str, str], int, tuple[str, ...]]  # attributes, line, folder names

_XML_PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False)


def _local(name: object) -> str:
    if not isinstance(name, str):
        return ""
    return name.rsplit("}", 1)[-1].lower()


_TAGS_RE = re.compile(r"<[^<>]{1,2000}>")


def _plain_name(value: str, limit: int = 1000) -> str:
    """An outline's name as one line of plain text (HTML tags dropped)."""
    if "<" in value and ">" in value:
        value = _html.unescape(_TAGS_RE.sub("", value)) if "&" in value else _TAGS_RE.sub("", value)
    return clean_line(value, limit)


def _folder_name(attrs: dict[str, str]) -> str:
    return clean_tag(_plain_name(attrs.get("text") or attrs.get("title") or ""))


def _walk_tree(container: Any, folders: tuple[str, ...], out: list[_Outline]) -> None:
    for child in container:
        if _local(child.tag) != "outline":
            continue
        attrs = {_local(k): v for k, v in child.attrib.items()}
        out.append((attrs, child.sourceline or 0, folders))
        if len(child):
            name = "" if "xmlurl" in attrs else _folder_name(attrs)
            _walk_tree(child, folders + (name,) if name else folders, out)


def _tree_outlines(root: Any, problems: list[str]) -> list[_Outline]:
    body = next((c for c in root if _local(c.tag) == "body"), None)
    if body is None:
        problems.append("the file has no <body> element")
        body = root
    out: list[_Outline] = []
    _walk_tree(body, (), out)
    return out


# -- the tag scan


def _xml_declared_text(data: bytes) -> str:
    match = re.match(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']", data)
    if match and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode(match.group(1).decode("ascii"), "replace").lstrip("\ufeff")
        except LookupError:
            pass
    return _decode(data)


_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _unescape(value: str) -> str:
    """XML character and entity references (and HTML named ones); a bare "&" stays."""

    def replace(match: re.Match[str]) -> str:
        ref = match.group(1)
        if ref.startswith("#"):
            try:
                code = int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:])
                return chr(code) if 0 < code < 0x110000 else match.group(0)
            except ValueError:
                return match.group(0)
        if ref in _XML_ENTITIES:
            return _XML_ENTITIES[ref]
        return _HTML5.get(ref + ";", match.group(0))

    return _ENTITY_RE.sub(replace, value)


_SCAN_TOKEN = re.compile(r"<outline\b|</outline\s*>|</body\s*>", re.IGNORECASE)
_ATTR_START = re.compile(r"\s+([A-Za-z_:][-\w:.]*)\s*=\s*([\"'])")
_TAG_END = re.compile(r"\s*/?>\s*\Z")
_LOOSE_ATTR = re.compile(r"(?<![-\w:.])([A-Za-z_:][-\w:.]*)\s*=\s*\"([^\"]*)\"")


def _scan_attributes(chunk: str) -> dict[str, str]:
    """The attributes of one ``<outline`` tag (``chunk`` runs to the next tag).

    A value ends at the first matching quote after which the rest of the tag
    still reads as attributes up to ``>`` or ``/>``; so quotes and HTML
    inside a value do not end it early.
    """
    budget = [4000]

    def parse(pos: int, attrs: dict[str, str]) -> dict[str, str] | None:
        budget[0] -= 1
        if budget[0] < 0:
            return None
        if _TAG_END.match(chunk, pos):
            return attrs
        start = _ATTR_START.match(chunk, pos)
        if start is None:
            return None
        name, quote = start.group(1).lower(), start.group(2)
        if name in attrs:
            return None
        search = start.end()
        while True:
            end = chunk.find(quote, search)
            if end < 0:
                return None
            after = end + 1
            if _ATTR_START.match(chunk, after) or _TAG_END.match(chunk, after):
                found = parse(after, {**attrs, name: chunk[start.end():end]})
                if found is not None:
                    return found
                if budget[0] < 0:
                    return None
            search = after

    attrs = parse(0, {})
    if attrs is None:  # hopeless tag: take every name="value" it shows, first wins
        attrs = {}
        for match in _LOOSE_ATTR.finditer(chunk):
            attrs.setdefault(match.group(1).lower(), match.group(2))
    return {name: _unescape(value) for name, value in attrs.items()}


def _scan_outlines(text: str, problems: list[str]) -> list[_Outline]:
    # Comments may hide outlines; keep their line breaks so line numbers hold.
    text = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    body = re.search(r"<body\b[^>]*>", text, re.IGNORECASE)
    start = body.end() if body else 0
    if body is None:
        problems.append("the file has no <body> element")
    tokens = list(_SCAN_TOKEN.finditer(text, start))
    out: list[_Outline] = []
    stack: list[str] = []
    line, counted = 1, 0
    for index, token in enumerate(tokens):
        word = token.group(0).lower()
        if word.startswith("</body"):
            break
        if word.startswith("</outline"):
            if stack:
                stack.pop()
            continue
        end = tokens[index + 1].start() if index + 1 < len(tokens) else len(text)
        chunk = text[token.end():end]
        line += text.count("\n", counted, token.start())
        counted = token.start()
        attrs = _scan_attributes(chunk)
        out.append((attrs, line, tuple(name for name in stack if name)))
        if not chunk.rstrip().endswith("/>"):
            stack.append("" if "xmlurl" in attrs else _folder_name(attrs))
    return out


# -- from outlines to feeds


def _opml_feed_url(raw: str) -> str | None:
    value = raw.strip()
    lowered = value.lower()
    if lowered.startswith("feed://"):
        value = "http://" + value[7:]
    elif lowered.startswith("feed:"):
        value = value[5:]
    return _web_url(value)


def _category_tags(value: str) -> list[str]:
    tags = []
    for part in value.split(","):
        part = part.strip()
        if part.startswith("/"):
            segments = [s.strip() for s in part.split("/") if s.strip()]
            part = segments[-1] if segments else ""
        if part:
            tags.append(part)
    return tags


def _outlines_to_batch(outlines: list[_Outline], batch: ImportBatch) -> None:
    feeds: dict[str, ImportedFeed] = {}
    for attrs, line, folders in outlines:
        if "xmlurl" not in attrs:
            continue
        raw = attrs["xmlurl"]
        name = _plain_name(attrs.get("title") or attrs.get("text") or "")
        url = _opml_feed_url(raw)
        if url is None:
            label = f"feed {_shown(name)}" if name else "a feed"
            if raw.strip():
                batch.problems.append(
                    f"line {line}: {label} has xmlUrl {_shown(raw)}, not an http(s) URL; skipped"
                )
            else:
                batch.problems.append(f"line {line}: {label} has an empty xmlUrl; skipped")
            continue
        feed = feeds.get(url)
        if feed is None:
            feed = ImportedFeed(url=url, title=name, site_url=_web_url(attrs.get("htmlurl")))
            feeds[url] = feed
            batch.feeds.append(feed)
        elif not feed.title and name:
            feed.title = name
        _add_tags(feed.tags, folders)
        _add_tags(feed.tags, _category_tags(attrs.get("category", "")))
    if not batch.feeds and not any("xmlUrl" in p for p in batch.problems):
        batch.problems.append("no feeds in this file (no outline has an xmlUrl)")


def _feed_count(outlines: list[_Outline]) -> int:
    return len({_opml_feed_url(a["xmlurl"]) or a["xmlurl"] for a, _l, _f in outlines if "xmlurl" in a})


def _parse_opml(data: bytes) -> ImportBatch:
    batch = ImportBatch(format="opml")
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        root = etree.fromstring(data, etree.XMLParser(**_XML_PARSER_OPTIONS))
    except etree.XMLSyntaxError as error:
        strict_error = error
    else:
        if _local(root.tag) != "opml":
            raise ImportFormatError(f"not an OPML file: the root element is <{_local(root.tag)}>")
        _outlines_to_batch(_tree_outlines(root, batch.problems), batch)
        return batch

    text = _xml_declared_text(data)
    if not re.search(r"<opml\b", text, re.IGNORECASE) and not re.search(
        r"<outline\b", text, re.IGNORECASE
    ):
        raise ImportFormatError("not an OPML file: no <opml> element")
    scan_problems: list[str] = []
    scanned = _scan_outlines(text, scan_problems)
    recovered: list[_Outline] | None = None
    recover_problems: list[str] = []
    try:
        root = etree.fromstring(data, etree.XMLParser(recover=True, **_XML_PARSER_OPTIONS))
    except (etree.XMLSyntaxError, ValueError):
        root = None
    if root is not None and _local(root.tag) == "opml":
        recovered = _tree_outlines(root, recover_problems)
    reason = re.sub(r",\s*line \d+, column \d+\s*$", "", clean_line(strict_error.msg, 160))
    where = f"line {strict_error.lineno}" if getattr(strict_error, "lineno", None) else "the file"
    batch.problems.append(
        f"{where}: not well-formed XML ({reason}); read leniently"
    )
    if recovered is not None and _feed_count(recovered) > _feed_count(scanned):
        batch.problems.extend(recover_problems)
        _outlines_to_batch(recovered, batch)
    else:
        batch.problems.extend(scan_problems)
        _outlines_to_batch(scanned, batch)
    return batch


# ---------------------------------------------------------------------------
# Guessing and the entry point

def _parse_newsboat(text: str) -> ImportBatch:
    from broadsheet.exchange.newsboat import parse_urls

    return parse_urls(text)


_PARSERS: dict[str, Callable[[str], ImportBatch]] = {
    "newsboat": _parse_newsboat,
    "json": _parse_broadsheet,
    "pocket": _parse_pocket,
    "instapaper": _parse_instapaper,
    "omnivore": _parse_omnivore,
    "wallabag": _parse_wallabag,
    "readwise": _parse_readwise,
}

_EXTENSION_HINTS = {".opml": "opml", ".ompl": "opml"}


def _guess_json(data: Any) -> str | None:
    if isinstance(data, dict):
        if data.get("format") == "broadsheet-library":
            return "json"
        for key in ("entries", "items"):
            if isinstance(data.get(key), list):
                return _guess_json(data[key])
        values = list(data.values())
        if values and all(isinstance(v, dict) for v in values):  # wallabag v1 keyed object
            return _guess_json(values)
        return None
    if isinstance(data, list):
        entries = [d for d in data[:50] if isinstance(d, dict)]
        keys = set().union(*(d.keys() for d in entries)) if entries else set()
        if {"labels", "savedAt"} & keys or ("slug" in keys and "state" in keys):
            return "omnivore"
        if {"is_archived", "is_starred"} & keys or {"is_read", "is_fav"} <= keys:
            return "wallabag"
    return None


def _guess_csv(header: list[str]) -> str | None:
    columns = set(header)
    if {"highlight", "book title"} <= columns or {"highlight", "title"} <= columns:
        return "readwise"
    if {"title", "url"} <= columns and columns & {"saved date", "reading progress", "seen"}:
        return "readwise"
    if {"url", "time_added"} <= columns:
        return "pocket"
    if {"url", "folder"} <= columns or {"url", "title", "selection"} <= columns:
        return "instapaper"
    return None


def guess_format(data: bytes, filename: str = "") -> str:
    """The format of an export file, judged by its content (the name is a hint)."""
    if data.startswith(SQLITE_MAGIC):
        return "newsboat"  # its cache.db (NewsboatCache checks it is one)
    text = _decode(data[:1_000_000] if len(data) > 1_000_000 else data).lstrip()
    head = text[:8192].lower()
    guess: str | None = None
    if text.startswith(("{", "[")):
        try:
            guess = _guess_json(json.loads(_decode(data), strict=False))
        except (ValueError, RecursionError):
            guess = None
    elif text.startswith("<"):
        if re.search(r"<opml\b", head):
            guess = "opml"
        elif ("pocket export" in head or re.search(r"<h1>\s*unread\s*</h1>", head)) and (
            "time_added" in text or "<ul" in head
        ):
            guess = "pocket"
    else:
        from broadsheet.exchange.newsboat import looks_like_urls

        guess = "newsboat" if looks_like_urls(text) else _guess_csv(_csv_header(text))
    if guess is None:
        suffix = re.search(r"\.[A-Za-z0-9]+$", filename or "")
        guess = _EXTENSION_HINTS.get(suffix.group(0).lower()) if suffix else None
    if guess is None:
        name = f" {_shown(filename.rsplit('/', 1)[-1], 60)}" if filename else ""
        raise ImportFormatError(
            f"cannot tell the format of{name or ' this file'}; name one of: {', '.join(FORMATS)}"
        )
    return guess


def parse_import(data: bytes, format: str | None = None, filename: str = "") -> ImportBatch:
    """Read an export file into records; raises :class:`ImportFormatError`."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if format is None:
        format = guess_format(data, filename)
    name = str(format).strip().lower()
    if name not in FORMATS:
        raise ImportFormatError(
            f"unknown import format {_shown(format, 40)}; choose one of: {', '.join(FORMATS)}"
        )
    if not data.strip():
        raise ImportFormatError("the file is empty")
    if data.startswith(SQLITE_MAGIC):
        raise ImportFormatError("an SQLite file is not an export to read in one go; "
                                "import it by its path (a newsboat cache.db)")
    if name == "opml":
        return _parse_opml(data)
    return _PARSERS[name](_decode(data))
