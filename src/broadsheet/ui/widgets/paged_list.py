"""The mechanics the story list and the highlights list share.

A :class:`PagedList` is a Line-API widget showing items of ``ITEM_HEIGHT``
lines each, of which only the lines on screen are painted.  It owns the cursor
(keys, mouse, keeping it in view), the painting loop and a cache of painted
items; a subclass says how many items there are, where to get one, and how to
paint one as :class:`~textual.strip.Strip` objects.

Moving the cursor repaints the two items it leaves and reaches, not the whole
widget; scrolling paints only the items that come into view.  Styles are
looked up once per theme/focus change and kept, so painting an item costs a
few string operations, not a round through rich's Text.  The lines handed to
Textual are finished from the painted items themselves (see
:meth:`PagedList.render_lines`): an item painted before is the same Strip
object every time, and Textual keeps what it works out about a Strip on it.

A list that sets ``READ_AHEAD`` gets ready, once it has been left alone for a
moment after a move, what the keys likely next will show: the screens after a
page down and a page up (the direction of the last move first), the last
screen and the first.  Each step of that is one small piece of work (one
:meth:`fetch_ahead`, or painting a few items into the cache), done when the
screen has nothing left to paint, and the steps stop as soon as a key moves
the cursor again: the key never waits for more than the step under way.
"""

from __future__ import annotations

import gc
import re
from collections import OrderedDict
from collections.abc import Hashable
from functools import lru_cache
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any

from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.color import Color
from textual.geometry import Region
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.style import Style as TextualStyle

from broadsheet.sanitize import clean_line

if TYPE_CHECKING:
    from textual.timer import Timer


_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_AROUND = re.compile(r"\s*([{};])\s*")  # spaces around braces and semicolons
_CSS_AFTER_COLON = re.compile(r":\s+")  # "color: red" (a selector's ":focus" has none)


def compact_css(css: str) -> str:
    """``css`` without comments, and without the spaces around ``{ } ;`` and
    after a declaration's ``:`` -- the same rules in about half the tokens
    (Textual parses the styles of every widget on screen before the first
    frame, a token at a time)."""
    css = _CSS_COMMENT.sub("", css)
    return _CSS_AFTER_COLON.sub(":", _CSS_AROUND.sub(r"\1", css)).strip()


def widget_css(module_file: str) -> str:
    """The ``.tcss`` file beside a widget's module, compacted (see :func:`compact_css`)."""
    return compact_css(Path(module_file).with_suffix(".tcss").read_text(encoding="utf-8"))


@lru_cache(maxsize=64)
def _pad_style(background: Color) -> Style:
    """What the styles cache pads a line with, on ``background``."""
    return TextualStyle(background=background).rich_style


def collect_while_idle() -> None:
    """Do now, while nothing waits, the garbage collection that is due next.

    Painting ahead keeps new strips while the cache lets old ones go (and
    Textual's strips, which keep what was made of them, are often cycles
    only the collector frees): the collector's young generations grow while
    its counter (allocations less deallocations) hardly moves, and the pass
    that comes due takes tens of milliseconds in the middle of a key.  Done
    at the end of reading ahead, that pass is short, and off the keys."""
    counts, limits = gc.get_count(), gc.get_threshold()
    generation = 0
    if counts[1] >= limits[1] - 1:  # the next pass would take the middle generation too
        generation = 2 if counts[2] >= limits[2] - 1 else 1
    gc.collect(generation)


class ReusingScrollBar(ScrollBar):
    """A vertical scrollbar whose lines are those of Textual's, kept by what
    they show: a bar has a handful of different lines (track above and below
    the thumb, thumb, the thumb's two ends), so once each has been made the
    bar is put together from them when the thumb moves, instead of going
    through a rich render and Textual's styles cache for every line of it."""

    MAX_LINES = 256

    def __init__(self, vertical: bool = True, name: str | None = None, *, thickness: int = 1) -> None:
        super().__init__(vertical, name, thickness=thickness)
        self._lines: dict[tuple[str, Style | None], Strip] = {}
        self._lines_for: tuple | None = None  # what the kept lines were made for

    def render_lines(self, crop: Region) -> list[Strip]:
        renderable = self.render()
        width, height = self.size
        styles = self.styles
        if (not self.vertical or type(renderable) is not ScrollBarRender or not height
                or styles.gutter != (0, 0, 0, 0) or any(styles.outline.spacing)):
            return super().render_lines(crop)  # lines that differ from top to bottom
        style = renderable.style if isinstance(renderable.style, Style) else None
        if style is None:
            return super().render_lines(crop)
        # The bar's segments, one a line, as ScrollBarRender.__rich_console__ makes them.
        segments = renderable.render_bar(
            size=height, window_size=renderable.window_size, virtual_size=renderable.virtual_size,
            position=renderable.position, vertical=True, thickness=width,
            back_color=style.bgcolor or RichColor.parse("#555555"),
            bar_color=style.color or RichColor.parse("bright_magenta"),
        ).segments
        made_for = (self.size, self.background_colors, self.visual_style, tuple(self.get_line_filters()),
                    self.app.ansi_theme, self.text_selection, styles.tint, styles.text_opacity,
                    self.opacity, styles.hatch if styles.has_rule("hatch") else None)
        if made_for != self._lines_for or len(self._lines) > self.MAX_LINES:
            self._lines.clear()
            self._lines_for = made_for
        keys = [(segment.text, segment.style) for segment in segments]
        lines = self._lines
        if len(keys) == height and all(key in lines for key in keys):
            strips = [lines[key] for key in keys]
        else:
            # Textual's own lines, each kept by what it shows.
            self._dirty_regions.add(self.size.region)
            self._styles_cache.clear()
            strips = super().render_lines(self.size.region)
            if len(keys) == len(strips) == height:
                for key, strip in zip(keys, strips):
                    lines.setdefault(key, strip)
        x1, x2 = crop.column_span
        if (x1, x2) != (0, width):
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips[crop.y:crop.bottom]


class PagedList(ScrollView, can_focus=True):
    """A virtual list of items painted line by line (see the module docstring)."""

    ITEM_HEIGHT = 1
    """Lines per item."""
    CURSOR_LINES = 1
    """How many of an item's lines show the cursor (and must be in view)."""
    COMPONENT_PREFIX = "paged-list"
    """``{prefix}--cursor`` and ``{prefix}--empty`` are the component classes used here."""
    MAX_PAINTED = 400
    """Painted items kept (a few screens' worth)."""
    READ_AHEAD = False
    """Whether the list gets the likely next screens ready while it is left alone
    (see the module docstring); a subclass that sets it provides :meth:`item_ready`
    and, if its items are read bit by bit, :meth:`fetch_ahead`."""
    READ_AHEAD_DELAY = 0.05
    """Seconds without a move before reading ahead starts."""
    READ_AHEAD_START = 0.5
    """Seconds after the first frame before the first reading ahead (the first
    keys and the screen's own deferred work go first)."""
    READ_AHEAD_GAP = 0.005
    """Seconds between two steps (keys that came meanwhile are handled first)."""
    PAINT_AHEAD = 20
    """Items painted ahead in one step."""

    cursor: reactive[int] = reactive(0, always_update=True, init=False, repaint=False)

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._painted: OrderedDict[Hashable, list[Strip]] = OrderedDict()
        self._styles: dict[tuple[str, bool], Style] = {}
        self._painted_with: tuple[Style, Style] | None = None  # (row, cursor) styles of _painted
        self._last_size_update: tuple | None = None  # see _size_updated
        self._blank_line: tuple | None = None  # see _blank
        self._moved_at = 0.0  # monotonic time of the last move (read ahead once it is old enough)
        self._going_up = False  # the direction of the last move
        self._ahead_timer: Timer | None = None  # the next read-ahead step is due then
        self._ahead_queued = 0  # steps waiting for the screen to be painted
        self._ahead_started = False  # the first frame is out and READ_AHEAD_START has passed

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """The vertical scrollbar, a :class:`ReusingScrollBar` (made as Textual makes its own)."""
        bar = self._vertical_scrollbar
        if bar is None:
            bar = self._vertical_scrollbar = ReusingScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical)
            bar.display = False
            self.app._start_widget(self, bar)
        return bar

    # -- what a subclass provides ----------------------------------------------
    @property
    def item_count(self) -> int:
        """Items that can be painted now."""
        raise NotImplementedError

    def item_at(self, index: int) -> Any | None:
        raise NotImplementedError

    def paint_key(self, item: Any, index: int) -> Hashable:
        """Everything an item's painted lines depend on, besides width and cursor."""
        raise NotImplementedError

    def paint_item(self, item: Any, index: int, width: int, selected: bool) -> list[Strip]:
        """``ITEM_HEIGHT`` strips of exactly ``width`` cells."""
        raise NotImplementedError

    def empty_message(self) -> str:
        return "Nothing here."

    def load_more(self, index: int) -> None:
        """Called before the cursor moves to ``index`` (a list read bit by bit reads on)."""

    def item_ready(self, index: int) -> Any | None:
        """Item ``index`` if it can be had without reading anything (read ahead)."""
        return None

    def fetch_ahead(self, first: int, last: int) -> bool:
        """Read what items ``first`` to ``last`` need, one small piece at most;
        True if that did any work (it was one step of reading ahead)."""
        return False

    # -- styles ------------------------------------------------------------------
    def style(self, component: str | None = None, selected: bool = False) -> Style:
        """The full style of a ``component`` class (None: the widget's own) on an
        ordinary row or on the cursor's; cached until the theme, focus or CSS changes."""
        key = (component or "", selected)
        style = self._styles.get(key)
        if style is None:
            if component is None:
                style = self.rich_style
                if selected:
                    style = style + self.get_component_rich_style(f"{self.COMPONENT_PREFIX}--cursor")
            else:
                style = self.style(None, selected) + self.get_component_rich_style(component, partial=True)
            self._styles[key] = style
        return style

    def forget_paint(self) -> None:
        """Drop painted items and styles, and paint again."""
        self._painted.clear()
        self._styles.clear()
        self._painted_with = None
        self.refresh()

    def forget_items(self) -> None:
        """Drop painted items (the data changed); styles stay."""
        self._painted.clear()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.READ_AHEAD:
            self.call_after_refresh(self.set_timer, self.READ_AHEAD_START, self._start_reading_ahead)

    def _size_updated(self, size, virtual_size, container_size, layout: bool = True) -> bool:
        # Textual's ScrollView takes every layout pass of the screen for a new
        # size (its own virtual size is never the one the layout passes in),
        # redoes its scrollbars and repaints them: one frame more after each
        # pass.  When neither the size nor the rows changed, nothing needs doing.
        seen = (size, self.virtual_size, container_size, self.show_vertical_scrollbar)
        if seen == self._last_size_update and self._size == size:
            return False
        changed = super()._size_updated(size, virtual_size, container_size, layout)
        self._last_size_update = (size, self.virtual_size, container_size, self.show_vertical_scrollbar)
        return changed

    def expect_scrollbar(self) -> None:
        """Before the first layout: when the items cannot fit on the terminal, the
        vertical scrollbar is shown from the first frame (Textual would find out
        after that frame, and lay out and paint every row again, one cell narrower)."""
        if (not self.size and self.styles.overflow_y == "auto" and not self.show_vertical_scrollbar
                and self.item_count * self.ITEM_HEIGHT > self.app.size.height):
            self.show_vertical_scrollbar = True

    def _theme_changed(self, _theme: object) -> None:
        self._rich_style_cache.clear()
        self.forget_paint()

    def on_focus(self) -> None:
        self._styles.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._styles.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        # Styles are applied again often (focus, a class on a parent, the
        # screen coming back); painted items are dropped only if the styles
        # they were painted with have changed (see render_line).
        super().notify_style_update()
        self._styles.clear()

    # -- cursor ------------------------------------------------------------------
    def validate_cursor(self, value: int) -> int:
        self.load_more(value)
        count = self.item_count
        if count <= 0:
            return 0
        return max(0, min(value, count - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        top = self.scroll_offset.y
        self.scroll_to_cursor()
        if self.scroll_offset.y == top:
            self.refresh_item(old)
            self.refresh_item(new)
        # else: scrolling repaints the widget.
        if new != old:
            self._going_up = new < old
        self.read_ahead()

    def refresh_item(self, index: int) -> None:
        height = self.ITEM_HEIGHT
        self.refresh_lines(index * height, height)

    def _scroll_for(self, cursor: int, height: int) -> int | None:
        """The first line to scroll to so that item ``cursor`` shows in a view
        ``height`` lines high; None when it shows already."""
        top = int(self.scroll_offset.y)
        first = cursor * self.ITEM_HEIGHT
        if first < top:
            return first
        if first + self.CURSOR_LINES - 1 >= top + height:
            return first + self.ITEM_HEIGHT - height
        return None

    def scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height or self.size.height
        if height <= 0:
            return
        y = self._scroll_for(self.cursor, height)
        if y is not None:
            self.scroll_to(y=y, animate=False, immediate=True)

    def view_at(self, cursor: int) -> tuple[int, int]:
        """(first line on screen, cursor) once the cursor has moved to item
        ``cursor``, as :meth:`scroll_to_cursor` would scroll."""
        height = self.scrollable_content_region.height or self.size.height
        y = self._scroll_for(cursor, height)
        top = int(self.scroll_offset.y) if y is None else y
        return max(0, min(top, int(self.max_scroll_y))), cursor

    def views_ahead(self) -> list[tuple[int, int]]:
        """The views (see :meth:`view_at`) the likely next keys show: a page
        on in the direction of the last move, a page the other way, the end
        and the top; each once."""
        count = self.item_count
        page = self.page_items()
        cursor = self.cursor
        moves = [cursor + page, cursor - page, count - 1, 0]
        if self._going_up:
            moves = [cursor - page, cursor + page, 0, count - 1]
        views: list[tuple[int, int]] = []
        for move in moves:
            view = self.view_at(max(0, min(move, count - 1)))
            if view not in views:
                views.append(view)
        return views

    def page_items(self) -> int:
        """How far page down/up moves: a screenful less one item."""
        height = self.scrollable_content_region.height or self.size.height
        return max(1, height // self.ITEM_HEIGHT - 1)

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_top(self) -> None:
        self.cursor = 0

    def action_cursor_bottom(self) -> None:
        self.cursor = self.item_count - 1

    def action_page_down(self) -> None:
        self.cursor += self.page_items()

    def action_page_up(self) -> None:
        self.cursor -= self.page_items()

    def action_select(self) -> None:
        """enter (and a double click): a subclass posts its message."""

    def on_click(self, event: events.Click) -> None:
        index = (int(self.scroll_offset.y) + event.y) // self.ITEM_HEIGHT
        if 0 <= index < self.item_count:
            self.cursor = index
            if event.chain >= 2:
                self.action_select()

    # -- reading ahead -----------------------------------------------------------
    def read_ahead(self) -> None:
        """Get the likely next screens ready once the list has been left alone
        for READ_AHEAD_DELAY (called after every move; a reload moves too)."""
        if not self.READ_AHEAD:
            return
        self._moved_at = monotonic()
        if self._ahead_started:
            self._ahead_in(self.READ_AHEAD_DELAY)

    @property
    def reading_ahead(self) -> bool:
        """Whether a step of reading ahead is to come (or reading ahead has not started)."""
        return self.READ_AHEAD and (not self._ahead_started or self._ahead_timer is not None
                                    or self._ahead_queued > 0)

    def _start_reading_ahead(self) -> None:
        self._ahead_started = True
        if self._ahead_timer is None:
            self._ahead_due()

    def _ahead_in(self, seconds: float) -> None:
        """The next step of reading ahead in ``seconds``, unless one is due already."""
        if self._ahead_timer is None:
            self._ahead_timer = self.set_timer(seconds, self._ahead_due)

    def _ahead_due(self) -> None:
        self._ahead_timer = None
        wait = self._moved_at + self.READ_AHEAD_DELAY - monotonic()
        if wait > 0.001:
            self._ahead_in(wait)
        else:
            # Once the screen has nothing left to paint: no frame waits for it.
            # (Under another screen that is when this one is back.)
            self._ahead_queued += 1
            self.call_after_refresh(self._ahead_step)

    def _ahead_step(self) -> None:
        self._ahead_queued -= 1
        if monotonic() - self._moved_at < self.READ_AHEAD_DELAY:
            # Moved meanwhile: that move's quiet time counts from now.
            self._ahead_in(self.READ_AHEAD_DELAY)
            return
        if not (self.is_attached and self.size and self.screen.is_current):
            return  # hidden or under another screen: the next move or reload reads ahead
        try:
            worked = self.read_ahead_step()
        except Exception:  # noqa: BLE001 - reading ahead is only ever a head start
            worked = False
        if worked:
            self._ahead_in(self.READ_AHEAD_GAP)
        else:
            collect_while_idle()

    def read_ahead_step(self) -> bool:
        """One step of reading ahead: the first view of :meth:`views_ahead`
        whose items are not all ready and painted gets one :meth:`fetch_ahead`,
        or up to PAINT_AHEAD items painted.  False when there was nothing to do."""
        count = self.item_count
        if count <= 0:
            return False
        self._check_painted()
        width = self.scrollable_content_region.width or self.size.width
        height = self.scrollable_content_region.height or self.size.height
        finish = self._finisher()
        # Where the compositor cuts a line: at the scrollbar, if shown.
        cuts = [width, finish[0]] if finish is not None and width < finish[0] else None
        console = self.app.console
        for top, cursor in self.views_ahead():
            first = top // self.ITEM_HEIGHT
            last = min(count - 1, (top + height - 1) // self.ITEM_HEIGHT)
            if self.fetch_ahead(first, last):
                return True
            painted = 0
            for index in range(first, last + 1):
                item = self.item_ready(index)
                if item is None:
                    continue  # not read (see fetch_ahead): painted when shown
                selected = index == cursor
                key = (self.paint_key(item, index), width, selected)
                if key in self._painted:
                    self._painted.move_to_end(key)  # kept as long as it is likely next
                else:
                    strips = self._paint(key, item, index, width, selected)
                    if finish is not None:
                        # What Textual makes of the lines, made now (kept on the strips).
                        for strip in strips:
                            strip = self._finished(strip, finish)
                            for piece in (strip.divide(cuts) if cuts else (strip,)):
                                piece.render(console)
                    painted += 1
                    if painted >= self.PAINT_AHEAD:
                        return True
            if painted:
                return True
        return False

    # -- painting ----------------------------------------------------------------
    def _check_painted(self) -> None:
        """Drop the painted items if the styles they were painted with changed."""
        if not self._styles:
            painted_with = (self.style(), self.style(None, True))
            if painted_with != self._painted_with:
                self._painted.clear()
                self._painted_with = painted_with

    def render_line(self, y: int) -> Strip:
        self._check_painted()
        width = self.scrollable_content_region.width or self.size.width
        line = int(self.scroll_offset.y) + y
        if self.item_count <= 0:
            if y == 0:
                return self.text_strip(" " + clean_line(self.empty_message(), None), width,
                                       self.style(f"{self.COMPONENT_PREFIX}--empty"), self.style())
            return self._blank(width)
        index, row = divmod(line, self.ITEM_HEIGHT)
        item = self.item_at(index)
        if item is None:
            return self._blank(width)
        selected = index == self.cursor
        key = (self.paint_key(item, index), width, selected)
        strips = self._painted.get(key)
        if strips is None:
            strips = self._paint(key, item, index, width, selected)
        else:
            self._painted.move_to_end(key)
        return strips[row]

    def _paint(self, key: Hashable, item: Any, index: int, width: int, selected: bool) -> list[Strip]:
        strips = self._painted[key] = self.paint_item(item, index, width, selected)
        if len(self._painted) > self.MAX_PAINTED:
            self._painted.popitem(last=False)
        return strips

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines Textual's styles cache would make of :meth:`render_line`'s
        (padded to the widget's width, the app's line filters applied, kept
        in that cache by line until Textual marks the line dirty), made from
        the painted strips themselves: a painted item gives the same Strip
        objects every time, and what Textual works out about a Strip
        (filtered, cut at the scrollbar, turned into escape codes) stays on
        it, so a screen of items painted before, or ahead, costs little.  A
        border, padding, outline, tint, hatch or opacity (none in broadsheet's
        styles) leaves it to the styles cache's own rendering."""
        finish = self._finisher()
        if finish is None:
            return super().render_lines(crop)
        width, pad, filters, background = finish
        cache = self._styles_cache  # its lines and dirty lines, used as its render() does
        if width != cache._width:
            cache.clear()
            cache._width = width
        lines, dirty = cache._cache, cache._dirty_lines
        render_line = self.render_line
        strips = []
        for y in crop.line_range:
            strip = lines.get(y)
            if strip is None or y in dirty:
                strip = lines[y] = render_line(y).adjust_cell_length(width, pad)
            for line_filter in filters:
                strip = strip.apply_filter(line_filter, background)
            strips.append(strip)
        dirty.difference_update(crop.line_range)
        x1, x2 = crop.column_span
        if (x1, x2) != (0, width):
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def _finisher(self) -> tuple[int, Style, list, Color] | None:
        """(width, padding style, line filters, background) for :meth:`_finished`,
        or None when the widget's styles need Textual's own treatment."""
        styles = self.styles
        if (self.BLANK or styles.gutter != (0, 0, 0, 0) or any(styles.outline.spacing)
                or styles.tint.a or styles.opacity != 1 or styles.text_opacity != 1
                or (styles.has_rule("hatch") and styles.hatch != "none") or self.opacity != 1
                or self._border_title is not None or self._border_subtitle is not None
                or (self.auto_links and self.hover_style._link_id)):
            return None
        base_background, background = self.background_colors
        pad = _pad_style(base_background + background)
        return self.region.width, pad, list(self.get_line_filters()), background

    @staticmethod
    def _finished(strip: Strip, finish: tuple[int, Style, list, Color]) -> Strip:
        """A painted line as the styles cache finishes it (each step is kept on the strip)."""
        width, pad, filters, background = finish
        strip = strip.adjust_cell_length(width, pad)
        for line_filter in filters:
            strip = strip.apply_filter(line_filter, background)
        return strip

    def _blank(self, width: int) -> Strip:
        """An empty line (one Strip for all of them: Textual keeps what it works
        out about a Strip, so the rows below the last item cost it little)."""
        style = self.style()
        key = (width, style)
        blank = self._blank_line
        if blank is None or blank[0] != key:
            blank = self._blank_line = (key, Strip.blank(width, style))
        return blank[1]

    @staticmethod
    def text_strip(text: str, width: int, style: Style, pad: Style) -> Strip:
        """One line of plain ``text`` in ``style``, cut or padded with ``pad`` to ``width``."""
        return Strip([Segment(text, style)]).crop_extend(0, width, pad)
