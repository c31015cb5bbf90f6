"""The list of stories: the screen broadsheet opens on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual import events
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Input, ProgressBar, Static

from broadsheet.sanitize import clean_line, error_line
from broadsheet.ui.screens.add_dialog import AddDialog
from broadsheet.ui.screens.reader_screen import ReaderScreen
from broadsheet.ui.screens.tag_editor import TagEditor
from broadsheet.ui.widgets.story_list import StoryList
from broadsheet.ui.widgets.tag_sidebar import TagSidebar, tag_query

SIDEBAR_MIN_WIDTH = 120  # the tags sidebar shows by itself from this many columns

if TYPE_CHECKING:
    from broadsheet.services import Services


class ListScreen(Screen):
    CSS_PATH = "list_screen.tcss"

    BINDINGS = [
        Binding("slash", "search", "Search", id="list.search"),
        Binding("escape", "clear_search", "Clear search", id="list.clear_search", show=False),
        Binding("t", "tags", "Tags", id="list.tags"),
        Binding("u", "toggle_read", "Read/unread", id="list.toggle_read"),
        Binding("s", "toggle_star", "Star", id="list.toggle_star", show=False),
        Binding("T", "toggle_sidebar", "Tags sidebar", id="list.sidebar", show=False),
        Binding("A", "app.annotations", "Annotations", id="app.annotations", show=False),
        Binding("a", "add", "Add", id="list.add"),
        Binding("r", "refresh", "Refresh", id="list.refresh"),
        Binding("o", "open_browser", "Browser", id="list.open_browser"),
        Binding("q", "app.quit", "Quit", id="app.quit"),
    ]

    def __init__(self, services: "Services", query: str = "") -> None:
        super().__init__()
        self.services = services
        self.initial_query = query
        self.refreshing = False
        self.sidebar_wanted: bool | None = None  # None: shown when the terminal is wide

    def compose(self) -> ComposeResult:
        yield Static(id="list-header")
        with Horizontal(id="list-body"):
            yield TagSidebar(self.services, id="tag-sidebar")
            yield StoryList(self.services, self.initial_query, id="stories")
        with Horizontal(id="list-status"):
            yield Static(id="status-text")
            yield ProgressBar(id="status-progress", show_eta=False)
        yield Input(placeholder="Search: words, \"a phrase\", tag:NAME, is:unread — enter applies, escape clears",
                    id="search")
        yield Footer()

    @property
    def story_list(self) -> StoryList:
        return self.query_one("#stories", StoryList)

    @property
    def sidebar(self) -> TagSidebar:
        return self.query_one("#tag-sidebar", TagSidebar)

    def on_mount(self) -> None:
        self.story_list.focus()
        self.update_header()
        self._place_sidebar()

    def on_screen_resume(self) -> None:
        self.story_list.reload(keep_cursor=True)
        self.update_header()
        self.sidebar.reload()

    def on_resize(self, event: events.Resize) -> None:
        self._place_sidebar()

    # -- tags sidebar ------------------------------------------------------------
    @property
    def sidebar_visible(self) -> bool:
        return self.sidebar.has_class("visible")

    def _place_sidebar(self) -> None:
        wanted = self.sidebar_wanted
        if wanted is None:
            wanted = self.app.size.width >= SIDEBAR_MIN_WIDTH
        if wanted != self.sidebar_visible:
            if not wanted and self.sidebar.has_focus:
                self.story_list.focus()
            self.sidebar.set_class(wanted, "visible")

    def action_toggle_sidebar(self) -> None:
        """Show and focus the tags sidebar; from the sidebar, hide it."""
        if not self.sidebar_visible:
            self.sidebar_wanted = True
            self._place_sidebar()
            self.sidebar.focus()
        elif not self.sidebar.has_focus:
            self.sidebar.focus()
        else:
            self.sidebar_wanted = False
            self._place_sidebar()
            self.story_list.focus()

    def on_tag_sidebar_chosen(self, message: TagSidebar.Chosen) -> None:
        message.stop()
        self.story_list.set_query(tag_query(message.tag) if message.tag else "")
        self.story_list.focus()
        self.update_header()

    def on_tag_sidebar_changed(self, message: TagSidebar.Changed) -> None:
        message.stop()
        if self.story_list.query_text == tag_query(message.old):
            # The list was showing that tag: follow it to its new name.
            self.story_list.set_query(tag_query(message.new) if message.new else "")
        self.story_list.reload(keep_cursor=True)
        self.update_header()

    def update_header(self) -> None:
        try:
            total = self.services.count_stories("")
            unread = self.services.count_stories("is:unread")
        except Exception:
            total = unread = 0
        header = Text(no_wrap=True, overflow="ellipsis")
        header.append("broadsheet", style="bold")
        header.append(f"  {clean_line(self.services.library_path.name, 80)}", style="dim")
        header.append(f"  {total} stories · {unread} unread")
        query = self.story_list.query_text
        if query:
            header.append("  filter: ", style="dim")
            header.append(clean_line(query, 200), style="bold")
            header.append(f" ({self.story_list.count})")
        self.query_one("#list-header", Static).update(header)

    # -- opening -------------------------------------------------------------
    def on_story_list_selected(self, message: StoryList.Selected) -> None:
        message.stop()
        self.app.push_screen(ReaderScreen(self.services, message.story, self.story_list))

    def on_story_list_highlighted(self, message: StoryList.Highlighted) -> None:
        message.stop()

    # -- search --------------------------------------------------------------
    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.value = self.story_list.query_text
        search.add_class("visible")
        search.focus()

    def action_clear_search(self) -> None:
        search = self.query_one("#search", Input)
        search.value = ""
        search.remove_class("visible")
        if self.story_list.query_text:
            self.story_list.set_query("")
            self.update_header()
        self.story_list.focus()

    def on_input_submitted(self, message: Input.Submitted) -> None:
        if message.input.id != "search":
            return
        message.stop()
        query = " ".join(message.value.split())
        message.input.remove_class("visible")
        self.story_list.set_query(query)
        self.story_list.focus()
        self.update_header()
        if self.story_list.error:
            self.notify(self.story_list.error, title="Search", severity="warning", markup=False)

    # -- story actions -------------------------------------------------------
    def action_tags(self) -> None:
        story = self.story_list.current_story
        if story is None:
            return

        def saved(tags: tuple[str, ...] | None) -> None:
            if tags is not None:
                self.story_list.reload(keep_cursor=True)
                self.update_header()
                self.sidebar.reload()

        self.app.push_screen(TagEditor(self.services, story), saved)

    def action_toggle_read(self) -> None:
        story = self.story_list.current_story
        if story is None:
            return
        try:
            self.services.set_read(story.id, not story.read)
        except Exception as error:
            self.notify(error_line(error), severity="error", markup=False)
            return
        self.story_list.reload(keep_cursor=True)
        self.update_header()
        self.sidebar.reload()

    def action_toggle_star(self) -> None:
        story = self.story_list.current_story
        if story is None:
            return
        try:
            self.services.set_starred(story.id, not story.starred)
        except Exception as error:
            self.notify(error_line(error), severity="error", markup=False)
            return
        self.story_list.reload(keep_cursor=True)
        self.notify("Starred." if not story.starred else "Star removed.", markup=False)

    def action_open_browser(self) -> None:
        story = self.story_list.current_story
        if story is None:
            return
        if not story.url:
            self.notify("This story has no web address.", severity="warning", markup=False)
            return
        self.app.open_url(story.url)

    # -- network ---------------------------------------------------------------
    def action_add(self) -> None:
        def chosen(result: tuple[list[str], list[str]] | None) -> None:
            if result:
                urls, tags = result
                self.run_worker(self._add(urls, tags), group="add", exit_on_error=False)

        self.app.push_screen(AddDialog(), chosen)

    def _show_progress(self, label: str, done: int, total: int) -> None:
        self.query_one("#list-status").add_class("visible")
        self.query_one("#status-text", Static).update(Text(clean_line(label, 200), no_wrap=True, overflow="ellipsis"))
        bar = self.query_one("#status-progress", ProgressBar)
        bar.update(total=max(total, 1), progress=done)

    def _hide_progress(self) -> None:
        self.query_one("#list-status").remove_class("visible")

    async def _add(self, urls: list[str], tags: list[str]) -> None:
        def progress(done: int, total: int, label: str) -> None:
            self._show_progress(f"Adding {done}/{total} {label}", done, total)

        self._show_progress("Adding…", 0, len(urls))
        try:
            report = await self.services.add(urls, tags, progress=progress)
        except Exception as error:
            self.notify(f"Could not add: {error_line(error)}", severity="error", markup=False)
        else:
            severity = "warning" if report.failed else "information"
            self.notify(clean_line(report.summary(), 500), title="Add", severity=severity, markup=False)
        finally:
            self._hide_progress()
            self.story_list.reload(keep_cursor=True)
            self.update_header()
            self.sidebar.reload()

    def action_refresh(self) -> None:
        if self.refreshing:
            self.notify("A refresh is already running.", markup=False)
            return
        self.refreshing = True
        self.run_worker(self._refresh(), group="refresh", exit_on_error=False)

    async def _refresh(self) -> None:
        def progress(done: int, total: int, label: str) -> None:
            self._show_progress(f"Refreshing {done}/{total} {label}", done, total)

        self._show_progress("Refreshing…", 0, 1)
        try:
            report = await self.services.refresh(progress=progress)
        except Exception as error:
            self.notify(f"Refresh failed: {error_line(error)}", severity="error", markup=False)
        else:
            severity = "warning" if report.failed else "information"
            self.notify(clean_line(report.summary(), 500), title="Refresh", severity=severity, markup=False)
        finally:
            self.refreshing = False
            self._hide_progress()
            self.story_list.reload(keep_cursor=True)
            self.update_header()
            self.sidebar.reload()
