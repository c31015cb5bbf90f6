"""Feed autodiscovery: ``<link rel="alternate" type="application/rss+xml" href=…>``."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from broadsheet.sanitize import clean_line

FEED_LINK_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/json",
    }
)


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "base" and self.base is None:
            href = dict(attrs).get("href")
            if href:
                self.base = href
        elif tag == "link":
            values = {name.lower(): (value or "") for name, value in attrs}
            rels = values.get("rel", "").lower().split()
            kind = values.get("type", "").split(";", 1)[0].strip().lower()
            href = values.get("href", "").strip()
            if "alternate" in rels and kind in FEED_LINK_TYPES and href:
                self.links.append(href)

    handle_startendtag = handle_starttag


def discover_feeds(html: str | bytes, base_url: str) -> list[str]:
    """Absolute http(s) addresses of the feeds a page advertises, deduplicated, in order."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    parser = _LinkParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient; keep what was found before any surprise
        pass
    base = base_url
    if parser.base:
        try:
            base = urljoin(base_url, clean_line(parser.base, limit=None))
        except ValueError:
            base = base_url
    found: list[str] = []
    for href in parser.links:
        try:
            full = urljoin(base, clean_line(href, limit=None))
            parts = urlsplit(full)
        except ValueError:
            continue
        if parts.scheme.lower() in ("http", "https") and parts.netloc and full not in found:
            found.append(full)
    return found
