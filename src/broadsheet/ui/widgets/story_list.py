"""The story list: a Line-API widget that pages rows in from the library.

Only the rows on screen are built.  Rows come from
``services.stories_page(query, offset, limit)`` in pages of ``page_size``; a few
pages are cached and the rest are fetched on demand, so a library of 100 000
stories opens as fast as one of ten.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable

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
from broadsheet.model import Story, utcnow
from broadsheet.sanitize import clean_line

if TYPE_CHECKING:
    from broadsheet.services import Services

UNREAD_MARK = "●"
STAR_MARK = "★"
SOURCE_WIDTH = 16
AGE_WIDTH = 4
LONG_AGE_WIDTH = 14
WIDE_ROW = 90
MAX_CACHED_PAGES = 16


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells with an ellipsis, padded to exactly ``width``."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        cut = Text(text)
        cut.truncate(width, overflow="ellipsis")
        text = cut.plain
    return text + " " * max(0, width - cell_len(text))


class StoryList(ScrollView, can_focus=True):
    """A virtual list of stories matching a query."""

    DEFAULT_CSS = (Path(__file__).with_suffix(".tcss")).read_text(encoding="utf-8")

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", id="list.down"),
        Binding("k,up", "cursor_up", "Up", id="list.up"),
        Binding("g,home", "cursor_top", "Top", id="list.top", show=False),
        Binding("G,end", "cursor_bottom", "Bottom", id="list.bottom", show=False),
        Binding("pagedown", "page_down", "Page down", id="list.page_down", show=False),
        Binding("pageup", "page_up", "Page up", id="list.page_up", show=False),
        Binding("enter", "select", "Read", id="list.read"),
    ]

    COMPONENT_CLASSES = {
        "story-list--cursor",
        "story-list--unread-mark",
        "story-list--star",
        "story-list--source",
        "story-list--age",
        "story-list--title-unread",
        "story-list--title-read",
        "story-list--tag",
        "story-list--empty",
    }

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class Selected(Message):
        """The user asked to read a story (enter, double click)."""

        def __init__(self, story: Story, index: int) -> None:
            super().__init__()
            self.story = story
            self.index = index

    class Highlighted(Message):
        """The cursor moved to another story."""

        def __init__(self, story: Story | None, index: int) -> None:
            super().__init__()
            self.story = story
            self.index = index

    def __init__(
        self,
        services: "Services",
        query: str = "",
        *,
        page_size: int = 200,
        clock: Callable[[], datetime] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.services = services
        self.query_text = query
        self.page_size = page_size
        self._clock = clock
        self._pages: OrderedDict[int, list[Story]] = OrderedDict()
        self._count = 0
        self.fetch_count = 0  # pages fetched from the library so far
        self._rows: OrderedDict[tuple, Strip] = OrderedDict()  # painted rows
        self._base: Style | None = None
        self.error: str | None = None

    # -- data --------------------------------------------------------------
    @property
    def count(self) -> int:
        return self._count

    def now(self) -> datetime:
        if self._clock is not None:
            return self._clock()
        clock = getattr(self.app, "clock", None)
        return clock() if callable(clock) else utcnow()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.reload(keep_cursor=False)

    def _theme_changed(self, _theme) -> None:
        self._rich_style_cache.clear()
        self._forget_paint()

    def _forget_paint(self) -> None:
        self._rows.clear()
        self._base = None
        self.refresh()

    def on_focus(self) -> None:
        self._forget_paint()

    def on_blur(self) -> None:
        self._forget_paint()

    def on_resize(self) -> None:
        self._forget_paint()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._rows.clear()
        self._base = None

    def set_query(self, query: str) -> None:
        self.query_text = query
        self.reload(keep_cursor=False)

    def reload(self, keep_cursor: bool = True) -> None:
        """Forget cached pages and count the stories again (after a change)."""
        current = self.current_story if keep_cursor else None
        self._pages.clear()
        self._rows.clear()
        try:
            self._count = self.services.count_stories(self.query_text)
            self.error = None
        except Exception as error:  # a bad query or a library problem: show, never crash
            self._count = 0
            self.error = " ".join(str(error).split()) or type(error).__name__
        self.virtual_size = Size(0, self._count)
        index = 0
        if keep_cursor:
            index = min(self.cursor, max(0, self._count - 1))
            if current is not None and self.story_at(index) is not None:
                if self.story_at(index).id != current.id:
                    # The story moved (a refresh added stories): look nearby.
                    for probe in range(max(0, index - 50), min(self._count, index + 50)):
                        story = self.story_at(probe)
                        if story is not None and story.id == current.id:
                            index = probe
                            break
        self.cursor = index
        self.refresh()

    def _page(self, page: int) -> list[Story]:
        if page in self._pages:
            self._pages.move_to_end(page)
            return self._pages[page]
        try:
            rows = self.services.stories_page(self.query_text, page * self.page_size, self.page_size)
        except Exception as error:
            self.error = " ".join(str(error).split()) or type(error).__name__
            rows = []
        self.fetch_count += 1
        self._pages[page] = rows
        while len(self._pages) > MAX_CACHED_PAGES:
            self._pages.popitem(last=False)
        return rows

    def story_at(self, index: int) -> Story | None:
        if index < 0 or index >= self._count:
            return None
        rows = self._page(index // self.page_size)
        offset = index % self.page_size
        return rows[offset] if offset < len(rows) else None

    @property
    def current_story(self) -> Story | None:
        return self.story_at(self.cursor)

    def update_story(self, story: Story) -> None:
        """Replace a cached story (after tagging or marking read) and repaint it."""
        for page, rows in self._pages.items():
            for offset, row in enumerate(rows):
                if row.id == story.id:
                    rows[offset] = story
                    self.refresh_line(page * self.page_size + offset)
        self._rows.clear()

    # -- cursor ------------------------------------------------------------
    def validate_cursor(self, value: int) -> int:
        if self._count <= 0:
            return 0
        return max(0, min(value, self._count - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        top = self.scroll_offset.y
        self._scroll_cursor_into_view()
        if self.scroll_offset.y == top:
            self.refresh_line(old)
            self.refresh_line(new)
        else:
            self.refresh()
        self.post_message(self.Highlighted(self.story_at(new), new))

    def _scroll_cursor_into_view(self) -> None:
        height = self.scrollable_content_region.height or self.size.height
        top = int(self.scroll_offset.y)
        if height <= 0:
            return
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def _page_height(self) -> int:
        return max(1, (self.scrollable_content_region.height or self.size.height) - 1)

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_top(self) -> None:
        self.cursor = 0

    def action_cursor_bottom(self) -> None:
        self.cursor = self._count - 1

    def action_page_down(self) -> None:
        self.cursor += self._page_height()

    def action_page_up(self) -> None:
        self.cursor -= self._page_height()

    def action_select(self) -> None:
        story = self.current_story
        if story is not None:
            self.post_message(self.Selected(story, self.cursor))

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y
        if 0 <= index < self._count:
            self.cursor = index
            if event.chain >= 2:
                self.action_select()

    # -- painting ----------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        if self._base is None:
            self._base = self.rich_style
        base = self._base
        index = int(self.scroll_offset.y) + y
        if self._count == 0:
            if y == 0:
                if self.error:
                    message = f"Cannot list stories: {self.error}"
                elif self.query_text:
                    message = f"No stories match {self.query_text}"
                else:
                    message = "No stories yet. Press a to add a feed or an article."
                style = base + self.get_component_rich_style("story-list--empty")
                text = Text(" " + clean_line(message, None), style=style, no_wrap=True, end="")
                segments = Segment.apply_style(text.render(self.app.console), style=style)
                return Strip(list(segments)).crop_extend(0, width, base)
            return Strip.blank(width, base)
        story = self.story_at(index)
        if story is None:
            return Strip.blank(width, base)
        selected = index == self.cursor
        key = (story.id, width, selected, story.read, story.starred, story.tags)
        strip = self._rows.get(key)
        if strip is None:
            strip = self._rows[key] = self.render_row(story, width, selected)
            while len(self._rows) > 400:
                self._rows.popitem(last=False)
        return strip

    def render_row(self, story: Story, width: int, selected: bool) -> Strip:
        if self._base is None:
            self._base = self.rich_style
        base = self._base
        if selected:
            base = base + self.get_component_rich_style("story-list--cursor")
        text = self.row_text(story, width, base)
        segments = list(Segment.apply_style(text.render(self.app.console), style=base))
        return Strip(segments).crop_extend(0, width, base)

    def row_text(self, story: Story, width: int, base: Style | None = None) -> Text:
        """One row as rich Text (plain text only; nothing is parsed as markup)."""
        base = base if base is not None else self.rich_style
        style = self.get_component_rich_style
        text = Text(no_wrap=True, end="", style=base)
        mark = " " if story.read else UNREAD_MARK
        if story.starred:
            text.append(f" {mark}", style=style("story-list--unread-mark", partial=True))
            text.append(STAR_MARK, style=style("story-list--star", partial=True))
        elif not story.read:
            text.append(f" {mark} ", style=style("story-list--unread-mark", partial=True))
        else:
            text.append("   ")
        source = clean_line(story.source_title or "", None)
        source_width = SOURCE_WIDTH if width >= 80 else max(6, SOURCE_WIDTH * width // 100)
        text.append(_fit(source, source_width), style=style("story-list--source", partial=True))
        text.append(" ")
        when = story.when
        # "39 minutes ago" where there is room, "39m" on narrow terminals.
        if width >= WIDE_ROW:
            age_width = LONG_AGE_WIDTH
            age = humanize.ago(when, now=self.now()) if when is not None else ""
        else:
            age_width = AGE_WIDTH
            age = humanize.short_ago(when, now=self.now()) if when is not None else ""
        text.append(age.rjust(age_width)[:age_width] if age else " " * age_width,
                    style=style("story-list--age", partial=True))
        text.append("  ")
        tags = " ".join("#" + clean_line(tag, 64) for tag in story.tags)
        used = 3 + source_width + 1 + age_width + 2
        room = max(0, width - used - 1)
        title = clean_line(story.title or "(untitled)", None)
        tag_room = 0
        if tags:
            # Tags get what the title leaves, and at least a third of the row.
            tag_room = min(cell_len(tags), max(0, room - cell_len(title) - 2, room // 3))
            room -= tag_room + 2
        title_style = "story-list--title-read" if story.read else "story-list--title-unread"
        shown = title
        if cell_len(title) > room:
            shown = _fit(title, room)
        text.append(shown, style=style(title_style, partial=True))
        if tags and tag_room > 0:
            text.append("  ")
            text.append(_fit(tags, tag_room).rstrip(), style=style("story-list--tag", partial=True))
        return text

    def row_plain(self, index: int, width: int | None = None) -> str:
        """The text of row ``index`` as it is painted (for tests and debugging)."""
        story = self.story_at(index)
        if story is None:
            return ""
        width = width or self.scrollable_content_region.width or self.size.width or 100
        return self.row_text(story, width).plain
