"""Clean article text from web pages: bytes and an address in, a Document out.

Pure: no network, no database.  A huge page is first cut to a budget
(:mod:`.limits`); the page is parsed once with lxml; cookie walls and consent
dialogs are taken out (:mod:`.consent`); readability-lxml finds the article
element (with a second opinion when its answer is poor); the element becomes
blocks with inline spans; filters drop the chrome that is left (share rows,
related-article lists, promos, comment boxes, cookie notices…).  A page that
was only a consent wall gives a Document without blocks.  All text passes
through :mod:`broadsheet.sanitize`.
"""

from __future__ import annotations

import threading
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from ..model import IMAGE, PARAGRAPH, Block, Document, Span
from ..sanitize import clean_line
from .blocks import convert
from .consent import consent_only, remove_consent
from .decode import decode_html
from .filters import byline_from_blocks, filter_blocks, prune
from .limits import bound_page, left_out_note
from .markdown import to_markdown, to_text
from .metadata import Metadata, absolute_http, clean_byline, extract_metadata
from .readable import find_article, text_paragraphs

__all__ = [
    "decode_html",
    "document_from_fragment",
    "extract_document",
    "extract_text",
    "to_markdown",
    "to_text",
]

_PARSERS = threading.local()  # lxml parsers must not be shared between threads


def _parser() -> lxml.html.HTMLParser:
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = lxml.html.HTMLParser(
            encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True
        )
    return parser


def _parse(text: str):
    """An lxml document for ``text``, or None when there is nothing to parse."""
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text.encode("utf-8", "replace"), parser=_parser())
    except (lxml.etree.ParserError, ValueError, lxml.etree.XMLSyntaxError):
        return None


def _base_url(root, url: str | None) -> str | None:
    base = root.find(".//base[@href]")
    if base is not None:
        href = (base.get("href") or "").strip()
        if href:
            try:
                joined = urljoin(url, href) if url else href
            except ValueError:
                joined = None
            if joined and absolute_http(joined, None):
                return joined
    return url


def _renumber_links(blocks: list[Block], links: list[str]) -> tuple[list[Block], list[str]]:
    """Keep only the links the kept blocks use, numbered in order of use."""
    mapping: dict[int, int] = {}
    new_links: list[str] = []
    out: list[Block] = []
    for block in blocks:
        if not any(s.link is not None for s in block.spans):
            out.append(block)
            continue
        spans = []
        for span in block.spans:
            if span.link is not None:
                number = mapping.get(span.link)
                if number is None:
                    new_links.append(links[span.link - 1])
                    number = mapping[span.link] = len(new_links)
                span = Span(span.text, span.styles, number)
            spans.append(span)
        out.append(Block(block.kind, tuple(spans), block.level, block.ordinal, block.src))
    return out, new_links


def _has_text(blocks: list[Block]) -> bool:
    return any(b.kind != IMAGE and b.text.strip() for b in blocks)


def _document(blocks, links, meta: Metadata, url: str | None) -> Document:
    blocks, links = _renumber_links(list(blocks), links)
    return Document(
        blocks=blocks,
        links=links,
        title=meta.title,
        byline=meta.byline,
        site_name=meta.site_name,
        published=meta.published,
        updated=meta.updated,
        lead_image=meta.lead_image,
        language=meta.language,
        url=meta.url or absolute_http(url, None),
    )


def extract_document(html: str | bytes, url: str | None = None, content_type: str | None = None) -> Document:
    """The article of a page as a Document (empty when the page has no text)."""
    text = decode_html(html, content_type)
    text, left_out = bound_page(text)
    root = _parse(text)
    del text
    if root is None:
        return Document(url=absolute_http(url, None))
    meta = extract_metadata(root, url)
    base = _base_url(root, url or meta.url)
    # a cookie wall or consent dialog is never the article
    walled = remove_consent(root) > 0
    more_rows: dict = {}
    node = find_article(root, more_rows)
    prune(node)
    blocks, links, _sources = convert(node, base, more_rows=more_rows)
    if not meta.byline:
        meta.byline = clean_byline(byline_from_blocks(blocks))
    titles = meta.title_variants
    kept = filter_blocks(blocks, titles=titles, byline=meta.byline)
    if not _has_text(kept):
        # The filters or the finder went too far: the page's paragraphs.
        fallback = text_paragraphs(root)
        fb_blocks, fb_links, _ = convert(fallback, base)
        fb_kept = filter_blocks(fb_blocks, titles=titles, byline=meta.byline)
        if _has_text(fb_kept):
            kept, links = fb_kept, fb_links
        elif walled:
            pass  # what is left of a cookie wall is the site's chrome
        elif _has_text(blocks):
            kept = [b for b in blocks if b.kind != IMAGE or b.src]
        elif _has_text(fb_blocks):
            kept, links = fb_blocks, fb_links
        else:
            # A page too small to have paragraphs: all of its visible text.
            body = root.find("body")
            if body is not None:
                all_blocks, all_links, _ = convert(body, base)
                if _has_text(all_blocks):
                    kept, links = all_blocks, all_links
    if consent_only([b.text for b in kept if b.kind != IMAGE]):
        kept = []  # a consent notice that nothing above recognised, and nothing else
    if left_out and _has_text(kept):
        kept = [*kept, Block(PARAGRAPH, (Span(left_out_note(left_out)),))]
    return _document(kept, links, meta, url)


def extract_text(html: str | bytes, url: str | None = None) -> str:
    """The clean plain text of a page's article."""
    return extract_document(html, url).plain_text()


def document_from_fragment(html: str, url: str | None = None, title: str = "") -> Document:
    """A Document from HTML that already is the article (a feed's full content)."""
    if isinstance(html, (bytes, bytearray)):
        html = decode_html(bytes(html))
    html = decode_html(html or "")
    title = clean_line(title, limit=500)
    meta = Metadata(title=title, title_variants=(title,) if title else (), url=absolute_http(url, None))
    if not html.strip():
        return _document([], [], meta, url)
    root = _parse("<html><body><div>" + html + "</div></body></html>")
    if root is None:
        return _document([], [], meta, url)
    body = root.find("body")
    node = body if body is not None else root
    for el in list(node.iter("script", "style", "noscript", "template")):
        el.drop_tree()
    # Feeds that copy a whole page body into their content bring its
    # consent dialog along: it goes as it would from the page.
    remove_consent(root)
    prune(node)
    blocks, links, _ = convert(node, _base_url(root, url))
    kept = filter_blocks(blocks, titles=meta.title_variants)
    if not _has_text(kept) and _has_text(blocks):
        kept = blocks
    return _document(kept, links, meta, url)

