"""Plain data shared by every layer of broadsheet.

Nothing here touches the network, the disk or the terminal.  Text that came from
outside should pass through :func:`broadsheet.sanitize.clean` before it is put
into these objects; the objects themselves do not re-check it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

# Kinds of source.
FEED = "feed"
SAVED = "saved"
BUNDLED = "bundled"

# Kinds of block in a Document.
HEADING = "heading"
PARAGRAPH = "paragraph"
LIST_ITEM = "list_item"
QUOTE = "quote"
PRE = "pre"
IMAGE = "image"
TABLE_ROW = "table_row"
BLOCK_KINDS = (HEADING, PARAGRAPH, LIST_ITEM, QUOTE, PRE, IMAGE, TABLE_ROW)

# Inline styles of a Span.
EMPHASIS = "em"
STRONG = "strong"
CODE = "code"
LINK = "link"

WORDS_PER_MINUTE = 230
BLOCK_SEPARATOR = "\n\n"


@dataclass(frozen=True, slots=True)
class Span:
    """A run of inline text with at most a few styles.

    ``link`` is the 1-based number of the link in ``Document.links`` when the
    span is the text of a link.
    """

    text: str
    styles: tuple[str, ...] = ()
    link: int | None = None

    def to_json(self) -> Any:
        if not self.styles and self.link is None:
            return self.text
        data: dict[str, Any] = {"text": self.text}
        if self.styles:
            data["styles"] = list(self.styles)
        if self.link is not None:
            data["link"] = self.link
        return data

    @classmethod
    def from_json(cls, data: Any) -> Span:
        if isinstance(data, str):
            return cls(data)
        return cls(
            str(data.get("text", "")),
            tuple(str(s) for s in data.get("styles", ())),
            data.get("link"),
        )


@dataclass(frozen=True, slots=True)
class Block:
    """One block of an article: a heading, paragraph, list item, quote…

    ``level`` is the heading level (1–6) for headings and the nesting depth
    (0-based) for list items.  ``ordinal`` is the item number of an ordered
    list item (``None`` for bullets).  For images ``spans`` holds the alt
    text; ``src`` is the image address.
    """

    kind: str
    spans: tuple[Span, ...]
    level: int = 0
    ordinal: int | None = None
    src: str | None = None

    @property
    def text(self) -> str:
        if self.kind == IMAGE:
            alt = "".join(s.text for s in self.spans)
            return f"[image: {alt}]" if alt else "[image]"
        return "".join(s.text for s in self.spans)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "spans": [s.to_json() for s in self.spans]}
        if self.level:
            data["level"] = self.level
        if self.ordinal is not None:
            data["ordinal"] = self.ordinal
        if self.src:
            data["src"] = self.src
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Block:
        return cls(
            kind=str(data["kind"]),
            spans=tuple(Span.from_json(s) for s in data.get("spans", ())),
            level=int(data.get("level", 0)),
            ordinal=data.get("ordinal"),
            src=data.get("src"),
        )


@dataclass(slots=True)
class Document:
    """A clean article: metadata and blocks.

    The *plain text* of a document is its blocks' texts joined by blank lines.
    It is what search indexes, what annotations anchor to, and what
    ``broadsheet extract --format text`` prints.
    """

    blocks: list[Block] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    title: str = ""
    byline: str = ""
    site_name: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    lead_image: str | None = None
    language: str | None = None
    url: str | None = None
    # The feed's own text, kept because the article page could not be
    # fetched: highlights can be made on it, and opening the story tries the
    # page again (highlights then move onto the article's text).
    partial: bool = False

    def plain_text(self) -> str:
        return BLOCK_SEPARATOR.join(b.text for b in self.blocks)

    def block_offsets(self) -> list[tuple[int, int]]:
        """(start, end) of every block inside :meth:`plain_text`."""
        offsets = []
        pos = 0
        for block in self.blocks:
            end = pos + len(block.text)
            offsets.append((pos, end))
            pos = end + len(BLOCK_SEPARATOR)
        return offsets

    @property
    def word_count(self) -> int:
        return sum(len(b.text.split()) for b in self.blocks if b.kind != IMAGE)

    @property
    def reading_minutes(self) -> int:
        words = self.word_count
        return max(1, round(words / WORDS_PER_MINUTE)) if words else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "byline": self.byline,
            "site_name": self.site_name,
            "published": iso(self.published),
            "updated": iso(self.updated),
            "lead_image": self.lead_image,
            "language": self.language,
            "url": self.url,
            "reading_minutes": self.reading_minutes,
            "blocks": [b.to_json() for b in self.blocks],
            "links": list(self.links),
            **({"partial": True} if self.partial else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Document:
        return cls(
            blocks=[Block.from_json(b) for b in data.get("blocks", ())],
            links=[str(link) for link in data.get("links", ())],
            title=data.get("title") or "",
            byline=data.get("byline") or "",
            site_name=data.get("site_name") or "",
            published=parse_iso(data.get("published")),
            updated=parse_iso(data.get("updated")),
            lead_image=data.get("lead_image"),
            language=data.get("language"),
            url=data.get("url"),
            partial=data.get("partial") is True,
        )


@dataclass(slots=True)
class Source:
    id: int
    kind: str
    title: str
    url: str | None = None
    site_url: str | None = None
    last_error: str | None = None
    last_success: datetime | None = None
    unread: int = 0
    total: int = 0
    # "" polled; "gone" the feed said it is gone (410, or 404 three times);
    # "unsubscribed" kept only for the stories the user touched.
    state: str = ""


@dataclass(slots=True)
class Story:
    """A story as the list shows it; ``document`` is loaded only when read."""

    id: int
    source_id: int
    source_title: str
    title: str
    url: str | None = None
    guid: str | None = None
    author: str = ""
    published: datetime | None = None
    fetched: datetime | None = None
    summary: str = ""
    read: bool = False
    starred: bool = False
    tags: tuple[str, ...] = ()
    has_document: bool = False
    document: Document | None = None
    annotation_count: int = 0

    @property
    def when(self) -> datetime | None:
        """The time the list sorts and ages by."""
        return self.published or self.fetched


@dataclass(frozen=True, slots=True)
class TextQuoteSelector:
    exact: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True, slots=True)
class TextPositionSelector:
    start: int
    end: int


@dataclass(slots=True)
class Annotation:
    """A highlight of a span of a story's plain text, with an optional note."""

    id: int
    story_id: int
    uuid: str
    quote: TextQuoteSelector
    position: TextPositionSelector
    note: str = ""
    color: str = "yellow"
    created: datetime | None = None
    updated: datetime | None = None
    orphaned: bool = False


@dataclass(slots=True)
class FeedItem:
    """One entry of a parsed feed, before it is stored."""

    guid: str | None
    url: str | None
    title: str
    author: str = ""
    published: datetime | None = None
    summary: str = ""
    content_html: str = ""
    # The id broadsheet gave this item before relative ids were joined to the
    # feed's base (as feedparser joins them); a story stored under it takes
    # ``guid`` instead of coming back as new.
    former_guid: str | None = None


@dataclass(slots=True)
class ParsedFeed:
    title: str
    site_url: str | None
    items: list[FeedItem]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment
