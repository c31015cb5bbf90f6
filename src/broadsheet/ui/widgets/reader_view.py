"""The reader: a Line-API widget showing one Document.

Layout has two steps, so that a long article opens in a few milliseconds:

* Counting.  Each block's text as it is drawn (link numbers and note marks
  included) is built as a plain string and word-wrapped; that gives every
  block's height, so the scroll height is right from the start.  These
  *shapes* also map a cell on the screen back to an offset in
  ``Document.plain_text()`` (for mouse selection).
* Drawing.  The styled lines of a block (inline styles, highlights, the
  selection) are built only when one of its rows is painted.  They are kept in
  a cache shared by every reader, keyed by the block itself, the column, the
  styles and what is drawn over it, so opening the same story again, or
  scrolling back, draws nothing twice.

A paragraph cursor (the current block) is shown in the gutter and moved with
j/k.  ``v`` starts a selection of sentences; while there is one, j/k move its
end by a sentence.  A mouse selection of the text is mapped back to the text.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Offset, Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from broadsheet import humanize
from broadsheet.model import (
    CODE,
    EMPHASIS,
    HEADING,
    IMAGE,
    LIST_ITEM,
    PARAGRAPH,
    PRE,
    QUOTE,
    STRONG,
    Annotation,
    Block,
    Document,
    WORDS_PER_MINUTE,
    Span,
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
# A superset of what sanitize.clean removes or changes: text without any of
# these is already clean, and cleaning it again is skipped.
_UNCLEAN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


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
    if (plain.isascii() and plain.isprintable()) or _single_cells(plain):
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


# Find in the story: a quote, apostrophe or dash typed matches any of its kind.
_FIND_ALIKE = {"'": "['‘’ʼ]", '"': "[\"“”„]", "-": "[-‐‑‒–—]"}


def find_pattern(query: str) -> re.Pattern[str] | None:
    """The pattern ``query`` finds in a story: its words in order, any run of
    spaces between them, case ignored; None for a blank query."""
    words = query.split()
    if not words:
        return None
    parts = ["".join(_FIND_ALIKE.get(char) or re.escape(char) for char in word) for word in words]
    return re.compile(r"\s+".join(parts), re.IGNORECASE)


def find_matches(query: str, text: str) -> list[tuple[int, int]]:
    """(start, end) of every match of ``query`` in ``text``, in order."""
    pattern = find_pattern(query)
    return [match.span() for match in pattern.finditer(text)] if pattern is not None else []


def _per_block(spans: Iterable[tuple[int, int, Any]], offsets: list[tuple[int, int]]
               ) -> Iterator[tuple[int, int, int, Any, bool]]:
    """Each (start, end, what) of the plain text cut at the blocks' bounds
    (``offsets``): (block, start and end in the block, what, whether it ends
    in that block)."""
    if not offsets:
        return
    starts = [start for start, _ in offsets]
    for a, b, what in spans:
        index = max(0, bisect.bisect_right(starts, a) - 1)
        while index < len(offsets):
            start, end = offsets[index]
            if start >= b:
                break
            lo, hi = max(a, start), min(b, end)
            if lo < hi:
                yield index, lo - start, hi - start, what, b <= end
            index += 1


class _Cache(dict):
    """A dict that forgets its oldest entries past ``limit``."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def put(self, key, value):
        if len(self) >= self.limit:
            for old in list(self)[: max(1, self.limit // 4)]:
                del self[old]
        self[key] = value
        return value


# Shared by every reader (a block's drawing does not depend on the widget, only
# on what the keys hold).  Bounded: a few dozen long articles.
_BASES = _Cache(20_000)
_SHAPES = _Cache(20_000)
_DRAWN = _Cache(6_000)
_PAINTED = _Cache(6_000)  # (drawn key, base style) -> each line's segments, once painted
_STYLE_TOKENS: dict[tuple, int] = {}


@dataclass(slots=True, eq=False)
class _Base:
    """A block's text as drawn, before note marks and wrapping: each span's
    (cleaned) text followed, for a link, by its number."""

    values: tuple[str, ...]  # each span's text as drawn (same length as the span)
    text: str
    plain_starts: list[int]  # where each span starts in the block's plain text
    drawn_starts: list[int]  # … and in ``text``
    plain_len: int
    words: int  # as Document.word_count counts them

    def to_drawn(self, position: int, at_end: bool = False) -> int:
        """A block plain-text offset as an offset in ``text``."""
        position = max(0, min(position, self.plain_len))
        starts = self.plain_starts
        if not starts:
            return 0
        # The span holding ``position`` (at an end: the span it closes).
        key = position - 1 if at_end and position > 0 else position
        k = max(0, bisect.bisect_right(starts, key) - 1)
        return self.drawn_starts[k] + (position - starts[k])

    def to_plain(self, drawn: int) -> int:
        """An offset in ``text`` as a block plain-text offset (inside a link
        number: the end of the link's text)."""
        starts = self.drawn_starts
        if not starts:
            return 0
        k = max(0, bisect.bisect_right(starts, drawn) - 1)
        following = self.plain_starts[k + 1] if k + 1 < len(starts) else self.plain_len
        return self.plain_starts[k] + max(0, min(drawn - starts[k], following - self.plain_starts[k]))


def _base_of(block: Block) -> _Base:
    base = _BASES.get(block)
    if base is not None:
        return base
    if block.kind == IMAGE:
        text = clean_line(block.text, None)
        return _BASES.put(block, _Base((text,), text, [0], [0], len(block.text), 0))
    pre = block.kind == PRE
    values: list[str] = []
    pieces: list[str] = []
    plain_starts: list[int] = []
    drawn_starts: list[int] = []
    plain = drawn = 0
    cleaned = False
    for part in block.spans:
        value = part.text if pre else part.text.replace("\n", " ")
        if _UNCLEAN.search(value):
            value = clean(value)[: len(part.text)].ljust(len(part.text))
            cleaned = True
        plain_starts.append(plain)
        drawn_starts.append(drawn)
        values.append(value)
        pieces.append(value)
        plain += len(part.text)
        drawn += len(value)
        if part.link is not None:
            number = f"[{part.link}]"
            pieces.append(number)
            drawn += len(number)
    # Words as Document.word_count counts them (a newline made a space splits alike).
    words = len(("".join(part.text for part in block.spans) if cleaned else "".join(values)).split())
    return _BASES.put(block, _Base(tuple(values), "".join(pieces), plain_starts, drawn_starts, plain, words))


@dataclass(slots=True, eq=False)
class _Shape:
    """A block as drawn, without styles: its lines and how to find a cell's text."""

    base: _Base
    marks: tuple[int, ...]  # note marks: before these offsets of ``base.text``
    text: str  # base.text with the note marks
    starts: list[int]  # where each line starts in ``text``
    prefix: int  # characters before the text on each line (quote bar, bullet)
    pre: bool  # preformatted: lines split at newlines, tabs expanded, cropped

    @property
    def height(self) -> int:
        return len(self.starts)

    def line(self, number: int) -> str:
        """Line ``number`` of ``text`` (trailing spaces or newline left out)."""
        end = self.starts[number + 1] if number + 1 < len(self.starts) else len(self.text)
        piece = self.text[self.starts[number]:end]
        return piece[:-1] if self.pre and piece.endswith("\n") else piece.rstrip()

    def to_marked(self, drawn: int) -> int:
        """An offset of ``base.text`` as an offset of ``text``."""
        return drawn + bisect.bisect_left(self.marks, drawn)

    def to_plain(self, number: int, column: int) -> int:
        """The block plain-text offset before character ``column`` of line ``number``
        as drawn (prefix included)."""
        number = max(0, min(number, len(self.starts) - 1))
        line = self.line(number)
        column -= self.prefix
        if self.pre:  # tabs were expanded to stops of four
            cells = drawn = index = 0
            for index, char in enumerate(line):
                if drawn >= column:
                    break
                if char == "\t":
                    drawn += 4 - cells % 4
                    cells += 4 - cells % 4
                else:
                    drawn += 1
                    cells += cell_len(char)
            else:
                index = len(line)
            column = index
        marked = self.starts[number] + max(0, min(column, len(line)))
        drawn = marked - bisect.bisect_left([m + i for i, m in enumerate(self.marks)], marked)
        return self.base.to_plain(drawn)


def _clean_url(url: str) -> str:
    """clean_line(url, None), skipped when it would change nothing."""
    if _UNCLEAN.search(url) or " ".join(url.split()) != url:
        return clean_line(url, None)
    return url


def _list_lead(block: Block) -> tuple[str, str]:
    indent = "  " * max(0, min(block.level, 8))
    marker = f"{block.ordinal}. " if block.ordinal is not None else "• "
    return indent, marker


def _shape_of(block: Block, column: int, marks: tuple[int, ...]) -> _Shape:
    key = (block, column, marks)
    shape = _SHAPES.get(key)
    if shape is not None:
        return shape
    base = _base_of(block)
    text = base.text
    if marks:
        pieces, previous = [], 0
        for mark in marks:
            pieces.append(text[previous:mark])
            pieces.append(NOTE_MARK)
            previous = mark
        pieces.append(text[previous:])
        text = "".join(pieces)
    kind = block.kind
    prefix = 0
    if kind == PRE:
        starts = [0]
        position = text.find("\n")
        while position >= 0:
            starts.append(position + 1)
            position = text.find("\n", position + 1)
        return _SHAPES.put(key, _Shape(base, marks, text, starts, 0, True))
    width = column
    if kind == QUOTE:
        prefix = len(QUOTE_BAR)
    elif kind == LIST_ITEM:
        indent, marker = _list_lead(block)
        prefix = len(indent) + len(marker)
    starts = [0, *wrap_points(text, max(1, width - prefix))]
    return _SHAPES.put(key, _Shape(base, marks, text, starts, prefix, False))


@dataclass(slots=True, eq=False)
class _Chunk:
    """Consecutive rows of the layout: one block, or lines around the blocks."""

    first: int
    height: int
    block: int | None = None
    lines: list[Text] | None = None  # drawn lines, once built
    shape: _Shape | None = None
    key: tuple | None = None  # the drawn lines in _DRAWN
    painted: list[list[Segment] | None] | None = None  # in _PAINTED, for ``base``
    base: Style | None = None
    make: Callable[[], list[Text]] | None = None  # draws lines that are not a block's


_BLANK = Text("")


def forget_shared_layouts() -> None:
    """Empty the caches every reader shares (benchmarks time a first opening)."""
    _BASES.clear()
    _SHAPES.clear()
    _DRAWN.clear()
    _PAINTED.clear()


class ReaderView(ScrollView, can_focus=True):
    """Shows a story's document (or a status line and the feed summary)."""

    DEFAULT_CSS = (Path(__file__).with_suffix(".tcss")).read_text(encoding="utf-8")
    ALLOW_SELECT = True  # mouse selection of the text (mapped back to the document)

    BINDINGS = [
        Binding("j,down", "cursor_down", "Next paragraph", id="reader.down",
                tooltip="Next paragraph; with a selection, take in the next sentence"),
        Binding("k,up", "cursor_up", "Previous paragraph", id="reader.up",
                tooltip="Previous paragraph; with a selection, give back its last sentence "
                        "(the first sentence always stays selected)"),
        Binding("space,pagedown", "page_down", "Page down", id="reader.page_down"),
        Binding("b,pageup", "page_up", "Page up", id="reader.page_up"),
        Binding("g,home", "cursor_top", "Top", id="reader.top", show=False),
        Binding("G,end", "cursor_bottom", "Bottom", id="reader.bottom", show=False),
        Binding("v", "select_sentence", "Select sentence", id="reader.select", show=False,
                tooltip="Select the paragraph's first sentence; j/k then move the selection's end"),
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
        "reader--match",
        "reader--match-current",
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

    class MatchesChanged(Message):
        """The matches of the find changed, or which one is current."""

        def __init__(self, current: int, count: int) -> None:
            super().__init__()
            self.current = current  # 1-based; 0 when there is none
            self.count = count

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        self._strips: dict[int, tuple[bool, Strip]] = {}  # painted rows (set early: styles may update)
        self._base_style: Style | None = None
        self._styles_stale = True
        self._paint_width: int | None = None
        self._mouse_selection: Selection | None = None  # as the screen keeps it, for painting
        super().__init__(name=name, id=id, classes=classes)
        self._clock = clock
        self.story: Story | None = None
        self.document: Document | None = None
        self.annotations: list[Annotation] = []
        self.status: str = ""
        self._fallback: list[Block] = []
        self._chunks: list[_Chunk] = []
        self._chunk_first: list[int] = []
        self._height = 0  # rows in the layout
        self._block_first_line: list[int] = []
        self._block_last_line: list[int] = []
        self._strips_width = -1
        self._laid_out_width = -1
        self._column = READING_WIDTH
        self._relayout_pending = False
        self._styles: dict[str, Style] = {}
        self._style_token = -1
        # (first block, its first sentence, last block, its last sentence)
        self.selection: tuple[int, int, int, int] | None = None
        self._offsets: list[tuple[int, int]] = []
        self._plain: str | None = None
        self._sentences: dict[int, list[tuple[int, int]]] = {}
        self._shape_memo: dict[int, tuple[tuple, _Shape]] = {}
        self._current_id: int | None = None  # the highlight ] and [ last landed on
        self._resume_block: int | None = None  # to put at the top once laid out
        self.find_query = ""  # what the find looks for ("" when it is closed)
        self._matches: list[tuple[int, int]] = []  # its matches in the plain text
        self._match = -1  # the current one
        self._found_at: tuple[int, int] | None = None  # (block, offset in it) of the match a find ended on

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
        new_text = document is not self.document
        if new_text:
            self._offsets = document.block_offsets() if document is not None else []
            self._plain = None
            self._sentences = {}
            self._shape_memo = {}
            self._drop_mouse_selection()
        self.story = story
        self.document = document
        self.annotations = list(annotations or [])
        self.status = status
        self._fallback = []
        if document is None:
            self._shape_memo = {}
            if story.summary:
                parts = [p.strip() for p in clean(story.summary).split("\n\n") if p.strip()]
                self._fallback = [Block(PARAGRAPH, (Span(" ".join(p.split())),)) for p in parts]
        keep = self.cursor if same_story else 0
        self._resume_block = None
        self.selection = None
        if new_text and self.find_query:  # the find goes on in the new text, from its top
            self._matches = find_matches(self.find_query, self._plain_text())
            self._match = 0 if self._matches else -1
            self._post_matches()
        self._relayout()
        if not same_story:
            self._current_id = None
            self.scroll_to(y=0, animate=False, immediate=True)
        self.cursor = keep

    def forget(self) -> None:
        """Forget what this view laid out and its styles, as a new reader would
        start (the shared caches stay: see forget_shared_layouts)."""
        self._shape_memo = {}
        self._sentences = {}
        self._plain = None
        self._styles_stale = True
        self._base_style = None
        self._strips.clear()

    def set_annotations(self, annotations: list[Annotation]) -> None:
        self.annotations = list(annotations)
        self._relayout()
        self.post_message(self.CurrentHighlightChanged(self.current_highlight()))

    def set_status(self, status: str) -> None:
        self.status = status
        self._relayout()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme) -> None:
        self._rich_style_cache.clear()
        self._base_style = None
        self._styles_stale = True
        self._relayout()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base_style = None
        self._styles_stale = True
        self._strips.clear()

    def _deferred_relayout(self) -> None:
        self._relayout_pending = False
        if self._column_for(self._content_width()) != self._column:
            self._relayout()
            self._follow_cursor()

    def on_resize(self, event: events.Resize) -> None:
        self._drop_mouse_selection()  # its columns are cells of the old width
        width = self._content_width()
        if width != self._laid_out_width and (self._column_for(width) != self._column or not self._chunks):
            self._relayout()
            self._follow_cursor()

    def _follow_cursor(self) -> None:
        """After a new layout: the cursor's block back in view (at the top when
        the story was opened where it was left)."""
        if self._resume_block is not None:
            self.resume_at(self._resume_block)
        else:
            self._scroll_cursor_into_view()

    def resume_at(self, block: int) -> None:
        """Open the text at ``block`` (where the reader left it): the cursor
        on it, and it at the top of the view, also once the view is laid out
        again (its first size, a scrollbar coming), until the cursor moves."""
        self._set_cursor_quietly(block)
        self._resume_block = self.cursor
        lines = self.block_lines(self.cursor)
        if lines:
            # force: the scrollbars of a view laid out just now are not known yet.
            self.scroll_to(y=max(0, lines.start - 1), animate=False, immediate=True, force=True)

    # -- layout ------------------------------------------------------------
    def _content_width(self) -> int:
        return self.scrollable_content_region.width or self.size.width

    def _relayout(self) -> None:
        width = self._content_width()
        self._laid_out_width = width
        self._strips.clear()
        self._chunks = []
        self._chunk_first = []
        self._height = 0
        self._block_first_line = []
        self._block_last_line = []
        if width <= 0 or self.story is None:
            self.virtual_size = Size(0, 0)
            self.refresh()
            return
        column = self._column_for(width)
        if column != self._column:
            self._shape_memo = {}
            self._drop_mouse_selection()  # its rows and columns mean other text now
        self._column = column
        if self._styles_stale:
            self._load_styles()
        self._layout(column)
        self.virtual_size = Size(0, self._height)
        self.refresh()

    def _column_for(self, width: int) -> int:
        """The reading column: at most the configured reading width (config.toml's
        ``reading_width``, else READING_WIDTH), centred in the view."""
        config = getattr(self.app, "config", None) if self.is_attached else None
        wanted = getattr(config, "reading_width", READING_WIDTH) or READING_WIDTH
        return max(10, min(wanted, width - GUTTER - 1))

    def _style(self, name: str) -> Style:
        # get_component_rich_style(name, partial=True), without also working out
        # the full style (which walks every ancestor) that it caches beside it.
        return self.get_component_styles(name).partial_rich_style

    def _load_styles(self) -> None:
        """The component styles, kept until the styles change (Textual forgets
        them on every refresh)."""
        self._styles_stale = False
        styles = {name: self._style(name) for name in sorted(self.COMPONENT_CLASSES)}
        if styles != self._styles:
            self._styles = styles
            self._style_token = _STYLE_TOKENS.setdefault(tuple(styles.items()), len(_STYLE_TOKENS))

    def _base(self) -> Style:
        if self._base_style is None:
            self._base_style = self.rich_style
        return self._base_style

    def _wrap(self, text: Text, width: int) -> list[Text]:
        points = wrap_points(text.plain, max(1, width))
        lines = list(text.divide(points)) if points else [text]
        for line in lines:
            line.rstrip()
        return lines or [Text("")]

    def _add(self, lines: list[Text], block: int | None = None) -> None:
        self._chunk_first.append(self._height)
        self._chunks.append(_Chunk(self._height, len(lines), block, lines))
        self._height += len(lines)

    def _add_lazy(self, height: int, make: Callable[[], list[Text]]) -> None:
        if height > 0:
            self._chunk_first.append(self._height)
            self._chunks.append(_Chunk(self._height, height, make=make))
            self._height += height

    def _highlights_by_block(self) -> dict[int, list[tuple[int, int, str, bool]]]:
        """The placed highlights of each block: (start, end) in the block, the
        style class, and whether a note mark ends it there."""
        found: dict[int, list[tuple[int, int, str, bool]]] = {}
        if self.document is None:
            return found
        placed = ((note.position.start, note.position.end, note) for note in self.annotations if not note.orphaned)
        for index, lo, hi, note, ends_here in _per_block(placed, self._offsets):
            found.setdefault(index, []).append(
                (lo, hi, self._highlight_class(note.color), bool(note.note) and ends_here))
        return found

    def _matches_by_block(self) -> dict[int, list[tuple[int, int, bool]]]:
        """The find's matches in each block: (start, end) in the block, and
        whether it is the current one."""
        found: dict[int, list[tuple[int, int, bool]]] = {}
        numbered = ((a, b, number) for number, (a, b) in enumerate(self._matches))
        for index, lo, hi, number, _ in _per_block(numbered, self._offsets):
            found.setdefault(index, []).append((lo, hi, number == self._match))
        return found

    def _shapes(self, column: int) -> tuple[list[_Shape], list[tuple], list[tuple[int, int] | None], list[tuple]]:
        """Every block's shape, highlights, selected part and find matches
        (counting, not drawing)."""
        blocks = self.blocks
        offsets = self._offsets if self.document is not None else []
        highlights = self._highlights_by_block()
        found = self._matches_by_block()
        selected = self.selection_range()
        memo = self._shape_memo
        shapes: list[_Shape] = []
        notes_of: list[tuple] = []
        chosen_of: list[tuple[int, int] | None] = []
        found_of: list[tuple] = []
        for index, block in enumerate(blocks):
            notes = tuple(highlights.get(index, ()))
            found_of.append(tuple(found.get(index, ())))
            marks: tuple[int, ...] = ()
            if notes and any(mark for *_, mark in notes):
                base = _base_of(block)
                marks = tuple(sorted({base.to_drawn(hi, at_end=True) for _, hi, _, mark in notes if mark}))
            remembered = memo.get(index)
            if remembered is not None and remembered[0] == marks:
                shape = remembered[1]
            else:
                shape = _shape_of(block, column, marks)
                memo[index] = (marks, shape)
            chosen = None
            if selected is not None and index < len(offsets):
                start, end = offsets[index]
                lo, hi = max(selected[0], start), min(selected[1], end)
                if lo < hi:
                    chosen = (lo - start, hi - start)
            shapes.append(shape)
            notes_of.append(notes)
            chosen_of.append(chosen)
        return shapes, notes_of, chosen_of, found_of

    def _layout(self, column: int) -> None:
        story = self.story
        assert story is not None
        doc = self.document
        styles = self._styles
        blocks = self.blocks
        shapes, notes_of, chosen_of, found_of = self._shapes(column)
        head: list[Text] = []
        # Header.
        title = clean_line((doc.title if doc and doc.title else story.title) or "(untitled)", None)
        head += self._wrap(Text(title, style=styles["reader--title"]), column)
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
        if doc is not None:
            # Document.reading_minutes, from word counts kept with each block's shape.
            words = sum(shape.base.words for shape in shapes)
            if words:
                meta.append(humanize.reading_time(max(1, round(words / WORDS_PER_MINUTE))))
        if meta:
            head += self._wrap(Text(" · ".join(meta), style=styles["reader--meta"]), column)
        head.append(Text(""))
        if self.status:
            head += self._wrap(Text(clean_line(self.status, None), style=styles["reader--status"]), column)
            head.append(Text(""))
        self._add(head)
        # Blocks: counted now, drawn when painted.
        token = self._style_token
        first_lines = self._block_first_line
        last_lines = self._block_last_line
        chunks = self._chunks
        chunk_first = self._chunk_first
        previous_kind = None
        height = self._height
        for index, block in enumerate(blocks):
            if index > 0 and not (block.kind == LIST_ITEM and previous_kind == LIST_ITEM):
                chunk_first.append(height)
                chunks.append(_Chunk(height, 1, None, [_BLANK]))
                height += 1
            shape = shapes[index]
            first_lines.append(height)
            chunk_first.append(height)
            chunks.append(_Chunk(height, shape.height, index, None, shape,
                                 (block, column, shape.marks, token, chosen_of[index], notes_of[index],
                                  found_of[index])))
            height += shape.height
            last_lines.append(height - 1)
            previous_kind = block.kind
        self._height = height
        if not blocks and not self.status:
            self._add([Text("(This story has no text.)", style=styles["reader--status"])])
        # Orphaned highlights.
        orphans = [a for a in self.annotations if a.orphaned]
        if orphans and doc is not None:
            lines = [Text(""), Text("Orphaned highlights", style=styles["reader--section"])]
            for note in orphans:
                quote = Text("“" + clean_line(note.quote.exact, 300) + "”",
                             style=styles[self._highlight_class(note.color)])
                if note.note:
                    quote.append(" " + NOTE_MARK + " " + clean_line(note.note, 300),
                                 style=styles["reader--note-marker"])
                lines += self._wrap(quote, column)
            self._add(lines)
        # Links: counted now, drawn when painted.
        if doc is not None and doc.links:
            urls = [(f"[{number}] ", _clean_url(url)) for number, url in enumerate(doc.links, 1)]
            count = 2 + sum(len(wrap_points(label + url, max(1, column))) + 1 for label, url in urls)

            def links() -> list[Text]:
                lines = [Text(""), Text("Links", style=styles["reader--section"])]
                for label, url in urls:
                    text = Text(label, style=styles["reader--link-ref"])
                    text.append(url, style=styles["reader--link"])
                    for position, line in enumerate(self._wrap(text, column)):
                        lines.append(line if position == 0 else Text(" " * len(label)) + line)
                return lines

            self._add_lazy(count, links)
        self._add([Text("")])

    @staticmethod
    def _highlight_class(colour: str) -> str:
        return f"reader--highlight-{colour if colour in HIGHLIGHT_COLOURS else 'yellow'}"

    def _chunk_at(self, row: int) -> _Chunk:
        return self._chunks[bisect.bisect_right(self._chunk_first, row) - 1]

    def _lines_of(self, chunk: _Chunk) -> list[Text]:
        lines = chunk.lines
        if lines is None:
            if chunk.make is not None:
                lines = chunk.make()
            else:
                lines = _DRAWN.get(chunk.key)
                if lines is None:
                    lines = _DRAWN.put(chunk.key, self._draw_block(chunk))
            if len(lines) != chunk.height:  # never expected: keep the rows the layout counted
                lines = (lines + [Text("")] * chunk.height)[: chunk.height]
            chunk.lines = lines
        return lines

    def _row(self, row: int) -> tuple[Text, int | None]:
        """The drawn line at ``row`` of the layout, and its block."""
        chunk = self._chunk_at(row)
        return self._lines_of(chunk)[row - chunk.first], chunk.block

    def _draw_block(self, chunk: _Chunk) -> list[Text]:
        """A block's styled lines: inline styles, link numbers, the selection,
        highlights and note marks, wrapped as its shape says."""
        assert chunk.block is not None and chunk.shape is not None and chunk.key is not None
        block = self.blocks[chunk.block]
        shape = chunk.shape
        base = shape.base
        _, column, marks, _, chosen, notes, found = chunk.key
        styles = self._styles
        text = Text(style="")
        if block.kind == IMAGE:
            text.append(base.text, style=styles["reader--image"])
        else:
            for part, value in zip(block.spans, base.values):
                style = Style()
                if EMPHASIS in part.styles:
                    style += Style(italic=True)
                if STRONG in part.styles:
                    style += Style(bold=True)
                if CODE in part.styles:
                    style += styles["reader--code"]
                if part.link is not None:
                    style += styles["reader--link"]
                text.append(value, style=style)
                if part.link is not None:
                    text.append(f"[{part.link}]", style=styles["reader--link-ref"])
        if chosen is not None:
            text.stylize(styles["reader--selection"], base.to_drawn(chosen[0]),
                         base.to_drawn(chosen[1], at_end=True))
        for lo, hi, name, _ in notes:
            text.stylize(styles[name], base.to_drawn(lo), base.to_drawn(hi, at_end=True))
        if marks:
            pieces = text.divide(marks)
            joined = Text(style=text.style)
            for number, piece in enumerate(pieces):
                joined.append_text(piece)
                if number < len(pieces) - 1:
                    joined.append(NOTE_MARK, style=styles["reader--note-marker"])
            text = joined
        kind = block.kind
        kind_style = {PRE: "reader--pre", HEADING: "reader--heading", QUOTE: "reader--quote"}.get(kind)
        if kind_style is not None:
            text.stylize(styles[kind_style])
        for lo, hi, current in found:  # over the block's own style
            text.stylize(styles["reader--match-current" if current else "reader--match"],
                         shape.to_marked(base.to_drawn(lo)), shape.to_marked(base.to_drawn(hi, at_end=True)))
        if kind == PRE:
            out = []
            for line in text.split("\n", allow_blank=True) or [Text("")]:
                line.expand_tabs(4)
                line.truncate(column, overflow="crop")
                out.append(line)
            return out
        points = shape.starts[1:]
        if text.plain != shape.text:  # never expected: wrap what was drawn
            points = wrap_points(text.plain, max(1, column - shape.prefix))
        lines = list(text.divide(points)) if points else [text]
        for line in lines:
            line.rstrip()
        if kind == QUOTE:
            return [Text(QUOTE_BAR, style=styles["reader--quote-bar"]) + line for line in lines]
        if kind == LIST_ITEM:
            indent, marker = _list_lead(block)
            out = []
            for position, line in enumerate(lines):
                lead = Text(indent)
                if position == 0:
                    lead.append(marker, style=styles["reader--bullet"])
                else:
                    lead.append(" " * len(marker))
                out.append(lead + line)
            return out
        return lines

    # -- painting ----------------------------------------------------------
    def _left(self, width: int) -> int:
        """Blank cells left of the gutter (the column is centred)."""
        return max(0, (width - self._column - GUTTER) // 2)

    def render_lines(self, crop: Region) -> list[Strip]:
        # The width, once for all the rows of this paint.
        self._paint_width = self._content_width()
        try:
            return super().render_lines(crop)
        finally:
            self._paint_width = None

    def render_line(self, y: int) -> Strip:
        width = self._paint_width or self._content_width()
        base = self._base()
        if self._column_for(width) != self._column and not self._relayout_pending:
            # The width changed without a resize (a scrollbar came or went).
            self._relayout_pending = True
            self.call_after_refresh(self._deferred_relayout)
        if width != self._strips_width:
            self._strips.clear()
            self._strips_width = width
        index = int(self.scroll_offset.y) + y
        if index >= self._height:
            return Strip.blank(width, base)
        chunk = self._chunk_at(index)
        block = chunk.block
        on_cursor = block is not None and block == self.cursor
        painted = self._strips.get(index)
        if painted is not None and painted[0] == on_cursor:
            return painted[1]
        drawn = self._lines_of(chunk)[index - chunk.first]
        left = self._left(width)
        selected = None
        if self._mouse_selection is not None:
            span = self._mouse_selection.get_span(index)
            if span is not None:
                start = max(0, span[0] - left - GUTTER)
                end = len(drawn) if span[1] == -1 else max(0, span[1] - left - GUTTER)
                if start < end:
                    selected = (start, end)
        if selected is None and chunk.key is not None:
            # A block's painted lines are shared too (a second opening repaints nothing).
            if chunk.painted is None or chunk.base is not base:
                chunk.base = base
                chunk.painted = _PAINTED.get((chunk.key, base))
                if chunk.painted is None:
                    chunk.painted = _PAINTED.put((chunk.key, base), [None] * chunk.height)
            body = chunk.painted[index - chunk.first]
            if body is None:
                body = chunk.painted[index - chunk.first] = self._paint(drawn, base)
        else:
            body = self._paint(drawn, base, selected)
        if on_cursor:
            gutter = Segment(CURSOR_MARK + " ", base + self._styles["reader--cursor"])
        else:
            gutter = Segment(" " * GUTTER, base)
        used = left + GUTTER + drawn.cell_len
        segments = [Segment(" " * left, base), gutter, *body]
        if used < width:  # as Strip.crop_extend pads, in one Strip
            segments.append(Segment(" " * (width - used), base))
        strip = Strip(segments, max(used, width))
        if used > width:
            strip = strip.crop(0, width)
        self._strips[index] = (on_cursor, strip)
        return strip

    def _paint(self, drawn: Text, base: Style, selected: tuple[int, int] | None = None) -> list[Segment]:
        """The segments of a drawn line on the view's background (and the mouse
        selection over ``selected`` characters)."""
        line = drawn.copy()
        line.style = base + (line.style if isinstance(line.style, Style) else Style())
        line.end = ""
        line.no_wrap = True
        if selected is not None:
            line.stylize(self.screen.get_component_rich_style("screen--selection"), *selected)
        return list(Segment.apply_style(line.render(self.app.console), style=line.style))

    def line_texts(self) -> list[str]:
        """Every laid-out line as plain text, gutter included (for tests)."""
        out = []
        for index in range(self._height):
            text, block = self._row(index)
            mark = CURSOR_MARK + " " if block is not None and block == self.cursor else "  "
            out.append(mark + text.plain)
        return out

    def styled_line(self, index: int) -> Text:
        return self._row(index)[0]

    def block_lines(self, block: int) -> range:
        if 0 <= block < len(self._block_first_line):
            return range(self._block_first_line[block], self._block_last_line[block] + 1)
        return range(0)

    # -- mouse selection -----------------------------------------------------
    # A mouse selection is kept by the screen as a textual.selection.Selection
    # whose offsets are (character in the painted row, row of the layout).
    # Widgets usually find those offsets in metadata on every painted segment;
    # the reader paints none (it would split every line's segments) and answers
    # selection_offset() instead, which the reader screen asks.

    def selection_offset(self, x: int, y: int) -> Offset:
        """The selection offset of cell (x, y) of this view (from its top left)."""
        height = self._viewport_height()
        width = self._content_width()
        x -= self.gutter.left
        y -= self.gutter.top
        if y >= height:  # below the text: its last row, to the end
            x, y = width, height - 1
        x, y = max(0, x), max(0, y)
        row = int(self.scroll_offset.y) + y
        start = self._left(width) + GUTTER
        if x <= start or row >= self._height:
            return Offset(x, row)
        line = self._row(row)[0].plain
        if _single_cells(line):
            return Offset(x, row)
        cells = x - start  # wide characters: count characters, not cells
        used = 0
        for index, char in enumerate(line):
            used += cell_len(char)
            if used > cells:
                return Offset(start + index, row)
        return Offset(start + len(line) + cells - used, row)

    def selection_updated(self, selection: Selection | None) -> None:
        self._mouse_selection = selection
        if selection is not None and self.selection is not None:
            self.clear_selection()  # one selection at a time: the mouse's is the newer
        self._strips.clear()
        self.refresh()

    def _drop_mouse_selection(self) -> None:
        """Forget a mouse selection of this view (its text is gone or moved)."""
        if not self.is_attached:
            return
        try:
            screen = self.screen
        except Exception:
            return
        if self in screen.selections:
            screen.selections = {w: s for w, s in screen.selections.items() if w is not self}

    def _plain_text(self) -> str:
        if self._plain is None:
            self._plain = self.document.plain_text() if self.document is not None else ""
        return self._plain

    def _offset_at(self, row: int, x: int) -> int:
        """The document offset before character ``x`` of layout row ``row``
        (x counts from the left edge of the view, as painted)."""
        offsets = self._offsets
        if row < 0 or not offsets or not self._chunks:
            return 0
        if row >= self._height:
            return offsets[-1][1]
        chunk = self._chunk_at(row)
        if chunk.block is None or chunk.shape is None:
            # Between blocks (or around them): the end of the block above.
            above = bisect.bisect_right(self._block_first_line, row) - 1
            return offsets[above][1] if above >= 0 else 0
        column = x - self._left(self._content_width()) - GUTTER
        return offsets[chunk.block][0] + chunk.shape.to_plain(row - chunk.first, column)

    def range_of(self, selection: Selection) -> tuple[int, int] | None:
        """(start, end) in the document's plain text of a mouse selection of
        this view, without the spaces at its ends; None when it holds no text."""
        if self.document is None or not self.document.blocks:
            return None
        plain = self._plain_text()
        start = 0 if selection.start is None else self._offset_at(selection.start.y, selection.start.x)
        end = len(plain) if selection.end is None else self._offset_at(selection.end.y, selection.end.x)
        start, end = sorted((max(0, min(start, len(plain))), max(0, min(end, len(plain)))))
        while start < end and plain[start].isspace():
            start += 1
        while end > start and plain[end - 1].isspace():
            end -= 1
        return (start, end) if start < end else None

    def mouse_range(self) -> tuple[int, int] | None:
        """(start, end) of the text selected with the mouse, if any."""
        selection = self.text_selection if self.is_attached else None
        return self.range_of(selection) if selection is not None else None

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text for copying: the document's own text."""
        if self.document is None:
            x0 = self._left(self._content_width()) + GUTTER
            rows = [" " * x0 + self._row(index)[0].plain for index in range(self._height)]
            return selection.extract("\n".join(rows)), "\n"
        span = self.range_of(selection)
        if span is None:
            return None
        return self._plain_text()[span[0]:span[1]], "\n"

    # -- cursor ------------------------------------------------------------
    def validate_cursor(self, value: int) -> int:
        count = len(self.blocks)
        if count == 0:
            return 0
        return max(0, min(value, count - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        self._resume_block = None  # moved by hand: that is where to be
        self._found_at = None
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
        if self.selection is not None:
            self._extend_selection()
            return
        if self.cursor >= len(self.blocks) - 1:
            self.scroll_to(y=self.scroll_offset.y + 3, animate=False, immediate=True)
            return
        self.cursor += 1

    def action_cursor_up(self) -> None:
        if self.selection is not None:
            self._shrink_selection()
            return
        if self.cursor == 0:
            self.scroll_to(y=0, animate=False, immediate=True)
            return
        self.cursor -= 1

    def action_cursor_top(self) -> None:
        self.scroll_to(y=0, animate=False, immediate=True)
        self.cursor = 0

    def action_cursor_bottom(self) -> None:
        self.scroll_to(y=max(0, self._height - self._viewport_height()), animate=False, immediate=True)
        self._set_cursor_quietly(len(self.blocks) - 1)

    def _first_block_from(self, line: int) -> int | None:
        block = bisect.bisect_left(self._block_first_line, line)
        return block if block < len(self._block_first_line) else None

    def _set_cursor_quietly(self, block: int) -> None:
        """Move the cursor without scrolling (paging chooses the scroll)."""
        self._resume_block = None
        self._found_at = None
        block = self.validate_cursor(block)
        self.set_reactive(ReaderView.cursor, block)
        self.refresh()
        self.post_message(self.CursorMoved(block))
        self.post_message(self.CurrentHighlightChanged(self.current_highlight()))

    def action_page_down(self) -> None:
        height = self._viewport_height()
        top = min(int(self.scroll_offset.y) + max(1, height - 2), max(0, self._height - height))
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
        if self.text_selection is not None:
            return  # the end of a mouse selection: the cursor stays where it is
        index = int(self.scroll_offset.y) + event.y
        if 0 <= index < self._height:
            block = self._chunk_at(index).block
            if block is not None:
                self.cursor = block

    # -- keyboard selection ----------------------------------------------------
    def _sentences_of(self, block: int) -> list[tuple[int, int]]:
        found = self._sentences.get(block)
        if found is None:
            blocks = self.blocks
            found = sentences(blocks[block].text) if 0 <= block < len(blocks) else []
            self._sentences[block] = found
        return found

    def _selectable(self, block: int) -> int:
        """How many sentences ``block`` can add to a selection (images and
        preformatted text end one)."""
        blocks = self.blocks
        if not 0 <= block < len(blocks) or blocks[block].kind in (IMAGE, PRE):
            return 0
        return len(self._sentences_of(block))

    def selection_range(self) -> tuple[int, int] | None:
        """(start, end) of the selected sentences in the document's plain text."""
        if self.selection is None or self.document is None:
            return None
        first_block, first, last_block, last = self.selection
        offsets = self._offsets
        if not (0 <= first_block <= last_block < len(offsets)):
            return None
        head = self._sentences_of(first_block)
        tail = self._sentences_of(last_block)
        if not head or not tail or first >= len(head) or last >= len(tail):
            return None
        return offsets[first_block][0] + head[first][0], offsets[last_block][0] + tail[last][1]

    def clear_selection(self) -> None:
        if self.selection is not None:
            self.selection = None
            self._relayout()

    def _set_selection(self, selection: tuple[int, int, int, int]) -> None:
        self.selection = selection
        self._relayout()
        if selection[2] != self.cursor:
            self._set_cursor_quietly(selection[2])  # the cursor follows the selection's end
        self._scroll_selection_end_into_view()

    def _scroll_selection_end_into_view(self) -> None:
        span = self.selection_range()
        if span is None or self.selection is None:
            return
        block = self.selection[2]
        if not 0 <= block < len(self._block_first_line):
            return
        chunk = self._chunk_at(self._block_first_line[block])
        if chunk.shape is None:
            return
        shape = chunk.shape
        marked = shape.to_marked(shape.base.to_drawn(span[1] - self._offsets[block][0], at_end=True))
        line = chunk.first + max(0, bisect.bisect_right(shape.starts, max(0, marked - 1)) - 1)
        top, height = int(self.scroll_offset.y), self._viewport_height()
        if height <= 0:
            return
        if line >= top + height:
            self.scroll_to(y=line - height + 2, animate=False, immediate=True)
        elif line < top:
            self.scroll_to(y=max(0, line - 1), animate=False, immediate=True)

    def action_select_sentence(self) -> None:
        """Select the paragraph's first sentence (right after a find: the
        sentence of the match); again: one more sentence, on into the next
        paragraph (like j while there is a selection)."""
        if self.document is None or not self.document.blocks:
            self.app.bell()
            return
        block = self.cursor
        if self.selection is not None and self.selection[2] == block:
            self._extend_selection()
            return
        if not self._sentences_of(block):
            self.app.bell()
            return
        if self.is_attached and self.text_selection is not None:
            self.screen.clear_selection()
        first = 0
        if self._found_at is not None and self._found_at[0] == block:  # where a find ended
            at = self._found_at[1]
            first = max(0, sum(1 for start, _ in self._sentences_of(block) if start <= at) - 1)
        self._set_selection((block, first, block, first))

    def _extend_selection(self) -> None:
        """The selection takes in the next sentence (crossing into the next paragraph)."""
        assert self.selection is not None
        first_block, first, block, last = self.selection
        if last + 1 < len(self._sentences_of(block)):
            self._set_selection((first_block, first, block, last + 1))
        elif self._selectable(block + 1):
            self._set_selection((first_block, first, block + 1, 0))
        else:
            self.app.bell()

    def _shrink_selection(self) -> None:
        """The selection gives back its last sentence; its first one stays."""
        assert self.selection is not None
        first_block, first, block, last = self.selection
        if (block, last) <= (first_block, first):
            self.app.bell()
        elif last > 0:
            self._set_selection((first_block, first, block, last - 1))
        else:
            previous = block - 1
            self._set_selection((first_block, first, previous, max(0, len(self._sentences_of(previous)) - 1)))

    # -- find in the story -----------------------------------------------------
    def find(self, query: str, origin: int | None = None) -> int:
        """Mark every match of ``query`` in the text and make the first one at
        or after ``origin`` (an offset of the plain text; the cursor paragraph's
        start when None) current, with the cursor on it.  Returns how many
        matches there are; an empty query clears them."""
        self.find_query = query.strip()
        text = self._plain_text() if self.document is not None else ""
        self._matches = find_matches(self.find_query, text)
        self._match = -1
        if self._matches:
            if origin is None:
                here = self.current_range()
                origin = here[0] if here is not None else 0
            index = bisect.bisect_left(self._matches, (origin, -1))
            self._match = index if index < len(self._matches) else 0
        self._relayout()
        self._post_matches()
        if self._match >= 0:
            self._show_match()
        return len(self._matches)

    def step_match(self, step: int) -> bool:
        """Make the next (``step`` 1) or previous (-1) match current, round the
        end of the text; False when it went round (or there are none)."""
        count = len(self._matches)
        if not count:
            return False
        index = self._match + step
        self._match = index % count
        self._relayout()
        self._post_matches()
        self._show_match()
        return 0 <= index < count

    def end_find(self) -> None:
        """Stop finding: the matches are no longer marked; the cursor stays,
        and ``v`` then selects the sentence of the match it ended on."""
        had = bool(self._matches)
        match = self.current_match()
        self._found_at = None
        if match is not None and 0 <= self.cursor < len(self._offsets):
            start = self._offsets[self.cursor][0]
            if start <= match[0] < self._offsets[self.cursor][1]:
                self._found_at = (self.cursor, match[0] - start)
        self.find_query = ""
        self._matches = []
        self._match = -1
        if had:
            self._relayout()

    def current_match(self) -> tuple[int, int] | None:
        """(start, end) in the plain text of the current match."""
        return self._matches[self._match] if 0 <= self._match < len(self._matches) else None

    def _post_matches(self) -> None:
        self.post_message(self.MatchesChanged(self._match + 1, len(self._matches)))

    def _show_match(self) -> None:
        """The cursor on the current match's paragraph, and the match's line in view."""
        match = self.current_match()
        if match is None or not self._offsets:
            return
        starts = [start for start, _ in self._offsets]
        block = max(0, bisect.bisect_right(starts, match[0]) - 1)
        self.cursor = block
        lines = self.block_lines(block)
        chunk = self._chunk_at(lines.start) if lines else None
        if chunk is None or chunk.shape is None:
            return
        shape = chunk.shape
        drawn = shape.to_marked(shape.base.to_drawn(match[0] - self._offsets[block][0]))
        row = lines.start + max(0, bisect.bisect_right(shape.starts, drawn) - 1)
        height = self._viewport_height()
        top = int(self.scroll_offset.y)
        if height > 0 and not top <= row < top + height:
            self.scroll_to(y=max(0, row - height // 3), animate=False, immediate=True)

    # -- helpers for the screen ----------------------------------------------
    def current_range(self) -> tuple[int, int] | None:
        """(start, end) of the cursor block in the document's plain text."""
        if self.document is None or not self.document.blocks:
            return None
        if 0 <= self.cursor < len(self._offsets):
            return self._offsets[self.cursor]
        return None

    def annotations_in_current(self) -> list[Annotation]:
        span = self.current_range()
        if span is None:
            return []
        start, end = span
        return [a for a in self.annotations if not a.orphaned and a.position.start < end and a.position.end > start]


def selection_target(screen: Any, x: int, y: int) -> tuple[Any, Any] | None:
    """For a screen's ``get_widget_and_offset_at``: a ReaderView under (x, y)
    answers where a mouse selection starts or ends (see selection_offset);
    ``(None, None)`` off every widget; None for the screen to answer itself."""
    from textual.errors import NoWidget

    try:
        widget, region = screen.get_widget_at(x, y)
    except NoWidget:
        return None, None
    if isinstance(widget, ReaderView):
        return widget, widget.selection_offset(x - region.x, y - region.y)
    return None

