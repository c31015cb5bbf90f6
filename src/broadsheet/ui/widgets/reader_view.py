"""The reader: a Line-API widget showing one Document.

The document is laid out once per width (or when the document, its
highlights or the theme change) into a list of lines; ``render_line`` only
slices that list.  A paragraph cursor (the current block) is shown in the
gutter and moved with j/k.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from broadsheet import humanize
from broadsheet.model import (
    CODE,
    EMPHASIS,
    HEADING,
    IMAGE,
    LIST_ITEM,
    PRE,
    QUOTE,
    STRONG,
    Annotation,
    Block,
    Document,
    Story,
    utcnow,
)
from broadsheet.sanitize import clean, clean_line

READING_WIDTH = 80
GUTTER = 2
CURSOR_MARK = "▌"
NOTE_MARK = "✎"
QUOTE_BAR = "▌ "
HIGHLIGHT_COLOURS = ("yellow", "green", "blue", "pink")
_SENTENCE = re.compile(r"\S.*?(?:[.!?…]+[\"'”’)\]]*(?=\s|$)|$)", re.S)


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``."""
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.end() > m.start()]


_WORD = re.compile(r"\S+")

try:  # every character one cell wide: widths are plain lengths
    from rich.cells import _is_single_cell_widths as _single_cells
except ImportError:  # pragma: no cover - older rich
    def _single_cells(text: str) -> bool:
        return text.isascii()


def wrap_points(plain: str, width: int) -> list[int]:
    """Where the lines of ``plain`` start when it is word-wrapped to ``width`` cells
    (0 left out).  Words longer than a line are folded.  Much faster than
    rich's wrapping, which matters for articles of thousands of paragraphs."""
    if "\n" in plain:
        plain = plain.replace("\n", " ")
    if len(plain) <= width and cell_len(plain) <= width:
        return []
    if _single_cells(plain):
        return _wrap_single_cells(plain, width)
    measure = cell_len
    points: list[int] = []
    used = -1  # cells used on the current line; -1: no word on it yet
    previous_end = 0
    for match in _WORD.finditer(plain):
        start, end = match.span()
        cells = measure(match.group())
        gap = measure(plain[previous_end:start]) if used >= 0 else 0
        if used >= 0 and used + gap + cells <= width:
            used += gap + cells
        else:
            if used >= 0:
                points.append(start)
                used = 0
            else:
                used = measure(plain[:start]) if start and not points else 0
            if used + cells <= width:
                used += cells
            else:  # fold a long word
                for index in range(start, end):
                    char = measure(plain[index])
                    if used + char > width and used > 0:
                        points.append(index)
                        used = 0
                    used += char
        previous_end = end
    return [p for p in points if 0 < p < len(plain)]


def _wrap_single_cells(plain: str, width: int) -> list[int]:
    """wrap_points for text whose characters are all one cell wide (the usual case)."""
    points: list[int] = []
    pos, size = 0, len(plain)
    while size - pos > width:
        cut = plain.rfind(" ", pos, pos + width + 1)
        if cut <= pos or plain[pos:cut].isspace():
            following = pos + width
            # A word longer than the line is folded; a space right after it ends the line.
            if following < size and plain[following] == " ":
                cut = following
            else:
                points.append(following)
                pos = following
                continue
        following = cut + 1
        while following < size and plain[following] == " ":
            following += 1
        if following >= size:
            break
        points.append(following)
        pos = following
    return points


@dataclass(slots=True)
class Line:
    text: Text
    block: int | None = None  # index of the block this line belongs to


class ReaderView(ScrollView, can_focus=True):
    """Shows a story's document (or a status line and the feed summary)."""

    DEFAULT_CSS = (Path(__file__).with_suffix(".tcss")).read_text(encoding="utf-8")

    BINDINGS = [
        Binding("j,down", "cursor_down", "Next paragraph", id="reader.down"),
        Binding("k,up", "cursor_up", "Previous paragraph", id="reader.up"),
        Binding("space,pagedown", "page_down", "Page down", id="reader.page_down"),
        Binding("b,pageup", "page_up", "Page up", id="reader.page_up"),
        Binding("g,home", "cursor_top", "Top", id="reader.top", show=False),
        Binding("G,end", "cursor_bottom", "Bottom", id="reader.bottom", show=False),
        Binding("v", "select_sentence", "Select sentence", id="reader.select", show=False),
        Binding("right_square_bracket", "next_highlight", "Next highlight", id="reader.next_highlight", show=False),
        Binding("left_square_bracket", "previous_highlight", "Previous highlight", id="reader.previous_highlight", show=False),
    ]

    COMPONENT_CLASSES = {
        "reader--title",
        "reader--meta",
        "reader--status",
        "reader--heading",
        "reader--quote",
        "reader--quote-bar",
        "reader--bullet",
        "reader--link",
        "reader--link-ref",
        "reader--code",
        "reader--pre",
        "reader--image",
        "reader--section",
        "reader--cursor",
        "reader--selection",
        "reader--note-marker",
        "reader--highlight-yellow",
        "reader--highlight-green",
        "reader--highlight-blue",
        "reader--highlight-pink",
    }

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class CursorMoved(Message):
        def __init__(self, block: int) -> None:
            super().__init__()
            self.block = block

    class CurrentHighlightChanged(Message):
        """The highlight under the cursor changed (moved, edited or removed)."""

        def __init__(self, annotation: Annotation | None) -> None:
            super().__init__()
            self.annotation = annotation

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._clock = clock
        self.story: Story | None = None
        self.document: Document | None = None
        self.annotations: list[Annotation] = []
        self.status: str = ""
        self._fallback: list[Block] = []
        self._lines: list[Line] = []
        self._block_first_line: list[int] = []
        self._block_last_line: list[int] = []
        self._strips: dict[int, list[Segment]] = {}
        self._laid_out_width = -1
        self._column = READING_WIDTH
        self._relayout_pending = False
        # (first block, its first sentence, last block, its last sentence)
        self.selection: tuple[int, int, int, int] | None = None
        self._selected: tuple[int, int] | None = None  # its range, while laying out
        self._offsets: list[tuple[int, int]] = []
        self._block_cache: dict[int, list[Text]] = {}  # laid-out lines of each block
        self._current_id: int | None = None  # the highlight ] and [ last landed on

    # -- content -----------------------------------------------------------
    def now(self) -> datetime:
        if self._clock is not None:
            return self._clock()
        clock = getattr(self.app, "clock", None)
        return clock() if callable(clock) else utcnow()

    @property
    def blocks(self) -> list[Block]:
        return self.document.blocks if self.document is not None else self._fallback

    def show(
        self,
        story: Story,
        document: Document | None,
        annotations: list[Annotation] | None = None,
        status: str = "",
    ) -> None:
        same_story = self.story is not None and self.story.id == story.id and self.document is document
        self.story = story
        self.document = document
        self.annotations = list(annotations or [])
        self.status = status
        self._fallback = []
        if document is None and story.summary:
            from broadsheet.model import PARAGRAPH, Span

            parts = [p.strip() for p in clean(story.summary).split("\n\n") if p.strip()]
            self._fallback = [Block(PARAGRAPH, (Span(" ".join(p.split())),)) for p in parts]
        keep = self.cursor if same_story else 0
        self.selection = None
        self._offsets = document.block_offsets() if document is not None else []
        self._block_cache.clear()
        self._relayout()
        if not same_story:
            self._current_id = None
            self.scroll_to(y=0, animate=False, immediate=True)
        self.cursor = keep

    def set_annotations(self, annotations: list[Annotation]) -> None:
        def key(a: Annotation) -> tuple:
            return (a.id, a.position.start, a.position.end, bool(a.note), a.color, a.orphaned)

        old = {key(a): a for a in self.annotations}
        new = {key(a): a for a in annotations}
        for changed in set(old) ^ set(new):
            note = old.get(changed) or new[changed]
            self._forget_blocks(note.position.start, note.position.end)
        self.annotations = list(annotations)
        self._relayout()
        self.post_message(self.CurrentHighlightChanged(self.current_highlight()))

    def _forget_blocks(self, start: int, end: int) -> None:
        """Drop the cached layout of the blocks that overlap [start, end]."""
        starts = [s for s, _ in self._offsets]
        first = max(0, bisect.bisect_right(starts, start) - 1)
        for index in range(first, len(self._offsets)):
            block_start, block_end = self._offsets[index]
            if block_start > end:
                break
            self._block_cache.pop(index, None)

    def set_status(self, status: str) -> None:
        self.status = status
        self._relayout()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme) -> None:
        self._rich_style_cache.clear()
        self._block_cache.clear()
        self._relayout()

    def _deferred_relayout(self) -> None:
        self._relayout_pending = False
        if self._column_for(self._content_width()) != self._column:
            self._relayout()
            self._scroll_cursor_into_view()

    def on_resize(self, event: events.Resize) -> None:
        width = self._content_width()
        if width != self._laid_out_width and (self._column_for(width) != self._column or not self._lines):
            self._relayout()
            self._scroll_cursor_into_view()

    # -- layout ------------------------------------------------------------
    def _content_width(self) -> int:
        return self.scrollable_content_region.width or self.size.width

    def _relayout(self) -> None:
        width = self._content_width()
        self._laid_out_width = width
        self._strips.clear()
        self._lines = []
        self._block_first_line = []
        self._block_last_line = []
        if width <= 0 or self.story is None:
            self.virtual_size = Size(0, 0)
            self.refresh()
            return
        column = self._column_for(width)
        if column != self._column:
            self._block_cache.clear()
        self._column = column
        self._selected = self.selection_range()
        self._layout(column)
        self.virtual_size = Size(0, len(self._lines))
        self.refresh()

    @staticmethod
    def _column_for(width: int) -> int:
        """The reading column: at most READING_WIDTH, centred in the view."""
        return max(10, min(READING_WIDTH, width - GUTTER - 1))

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def _wrap(self, text: Text, width: int) -> list[Text]:
        points = wrap_points(text.plain, max(1, width))
        lines = list(text.divide(points)) if points else [text]
        for line in lines:
            line.rstrip()
        return lines or [Text("")]

    def _layout(self, column: int) -> None:
        story = self.story
        assert story is not None
        doc = self.document
        add = self._lines.append
        # Header.
        title = clean_line((doc.title if doc and doc.title else story.title) or "(untitled)", None)
        for line in self._wrap(Text(title, style=self._style("reader--title")), column):
            add(Line(line))
        meta = []
        source = clean_line(story.source_title or "", 200)
        site = clean_line(doc.site_name if doc else "", 200)
        for name in (source, site):  # "Saved · Coast Gazette"; a feed's own site once
            if name and name.casefold() not in (m.casefold() for m in meta):
                meta.append(name)
        byline = clean_line((doc.byline if doc and doc.byline else story.author) or "", 200)
        if byline and byline.casefold() not in (m.casefold() for m in meta):
            meta.append(byline)
        moment = (doc.published if doc and doc.published else None) or story.when
        if moment is not None:
            meta.append(f"{humanize.format_date(moment)} ({humanize.ago(moment, now=self.now())})")
        if doc is not None and doc.reading_minutes:
            meta.append(humanize.reading_time(doc.reading_minutes))
        if meta:
            for line in self._wrap(Text(" · ".join(meta), style=self._style("reader--meta")), column):
                add(Line(line))
        add(Line(Text("")))
        if self.status:
            for line in self._wrap(Text(clean_line(self.status, None), style=self._style("reader--status")), column):
                add(Line(line))
            add(Line(Text("")))
        # Blocks.
        blocks = self.blocks
        offsets = self._offsets if doc is not None else []
        previous_kind = None
        cache = self._block_cache
        for index, block in enumerate(blocks):
            if index > 0 and not (block.kind == LIST_ITEM and previous_kind == LIST_ITEM):
                add(Line(Text("")))
            self._block_first_line.append(len(self._lines))
            laid_out = cache.get(index)
            if laid_out is None:
                span = offsets[index] if index < len(offsets) else None
                laid_out = cache[index] = self._layout_block(block, span, column)
            for line in laid_out:
                add(Line(line, index))
            self._block_last_line.append(len(self._lines) - 1)
            previous_kind = block.kind
        if not blocks and not self.status:
            add(Line(Text("(This story has no text.)", style=self._style("reader--status"))))
        # Orphaned highlights.
        orphans = [a for a in self.annotations if a.orphaned]
        if orphans and doc is not None:
            add(Line(Text("")))
            add(Line(Text("Orphaned highlights", style=self._style("reader--section"))))
            for note in orphans:
                quote = Text("“" + clean_line(note.quote.exact, 300) + "”",
                             style=self._style(self._highlight_class(note.color)))
                if note.note:
                    quote.append(" " + NOTE_MARK + " " + clean_line(note.note, 300),
                                 style=self._style("reader--note-marker"))
                for line in self._wrap(quote, column):
                    add(Line(line))
        # Links.
        if doc is not None and doc.links:
            add(Line(Text("")))
            add(Line(Text("Links", style=self._style("reader--section"))))
            for number, url in enumerate(doc.links, 1):
                label = f"[{number}] "
                text = Text(label, style=self._style("reader--link-ref"))
                text.append(clean_line(url, None), style=self._style("reader--link"))
                for position, line in enumerate(self._wrap(text, column)):
                    add(Line(line if position == 0 else Text(" " * len(label)) + line))
        add(Line(Text("")))

    @staticmethod
    def _highlight_class(colour: str) -> str:
        return f"reader--highlight-{colour if colour in HIGHLIGHT_COLOURS else 'yellow'}"

    def _block_text(self, block: Block, span: tuple[int, int] | None, base: Style | None = None) -> Text:
        """A block's text with inline styles, link references, highlights and note marks."""
        text = Text(style=base or "")
        if block.kind == IMAGE:
            text.append(clean_line(block.text, None), style=self._style("reader--image"))
            plain_starts = [0]
            rendered_starts = [0]
            plain_len = len(block.text)
        else:
            plain_starts: list[int] = []
            rendered_starts: list[int] = []
            plain = 0
            for part in block.spans:
                plain_starts.append(plain)
                rendered_starts.append(len(text))
                value = part.text if block.kind == PRE else part.text.replace("\n", " ")
                value = clean(value)[: len(part.text)].ljust(len(part.text))
                style = Style()
                if EMPHASIS in part.styles:
                    style += Style(italic=True)
                if STRONG in part.styles:
                    style += Style(bold=True)
                if CODE in part.styles:
                    style += self._style("reader--code")
                if part.link is not None:
                    style += self._style("reader--link")
                text.append(value, style=style)
                plain += len(part.text)
                if part.link is not None:
                    text.append(f"[{part.link}]", style=self._style("reader--link-ref"))
            plain_len = plain

        def to_rendered(position: int, at_end: bool = False) -> int:
            position = max(0, min(position, plain_len))
            if not plain_starts:
                return 0
            # The span holding ``position`` (at an end: the span it closes).
            key = position - 1 if at_end and position > 0 else position
            k = max(0, bisect.bisect_right(plain_starts, key) - 1)
            return rendered_starts[k] + (position - plain_starts[k])

        marks: list[int] = []
        selected = self._selected
        if span is not None and selected is not None:
            lo, hi = max(selected[0], span[0]), min(selected[1], span[1])
            if lo < hi:
                text.stylize(self._style("reader--selection"),
                             to_rendered(lo - span[0]), to_rendered(hi - span[0], at_end=True))
        if span is not None:
            start, end = span
            for note in self.annotations:
                if note.orphaned:
                    continue
                a, b = note.position.start, note.position.end
                lo, hi = max(a, start), min(b, end)
                if lo >= hi:
                    continue
                r_lo = to_rendered(lo - start)
                r_hi = to_rendered(hi - start, at_end=True)
                text.stylize(self._style(self._highlight_class(note.color)), r_lo, r_hi)
                if note.note and b <= end:
                    marks.append(r_hi)
        if marks:
            pieces = text.divide(sorted(set(marks)))
            joined = Text(style=text.style)
            for number, piece in enumerate(pieces):
                joined.append_text(piece)
                if number < len(pieces) - 1:
                    joined.append(NOTE_MARK, style=self._style("reader--note-marker"))
            text = joined
        return text

    def _layout_block(self, block: Block, span: tuple[int, int] | None, column: int) -> list[Text]:
        kind = block.kind
        if kind == HEADING:
            text = self._block_text(block, span)
            text.stylize(self._style("reader--heading"))
            return self._wrap(text, column)
        if kind == PRE:
            text = self._block_text(block, span)
            text.stylize(self._style("reader--pre"))
            lines = text.split("\n", allow_blank=True) or [Text("")]
            out = []
            for line in lines:
                line.expand_tabs(4)
                line.truncate(column, overflow="crop")
                out.append(line)
            return out
        if kind == QUOTE:
            text = self._block_text(block, span)
            text.stylize(self._style("reader--quote"))
            lines = self._wrap(text, column - len(QUOTE_BAR))
            return [Text(QUOTE_BAR, style=self._style("reader--quote-bar")) + line for line in lines]
        if kind == LIST_ITEM:
            indent = "  " * max(0, min(block.level, 8))
            marker = f"{block.ordinal}. " if block.ordinal is not None else "• "
            text = self._block_text(block, span)
            lines = self._wrap(text, column - len(indent) - len(marker))
            out = []
            for position, line in enumerate(lines):
                lead = Text(indent)
                if position == 0:
                    lead.append(marker, style=self._style("reader--bullet"))
                else:
                    lead.append(" " * len(marker))
                out.append(lead + line)
            return out
        return self._wrap(self._block_text(block, span), column)

    # -- painting ----------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self._content_width()
        base = self.rich_style
        if self._column_for(width) != self._column and not self._relayout_pending:
            # The width changed without a resize (a scrollbar came or went).
            self._relayout_pending = True
            self.call_after_refresh(self._deferred_relayout)
        left = max(0, (width - self._column - GUTTER) // 2)
        index = int(self.scroll_offset.y) + y
        if index >= len(self._lines):
            return Strip.blank(width, base)
        body = self._strips.get(index)
        if body is None:
            line = self._lines[index].text.copy()
            line.style = base + (line.style if isinstance(line.style, Style) else Style())
            line.end = ""
            line.no_wrap = True
            body = list(Segment.apply_style(line.render(self.app.console), style=line.style))
            self._strips[index] = body
        block = self._lines[index].block
        gutter_style = base + self._style("reader--cursor")
        if block is not None and block == self.cursor:
            gutter = [Segment(CURSOR_MARK + " ", gutter_style)]
        else:
            gutter = [Segment(" " * GUTTER, base)]
        segments = [Segment(" " * left, base), *gutter, *body]
        return Strip(segments).crop_extend(0, width, base)

    def line_texts(self) -> list[str]:
        """Every laid-out line as plain text, gutter included (for tests)."""
        out = []
        for line in self._lines:
            mark = CURSOR_MARK + " " if line.block is not None and line.block == self.cursor else "  "
            out.append(mark + line.text.plain)
        return out

    def styled_line(self, index: int) -> Text:
        return self._lines[index].text

    def block_lines(self, block: int) -> range:
        if 0 <= block < len(self._block_first_line):
            return range(self._block_first_line[block], self._block_last_line[block] + 1)
        return range(0)

    # -- cursor ------------------------------------------------------------
    def validate_cursor(self, value: int) -> int:
        count = len(self.blocks)
        if count == 0:
            return 0
        return max(0, min(value, count - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        if self.selection is not None and self.selection[2] != new:
            self.clear_selection()
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.CursorMoved(new))
        self.post_message(self.CurrentHighlightChanged(self.current_highlight()))

    def _viewport_height(self) -> int:
        return self.scrollable_content_region.height or self.size.height

    def _scroll_cursor_into_view(self) -> None:
        lines = self.block_lines(self.cursor)
        height = self._viewport_height()
        if not lines or height <= 0:
            return
        top = int(self.scroll_offset.y)
        first, last = lines.start, lines.stop - 1
        if first < top:
            self.scroll_to(y=max(0, first - 1), animate=False, immediate=True)
        elif last >= top + height:
            target = first - 1 if last - first + 1 >= height - 1 else last - height + 2
            self.scroll_to(y=max(0, target), animate=False, immediate=True)

    def action_cursor_down(self) -> None:
        if self.cursor >= len(self.blocks) - 1:
            self.scroll_to(y=self.scroll_offset.y + 3, animate=False, immediate=True)
            return
        self.cursor += 1

    def action_cursor_up(self) -> None:
        if self.cursor == 0:
            self.scroll_to(y=0, animate=False, immediate=True)
            return
        self.cursor -= 1

    def action_cursor_top(self) -> None:
        self.scroll_to(y=0, animate=False, immediate=True)
        self.cursor = 0

    def action_cursor_bottom(self) -> None:
        self.scroll_to(y=max(0, len(self._lines) - self._viewport_height()), animate=False, immediate=True)
        self._set_cursor_quietly(len(self.blocks) - 1)

    def _first_block_from(self, line: int) -> int | None:
        for block, first in enumerate(self._block_first_line):
            if first >= line:
                return block
        return None

    def _set_cursor_quietly(self, block: int) -> None:
        """Move the cursor without scrolling (paging chooses the scroll)."""
        block = self.validate_cursor(block)
        self.set_reactive(ReaderView.cursor, block)
        self.refresh()
        self.post_message(self.CursorMoved(block))
        self.post_message(self.CurrentHighlightChanged(self.current_highlight()))

    def action_page_down(self) -> None:
        height = self._viewport_height()
        top = min(int(self.scroll_offset.y) + max(1, height - 2), max(0, len(self._lines) - height))
        self.scroll_to(y=top, animate=False, immediate=True)
        block = self._first_block_from(top)
        if block is not None:
            self._set_cursor_quietly(block)
        else:
            self._set_cursor_quietly(len(self.blocks) - 1)

    def action_page_up(self) -> None:
        height = self._viewport_height()
        top = max(0, int(self.scroll_offset.y) - max(1, height - 2))
        self.scroll_to(y=top, animate=False, immediate=True)
        block = self._first_block_from(top)
        if block is not None:
            self._set_cursor_quietly(block)

    def placed_highlights(self) -> list[Annotation]:
        """The highlights drawn in the text, in reading order."""
        placed = [a for a in self.annotations if not a.orphaned]
        return sorted(placed, key=lambda a: (a.position.start, a.position.end, a.id))

    def block_of(self, annotation: Annotation) -> int | None:
        """The block where ``annotation`` starts (None when it is orphaned)."""
        if self.document is None or annotation.orphaned:
            return None
        for index, (start, end) in enumerate(self._offsets):
            if annotation.position.start < end and annotation.position.end > start:
                return index
        return None

    def current_highlight(self) -> Annotation | None:
        """The highlight ] and [ landed on when it is in the cursor paragraph,
        else the first highlight of that paragraph."""
        here = self.annotations_in_current()
        if not here:
            return None
        for note in here:
            if note.id == self._current_id:
                return note
        return sorted(here, key=lambda a: (a.position.start, a.id))[0]

    def focus_highlight(self, annotation_id: int) -> bool:
        """Put the cursor on the paragraph of a highlight and make it current."""
        for note in self.annotations:
            if note.id == annotation_id:
                block = self.block_of(note)
                if block is None:
                    return False
                self._current_id = note.id
                self.cursor = block
                return True
        return False

    def _jump(self, step: int) -> None:
        placed = self.placed_highlights()
        if not placed:
            self.app.bell()
            return
        current = self.current_highlight()
        if current is not None and current in placed:
            index = placed.index(current) + step
        else:
            here = self.current_range()
            origin = here[0] if here is not None else 0
            if step > 0:
                index = next((i for i, a in enumerate(placed) if a.position.start >= origin), len(placed))
            else:
                index = max((i for i, a in enumerate(placed) if a.position.start < origin), default=-1)
        if not 0 <= index < len(placed):
            self.app.bell()
            return
        self.focus_highlight(placed[index].id)

    def action_next_highlight(self) -> None:
        self._jump(1)

    def action_previous_highlight(self) -> None:
        self._jump(-1)

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y
        if 0 <= index < len(self._lines) and self._lines[index].block is not None:
            self.cursor = self._lines[index].block

    # -- selection -----------------------------------------------------------
    def selection_range(self) -> tuple[int, int] | None:
        """(start, end) of the selected sentences in the document's plain text."""
        if self.selection is None or self.document is None:
            return None
        first_block, first, last_block, last = self.selection
        offsets = self.document.block_offsets()
        if not (0 <= first_block <= last_block < len(offsets)):
            return None
        head = sentences(self.document.blocks[first_block].text)
        tail = sentences(self.document.blocks[last_block].text)
        if not head or not tail or first >= len(head) or last >= len(tail):
            return None
        return offsets[first_block][0] + head[first][0], offsets[last_block][0] + tail[last][1]

    def _forget_selection(self) -> None:
        if self.selection is not None:
            for block in range(self.selection[0], self.selection[2] + 1):
                self._block_cache.pop(block, None)

    def clear_selection(self) -> None:
        if self.selection is not None:
            self._forget_selection()
            self.selection = None
            self._relayout()

    def action_select_sentence(self) -> None:
        """Select the first sentence of the paragraph, then extend sentence by
        sentence, on into the next paragraph."""
        if self.document is None or not self.document.blocks:
            self.app.bell()
            return
        blocks = self.document.blocks
        block = self.cursor
        parts = sentences(blocks[block].text) if block < len(blocks) else []
        if not parts:
            self.app.bell()
            return
        self._forget_selection()
        if self.selection is None or self.selection[2] != block:
            self.selection = (block, 0, block, 0)
        elif self.selection[3] + 1 < len(parts):
            self.selection = (*self.selection[:3], self.selection[3] + 1)
        else:
            following = block + 1
            if following >= len(blocks) or blocks[following].kind in (IMAGE, PRE) \
                    or not sentences(blocks[following].text):
                self.app.bell()
                return
            self.selection = (self.selection[0], self.selection[1], following, 0)
            self._forget_selection()
            self._relayout()
            self._set_cursor_quietly(following)
            self._scroll_cursor_into_view()
            return
        self._forget_selection()
        self._relayout()

    # -- helpers for the screen ----------------------------------------------
    def current_range(self) -> tuple[int, int] | None:
        """(start, end) of the cursor block in the document's plain text."""
        if self.document is None or not self.document.blocks:
            return None
        offsets = self.document.block_offsets()
        if 0 <= self.cursor < len(offsets):
            return offsets[self.cursor]
        return None

    def annotations_in_current(self) -> list[Annotation]:
        span = self.current_range()
        if span is None:
            return []
        start, end = span
        return [a for a in self.annotations if not a.orphaned and a.position.start < end and a.position.end > start]
