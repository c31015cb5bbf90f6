"""Recognising and parsing feeds: RSS 0.9x/1.0/2.0 and Atom, JSON Feed.

Every XML feed is first screened by a hardened lxml parser (no entities, no
DTD, no network; see :func:`_hardened_parse`).  Well-formed RSS 2.0 and Atom 1.0
are then read straight from that tree (:mod:`broadsheet.net.xmlfeed`);
anything unusual goes to feedparser, which is thorough but slow.

Everything that comes out of :func:`parse_feed` is sanitised: titles, authors
and feed names are single clean lines, summaries are plain text without
control characters, links are absolute http(s) addresses.
"""

from __future__ import annotations

import calendar
import dataclasses
import hashlib
import html
import io
import json
import operator
import re
import threading
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any, Callable, Container, Iterable
from urllib.parse import urljoin, urlsplit

from lxml import etree

from broadsheet.sanitize import clean, clean_line, is_clean, single_spaced
from broadsheet.model import FeedItem, ParsedFeed

# feedparser (slow to import, slow to run) is imported only for the feeds
# that need it: see _parse_xml_feed.

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/x-rss+xml",
    "application/x-atom+xml",
)
_JSONFEED_VERSION = re.compile(rb'"version"\s*:\s*"https?://jsonfeed\.org/version/', re.I)
_JSONFEED_KEYS = re.compile(rb'"(?:feed_url|home_page_url)"\s*:\s*"')
_JSONFEED_ITEMS = re.compile(rb'"items"\s*:\s*\[')
_HTML_HINT = re.compile(
    r"<(?:!doctype\s+html|html|head|body|meta|title|script|div|p|a|table|style|link)\b", re.I
)
_FEED_HINT = re.compile(r"<(?:rss|feed|[\w.\-]+:rdf)[\s>]", re.I)
_HTML_ROOTS = frozenset(
    "html head body meta title link script style noscript div p a span table section article "
    "header main nav h1 h2 h3 h4 h5 h6 br img form iframe ul ol center font b i".split()
)
MAX_ITEMS = 1000  # items kept from one fetch of one feed: the first ones, newest in practice
_ITEM_NAMES = frozenset({"item", "entry"})
# Elements that may carry long text; every other element (titles, authors,
# ids, dates…) is cut to _SHORT_TEXT characters before feedparser sees it
# (feedparser takes minutes on a 100 kB <author>).
_LONG_TEXT_NAMES = frozenset(
    "description encoded content summary subtitle tagline info rights copyright html body div".split()
)
_SHORT_TEXT = 4000
# People (feedparser looks for an e-mail address in them, slowly): broadsheet
# keeps 200 characters of an author anyway.
_PERSON_NAMES = frozenset(
    "author creator name email uri managingeditor webmaster contributor publisher".split()
)
_PERSON_TEXT = 300
_TITLE_WORDS = 12
_TITLE_CHARS = 80
UNTITLED = "(untitled)"


class FeedError(Exception):
    """The content is not a feed we can read; ``str(error)`` is one short line."""

    def __init__(self, message: str = "not a feed") -> None:
        super().__init__(clean_line(message, limit=200) or "not a feed")


# ---------------------------------------------------------------- sniffing


def _head_text(content: bytes, size: int = 16384) -> str:
    """The start of ``content`` as text, good enough to look at markup."""
    head = content[:size]
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, "ignore")
    for prefix, codec in (
        (b"\x00\x00\x00<", "utf-32-be"),
        (b"<\x00\x00\x00", "utf-32-le"),
        (b"\x00<", "utf-16-be"),
        (b"<\x00", "utf-16-le"),
    ):
        if head.lstrip(b"\x00 \t\r\n").startswith(b"<") and head.startswith(prefix):
            return head.decode(codec, "ignore")
    return head.decode("utf-8", "replace")


_PROLOG = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!(?!--)[^>\[]*(?:\[.*?\]\s*)?>)", re.S)
_ROOT = re.compile(r"\s*<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)")


def _xml_root(text: str) -> str | None:
    """The (lower-case, local) name of the first element, skipping the prolog."""
    pos = 0
    while True:
        match = _PROLOG.match(text, pos)
        if not match or match.end() == pos:
            break
        if match.group(0).lstrip().lower().startswith("<!doctype html"):
            return "html"
        pos = match.end()
    match = _ROOT.match(text, pos)
    if not match:
        return None
    return match.group(1).rsplit(":", 1)[-1].lower()


def _looks_like_json(text: str) -> bool:
    return text.lstrip().startswith(("{", "["))


def _is_json_feed(content: bytes) -> bool:
    if _JSONFEED_VERSION.search(content[:65536]):
        return True
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # Broken or cut off: still a (damaged) JSON Feed if it is shaped like one.
        head = content[:65536]
        return bool(_JSONFEED_KEYS.search(head) and _JSONFEED_ITEMS.search(head))
    return _json_feed_version(data) is not None


def _json_feed_version(data: Any) -> str | None:
    if isinstance(data, dict):
        version = data.get("version")
        if isinstance(version, str) and re.match(r"https?://jsonfeed\.org/version/", version, re.I):
            return version
    return None


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


_BINARY_MAGIC = (
    b"%PDF-", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"PK\x03\x04",
    b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"OggS",
    b"ID3", b"fLaC", b"\x00\x00\x01\x00", b"\x7fELF", b"wOFF", b"wOF2", b"\x00asm",
    b"SQLite format 3\x00", b"RIFF", b"\x1aE\xdf\xa3", b"%!PS", b"{\\rtf", b"\xd0\xcf\x11\xe0",
)


def _is_binary(content: bytes) -> bool:
    """Well-known binary formats (PDF, images, archives, media) by their first bytes."""
    head = content[:16]
    if head.startswith(_BINARY_MAGIC):
        return True
    # ISO media (mp4, heic, avif): "ftyp" at offset 4; WebP/WAV live in RIFF above.
    return head[4:8] == b"ftyp"


def sniff_kind(content: bytes, content_type: str | None) -> str:
    """``"feed"``, ``"html"`` or ``"other"``, from the content first and the type second.

    Content types lie (feeds served as ``text/html``, pages as ``text/xml``),
    so what the bytes look like wins; the declared type only breaks ties.
    """
    if isinstance(content, str):
        content = content.encode("utf-8")
    return _sniff_kind(content, _head_text(content), content_type)


def _sniff_kind(content: bytes, text: str, content_type: str | None) -> str:
    """:func:`sniff_kind`, given ``text = _head_text(content)``."""
    if _is_binary(content):
        return "other"
    media = _media_type(content_type)
    if _looks_like_json(text):
        if media == "application/feed+json" or _is_json_feed(content):
            return "feed"
        return "other"
    root = _xml_root(text)
    if root in ("rss", "feed", "rdf", "channel"):  # channel: old CDF
        return "feed"
    if root in _HTML_ROOTS or "html" in media:
        return "html"
    if root is None:
        # Junk before the markup (a stray PHP notice…): whichever comes first.
        feed = _FEED_HINT.search(text)
        page = _HTML_HINT.search(text)
        if feed and (page is None or feed.start() < page.start()):
            return "feed"
        if page:
            return "html"
        if media in FEED_TYPES and "<" in text:
            return "feed"
    return "other"


_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer form h1 h2 h3 "
    "h4 h5 h6 header hr li main nav ol p pre section table tbody thead tfoot tr td th ul".split()
)
_VOID_BLOCKS = ("br", "hr")
_OPEN_BLOCKS = tuple(sorted(_BLOCK_TAGS.difference(_VOID_BLOCKS)))
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript", "head", "title", "svg", "math"})
_HTML_PARSERS = threading.local()


class _TextParser(HTMLParser):
    """The slow way (pure Python), for markup libxml2 will not take."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag == "img" and not self.skip:
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f" {alt} ")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag == "img":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def _html_parser() -> etree.HTMLParser:
    # lxml parsers must not be shared between threads.
    parser = getattr(_HTML_PARSERS, "parser", None)
    if parser is None:
        parser = _HTML_PARSERS.parser = etree.HTMLParser(
            recover=True, no_network=True, remove_comments=True, remove_pis=True,
            default_doctype=False, huge_tree=False,
        )
    return parser


def _markup_text(markup: str) -> str:
    """The text of an HTML fragment, cleaned, with a newline at each block's edges.

    libxml2's HTML parser (C, no network, no entity declarations) builds the
    tree; scripts and styles go, block elements get newlines around them and
    images their alt text (:func:`_tree_text`).  What libxml2 will not take
    goes to the pure-Python parser, and so does markup whose character
    references decode to characters that XML forbids (see
    :func:`_tree_text_in_place`).
    """
    try:
        root = etree.fromstring(
            "<html><body><div>" + markup + "</div></body></html>", _html_parser()
        )
        if root is not None:
            text = _tree_text(root)
            # Clean text holds none of the controls and surrogates XML forbids.
            if is_clean(text) and "\ufffe" not in text and "\uffff" not in text:
                return text
            if _NOT_XML_TEXT.search(text) is not None:
                text = _tree_text_in_place(root)
            return clean(text)
    except (etree.LxmlError, ValueError):
        pass
    parser = _TextParser()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # html.parser is lenient; be safe with hostile input anyway
        pass
    return clean("".join(parser.parts))


_OPEN_BLOCK_SET = frozenset(_OPEN_BLOCKS)


def _tree_text(root: Any) -> str:
    """The tree's text in document order (what ``itertext()`` gives), with
    skipped elements left out (their tails kept), a newline inside each edge
    of an open block, one after each void block and `` alt `` after images."""
    parts: list[str] = []
    _element_text(root, parts.append)
    return "".join(parts)


def _element_text(el: Any, add: Callable[[str], None]) -> None:
    # Recursion is safe: without huge_tree, libxml2 nests HTML 256 deep at most.
    text = el.text
    if text:
        add(text)
    for child in el:
        tag = child.tag
        if tag in _OPEN_BLOCK_SET:
            add("\n")
            _element_text(child, add)
            add("\n")
        elif tag in _SKIP_TAGS or not isinstance(tag, str):
            pass  # a comment or processing instruction (the parser drops them) gives its tail only
        elif tag == "img":
            _element_text(child, add)
            alt = child.get("alt")
            if alt:
                add(f" {alt} ")
        else:
            _element_text(child, add)
            if tag in _VOID_BLOCKS:
                add("\n")
        tail = child.tail
        if tail:
            add(tail)


# Characters lxml refuses to write into a tree (it raises ValueError): C0
# controls but tab, newline and carriage return; surrogates; U+FFFE, U+FFFF.
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _tree_text_in_place(root: Any) -> str:
    """:func:`_tree_text` by writing the newlines and alt texts into the tree.

    When a text it writes holds a character XML forbids (a control from
    "&#27;"), lxml raises ValueError and the markup goes to the pure-Python
    parser.  Markup whose text holds such a character is read this way; all
    other markup by :func:`_tree_text`, which gives the same without writing."""
    etree.strip_elements(root, *_SKIP_TAGS, with_tail=False)
    for el in root.iter(*_OPEN_BLOCKS):
        text = el.text
        el.text = "\n" + text if text else "\n"
        tail = el.tail
        el.tail = "\n" + tail if tail else "\n"
    for el in root.iter(*_VOID_BLOCKS):
        tail = el.tail
        el.tail = "\n" + tail if tail else "\n"
    for el in root.iter("img"):
        alt = el.get("alt")
        if alt:
            el.tail = f" {alt} " + (el.tail or "")
    return "".join(root.itertext())


# Markup made only of bare tags (<p>, </em>, <br/>: no attributes, no
# entities, nothing to skip) reads the same with a regular expression.
_BARE_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\s*/?>")


def _bare_markup_text(markup: str) -> str | None:
    parts = _BARE_TAG.split(markup)
    if len(parts) // 3 != markup.count("<"):
        return None  # some "<" is not a bare tag
    out = [parts[0]]
    for i in range(1, len(parts), 3):
        name = parts[i + 1].lower()
        if name in _SKIP_TAGS or name == "img":
            return None
        if name in _BLOCK_TAGS:
            out.append("\n")
        out.append(parts[i + 2])
    return "".join(out)


# Paragraphs are separated by blank lines (nothing but whitespace on them).
_BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n)+")


def html_to_text(markup: str) -> str:
    """Plain, sanitised text of an HTML fragment; paragraphs separated by blank lines."""
    if not markup:
        return ""
    return clean_html_to_text(clean(markup))


def clean_html_to_text(markup: str) -> str:
    """:func:`html_to_text` for markup that is clean already (``clean(markup) == markup``)."""
    if "<" not in markup and "&" not in markup:
        text = markup
    else:
        text = None if "&" in markup else _bare_markup_text(markup)
        # Bare tags hold no character references: what is left of the clean
        # markup once they are gone is clean too.
        text = _markup_text(markup) if text is None else text
    paragraphs = [single_spaced(paragraph) for paragraph in _BLANK_LINES.split(text)]
    return "\n\n".join(filter(None, paragraphs))


def text_to_html(text: str) -> str:
    """Plain text as simple HTML paragraphs."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", clean(text)) if p.strip()]
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def title_from_text(text: str) -> str:
    """A stand-in title: the first words of a summary, or "(untitled)"."""
    words = clean_line(text).split()
    if not words:
        return UNTITLED
    title = " ".join(words[:_TITLE_WORDS])
    if len(title) > _TITLE_CHARS:
        title = title[: _TITLE_CHARS - 1].rsplit(" ", 1)[0].rstrip() or title[: _TITLE_CHARS - 1]
        return title + "…"
    return title + ("…" if len(words) > _TITLE_WORDS else "")


def absolute_url(link: object, base: str | None) -> str | None:
    """``link`` made absolute against ``base``; None unless http(s)."""
    if not isinstance(link, str):
        return None
    link = clean_line(link, limit=None)
    if not link:
        return None
    try:
        full = urljoin(base or "", link)
        parts = urlsplit(full)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return full


_A_YEAR = timedelta(days=365)


def sane_date(moment: datetime | None, now: datetime | None = None) -> datetime | None:
    """An aware UTC datetime, or None when absent or absurd (before 1970, > 1 year ahead)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        moment = moment.astimezone(timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None
    now = now or datetime.now(timezone.utc)
    if moment.year < 1970 or moment > now + _A_YEAR:
        return None
    return moment


def item_guid(guid: object, url: str | None, title: str, summary: str, enclosure: str | None) -> str:
    """A stable identity: the feed's id, else the link, else a hash of the content."""
    if isinstance(guid, (int, float)) and not isinstance(guid, bool):
        guid = str(guid)
    if isinstance(guid, str):
        guid = clean_line(guid, limit=None)
        if guid:
            if len(guid) > 1000:
                return "sha1:" + hashlib.sha1(guid.encode("utf-8")).hexdigest()
            return guid
    if url:
        return url
    digest = hashlib.sha1("\x1f".join((title, summary, enclosure or "")).encode("utf-8"))
    return "sha1:" + digest.hexdigest()


def make_item(
    *,
    guid: object,
    url: str | None,
    title_text: str,
    author: str,
    published: datetime | None,
    summary: str,
    content_html: str,
    enclosure: str | None = None,
) -> FeedItem:
    """Assemble a FeedItem from already-extracted parts (title/summary plain text)."""
    return clean_item(
        guid=guid,
        url=url,
        title=clean_line(title_text),
        author=clean_line(author, limit=200),
        published=published,
        summary=clean(summary).strip(),
        content_html=clean(content_html).strip(),
        enclosure=enclosure,
    )


def clean_item(
    *,
    guid: object,
    url: str | None,
    title: str,
    author: str,
    published: datetime | None,
    summary: str,
    content_html: str,
    enclosure: str | None = None,
    now: datetime | None = None,
    former_guid: str | None = None,
) -> FeedItem:
    """:func:`make_item` for parts that are clean already, and not cleaned again:
    ``title`` as ``clean_line(text)`` leaves it, ``author`` as
    ``clean_line(text, limit=200)``, ``summary`` and ``content_html`` as
    ``clean(text).strip()`` (what :func:`html_to_text` returns is such a
    summary).  ``now``: the moment dates are judged against (see :func:`sane_date`);
    ``former_guid``: see :attr:`FeedItem.former_guid`."""
    if not summary and content_html:
        summary = clean_html_to_text(content_html)
    return FeedItem(
        guid=item_guid(guid, url, title, summary, enclosure),
        url=url,
        title=title or title_from_text(summary),
        author=author,
        published=sane_date(published, now),
        summary=summary,
        content_html=content_html,
        former_guid=former_guid,
    )


# ---------------------------------------------------------------- parsing


def parse_feed(
    content: bytes, url: str, content_type: str | None = None, *,
    known: Container[str] = frozenset(), seen: set[str] | None = None,
) -> ParsedFeed:
    """Parse RSS, Atom or JSON Feed; raise :class:`FeedError` if it is none of them.

    ``known``: ids of items stored already.  Where it is cheap to tell (an
    RSS or Atom item with its own id), such an item is left out of the
    result without being read, and its id is added to ``seen`` (when given):
    re-reading a feed for its few new items then costs little.  Items may
    still come back known; the library skips those anyway."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    if not content or not content.strip():
        raise FeedError("not a feed (empty)")
    text = _head_text(content)
    if _looks_like_json(text):
        from broadsheet.net.jsonfeed import parse_json_feed

        return parse_json_feed(content, url)
    kind = _sniff_kind(content, text, content_type)
    if kind == "html":
        raise FeedError("not a feed (an HTML page)")
    return _parse_xml_feed(content, url, content_type, known, seen)


def parse_new_items(
    content: bytes, url: str, content_type: str | None, known: Container[str]
) -> tuple[ParsedFeed, set[str]]:
    """:func:`parse_feed` with ``known``, returning the ids it skipped too
    (for a worker process, where ``seen`` could not be shared)."""
    seen: set[str] = set()
    return parse_feed(content, url, content_type, known=known, seen=seen), seen


def parse_new_items_as_tuples(
    content: bytes, url: str, content_type: str | None, known: Container[str]
) -> tuple[str, str | None, list[tuple[Any, ...]], set[str]]:
    """:func:`parse_new_items` for a worker process: (title, site URL, items
    as tuples of FeedItem's fields in order, skipped ids).  Plain tuples cross
    the process boundary several times faster than objects."""
    parsed, seen = parse_new_items(content, url, content_type, known)
    return parsed.title, parsed.site_url, [_item_fields(i) for i in parsed.items], seen


def quiet_worker() -> None:
    """Start of a parsing worker process: it shares the reader's terminal, so
    it prints nothing there (its errors travel back with its results)."""
    import os
    import sys

    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the process's life


# FeedItem's fields in order: FeedItem(*_item_fields(item)) is the same item.
_item_fields = operator.attrgetter(*(f.name for f in dataclasses.fields(FeedItem)))


_DOCTYPE = re.compile(rb"<!DOCTYPE\b", re.I)
_DOCTYPE_SUBSET = re.compile(rb"<!DOCTYPE\b[^\[>]*\[.*?\]\s*>", re.S | re.I)
_WIDE_STARTS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00", b"<\x00", b"\x00<")


def _drop_internal_subset(content: bytes) -> bytes:
    """The document without its DOCTYPE's internal subset (entity declarations).

    Real feeds declare entities only to get HTML names such as ``&eacute;``
    (feedparser knows those anyway); hostile ones declare billion laughs,
    quadratic blowups and external entities.  Dropping the whole DOCTYPE keeps
    the former readable and the latter harmless.
    """
    if content.startswith(_WIDE_STARTS):  # UTF-16/32: rare enough to simply refuse
        if "<!entity" in _head_text(content, 1 << 20).lower():
            raise FeedError("not a feed (XML entity declarations refused)")
        return content
    found = _DOCTYPE.search(content, 0, 1 << 16)
    if found is None:
        return content
    subset = _DOCTYPE_SUBSET.match(content, found.start())
    if subset is None:
        return content
    return content[: subset.start()] + content[subset.end() :]


def _hardened_parse(content: bytes, url: str) -> tuple[Any, bool]:
    """Parse with a hardened lxml parser; returns (root or None, whether it was clean).

    No entity expansion, no network, no DTD loading, libxml2's normal depth
    and size limits: entity declarations (billion laughs, quadratic blowup,
    external entities) and absurd nesting are refused outright.  "Clean"
    means libxml2 had to repair nothing, so the tree is the document.
    """
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, recover=True, remove_comments=True, remove_pis=True,
    )
    try:
        root = etree.fromstring(content, parser, base_url=url or None)
    except (etree.XMLSyntaxError, ValueError):
        root = None
    repaired = False
    for entry in parser.error_log:
        message = str(entry.message).lower()
        if "depth" in message:
            raise FeedError("not a feed (XML nested too deeply)")
        if "amplification" in message or "entity loop" in message:
            raise FeedError("not a feed (XML entity expansion refused)")
        if entry.level >= etree.ErrorLevels.ERROR:
            repaired = True
    if root is None:
        return None, False
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise FeedError("not a feed (XML entity declarations refused)")
    return root, not repaired


def _trimmed(content: bytes, root: Any) -> tuple[bytes, bool]:
    """The screened document made safe for feedparser: overlong short fields
    cut (feedparser takes minutes on a 100 kB <author>) and at most MAX_ITEMS
    items.  Returns the document and whether it was re-serialised as UTF-8."""
    tree = root.getroottree()
    modified = False
    for el in root.iter(etree.Element):
        text = el.text
        if text and len(text) > _PERSON_TEXT:
            name = etree.QName(el).localname.lower()
            limit = _PERSON_TEXT if name in _PERSON_NAMES else _SHORT_TEXT
            if len(text) > limit and name not in _LONG_TEXT_NAMES:
                el.text = text[:limit]
                modified = True
    if len(content) < 100 * MAX_ITEMS:  # too small to hold more items than allowed
        return _reserialised(tree) if modified else (content, False)
    items = [
        el
        for el in root.iter(etree.Element)
        if etree.QName(el).localname.lower() in _ITEM_NAMES
        and not any(etree.QName(a).localname.lower() in _ITEM_NAMES for a in el.iterancestors())
    ]
    if len(items) <= MAX_ITEMS:
        return _reserialised(tree) if modified else (content, False)
    for el in items[MAX_ITEMS:]:
        parent = el.getparent()
        if parent is not None:
            parent.remove(el)
    return _reserialised(tree)


def _reserialised(tree) -> tuple[bytes, bool]:
    return etree.tostring(tree, encoding="utf-8", xml_declaration=True), True


def _parse_xml_feed(
    content: bytes, url: str, content_type: str | None,
    known: Container[str] = frozenset(), seen: set[str] | None = None,
) -> ParsedFeed:
    content = _drop_internal_subset(content)
    root, clean_tree = _hardened_parse(content, url)
    if root is None:
        reencoded = False
    else:
        if clean_tree:
            from broadsheet.net.xmlfeed import Unusual, parse_tree

            try:
                return parse_tree(root, url, content_type, known, seen)
            except Unusual:
                pass
        content, reencoded = _trimmed(content, root)
    return _feedparser_feed(content, url, content_type, reencoded)


def _feedparser_feed(
    content: bytes, url: str, content_type: str | None, reencoded: bool
) -> ParsedFeed:
    import feedparser

    headers = {"content-location": url}
    if reencoded:  # now UTF-8: the server's charset no longer applies
        content_type = "application/xml; charset=utf-8"
    if content_type:
        headers["content-type"] = content_type
    try:
        parsed = feedparser.parse(io.BytesIO(content), response_headers=headers)
    except Exception:  # feedparser is meant not to raise; hostile input may still find a way
        raise FeedError("not a feed (could not be parsed)") from None
    feed = parsed.get("feed") or {}
    entries = parsed.get("entries") or []
    title = _detail_text(feed, "title")
    if not entries and (not title or not parsed.get("version")):
        raise FeedError("not a feed")
    site_url = absolute_url(feed.get("link"), url)
    is_atom = str(parsed.get("version") or "").startswith("atom")
    feed_author = _author(feed) if is_atom else ""
    items: list[FeedItem] = []
    for entry in entries[:MAX_ITEMS]:
        try:
            items.append(_entry_item(entry, url, feed_author))
        except (TypeError, ValueError, AttributeError, KeyError, OverflowError):
            continue
    return ParsedFeed(title=title or _host(site_url or url), site_url=site_url, items=items)


def _host(url: str | None) -> str:
    try:
        return clean_line(urlsplit(url or "").hostname or "")
    except ValueError:
        return ""


def _detail_text(node: Any, key: str) -> str:
    """A feedparser text construct as one plain line (HTML titles lose their tags)."""
    value = node.get(key)
    if not isinstance(value, str) or not value:
        return ""
    detail = node.get(f"{key}_detail") or {}
    kind = str(detail.get("type") or "") if hasattr(detail, "get") else ""
    if "html" in kind:
        value = html_to_text(value)
    return clean_line(value)


def _author(node: Any) -> str:
    names: list[str] = []
    for person in node.get("authors") or ():
        if hasattr(person, "get"):
            name = person.get("name") or person.get("email")
            if isinstance(name, str) and name.strip():
                names.append(name)
    if not names:
        detail = node.get("author_detail")
        if hasattr(detail, "get") and isinstance(detail.get("name"), str):
            names.append(detail["name"])
        elif isinstance(node.get("author"), str):
            names.append(node["author"])
    return clean_line(", ".join(_unique(clean_line(n, limit=200) for n in names if n)), limit=200)


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
    return list(seen)


def _struct_date(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc)
            except (OverflowError, ValueError, OSError, TypeError):
                continue
    return None


# An element in a summary's markup: a summary with one (a link, a quote, a
# list) is kept as the story's content when the feed gives no full content,
# so the reader can show it as it was written.
_ELEMENT = re.compile(r"<[A-Za-z]")


def has_markup(html: str) -> bool:
    return _ELEMENT.search(html) is not None


def _entry_content(entry: Any) -> str:
    contents = [c for c in entry.get("content") or () if hasattr(c, "get")]
    for wanted in ("html", None):
        for part in contents:
            value = part.get("value")
            kind = str(part.get("type") or "")
            if isinstance(value, str) and value.strip() and (wanted is None or wanted in kind):
                return value if "html" in kind else text_to_html(value)
    return ""


def _entry_item(entry: Any, feed_url: str, feed_author: str) -> FeedItem:
    base = feed_url
    link = absolute_url(entry.get("link"), base)
    if link is None:
        for candidate in entry.get("links") or ():
            if hasattr(candidate, "get") and candidate.get("rel", "alternate") == "alternate":
                link = absolute_url(candidate.get("href"), base)
                if link:
                    break
    enclosure = None
    for candidate in entry.get("enclosures") or ():
        if hasattr(candidate, "get") and isinstance(candidate.get("href"), str):
            enclosure = candidate["href"]
            break
    content_html = _entry_content(entry)
    summary_html = entry.get("summary")
    if not isinstance(summary_html, str):
        summary_html = ""
    detail = entry.get("summary_detail") or {}
    summary_kind = str(detail.get("type") or "text/html") if hasattr(detail, "get") else "text/html"
    summary = html_to_text(summary_html) if "html" in summary_kind else clean(summary_html).strip()
    if not content_html and "html" in summary_kind and has_markup(summary_html):
        content_html = summary_html
    return make_item(
        guid=entry.get("id"),
        url=link,
        title_text=_detail_text(entry, "title"),
        author=_author(entry) or feed_author,
        published=_struct_date(entry),
        summary=summary,
        content_html=content_html,
        enclosure=enclosure,
    )
