"""The tags of the library with their counts (stories · unread), beside the list.

enter filters the list by the tag, R renames it (into an existing tag, the
two merge) and D takes it off every story after a y/n question.

The sidebar is a :class:`~broadsheet.ui.widgets.paged_list.PagedList`: new
counts repaint the rows, and only the rows on screen are painted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from broadsheet.sanitize import clean_line
from broadsheet.ui.widgets.paged_list import PagedList, widget_css

if TYPE_CHECKING:
    from broadsheet.services import Services

ROW_WIDTH = 28


def tag_query(name: str) -> str:
    """The search that finds the stories tagged ``name``."""
    if any(ch.isspace() for ch in name) or '"' in name:
        return 'tag:"' + name.replace('"', "") + '"'
    return "tag:" + name


def _row(label: str, stories: int, unread: int | None, width: int = ROW_WIDTH) -> tuple[str, str]:
    """(name and the space after it, counts): ``width`` cells together."""
    counts = f"{stories} · {'…' if unread is None else unread}"
    room = max(4, width - len(counts) - 1)
    cells = cell_len(label)
    if cells > room:
        label = set_cell_size(label, room - 1) + "…"
        cells = room
    return label + " " * max(1, width - cells - len(counts)), counts


class TagSidebar(PagedList):
    """Tags with (stories · unread); the first row is every story."""

    DEFAULT_CSS = widget_css(__file__)

    COMPONENT_PREFIX = "tag-sidebar"
    COMPONENT_CLASSES = {"tag-sidebar--cursor", "tag-sidebar--counts", "tag-sidebar--empty"}

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", id="sidebar.down", show=False),
        Binding("k,up", "cursor_up", "Up", id="sidebar.up", show=False),
        Binding("home", "cursor_top", "First tag", id="sidebar.top", show=False),
        Binding("end", "cursor_bottom", "Last tag", id="sidebar.bottom", show=False),
        Binding("pagedown", "page_down", "Page down", id="sidebar.page_down", show=False),
        Binding("pageup", "page_up", "Page up", id="sidebar.page_up", show=False),
        Binding("enter", "select", "Filter by tag", id="sidebar.filter"),
        Binding("R", "rename", "Rename tag", id="sidebar.rename"),
        Binding("D", "delete", "Delete tag", id="sidebar.delete"),
    ]

    class Chosen(Message):
        """Filter the list by this tag (None: every story)."""

        def __init__(self, tag: str | None) -> None:
            super().__init__()
            self.tag = tag

    class Changed(Message):
        """Tag ``old`` was renamed to ``new`` (None: deleted); the list must be read again."""

        def __init__(self, old: str, new: str | None) -> None:
            super().__init__()
            self.old = old
            self.new = new

    def __init__(self, services: "Services", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.services = services
        self.tags: list[tuple[str, int, int]] = []
        self.border_title = "Tags"
        self.stale = True  # the counts shown (none yet) may be out of date
        self._total = 0
        self._unread: int | None = None
        self._shown: tuple | None = None
        self.virtual_size = Size(0, 1)

    # -- counts ------------------------------------------------------------
    def reload(self) -> None:
        """Count the tags again, keeping the cursor on the same tag if it is still there.

        Counting passes over every story, so a hidden sidebar only notes that
        its counts are out of date; the screen has them counted when it shows it.
        """
        if not self.has_class("visible"):
            self.stale = True
            return
        try:
            tags = list(self.services.tag_counts())
            total = self.services.count_stories("")
            unread = self.services.count_stories("is:unread")
        except Exception as error:
            tags, total, unread = [], 0, 0
            self.notify(clean_line(str(error), 300) or "Cannot count the tags.", severity="error", markup=False)
        self.show_counts(tags, total, unread)

    def show_counts(self, tags: list[tuple[str, int, int]] | None, total: int, unread: int | None) -> None:
        """Show counts made elsewhere: (name, stories, unread) per tag, or None while
        they are being counted (the tags shown stay, the first row shows ``total``)."""
        if tags is None:
            tags = self.tags
        else:
            self.stale = False
        shown = (tuple(tags), total, unread)
        if shown == self._shown:
            return
        self._shown = shown
        current = self.current_tag
        cursor = self.cursor
        self.tags = list(tags)
        self._total, self._unread = total, unread
        names = [name for name, _, _ in self.tags]
        if current is not None and current in names:
            cursor = names.index(current) + 1
        self.virtual_size = Size(0, self.item_count)
        self.forget_items()
        self.cursor = min(cursor, self.item_count - 1)
        self.refresh()

    # -- rows --------------------------------------------------------------
    @property
    def item_count(self) -> int:
        return len(self.tags) + 1

    def item_at(self, index: int) -> tuple[str, int, int | None] | None:
        if index == 0:
            return ("All stories", self._total, self._unread)
        if 0 < index <= len(self.tags):
            name, stories, unread = self.tags[index - 1]
            return ("#" + clean_line(name, 64), stories, unread)
        return None

    @property
    def highlighted(self) -> int:
        """The row of the cursor (0: every story)."""
        return self.cursor

    @highlighted.setter
    def highlighted(self, index: int) -> None:
        self.cursor = index

    @property
    def current_tag(self) -> str | None:
        index = self.cursor
        if index == 0 or index > len(self.tags):
            return None
        return self.tags[index - 1][0]

    def paint_key(self, item: tuple[str, int, int | None], index: int) -> tuple:
        return (index, *item)

    def paint_item(self, item: tuple[str, int, int | None], index: int, width: int,
                   selected: bool) -> list[Strip]:
        name, counts = _row(*item)
        base = self.style(None, selected)
        segments = [Segment(name, base), Segment(counts, self.style("tag-sidebar--counts", selected))]
        cells = cell_len(name) + len(counts)
        if cells < width:
            segments.append(Segment(" " * (width - cells), base))
        elif cells > width:
            return [Strip(segments).crop_extend(0, width, base)]
        return [Strip(segments, width)]

    def row_plain(self, index: int) -> str:
        """The text of row ``index`` (for tests)."""
        item = self.item_at(index)
        return "".join(_row(*item)) if item is not None else ""

    # -- choosing ----------------------------------------------------------
    def action_select(self) -> None:
        self.post_message(self.Chosen(self.current_tag))

    def on_click(self, event: events.Click) -> None:
        # One click chooses a row (not two, as in the lists).
        event.prevent_default()
        index = int(self.scroll_offset.y) + event.y
        if 0 <= index < self.item_count:
            self.cursor = index
            if event.chain == 1:
                self.action_select()

    def _need_tag(self) -> str | None:
        tag = self.current_tag
        if tag is None:
            self.notify("Choose a tag first.", markup=False)
        return tag

    def action_rename(self) -> None:
        from broadsheet.ui.screens.tag_dialogs import RenameTag

        old = self._need_tag()
        if old is None:
            return

        def renamed(new: str | None) -> None:
            if not new or new == old:
                return
            merging = any(name.casefold() == new.casefold() and name.casefold() != old.casefold()
                          for name, _, _ in self.tags)
            try:
                count = self.services.rename_tag(old, new)
            except Exception as error:
                self.notify(clean_line(str(error), 300) or "Could not rename the tag.",
                            severity="error", markup=False)
                return
            stories = f"{count} {'story' if count == 1 else 'stories'}"
            if merging:
                self.notify(f"Merged #{clean_line(old, 64)} into #{clean_line(new, 64)} ({stories}).", markup=False)
            else:
                self.notify(f"Renamed #{clean_line(old, 64)} to #{clean_line(new, 64)} ({stories}).", markup=False)
            self.reload()
            names = [name.casefold() for name, _, _ in self.tags]
            if new.casefold() in names:
                self.highlighted = names.index(new.casefold()) + 1
            self.post_message(self.Changed(old, new))

        self.app.push_screen(RenameTag(old), renamed)

    def action_delete(self) -> None:
        from broadsheet.ui.screens.tag_dialogs import Confirm

        tag = self._need_tag()
        if tag is None:
            return
        stories = next((count for name, count, _ in self.tags if name == tag), 0)
        question = Text("Delete the tag ")
        question.append("#" + clean_line(tag, 64), style="bold")
        question.append(f" from {stories} {'story' if stories == 1 else 'stories'}? The stories stay.")

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                count = self.services.delete_tag(tag)
            except Exception as error:
                self.notify(clean_line(str(error), 300) or "Could not delete the tag.",
                            severity="error", markup=False)
                return
            self.notify(f"Deleted #{clean_line(tag, 64)} from {count} {'story' if count == 1 else 'stories'}.",
                        markup=False)
            self.reload()
            self.post_message(self.Changed(tag, None))

        self.app.push_screen(Confirm(question), answered)
