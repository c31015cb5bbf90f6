"""Plain records that importers produce and the library stores.

Importers are pure: file bytes in, an :class:`ImportBatch` out.  They never
touch the library or the network.  Every text field is sanitised by the
importer (``broadsheet.sanitize``) before it is put in a record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class ImportedHighlight:
    quote: str
    note: str = ""
    color: str = "yellow"
    created: datetime | None = None
    updated: datetime | None = None
    # Present when the source format has them (broadsheet's own JSON):
    uuid: str | None = None
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None
    orphaned: bool = False


@dataclass(slots=True)
class ImportedFeed:
    url: str
    title: str = ""
    site_url: str | None = None
    tags: list[str] = field(default_factory=list)
    # Present when the source format has them (broadsheet's own JSON):
    last_success: datetime | None = None
    last_error: str | None = None
    unsubscribed: bool = False  # kept only for the stories the user touched


@dataclass(slots=True)
class ImportedStory:
    url: str | None
    title: str = ""
    tags: list[str] = field(default_factory=list)
    read: bool = False
    starred: bool = False
    note: str = ""
    added: datetime | None = None
    published: datetime | None = None
    author: str = ""
    summary: str = ""
    content_html: str = ""
    highlights: list[ImportedHighlight] = field(default_factory=list)
    # Where it belongs: a feed URL, or None for the "saved" source.
    feed_url: str | None = None
    # Present when the source format has them (broadsheet's own JSON):
    guid: str | None = None
    document: dict[str, Any] | None = None
    fetched: datetime | None = None
    source_kind: str | None = None
    source_title: str | None = None
    position: int = 0  # the paragraph of ``document`` the reader was on


@dataclass(slots=True)
class ImportBatch:
    format: str
    feeds: list[ImportedFeed] = field(default_factory=list)
    stories: list[ImportedStory] = field(default_factory=list)
    # One line each, e.g. "line 12: no URL, skipped".
    problems: list[str] = field(default_factory=list)
