"""OPML 2.0 export of the feed subscriptions.

Input is the plain-data dict of ``Library.export_all()``.  Only sources of
kind ``feed`` are written, one ``<outline type="rss">`` each, in the order
they were added.  A feed's ``category`` lists the tags stored on the source
itself (``source["tags"]``) when there are any; tags are never guessed from
its stories.  The document is built with lxml, which does all the escaping.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timezone
from email.utils import format_datetime
from typing import Any

from lxml import etree

from broadsheet.model import FEED, parse_iso, utcnow
from broadsheet.sanitize import clean_line, clean_tag

DOCS = "http://opml.org/spec2.opml"
TITLE = "broadsheet subscriptions"


def _xml_text(value: Any) -> str:
    """Text that XML 1.0 can carry: one line, no controls, no noncharacters."""
    text = "".join(
        ch for ch in clean_line(value, None)
        if not (0xD800 <= ord(ch) <= 0xDFFF or ord(ch) in (0xFFFE, 0xFFFF))
    )
    return clean_line(text, None)


def _categories(source: Mapping[str, Any]) -> str:
    tags = []
    seen = set()
    for tag in source.get("tags") or ():
        name = clean_tag(tag)
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            tags.append(name)
    return ",".join(tags)


def export_opml(data: Mapping[str, Any], *, title: str = TITLE) -> str:
    """The feeds of the library as an OPML 2.0 document (text, UTF-8 declared)."""
    created = (parse_iso(data.get("exported")) or utcnow()).astimezone(timezone.utc)
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = _xml_text(title)
    etree.SubElement(head, "dateCreated").text = format_datetime(created, usegmt=True)
    etree.SubElement(head, "docs").text = DOCS
    body = etree.SubElement(root, "body")
    for source in data.get("sources") or ():
        if source.get("kind") != FEED or not source.get("url") or source.get("unsubscribed"):
            continue
        url = _xml_text(source["url"])
        name = _xml_text(source.get("title") or "") or url
        outline = etree.SubElement(body, "outline")
        outline.set("type", "rss")
        outline.set("text", name)
        outline.set("title", name)
        outline.set("xmlUrl", url)
        site = _xml_text(source.get("site_url") or "")
        if site:
            outline.set("htmlUrl", site)
        category = _xml_text(_categories(source))
        if category:
            outline.set("category", category)
    text = etree.tostring(root, encoding="unicode", pretty_print=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text
