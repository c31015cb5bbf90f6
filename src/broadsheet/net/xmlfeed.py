"""RSS 2.0 and Atom 1.0 read straight from the screened lxml tree.

feedparser costs about 100 ms of CPU for a 50-item feed; most feeds are
plain RSS 2.0 or Atom 1.0, and reading those from the tree that
:func:`broadsheet.net.feeds._hardened_parse` already built costs a few.
The tree comes from a parser with no entity expansion, no DTD and no
network, that had to repair nothing.

Only what broadsheet keeps is read (titles, links, ids, dates, authors,
summaries, full content), the way feedparser reads it.  Anything this module
is not sure to read as feedparser would — another format or version, inline
XHTML, elements that feedparser maps onto those fields from other
vocabularies (Media RSS, iTunes, Dublin Core titles), odd content types,
a charset header that contradicts the document, dates in unusual formats —
raises :class:`Unusual`, and the caller hands the document to feedparser.
"""

from __future__ import annotations

import codecs
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Container
from urllib.parse import urljoin

from broadsheet.model import FeedItem, ParsedFeed
from broadsheet.sanitize import clean, clean_line, is_clean
from broadsheet.net.feeds import (
    _PERSON_TEXT,
    MAX_ITEMS,
    _host,
    _unique,
    absolute_url,
    clean_html_to_text,
    clean_item,
    has_markup,
    html_to_text,
    item_guid,
    text_to_html,
)

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
ITUNES = "http://www.itunes.com/DTDs/PodCast-1.0.dtd"
MEDIA = ("http://search.yahoo.com/mrss/", "http://search.yahoo.com/mrss")
XHTML = "http://www.w3.org/1999/xhtml"

_A = "{%s}" % ATOM
_RSS_VERSIONS = ("2.", "0.91", "0.92", "0.93", "0.94")

# Elements of other vocabularies that feedparser maps onto the fields read
# here; an item (or a feed, for its title) with any of them is left to it.
# (local name, namespace) pairs; feedparser matches namespaces in any case.
_ITEM_TAKEN = (
    [(n, DC) for n in ("title", "description", "author")]
    + [(n, DCTERMS) for n in ("created", "issued", "modified")]
    + [(n, ITUNES) for n in ("summary",)]
    + [(n, m) for m in MEDIA for n in ("title", "description")]
    + [("body", XHTML)]
)
# The same for a feed's own title, and (Atom: read as every entry's author
# when it has none) its author.
_FEED_TITLE_TAKEN = [("title", DC)] + [("title", m) for m in MEDIA]
_FEED_TAKEN = _FEED_TITLE_TAKEN + [(n, DC) for n in ("creator", "author")] + [("author", ITUNES)]
# Plain (namespace-less) children of an RSS item that feedparser maps onto
# nothing read here; any other plain child is left to it.
_RSS_ITEM_IGNORED = frozenset(
    "category comments source enclosure ttl rating docs cloud image textinput "
    "skiphours skipdays language copyright generator webmaster managingeditor".split()
)
_RSS_CHANNEL_READ = frozenset({"title", "link", "item"})


def _tags(root: Any, pairs: list[tuple[str, str]]) -> tuple[str, ...]:
    """Clark names for ``pairs``, under each spelling of the namespace the
    document declares at its root (feedparser ignores the case of namespaces)."""
    declared: dict[str, list[str]] = {}
    for uri in root.nsmap.values():
        if uri:
            declared.setdefault(uri.lower(), []).append(uri)
    names = []
    for local, namespace in pairs:
        for uri in {namespace, *declared.get(namespace.lower(), ())}:
            names.append(f"{{{uri}}}{local}")
    return tuple(names)


_DC_CREATOR = "{%s}creator" % DC
_DC_DATE = "{%s}date" % DC
_CONTENT_ENCODED = "{%s}encoded" % CONTENT
_ITUNES_AUTHOR = "}author"
_ITUNES_AUTHOR_LOWER = "{%s}author" % ITUNES.lower()
_A_FEED = _A + "feed"
_A_ENTRY = _A + "entry"
_A_TITLE = _A + "title"
_A_ID = _A + "id"
_A_LINK = _A + "link"
_A_SUMMARY = _A + "summary"
_A_CONTENT = _A + "content"
_A_PUBLISHED = _A + "published"
_A_UPDATED = _A + "updated"
_A_AUTHOR = _A + "author"
_A_NAME = _A + "name"
_A_EMAIL = _A + "email"
_A_DATES_TAKEN = frozenset(_A + n for n in ("issued", "modified", "created"))


class Unusual(Exception):
    """The document is best read by feedparser."""


# ---------------------------------------------------------------- small helpers


def _text(el: Any) -> str:
    """The element's text, stripped; inline markup (child elements) is unusual."""
    if len(el):
        raise Unusual
    text = el.text
    return text.strip() if text else ""


_HTMLISH_HINT = re.compile(r"</\w+>|&#?\w+;")


def _looks_like_html(text: str) -> bool:
    """feedparser's guess whether an RSS text field is HTML."""
    if not _HTMLISH_HINT.search(text):
        return False
    import html.entities

    from feedparser.sanitizer import _HTMLSanitizer

    if any(t.lower() not in _HTMLSanitizer.acceptable_elements
           for t in re.findall(r"</?(\w+)", text)):
        return False
    return not any(e not in html.entities.entitydefs for e in re.findall(r"&(\w+);", text))


def _plain(text: str, kind: str) -> str:
    """A text construct as plain text; ``kind`` is "text" or "html"."""
    return html_to_text(text) if kind == "html" else text


def _atom_kind(el: Any, default: str = "text") -> str:
    kind = (el.get("type") or default).strip().lower()
    if kind in ("text", "text/plain"):
        return "text"
    if kind in ("html", "text/html"):
        return "html"
    raise Unusual  # xhtml (inline markup), or another media type


_CP1252 = {
    c: bytes([c]).decode("cp1252") for c in range(0x80, 0xA0) if c not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}
_C1 = re.compile("[\x80-\x9f]")


def _feedparser_text(text: str, utf8: bool) -> str:
    """What feedparser does to every text: C1 controls read as Windows-1252
    (a common mistake: ’ sent as \\x92) and UTF-8 mis-read as Latin-1 repaired."""
    text = _repaired(text, utf8)
    if text.isascii() or is_clean(text):  # C1 controls are not clean
        return text
    return _c1_as_cp1252(text)


# UTF-8 writes every character beyond ASCII as a lead byte (C2-F4) followed
# by continuation bytes (80-BF): mis-read as Latin-1, it holds such a pair.
_MISREAD_UTF8 = re.compile("[\xc2-\xf4][\x80-\xbf]")


def _repaired(text: str, utf8: bool) -> str:
    """UTF-8 mis-read as Latin-1, read again (a document read as UTF-8 only)."""
    if not utf8 or text.isascii():
        return text
    # Failing to decode costs an exception; a short text is quicker to search
    # for the sign of mis-read UTF-8 (a long one fails at its first character
    # beyond Latin-1, usually early).
    if len(text) < 200 and _MISREAD_UTF8.search(text) is None:
        return text
    try:
        return text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _c1_as_cp1252(text: str) -> str:
    return text.translate(_CP1252) if _C1.search(text) else text


# Long texts (summaries, full content) are cleaned as they are read: for
# clean text (nearly all) the one look at every character that tells so is
# then the only one.  See broadsheet.net.feeds.clean_item.


def _read(text: str, utf8: bool) -> tuple[str, bool]:
    """``_feedparser_text(text, utf8)``, and whether that is clean already
    (``clean()`` would leave it as it is)."""
    text = _repaired(text, utf8)
    if is_clean(text):
        return text, True
    return _c1_as_cp1252(text), False


def _clean_text(text: str, utf8: bool) -> str:
    """``clean(_feedparser_text(text, utf8))``."""
    text, text_is_clean = _read(text, utf8)
    return text if text_is_clean else clean(text)


def _content_html(markup: str, markup_is_clean: bool, base: str) -> str:
    """``clean(_resolve_links(markup, base)).strip()``, for markup as
    :func:`_read` returns it: full content for :func:`broadsheet.net.feeds.clean_item`."""
    resolved = _resolve_links(markup, base)
    if resolved is not markup or not markup_is_clean:
        resolved = clean(resolved)  # the base joined to relative addresses may hold anything
    return resolved.strip()


# ---------------------------------------------------------------- dates

_DATE_TEXT = 100  # no date is longer; feedparser's date parsers are not all linear
_MONTHS = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_RFC822 = re.compile(
    r"(?:[A-Za-z]{3},?\s*)?(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{4})\s+"
    r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(GMT|UTC|UT|Z|[+-]\d{4})?\s*$"
)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$")


def _date(text: str) -> datetime | None:
    """A feed date (RFC 822 or ISO 8601) as an aware datetime; feedparser's
    date parser for every other form."""
    text = text.strip()[:_DATE_TEXT]
    if not text:
        return None
    match = _RFC822.match(text)
    if match:
        day, month, year, hour, minute, second, zone = match.groups()
        month_number = _MONTHS.get(month.lower())
        if month_number is not None:
            try:
                moment = datetime(int(year), month_number, int(day), int(hour), int(minute),
                                  int(second or 0), tzinfo=timezone.utc)
            except ValueError:
                return None
            if zone and zone[0] in "+-":
                offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
                moment -= offset if zone[0] == "+" else -offset
            return moment
    elif _ISO.match(text):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            if moment.microsecond:
                moment = moment.replace(microsecond=0)  # feedparser keeps whole seconds
            return moment
    return _feedparser_date(text)


def _feedparser_date(text: str) -> datetime | None:
    import calendar

    from feedparser.datetimes import _parse_date

    try:
        parsed = _parse_date(text)
        if not parsed:
            return None
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)
    except (OverflowError, ValueError, OSError, TypeError):
        return None


# ---------------------------------------------------------------- people

_EMAIL = re.compile(
    r"(([a-zA-Z0-9_\-.+]+)@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|(([a-zA-Z0-9\-]+\.)+))"
    r"([a-zA-Z]{2,4}|[0-9]{1,3})(]?))(\?subject=\S+)?"
)


def _person(text: str) -> str:
    """An RSS author ("jo@example.org (Jo Bloggs)") as a name, as feedparser splits it."""
    text = text[:_PERSON_TEXT]  # broadsheet keeps 200 characters; the search is not linear
    if "@" not in text:
        return text
    match = _EMAIL.search(text)
    if not match:
        return text
    email = match.group(0)
    name = text.replace(email, "").replace("()", "").replace("<>", "").strip()
    if name.startswith("("):
        name = name[1:]
    if name.endswith(")"):
        name = name[:-1]
    return name.strip() or email


def _atom_person(el: Any) -> str:
    name = email = ""
    for child in el:
        tag = child.tag
        if tag == _A_NAME:
            name = _text(child)
        elif tag == _A_EMAIL:
            email = _text(child)
    return name or email


def _authors(names: list[str]) -> str:
    """The names as one clean line, as clean_line(..., limit=200) leaves it."""
    if len(names) == 1:  # the usual case; a clean line is its own clean_line()
        return clean_line(names[0], limit=200)
    return clean_line(
        ", ".join(_unique(clean_line(n, limit=200) for n in names if n)), limit=200
    )


# ---------------------------------------------------------------- links in content

_URI_NAMES = ("href", "src", "cite", "poster", "background", "longdesc", "action", "usemap",
              "codebase", "data", "profile")
_URI_ATTR = re.compile(
    r"""(\s(?:%s)\s*=\s*)(?:"([^"]*)"|'([^']*)')""" % "|".join(_URI_NAMES), re.I
)
_ABSOLUTE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*:|#")
# A quick look before the substitution: is there an "=" with a quoted value
# after it that is not absolute (nor a fragment, nor empty), and a link
# attribute's name before it?  Most values in real markup are absolute
# addresses, or belong to other attributes (alt, width, class…).
_RELATIVE_VALUE_AFTER = re.compile(r"""=\s*+["']\s*+(?![a-zA-Z][a-zA-Z0-9+.\-]*:|[#"'])""")
_URI_NAME_BEFORE = re.compile(r"(?:^|\s)(?:%s)\s*$" % "|".join(_URI_NAMES), re.I)


def _has_relative_link(markup: str) -> bool:
    for value in _RELATIVE_VALUE_AFTER.finditer(markup):
        at = value.start()
        if _URI_NAME_BEFORE.search(markup, max(0, at - 20), at):
            return True
    return False


def _resolve_links(markup: str, base: str | None) -> str:
    """Relative addresses in HTML made absolute against ``base`` (feedparser does this)."""
    if not base or not _has_relative_link(markup):
        return markup

    def absolute(match: re.Match) -> str:
        double = match.group(2) is not None
        value = (match.group(2) if double else match.group(3)).strip()
        if not value or _ABSOLUTE.match(value):
            return match.group(0)
        try:
            joined = urljoin(base, value)
        except ValueError:
            return match.group(0)
        if double:
            return f'{match.group(1)}"{joined.replace(chr(34), "%22")}"'
        return f"{match.group(1)}'{joined.replace(chr(39), '%27')}'"

    return _URI_ATTR.sub(absolute, markup)


_OTHER_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):(?!//)")


def _is_permalink(guid_el: Any) -> bool:
    """An RSS guid is a permalink unless it says isPermaLink="false"."""
    return guid_el.get("isPermaLink", guid_el.get("ispermalink", "true")) == "true"


def _item_id(text: str, el: Any, url: str) -> str:
    """An item's id as feedparser keeps it: a relative one ("12345", "post/5")
    joined to the base, as feedparser does for an RSS guid that is a
    permalink and for every Atom id.  (Otherwise the same item would get
    another id whenever its feed is read by feedparser instead.)"""
    if not text or (el.tag == "guid" and not _is_permalink(el)):
        return text
    if text.startswith(("http://", "https://")) and _plain_http(text):
        return text
    scheme = _OTHER_SCHEME.match(text)
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        return text  # tag:, urn: …: joining leaves another scheme as it is
    from feedparser.urls import _urljoin

    return _urljoin(_base(el, url), text)


def _former_id(raw: str, joined: str, utf8: bool) -> str | None:
    """The id broadsheet gave an item before ids were joined to the base,
    when joining changed it (see :attr:`FeedItem.former_guid`)."""
    if raw and joined != raw:
        return item_guid(_feedparser_text(raw, utf8), None, "", "", None)
    return None


def _base(el: Any, fallback: str) -> str:
    try:
        return el.base or fallback
    except ValueError:
        return fallback


def _link(text: str, el: Any, url: str) -> str | None:
    if not text:
        return None
    if "&" in text:  # feedparser's repair of "?a=1&b;=2"
        text = re.sub("&([A-Za-z0-9_]+);", r"&\g<1>", text.replace("&amp;", "&"))
    if text.startswith(("http://", "https://")):
        if _plain_http(text):
            return text  # what absolute_url() would return, without parsing it
        return absolute_url(text, None)
    return absolute_url(text, _base(el, url))


def _plain_http(link: str) -> bool:
    """An absolute http(s) address with a host and nothing to clean or question."""
    host = 7 if link[4] == ":" else 8
    return (
        len(link) > host and link[host] not in "/?#:@[" and link.isascii()
        and link.isprintable() and " " not in link and "[" not in link
        and "\\" not in link
    )


# ---------------------------------------------------------------- the formats


def parse_tree(
    root: Any, url: str, content_type: str | None = None,
    known: Container[str] = frozenset(), seen: set[str] | None = None,
) -> ParsedFeed:
    """Read an RSS 2.0 or Atom 1.0 tree; raise :class:`Unusual` for anything else.

    Items whose id is in ``known`` (stored already) are not read at all; their
    ids go to ``seen`` when it is given.  See :func:`broadsheet.net.feeds.parse_feed`.
    """
    tag = root.tag
    if tag != "rss" and tag != _A_FEED:
        raise Unusual
    encoding = _codec(root.getroottree().docinfo.encoding or "utf-8")
    charset = _charset(content_type)
    if charset is not None and _codec(charset) != encoding:
        raise Unusual  # feedparser lets the HTTP header win; lxml read the document's own
    utf8 = encoding == "utf-8"
    skip = _Skip(known, seen, utf8, url)
    now = datetime.now(timezone.utc)  # what every item's date is judged against
    if tag == "rss":
        return _rss(root, url, utf8, skip, now)
    return _atom(root, url, utf8, skip, now)


class _Skip:
    """Which items are known already, by their own id alone."""

    def __init__(self, known: Container[str], seen: set[str] | None, utf8: bool, url: str) -> None:
        self.known = known
        self.seen = seen
        self.utf8 = utf8
        self.url = url

    def __call__(self, item: Any, id_tag: str) -> bool:
        if not self.known:
            return False
        ids = item.findall(id_tag)
        if len(ids) != 1 or len(ids[0]) or not ids[0].text:
            return False
        text = _feedparser_text(_item_id(ids[0].text.strip(), ids[0], self.url), self.utf8)
        if not text:
            return False
        guid = item_guid(text, None, "", "", None)  # what make_item() would make of it
        if guid not in self.known:
            return False
        if self.seen is not None:
            self.seen.add(guid)
        return True


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


def _charset(content_type: str | None) -> str | None:
    if not content_type or "charset" not in content_type.lower():
        return None
    match = re.search(r"charset\s*=\s*[\"']?([\w.:\-]+)", content_type, re.I)
    return match.group(1).lower() if match else None


def _rss(root: Any, url: str, utf8: bool, skip: _Skip, now: datetime) -> ParsedFeed:
    if not (root.get("version") or "2.0").strip().startswith(_RSS_VERSIONS):
        raise Unusual
    for el in root.iter(_A + "*"):
        if el.tag != _A + "link" or (el.get("rel") or "alternate").strip().lower() == "alternate":
            raise Unusual  # feedparser reads Atom elements in RSS as the item's or channel's
    channels = root.findall("channel")
    if len(channels) != 1 or root.find("item") is not None:
        raise Unusual
    channel = channels[0]
    feed_taken = _tags(root, _FEED_TITLE_TAKEN)
    item_taken = _tags(root, _ITEM_TAKEN)
    title = site = ""
    site_el = None
    items = []
    for child in channel:
        tag = child.tag
        if tag == "item":
            items.append(child)
        elif tag == "title":
            if not title:
                title = _feedparser_text(_text(child), utf8)
        elif tag == "link":
            if site_el is None:
                site, site_el = _text(child), child
        elif tag in feed_taken or (
            isinstance(tag, str) and tag[0] != "{" and tag.lower() in _RSS_CHANNEL_READ
        ):
            raise Unusual  # <dc:title>, <TITLE>…
    if title and _looks_like_html(title):
        title = html_to_text(title)
    title = clean_line(title)
    site_url = _link(site, site_el, url) if site_el is not None else None
    if not items and not title:
        raise Unusual  # feedparser decides whether it is a feed at all
    parsed: list[FeedItem] = []
    # Most channels hold none of the elements left to feedparser: one look
    # through the channel then spares one through every item.
    taken = next(channel.iter(*item_taken), None) is not None
    for item in items[:MAX_ITEMS]:
        if taken and next(item.iter(*item_taken), None) is not None:
            raise Unusual
        if not skip(item, "guid"):
            parsed.append(_rss_item(item, url, utf8, now))
    return ParsedFeed(title=title or _host(site_url or url), site_url=site_url, items=parsed)


def _rss_item(item: Any, url: str, utf8: bool, now: datetime) -> FeedItem:
    title = guid = description = content = published = updated = ""
    link_text = None
    link_el = guid_el = None
    guid_is_link = False
    enclosure = None
    people: list[str] = []
    for child in item:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag == "title":
            title = _text(child)
        elif tag == "link":
            link_text, link_el = _text(child), child
        elif tag == "guid":
            guid, guid_el = _text(child), child
            guid_is_link = _is_permalink(child)
        elif tag == "description":
            description = _text(child)
        elif tag == _CONTENT_ENCODED:
            content = _text(child)
        elif tag == "pubDate" or tag == "pubdate":
            published = _text(child)
        elif tag == _DC_DATE or tag == "lastBuildDate":
            updated = _text(child)
        elif tag == "author" or tag == _DC_CREATOR or tag.endswith(_ITUNES_AUTHOR):
            if tag[0] == "{" and tag != _DC_CREATOR and tag.lower() != _ITUNES_AUTHOR_LOWER:
                continue  # another vocabulary's <author>
            people.append(_person(_text(child)))
        elif tag == "enclosure":
            enclosure = enclosure or child.get("url")
        elif tag[0] != "{" and tag.lower() not in _RSS_ITEM_IGNORED:
            raise Unusual  # a plain element feedparser may map onto a field read here
    title = _feedparser_text(title, utf8)
    if title and _looks_like_html(title):
        title = html_to_text(title)
    if link_text:
        link = _link(link_text, link_el, url)
    elif guid and guid_is_link:
        link = _link(guid, guid_el, url)
    else:
        link = None
    content_html = ""
    if content:
        content, content_is_clean = _read(content, utf8)
        content_html = _content_html(content, content_is_clean, _base(item, url))
    elif description and has_markup(description):
        # No full content: the description's markup is kept as the content
        # (as feedparser's summary holds it), for the reader to show.
        markup, markup_is_clean = _read(description, utf8)
        content_html = _content_html(markup, markup_is_clean, _base(item, url))
    summary = clean_html_to_text(_clean_text(description, utf8)) if description else ""
    item_id = _item_id(guid, guid_el, url)
    return clean_item(
        guid=_feedparser_text(item_id, utf8) or None,
        former_guid=_former_id(guid, item_id, utf8),
        url=link,
        title=clean_line(title),
        author=_authors([_feedparser_text(p, utf8) for p in people]),
        published=_first_date(published, updated),
        summary=summary,
        content_html=content_html,
        enclosure=enclosure,
        now=now,
    )


def _first_date(*texts: str) -> datetime | None:
    """The first of the texts that reads as a date."""
    for text in texts:
        if text:
            moment = _date(text)
            if moment is not None:
                return moment
    return None


def _atom(root: Any, url: str, utf8: bool, skip: _Skip, now: datetime) -> ParsedFeed:
    title = ""
    site_url = None
    feed_people: list[str] = []
    entries = []
    feed_taken = _tags(root, _FEED_TAKEN)
    item_taken = _tags(root, _ITEM_TAKEN)
    for child in root:
        tag = child.tag
        if tag in feed_taken or tag == "item" or tag == "entry":
            raise Unusual
        if tag == _A_ENTRY:
            entries.append(child)
        elif tag == _A_TITLE:
            if not title:
                title = _plain(_feedparser_text(_text(child), utf8), _atom_kind(child))
        elif tag == _A_LINK:
            site_url = _alternate(child, url) or site_url  # the last one, as feedparser
        elif tag == _A_AUTHOR:
            feed_people.append(_atom_person(child))
    title = clean_line(title)
    if not entries and not title:
        raise Unusual  # feedparser decides whether it is a feed at all
    feed_author = _authors([_feedparser_text(p, utf8) for p in feed_people])
    items = []
    taken = next(root.iter(*item_taken), None) is not None  # see _rss
    for entry in entries[:MAX_ITEMS]:
        if taken and next(entry.iter(*item_taken), None) is not None:
            raise Unusual
        if not skip(entry, _A_ID):
            items.append(_atom_entry(entry, url, utf8, feed_author, now))
    return ParsedFeed(title=title or _host(site_url or url), site_url=site_url, items=items)


def _alternate(link: Any, url: str) -> str | None:
    """An Atom <link>'s address when it is the page itself (rel alternate, HTML)."""
    rel = (link.get("rel") or "alternate").strip().lower()
    kind = (link.get("type") or "text/html").strip().lower()
    if rel != "alternate" or kind not in ("text/html", "application/xhtml+xml", "html", "xhtml"):
        return None
    href = link.get("href")
    if href is None:
        raise Unusual  # feedparser reads the element's text then
    return _link(href.strip(), link, url)


def _atom_entry(entry: Any, url: str, utf8: bool, feed_author: str, now: datetime) -> FeedItem:
    title = guid = published = updated = ""
    summary = content = None
    summary_kind = content_kind = "text"
    summary_el = guid_el = None
    link = None
    alternates: list[Any] = []
    enclosure = None
    people: list[str] = []
    content_el = None
    for child in entry:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag == _A_TITLE:
            title = _plain(_feedparser_text(_text(child), utf8), _atom_kind(child))
        elif tag == _A_ID:
            guid, guid_el = _text(child), child
        elif tag == _A_LINK:
            if child.get("href") is None:
                raise Unusual  # feedparser reads the element's text then
            rel = (child.get("rel") or "alternate").strip().lower()
            if rel == "enclosure":
                enclosure = enclosure or child.get("href")
            elif rel == "alternate":
                alternates.append(child)
                link = _alternate(child, url) or link  # the last one, as feedparser
        elif tag == _A_SUMMARY:
            summary, summary_kind, summary_el = _text(child), _atom_kind(child), child
        elif tag == _A_CONTENT:
            if child.get("src"):
                raise Unusual
            content, content_kind, content_el = _text(child), _atom_kind(child), child
        elif tag == _A_PUBLISHED:
            published = _text(child)
        elif tag == _A_UPDATED:
            updated = _text(child)
        elif tag == _A_AUTHOR:
            people.append(_atom_person(child))
        elif tag == _DC_CREATOR:
            people.append(_person(_text(child)))
        elif tag == _DC_DATE:
            updated = updated or _text(child)
        elif tag in _A_DATES_TAKEN:
            raise Unusual
    if link is None and guid:
        link = _link(guid, entry, url)  # feedparser takes the id as the link then
    if link is None:
        for candidate in alternates:
            href = (candidate.get("href") or "").strip()
            link = _link(href, candidate, url) if href else None
            if link:
                break
    content_html = ""
    content_is_clean = False
    if content:
        raw_content = content
        content, content_is_clean = _read(content, utf8)
        if content_kind == "html":
            content_html = _content_html(content, content_is_clean, _base(content_el, url))
        else:
            content_html = clean(text_to_html(content)).strip()
    summary_is_clean = False
    if summary is None and content:
        # feedparser copies the content, as read, to the summary and reads it
        # once more; what the first reading left as it was, the second leaves too.
        summary_kind = content_kind
        if content is raw_content:
            summary, summary_is_clean = content, content_is_clean
        else:
            summary, summary_is_clean = _read(content, utf8)
    elif summary:
        summary, summary_is_clean = _read(summary, utf8)
    summary_text = ""
    if summary:
        if not content and summary_kind == "html" and has_markup(summary):
            # No full content: the summary's markup is kept as the content.
            content_html = _content_html(summary, summary_is_clean, _base(summary_el, url))
        if not summary_is_clean:
            summary = clean(summary)
        summary_text = clean_html_to_text(summary) if summary_kind == "html" else summary.strip()
    item_id = _item_id(guid, guid_el, url)
    return clean_item(
        guid=_feedparser_text(item_id, utf8) or None,
        former_guid=_former_id(guid, item_id, utf8),
        url=link,
        title=clean_line(title),
        author=_authors([_feedparser_text(p, utf8) for p in people]) or feed_author,
        published=_first_date(published, updated),
        summary=summary_text,
        content_html=content_html,
        enclosure=enclosure,
        now=now,
    )
