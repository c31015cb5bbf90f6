"""The story list: a Line-API widget that pages rows in from the library.

Only the rows on screen are painted.  Rows come from
``services.stories_page(query, offset, limit)`` in pages of ``page_size``; a few
pages are cached and the rest are fetched on demand, so a library of 100 000
stories opens as fast as one of ten.  A row is a handful of segments in styles
looked up once (see :class:`~broadsheet.ui.widgets.paged_list.PagedList`), and
painted rows are kept, so moving the cursor repaints two rows from cache.

While the list is left alone after a move it reads ahead (see
:class:`~broadsheet.ui.widgets.paged_list.PagedList`): the pages and painted
rows of the screens after a page down and a page up, of the last screen and of
the first, one page or a few rows per step, so that those keys find their rows
ready.  Reading ahead is bounded by the cache (MAX_CACHED_PAGES pages; the
screens read ahead need at most two pages each) and stops for good, until the
next reload, once the library no longer holds the stories the list counted
(a refresh running elsewhere adds stories): a page read then would not fit the
pages read before, and the reload after the change reads everything again.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from time import monotonic
from typing import TYPE_CHECKING, Callable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from broadsheet import humanize
from broadsheet.model import Story, utcnow
from broadsheet.sanitize import clean_line
from broadsheet.ui.widgets.paged_list import PagedList, widget_css

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
    cells = cell_len(text)
    if cells > width:
        return set_cell_size(text, width - 1) + "…"
    return text + " " * (width - cells)


class StoryList(PagedList):
    """A virtual list of stories matching a query."""

    DEFAULT_CSS = widget_css(__file__)

    COMPONENT_PREFIX = "story-list"
    READ_AHEAD = True
    SLOW_PAGE = 0.015
    """Seconds a page may take to read for reading ahead to go on (a key
    pressed meanwhile waits for the step under way)."""

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
        self._short_page: int | None = None  # a page holding only its first rows (see _page)
        self._count = 0
        self.fetch_count = 0  # pages fetched from the library so far (read ahead or not)
        self.ahead_count = 0  # of which read ahead
        self._ahead_stopped = False  # the library changed since the count: no reading ahead until a reload
        self.error: str | None = None

    # -- data --------------------------------------------------------------
    @property
    def count(self) -> int:
        return self._count

    @property
    def item_count(self) -> int:
        return self._count

    def now(self) -> datetime:
        if self._clock is not None:
            return self._clock()
        clock = getattr(self.app, "clock", None)
        return clock() if callable(clock) else utcnow()

    def on_mount(self) -> None:
        self.reload(keep_cursor=False)

    def set_query(self, query: str) -> None:
        self.query_text = query
        self.reload(keep_cursor=False)

    def reload(self, keep_cursor: bool = True) -> None:
        """Forget cached pages and count the stories again (after a change)."""
        current = self.current_story if keep_cursor else None
        self._pages.clear()
        self._short_page = None
        self._ahead_stopped = False
        self.forget_items()
        try:
            self._count = self.services.count_stories(self.query_text)
            self.error = None
        except Exception as error:  # a bad query or a library problem: show, never crash
            self._count = 0
            self.error = " ".join(str(error).split()) or type(error).__name__
        self.virtual_size = Size(0, self._count)
        self.expect_scrollbar()
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

    def _read(self, page: int, need: int) -> list[Story] | None:
        """Page ``page`` as read already, if it holds its first ``need`` + 1
        rows (a page read short, before the first frame, may not)."""
        rows = self._pages.get(page)
        if rows is not None and (page != self._short_page or need < len(rows)):
            return rows
        return None

    def _page(self, page: int, need: int = 0) -> list[Story]:
        """Page ``page`` of the list, holding at least its first ``need`` + 1 rows."""
        rows = self._read(page, need)
        if rows is not None:
            self._pages.move_to_end(page)
            return rows
        limit = self.page_size
        if not self._pages and not self.size:
            # The first page before the first frame: only what a screen shows
            # (a whole page is read when the cursor goes further).
            limit = min(limit, max(need + 1, self.app.size.height))
        try:
            rows = self.services.stories_page(self.query_text, page * self.page_size, limit)
        except Exception as error:
            self.error = " ".join(str(error).split()) or type(error).__name__
            rows = []
        self.fetch_count += 1
        if page == self._short_page:
            self._short_page = None
        if limit < self.page_size and len(rows) == limit:
            self._short_page = page
        self._pages[page] = rows
        while len(self._pages) > MAX_CACHED_PAGES:
            self._pages.popitem(last=False)
        return rows

    def story_at(self, index: int) -> Story | None:
        if index < 0 or index >= self._count:
            return None
        page, offset = divmod(index, self.page_size)
        rows = self._page(page, offset)
        return rows[offset] if offset < len(rows) else None

    item_at = story_at

    def item_ready(self, index: int) -> Story | None:
        """Story ``index`` if its page is read (nothing is fetched)."""
        if index < 0 or index >= self._count:
            return None
        page, offset = divmod(index, self.page_size)
        rows = self._pages.get(page)
        return rows[offset] if rows is not None and offset < len(rows) else None

    def fetch_ahead(self, first: int, last: int) -> bool:
        """Read the first page rows ``first`` to ``last`` lack, if any (one query),
        and keep it only if it was read and the library still counts the
        stories the list did."""
        if self._ahead_stopped or first > last:
            return False
        size = self.page_size
        for page in range(first // size, last // size + 1):
            need = min(last, page * size + size - 1) - page * size
            if self._read(page, need) is not None:
                continue
            error = self.error
            began = monotonic()
            rows = self._page(page, need)
            self.ahead_count += 1
            if monotonic() - began > self.SLOW_PAGE:
                # A costly search: a key pressed during a step would wait that
                # long.  This page is kept; the keys read the others themselves.
                self._ahead_stopped = True
            try:
                same = self.services.count_stories(self.query_text) == self._count
            except Exception:  # noqa: BLE001 - cannot tell: keep nothing
                same = False
            if not same or not rows:
                # Changed meanwhile (or failed): forget the page (a key that
                # goes there reads it for itself, as without reading ahead)
                # and read nothing more ahead until the list reloads.
                self._pages.pop(page, None)
                if self._short_page == page:
                    self._short_page = None
                self.error = error
                self._ahead_stopped = True
            return True
        return False

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
        self.forget_items()

    # -- cursor ------------------------------------------------------------
    def watch_cursor(self, old: int, new: int) -> None:
        super().watch_cursor(old, new)
        self.post_message(self.Highlighted(self.story_at(new), new))

    def action_select(self) -> None:
        story = self.current_story
        if story is not None:
            self.post_message(self.Selected(story, self.cursor))

    # -- painting ----------------------------------------------------------
    def empty_message(self) -> str:
        if self.error:
            return f"Cannot list stories: {self.error}"
        if self.query_text:
            return f"No stories match {self.query_text}"
        return "No stories yet. Press a to add a feed or an article."

    def paint_key(self, story: Story, index: int) -> tuple:
        return (story.id, story.read, story.starred, story.tags)

    def paint_item(self, story: Story, index: int, width: int, selected: bool) -> list[Strip]:
        style = self.style
        segments = []
        cells = 0
        for text, component in self.row_parts(story, width):
            segments.append(Segment(text, style(component, selected)))
            cells += cell_len(text)
        base = style(None, selected)
        if cells < width:
            segments.append(Segment(" " * (width - cells), base))
        elif cells > width:
            return [Strip(segments).crop_extend(0, width, base)]
        return [Strip(segments, width)]

    def row_parts(self, story: Story, width: int) -> list[tuple[str, str | None]]:
        """One row as (text, component class) pieces; plain text only, never markup."""
        parts: list[tuple[str, str | None]] = []
        if story.starred:
            parts.append((" " + (" " if story.read else UNREAD_MARK), "story-list--unread-mark"))
            parts.append((STAR_MARK, "story-list--star"))
        elif not story.read:
            parts.append((f" {UNREAD_MARK} ", "story-list--unread-mark"))
        else:
            parts.append(("   ", None))
        source = clean_line(story.source_title or "", None)
        source_width = SOURCE_WIDTH if width >= 80 else max(6, SOURCE_WIDTH * width // 100)
        parts.append((_fit(source, source_width), "story-list--source"))
        parts.append((" ", None))
        when = story.when
        # "39 minutes ago" where there is room, "39m" on narrow terminals.
        if width >= WIDE_ROW:
            age_width = LONG_AGE_WIDTH
            age = humanize.ago(when, now=self.now()) if when is not None else ""
        else:
            age_width = AGE_WIDTH
            age = humanize.short_ago(when, now=self.now()) if when is not None else ""
        parts.append((age.rjust(age_width)[:age_width] if age else " " * age_width, "story-list--age"))
        parts.append(("  ", None))
        tags = " ".join("#" + clean_line(tag, 64) for tag in story.tags)
        used = 3 + source_width + 1 + age_width + 2
        room = max(0, width - used - 1)
        title = clean_line(story.title or "(untitled)", None)
        title_cells = cell_len(title)
        tag_room = 0
        if tags:
            # Tags get what the title leaves, and at least a third of the row.
            tag_room = min(cell_len(tags), max(0, room - title_cells - 2, room // 3))
            room -= tag_room + 2
        title_style = "story-list--title-read" if story.read else "story-list--title-unread"
        parts.append((_fit(title, room) if title_cells > room else title, title_style))
        if tags and tag_room > 0:
            parts.append(("  ", None))
            parts.append((_fit(tags, tag_room).rstrip(), "story-list--tag"))
        return parts

    def row_plain(self, index: int, width: int | None = None) -> str:
        """The text of row ``index`` as it is painted (for tests and debugging)."""
        story = self.story_at(index)
        if story is None:
            return ""
        width = width or self.scrollable_content_region.width or self.size.width or 100
        return "".join(text for text, _ in self.row_parts(story, width))
