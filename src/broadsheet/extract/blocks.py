"""Convert an HTML element (the article) into Document blocks and links.

One pass over the tree with :func:`lxml.etree.iterwalk`.  Block-level
elements start new blocks; inline elements add styled spans.  All text goes
through :func:`broadsheet.sanitize.clean` and has its whitespace collapsed
(except inside ``<pre>``).  Links are numbered in order of first use; only
``http``, ``https`` and ``mailto`` targets are offered, made absolute.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

from ..model import (
    CODE,
    EMPHASIS,
    HEADING,
    IMAGE,
    LINK,
    LIST_ITEM,
    PARAGRAPH,
    PRE,
    QUOTE,
    STRONG,
    TABLE_ROW,
    Block,
    Span,
)
from ..sanitize import clean, clean_line

# Never text: dropped with everything inside.
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "iframe", "template", "svg", "math", "button", "input",
    "select", "option", "textarea", "form", "nav", "aside", "figcaption", "object", "embed",
    "video", "audio", "canvas", "map", "head", "title", "meta", "link", "source", "track",
    "dialog", "menu", "frameset", "frame", "applet", "label", "fieldset", "legend", "datalist",
    "output", "progress", "meter",
})
BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "header", "footer", "address", "center",
    "h1", "h2", "h3", "h4", "h5", "h6", "hgroup", "ul", "ol", "li", "dl", "dt", "dd",
    "blockquote", "pre", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
    "figure", "hr", "details", "summary", "body", "html", "picture", "listing", "plaintext", "xmp",
})
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_STYLE_OF = {
    "em": EMPHASIS, "i": EMPHASIS, "cite": EMPHASIS, "dfn": EMPHASIS, "var": EMPHASIS,
    "strong": STRONG, "b": STRONG,
    "code": CODE, "kbd": CODE, "samp": CODE, "tt": CODE,
}
_TABLE_LAYOUT_TAGS = ("p", "div", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
                      "blockquote", "pre")
# A data table keeps this many rows as TABLE_ROW blocks, and a document
# this many in all; one more row says how many were left out.  A table of
# thousands of rows is a data dump, not something read row by row in a
# terminal, and converting it would take most of the time spent on a page.
MAX_TABLE_ROWS = 1000
MAX_DOCUMENT_TABLE_ROWS = 2000
_LINK_SCHEMES = ("http", "https", "mailto")
_WHITESPACE = re.compile(r"\s+")
_NO_DESCRIPTION = frozenset({
    "image", "photo", "picture", "img", "thumbnail", "logo", "icon", "foto", "bild", "untitled",
})
_FILE_NAME = re.compile(r"^[\w\-.]*(?:\.(?:jpe?g|png|gif|webp|svg|avif)|[_\d][\w\-.]*)$", re.I)
_SPACE_ENDS = " "
def link_target(href: str | None, base: str | None) -> str | None:
    """An absolute http/https/mailto address for ``href``, else None."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    try:
        absolute = urljoin(base, href) if base else href
        parts = urlsplit(absolute)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _LINK_SCHEMES:
        return None
    if scheme != "mailto" and not parts.netloc:
        return None
    if len(absolute) <= 4000 and absolute.isprintable() and " " not in absolute:
        # nothing clean_line would change: no controls, no invisible or
        # bidi characters, no whitespace (all of them are unprintable)
        return absolute
    absolute = clean_line(absolute, limit=4000).replace(" ", "%20")
    return absolute or None


def image_source(img, base: str | None) -> str | None:
    for attr in ("src", "data-src", "data-lazy-src", "data-original", "data-url", "srcset", "data-srcset"):
        value = img.get(attr)
        if not value:
            continue
        value = value.strip()
        if attr.endswith("srcset"):
            value = value.split(",")[0].strip().split(" ")[0]
        if not value or value.startswith("data:"):
            continue
        target = link_target(value, base)
        if target and not target.startswith("mailto:"):
            return target
    return None


def _tiny(img) -> bool:
    for attr in ("width", "height"):
        value = (img.get(attr) or "").strip().rstrip("px")
        if value.isdigit() and int(value) <= 4:
            return True
    return False


def is_layout_table(table) -> bool:
    """True when a cell of ``table`` holds block content (paragraphs, lists, tables…).

    One pass: libxml2 finds the block elements inside the table, and each
    element above them is looked at once (elements known to be outside any
    cell are remembered), so the cost grows with the size of the table.
    """
    outside: set = set()
    for el in table.iterdescendants(*_TABLE_LAYOUT_TAGS):
        path = [el]
        for ancestor in el.iterancestors():
            if ancestor is table or ancestor in outside:
                break
            if ancestor.tag in ("td", "th"):
                return True
            path.append(ancestor)
        outside.update(path)
    return False


class _Table:
    """An open <table>: layout or data, and its row count."""

    __slots__ = ("element", "layout", "rows", "more")

    def __init__(self, element, layout: bool) -> None:
        self.element = element
        self.layout = layout
        self.rows = 0  # rows kept as TABLE_ROW blocks
        self.more = 0  # rows with text left out after MAX_TABLE_ROWS


class _Frame:
    """What an element changed on the way in, undone on the way out."""

    __slots__ = ("style", "link", "block", "list_", "table_row", "table", "inline_sep", "skip")

    def __init__(self) -> None:
        self.style: str | None = None
        self.link = False
        self.block = False
        self.list_ = False
        self.table_row = False
        self.table = False
        self.inline_sep = False
        self.skip = False


class BlockBuilder:
    """Collects blocks and the link list of one document."""

    def __init__(
        self,
        base_url: str | None = None,
        links: list[str] | None = None,
        more_rows: dict | None = None,
    ) -> None:
        self.base_url = base_url
        # {table element: rows already taken out of it} (see readable.drop_extra_rows)
        self.more_rows = more_rows or {}
        self.blocks: list[Block] = []
        self.sources: list[object] = []  # the element each block came from
        self.links: list[str] = links if links is not None else []
        self._link_numbers = {link: i + 1 for i, link in enumerate(self.links)}
        self._targets: dict = {}  # href -> link_target(href)
        self._parts: list[tuple[str, tuple[str, ...], int | None]] = []
        self._styles: list[str] = []
        self._link_stack: list[int | None] = []
        # block context: (kind, level) ; the innermost wins
        self._context: list[tuple[str, int]] = [(PARAGRAPH, 0)]
        self._lists: list[list] = []  # [ordered, next ordinal]
        self._ordinal: int | None = None
        self._pending_kind: tuple[str, int] | None = None
        self._pre_depth = 0
        self._pre_parts: list[str] = []
        self._table_cells: list[list] | None = None
        self._tables: list[_Table] = []
        self._table_rows = 0  # TABLE_ROW blocks so far, all tables
        self._source = None

    # -- links ---------------------------------------------------------------
    def link_number(self, target: str) -> int:
        number = self._link_numbers.get(target)
        if number is None:
            self.links.append(target)
            number = len(self.links)
            self._link_numbers[target] = number
        return number

    # -- text ----------------------------------------------------------------
    def _add_text(self, text: str | None) -> None:
        if not text:
            return
        if self._pre_depth:
            self._pre_parts.append(text)
            return
        link = self._link_stack[-1] if self._link_stack else None
        styles = tuple(sorted(set(self._styles)))
        if link is not None:
            styles = tuple(sorted(set(styles) | {LINK}))
        self._parts.append((text, styles, link))

    def _space(self) -> None:
        if self._parts and not self._pre_depth:
            self._parts.append((" ", (), None))

    def _spans(self) -> list[Span]:
        out: list[list] = []
        after_space = True
        for text, styles, link in self._parts:
            text = clean(text)
            text = _WHITESPACE.sub(" ", text)
            if after_space:
                text = text.lstrip(" ")
            if not text:
                continue
            after_space = text.endswith(" ")
            if out and out[-1][1] == styles and out[-1][2] == link:
                out[-1][0] += text
            elif out and text == " ":
                out[-1][0] += text  # a lone space joins the run before it
            else:
                out.append([text, styles, link])
        while out:
            out[-1][0] = out[-1][0].rstrip(" ")
            if out[-1][0]:
                break
            out.pop()
        # merge again: stripping may have made neighbours equal
        merged: list[Span] = []
        for text, styles, link in out:
            if merged and merged[-1].styles == styles and merged[-1].link == link:
                merged[-1] = Span(merged[-1].text + text, styles, link)
            else:
                merged.append(Span(text, styles, link))
        return merged

    def flush(self) -> None:
        """End the block being collected (if it has any text)."""
        if not self._parts:
            return
        spans = self._spans()
        self._parts = []
        if not spans:
            return
        kind, level = self._pending_kind or self._context[-1]
        ordinal = None
        if kind == LIST_ITEM:
            ordinal, self._ordinal = self._ordinal, None
        self.blocks.append(Block(kind, tuple(spans), level=level, ordinal=ordinal))
        self.sources.append(self._source)

    def _flush_pre(self) -> None:
        text = clean("".join(self._pre_parts)).expandtabs(4)
        self._pre_parts = []
        lines = [line.rstrip() for line in text.split("\n")]
        while lines and not lines[0].strip():
            lines.pop(0)
        while lines and not lines[-1].strip():
            lines.pop()
        if lines:
            self.blocks.append(Block(PRE, (Span("\n".join(lines)),)))
            self.sources.append(self._source)

    # -- elements ------------------------------------------------------------
    def _image(self, img) -> None:
        if _tiny(img):
            return
        src = image_source(img, self.base_url)
        if not src:
            return
        alt = clean_line(img.get("alt") or img.get("title") or "", limit=500)
        if not alt or _FILE_NAME.match(alt) or alt.casefold() in _NO_DESCRIPTION:
            # In a terminal an image is its description; without one it is
            # only noise in the text.
            return
        self.flush()
        self.blocks.append(Block(IMAGE, (Span(alt),) if alt else (), src=src))
        self.sources.append(img)

    def add_element(self, root, skip=None) -> None:
        """Convert ``root`` and everything inside it.

        ``skip(element) -> bool`` may reject elements (with their content).
        """
        frames: list[_Frame] = []
        walker = etree.iterwalk(root, events=("start", "end"))
        for event, el in walker:
            tag = el.tag
            if event == "start":
                frame = _Frame()
                frames.append(frame)
                if not isinstance(tag, str):
                    frame.skip = True
                    walker.skip_subtree()
                    continue
                tag = tag.lower()
                if (
                    tag in SKIP_TAGS
                    or el.get("hidden") is not None
                    or (skip is not None and el is not root and skip(el))
                ):
                    frame.skip = True
                    walker.skip_subtree()
                    continue
                self._start(el, tag, frame)
                if frame.skip:
                    walker.skip_subtree()
                    continue
                self._add_text(el.text)
            else:
                frame = frames.pop()
                if not frame.skip:
                    self._end(el, frame)
                if el is not root:
                    self._add_text(el.tail)
        self.flush()

    def _start(self, el, tag: str, frame: _Frame) -> None:
        if self._pre_depth:
            if tag == "br":
                self._pre_parts.append("\n")
            elif tag in ("p", "div", "li", "tr") and self._pre_parts:
                self._pre_parts.append("\n")
            return
        style = _STYLE_OF.get(tag)
        if style:
            self._styles.append(style)
            frame.style = style
            return
        if tag == "a":
            href = el.get("href")
            target = self._targets.get(href, "")
            if target == "":  # a page links to the same places again and again
                target = self._targets[href] = link_target(href, self.base_url)
            self._link_stack.append(self.link_number(target) if target else None)
            frame.link = True
            return
        if tag == "br":
            if (
                self._table_cells is not None
                or self._pending_kind is not None
                or self._context[-1][0] == LIST_ITEM
            ):
                self._space()
            else:
                self.flush()
            return
        if tag == "img":
            self._image(el)
            frame.skip = True
            return
        if tag not in BLOCK_TAGS:
            return
        # block-level element
        if tag in ("td", "th") and self._table_cells is not None:
            if self._parts:
                self._parts.append((" | ", (), None))
            self._table_cells.append(True)
            return
        if self._pending_kind is not None and self._pending_kind[0] in (HEADING, TABLE_ROW) and tag not in ("tr",):
            # block content inside a heading or a table row stays on one line
            self._space()
            frame.inline_sep = True
            return
        if tag == "pre" or tag in ("listing", "plaintext", "xmp"):
            self.flush()
            self._source = el
            self._pre_depth += 1
            frame.block = True
            return
        if tag in _HEADINGS:
            self.flush()
            self._source = el
            self._context.append((HEADING, _HEADINGS[tag]))
            self._pending_kind = (HEADING, _HEADINGS[tag])
            frame.block = True
            return
        if tag in ("ul", "ol", "dl"):
            self.flush()
            ordered = tag == "ol"
            start = 1
            if ordered:
                try:
                    start = int((el.get("start") or "1").strip())
                except ValueError:
                    start = 1
            self._lists.append([ordered, start])
            frame.list_ = True
            return
        if tag in ("li", "dt", "dd"):
            self.flush()
            self._source = el
            depth = max(0, len(self._lists) - 1)
            ordinal = None
            if self._lists and self._lists[-1][0] and tag == "li":
                value = el.get("value")
                if value and value.strip().lstrip("-").isdigit():
                    self._lists[-1][1] = int(value.strip())
                ordinal = self._lists[-1][1]
                self._lists[-1][1] += 1
            if tag == "li" or self._lists:
                self._context.append((LIST_ITEM, depth) if tag == "li" else self._context[-1])
            else:
                self._context.append(self._context[-1])
            self._ordinal = ordinal
            frame.block = True
            return
        if tag == "blockquote":
            self.flush()
            self._source = el
            self._context.append((QUOTE, 0))
            frame.block = True
            return
        if tag == "table":
            self.flush()
            table = _Table(el, is_layout_table(el))
            table.more = self.more_rows.get(el, 0)
            self._tables.append(table)
            frame.table = True
            return
        if tag == "tr":
            # the innermost open table is the row's table
            table = self._tables[-1] if self._tables else None
            self.flush()
            if table is not None and not table.layout:
                if table.rows >= MAX_TABLE_ROWS or self._table_rows >= MAX_DOCUMENT_TABLE_ROWS:
                    if el.text_content().strip():
                        table.more += 1
                    frame.skip = True
                    return
                self._source = el
                self._pending_kind = (TABLE_ROW, 0)
                self._table_cells = []
                frame.table_row = True
            return
        if self._context[-1][0] == LIST_ITEM and tag not in ("li",):
            # paragraphs inside a list item stay in the item
            if self._parts:
                self._space()
            frame.inline_sep = True
            return
        self.flush()
        self._source = el
        frame.block = True

    def _end(self, el, frame: _Frame) -> None:
        if frame.style:
            self._styles.pop()
            return
        if frame.link:
            self._link_stack.pop()
            return
        if frame.inline_sep:
            self._space()
            return
        if frame.table_row:
            self._parts = _trim_separators(self._parts)
            count = len(self.blocks)
            self.flush()
            self._pending_kind = None
            self._table_cells = None
            if len(self.blocks) > count and self._tables:
                self._tables[-1].rows += 1
                self._table_rows += 1
            return
        if frame.table:
            self.flush()
            table = self._tables.pop()
            if table.more:
                rows = "row" if table.more == 1 else "rows"
                self.blocks.append(Block(TABLE_ROW, (Span(f"… {table.more:,} more {rows}"),)))
                self.sources.append(table.element)
            return
        if frame.list_:
            self.flush()
            self._lists.pop()
            return
        if not frame.block:
            return
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag in ("pre", "listing", "plaintext", "xmp"):
            self._pre_depth -= 1
            if not self._pre_depth:
                self._flush_pre()
            return
        self.flush()
        if tag in _HEADINGS:
            self._pending_kind = None
        if tag in _HEADINGS or tag in ("li", "dt", "dd", "blockquote"):
            self._context.pop()
            self._ordinal = None


def _trim_separators(parts):
    """Drop empty cells: no ' | ' at either end or twice in a row.

    One pass: a separator is kept only when text came since the last kept
    separator (or the start of the row).
    """
    out = []
    has_text = False
    for part in parts:
        if part[0] == " | ":
            if not has_text:
                continue  # an empty cell: only whitespace since the last separator
            has_text = False
        elif not has_text and part[0].strip():
            has_text = True
        out.append(part)
    while out and (out[-1][0] == " | " or not out[-1][0].strip()):
        out.pop()
    return out


def convert(
    root, base_url: str | None = None, skip=None, more_rows: dict | None = None
) -> tuple[list[Block], list[str], list[object]]:
    """Blocks, links and the source element of each block for ``root``.

    A data table gives at most ``MAX_TABLE_ROWS`` TABLE_ROW blocks (all
    tables together ``MAX_DOCUMENT_TABLE_ROWS``), then one "… N more rows"
    row; ``more_rows`` maps table elements to rows already taken out of
    them, which count among the N.
    """
    builder = BlockBuilder(base_url, more_rows=more_rows)
    builder.add_element(root, skip=skip)
    return builder.blocks, builder.links, builder.sources
