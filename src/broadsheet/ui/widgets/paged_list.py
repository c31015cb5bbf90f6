"""The mechanics the story list and the highlights list share.

A :class:`PagedList` is a Line-API widget showing items of ``ITEM_HEIGHT``
lines each, of which only the lines on screen are painted.  It owns the cursor
(keys, mouse, keeping it in view), the painting loop and a cache of painted
items; a subclass says how many items there are, where to get one, and how to
paint one as :class:`~textual.strip.Strip` objects.

Moving the cursor repaints the two items it leaves and reaches, not the whole
widget; scrolling paints only the items that come into view.  Styles are
looked up once per theme/focus change and kept, so painting an item costs a
few string operations, not a round through rich's Text.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Hashable
from pathlib import Path
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from broadsheet.sanitize import clean_line


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

    cursor: reactive[int] = reactive(0, always_update=True, init=False, repaint=False)

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._painted: OrderedDict[Hashable, list[Strip]] = OrderedDict()
        self._styles: dict[tuple[str, bool], Style] = {}
        self._painted_with: tuple[Style, Style] | None = None  # (row, cursor) styles of _painted
        self._last_size_update: tuple | None = None  # see _size_updated
        self._blank_line: tuple | None = None  # see _blank

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

    def refresh_item(self, index: int) -> None:
        height = self.ITEM_HEIGHT
        self.refresh_lines(index * height, height)

    def scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height or self.size.height
        if height <= 0:
            return
        top = int(self.scroll_offset.y)
        first = self.cursor * self.ITEM_HEIGHT
        last = first + self.CURSOR_LINES - 1
        if first < top:
            self.scroll_to(y=first, animate=False, immediate=True)
        elif last >= top + height:
            self.scroll_to(y=first + self.ITEM_HEIGHT - height, animate=False, immediate=True)

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
            strips = self._painted[key] = self.paint_item(item, index, width, selected)
            if len(self._painted) > self.MAX_PAINTED:
                self._painted.popitem(last=False)
        else:
            self._painted.move_to_end(key)
        return strips[row]

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
