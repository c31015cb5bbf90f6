"""Every highlight and note in the library, newest first.

The list is a :class:`~broadsheet.ui.widgets.paged_list.PagedList`: each
highlight takes ``ENTRY_HEIGHT`` lines (the quote, the note, where it is from)
and only the lines on screen are painted.  Highlights are read from
``services.annotations_page`` a page at a time as the cursor goes down.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Footer, Input, Static

from broadsheet import humanize
from broadsheet.model import Annotation, Story, utcnow
from broadsheet.sanitize import clean_line, error_line
from broadsheet.services import HIGHLIGHT_COLORS
from broadsheet.ui.widgets.paged_list import PagedList

if TYPE_CHECKING:
    from broadsheet.services import Services

ENTRY_HEIGHT = 4  # quote, note, story, a blank line
PAGE_SIZE = 200
NOTE_MARK = "✎"


class AnnotationList(PagedList):
    """A virtual list of (highlight, story) pairs matching a query."""

    ITEM_HEIGHT = ENTRY_HEIGHT
    CURSOR_LINES = ENTRY_HEIGHT - 1  # the blank line after an entry is not part of the cursor
    COMPONENT_PREFIX = "annotation-list"

    DEFAULT_CSS = """
    AnnotationList {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        background: $background;
        color: $foreground;
        scrollbar-size-vertical: 1;
    }
    AnnotationList > .annotation-list--cursor { background: $boost; }
    AnnotationList:focus > .annotation-list--cursor { background: $primary 30%; }
    AnnotationList > .annotation-list--quote { text-style: italic; }
    AnnotationList > .annotation-list--note { color: $bs-note-marker; }
    AnnotationList > .annotation-list--no-note { color: $bs-muted; }
    AnnotationList > .annotation-list--meta { color: $bs-muted; }
    AnnotationList > .annotation-list--title { text-style: bold; }
    AnnotationList > .annotation-list--tag { color: $bs-tag; }
    AnnotationList > .annotation-list--empty { color: $bs-muted; text-style: italic; }
    AnnotationList > .annotation-list--yellow { background: $bs-highlight-yellow; }
    AnnotationList > .annotation-list--green { background: $bs-highlight-green; }
    AnnotationList > .annotation-list--blue { background: $bs-highlight-blue; }
    AnnotationList > .annotation-list--pink { background: $bs-highlight-pink; }
    """

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", id="annotations.down"),
        Binding("k,up", "cursor_up", "Up", id="annotations.up"),
        Binding("g,home", "cursor_top", "Top", id="annotations.top", show=False),
        Binding("G,end", "cursor_bottom", "Bottom", id="annotations.bottom", show=False),
        Binding("pagedown,space", "page_down", "Page down", id="annotations.page_down", show=False),
        Binding("pageup,b", "page_up", "Page up", id="annotations.page_up", show=False),
        Binding("enter", "select", "Open", id="annotations.open"),
    ]

    COMPONENT_CLASSES = {
        "annotation-list--cursor",
        "annotation-list--quote",
        "annotation-list--note",
        "annotation-list--no-note",
        "annotation-list--meta",
        "annotation-list--title",
        "annotation-list--tag",
        "annotation-list--empty",
        "annotation-list--yellow",
        "annotation-list--green",
        "annotation-list--blue",
        "annotation-list--pink",
    }

    class Selected(Message):
        """The user asked to open the story of a highlight."""

        def __init__(self, annotation: Annotation, story: Story) -> None:
            super().__init__()
            self.annotation = annotation
            self.story = story

    def __init__(self, services: "Services", query: str = "", *, page_size: int = PAGE_SIZE,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.services = services
        self.query_text = query
        self.page_size = page_size
        self.items: list[tuple[Annotation, Story]] = []
        self.exhausted = False
        self.error: str | None = None

    # -- data --------------------------------------------------------------
    @property
    def item_count(self) -> int:
        return len(self.items)

    def item_at(self, index: int) -> tuple[Annotation, Story] | None:
        return self.items[index] if 0 <= index < len(self.items) else None

    def now(self) -> datetime:
        clock = getattr(self.app, "clock", None)
        return clock() if callable(clock) else utcnow()

    def on_mount(self) -> None:
        self.reload()

    def set_query(self, query: str) -> None:
        self.query_text = query
        self.reload(keep_cursor=False)

    def reload(self, keep_cursor: bool = False) -> None:
        wanted = max(self.page_size, len(self.items)) if keep_cursor else self.page_size
        cursor = self.cursor if keep_cursor else 0
        self.items = []
        self.exhausted = False
        self.error = None
        self.forget_items()
        self._load(wanted)
        self.cursor = cursor
        self.refresh()

    def _load(self, count: int) -> None:
        """Read ``count`` more highlights (or all that are left)."""
        if self.exhausted:
            return
        try:
            rows = self.services.annotations_page(self.query_text, len(self.items), count)
        except Exception as error:  # a bad query or a library problem: show, never crash
            self.error = error_line(error)
            rows = []
        self.items.extend(rows)
        if len(rows) < count:
            self.exhausted = True
        self.virtual_size = Size(0, len(self.items) * ENTRY_HEIGHT)

    def load_more(self, index: int) -> None:
        if index >= len(self.items) - 1 and not self.exhausted:
            self._load(self.page_size)

    @property
    def current(self) -> tuple[Annotation, Story] | None:
        return self.item_at(self.cursor)

    # -- cursor ------------------------------------------------------------
    def action_cursor_bottom(self) -> None:
        while not self.exhausted:
            self._load(self.page_size)
        self.cursor = len(self.items) - 1

    def action_select(self) -> None:
        current = self.current
        if current is not None:
            self.post_message(self.Selected(*current))

    # -- painting ----------------------------------------------------------
    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def empty_message(self) -> str:
        if self.error:
            return f"Cannot list highlights: {self.error}"
        if self.query_text:
            return f"No highlights match {self.query_text}"
        return "No highlights yet. In the reader, h highlights a paragraph and a adds a note."

    def entry_lines(self, annotation: Annotation, story: Story, width: int) -> list[Text]:
        """The lines of one entry as rich Text (plain text only, never markup)."""
        colour = annotation.color if annotation.color in HIGHLIGHT_COLORS else "yellow"
        quote = Text(no_wrap=True, overflow="ellipsis", end="")
        quote.append(" ")
        quote.append("▌", style=self._style(f"annotation-list--{colour}"))
        quote.append(" “" + clean_line(annotation.quote.exact, 400) + "”",
                     style=self._style("annotation-list--quote"))
        if annotation.orphaned:
            quote.append("  (not placed)", style=self._style("annotation-list--meta"))
        note = Text(no_wrap=True, overflow="ellipsis", end="")
        if annotation.note:
            note.append(f"   {NOTE_MARK} " + clean_line(annotation.note, 400),
                        style=self._style("annotation-list--note"))
        else:
            note.append("   (no note)", style=self._style("annotation-list--no-note"))
        meta = Text(no_wrap=True, overflow="ellipsis", end="")
        meta.append("   ")
        meta.append(clean_line(story.title or "(untitled)", 200), style=self._style("annotation-list--title"))
        source = clean_line(story.source_title or "", 80)
        if source:
            meta.append(" · " + source, style=self._style("annotation-list--meta"))
        if story.tags:
            meta.append("  ")
            meta.append(" ".join("#" + clean_line(tag, 64) for tag in story.tags),
                        style=self._style("annotation-list--tag"))
        when = annotation.created
        if when is not None:
            meta.append(" · " + humanize.ago(when, now=self.now()), style=self._style("annotation-list--meta"))
        for line in (quote, note, meta):
            line.truncate(width, overflow="ellipsis")
        return [quote, note, meta, Text("")]

    def paint_key(self, item: tuple[Annotation, Story], index: int) -> tuple:
        return (index, item[0].id)

    def paint_item(self, item: tuple[Annotation, Story], index: int, width: int,
                   selected: bool) -> list[Strip]:
        console = self.app.console
        strips = []
        for row, text in enumerate(self.entry_lines(*item, width)):
            style = self.style(None, selected and row < self.CURSOR_LINES)
            segments = Segment.apply_style(text.render(console), style=style)
            strips.append(Strip(list(segments)).crop_extend(0, width, style))
        return strips

    def entry_plain(self, index: int, width: int = 200) -> list[str]:
        """The lines of entry ``index`` as they are painted (for tests)."""
        annotation, story = self.items[index]
        return [line.plain for line in self.entry_lines(annotation, story, width)[:3]]


class AnnotationsScreen(Screen):
    CSS_PATH = "annotations_screen.tcss"

    BINDINGS = [
        Binding("slash", "search", "Filter", id="annotations.search"),
        Binding("q,escape", "back", "Back", id="annotations.back"),
    ]

    def __init__(self, services: "Services", query: str = "") -> None:
        super().__init__()
        self.services = services
        self.initial_query = query

    def compose(self) -> ComposeResult:
        yield Static(id="annotations-header")
        yield AnnotationList(self.services, self.initial_query, id="annotations")
        yield Input(placeholder="Filter: words in the quote or note, tag:NAME, source:NAME — enter applies, "
                                "escape clears", id="annotations-search")
        yield Footer()

    @property
    def annotation_list(self) -> AnnotationList:
        return self.query_one("#annotations", AnnotationList)

    def on_mount(self) -> None:
        self.annotation_list.focus()
        self.update_header()

    def on_screen_resume(self) -> None:
        self.annotation_list.reload(keep_cursor=True)
        self.update_header()

    def update_header(self) -> None:
        listing = self.annotation_list
        header = Text(no_wrap=True, overflow="ellipsis")
        header.append("Highlights and notes", style="bold")
        shown = len(listing.items)
        header.append(f"  {shown}{'' if listing.exhausted else '+'} shown, newest first", style="dim")
        if listing.query_text:
            header.append("  filter: ", style="dim")
            header.append(clean_line(listing.query_text, 200), style="bold")
        self.query_one("#annotations-header", Static).update(header)

    def on_annotation_list_selected(self, message: AnnotationList.Selected) -> None:
        message.stop()
        from broadsheet.ui.screens.reader_screen import ReaderScreen

        self.app.push_screen(ReaderScreen(self.services, message.story, focus_annotation=message.annotation.id))

    def action_search(self) -> None:
        search = self.query_one("#annotations-search", Input)
        search.value = self.annotation_list.query_text
        search.add_class("visible")
        search.focus()

    def action_back(self) -> None:
        search = self.query_one("#annotations-search", Input)
        if search.has_class("visible") or self.annotation_list.query_text:
            search.value = ""
            search.remove_class("visible")
            if self.annotation_list.query_text:
                self.annotation_list.set_query("")
                self.update_header()
            self.annotation_list.focus()
            return
        self.dismiss()

    def on_input_submitted(self, message: Input.Submitted) -> None:
        if message.input.id != "annotations-search":
            return
        message.stop()
        message.input.remove_class("visible")
        self.annotation_list.set_query(" ".join(message.value.split()))
        self.annotation_list.focus()
        self.update_header()
        if self.annotation_list.error:
            self.notify(self.annotation_list.error, title="Filter", severity="warning", markup=False)
