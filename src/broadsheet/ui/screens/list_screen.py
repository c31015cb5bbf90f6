"""The list of stories: the screen broadsheet opens on."""

from __future__ import annotations

import gc
import importlib
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual import events
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from broadsheet import settle
from broadsheet.sanitize import clean_line, error_line
from broadsheet.ui.widgets.key_bar import KeyBar
from broadsheet.ui.widgets.story_list import StoryList
from broadsheet.ui.widgets.tag_sidebar import TagSidebar, tag_query

SIDEBAR_MIN_WIDTH = 120  # the tags sidebar shows by itself from this many columns
PREVIEW_MIN_WIDTH = 150  # from this many columns the story under the cursor shows beside the list
# From this many stories, the unread and tag counts (a pass over every story)
# are made in a thread after the list is shown, not before; at start, once the
# first keys have had their turn.
BACKGROUND_COUNTS_FROM = 20_000
STARTUP_COUNT_DELAY = 0.3  # seconds
READER_PRELOAD_DELAY = 1.0  # seconds
START_REFRESH_DELAY = 1.5  # seconds: refresh_on_start waits for the first keys

if TYPE_CHECKING:
    from typing_extensions import Self
    from textual.geometry import Region, Size
    from textual.message import Message
    from textual.timer import Timer
    from textual.widgets import Input, ProgressBar

    from broadsheet.services import Services

# The reader, the dialogs, the search field and the progress bar are imported
# and built when first used: the list is on screen before any of them is needed.


class ListScreen(Screen):
    CSS_PATH = "list_screen.tcss"
    AUTO_FOCUS = "#stories"  # not the first focusable widget (the sidebar)

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
        self._suspended = False  # another screen was pushed over this one
        self._reload_on_resume = True  # ... one that may have changed the stories
        self._started = False  # on_mount has run
        self._status: tuple[Horizontal, Static, ProgressBar] | None = None
        self._count_timer: Timer | None = None
        self._count_pending = False  # counting in a thread waits for the first frame
        self._settled = False  # the first frame is out (see _first_frame_shown)
        self._whole_first_frame = True  # the first frame, to come, paints all of the screen (see refresh)
        self._laid_out_size: Size | None = None  # the size the screen is laid out at, until the first frame is out
        self._total = 0
        self._unread: int | None = None  # None: not counted yet
        self._preview = None  # the PreviewPane, built when the terminal is first wide enough
        try:
            width = self.app.size.width
        except Exception:  # noqa: BLE001 - built outside a running app: compose decides
            pass
        else:
            # Classes given before the screen is first styled cost no second pass.
            self.set_class(width < SIDEBAR_MIN_WIDTH, "-narrow")
            self.set_class(width >= PREVIEW_MIN_WIDTH, "-wide")

    def compose(self) -> ComposeResult:
        # The panes are laid out for the terminal's width now, so that the first
        # frame needs no second pass of styles (see _place_sidebar/_place_preview).
        width = self.app.size.width
        narrow = width < SIDEBAR_MIN_WIDTH
        wide = width >= PREVIEW_MIN_WIDTH
        sidebar_shown = not narrow if self.sidebar_wanted is None else self.sidebar_wanted
        self.set_class(narrow, "-narrow")
        self.set_class(wide, "-wide")
        yield Static(id="list-header")
        with Horizontal(id="list-body"):
            yield TagSidebar(self.services, id="tag-sidebar", classes="visible" if sidebar_shown else None)
            stories = StoryList(self.services, self.initial_query, id="stories")
            stories.display = not (narrow and sidebar_shown)
            if stories.display and self.focused is None and self.app.app_focus:
                # It takes the focus once mounted (AUTO_FOCUS); marked now, it is
                # styled as focused once, not styled and then styled again.
                stories.set_reactive(Widget.has_focus, True)
            yield stories
            if wide:
                from broadsheet.ui.widgets.preview_pane import PreviewPane

                self._preview = PreviewPane(self.services, id="preview")
                yield self._preview
        yield KeyBar()

    @property
    def story_list(self) -> StoryList:
        return self.query_one("#stories", StoryList)

    @property
    def sidebar(self) -> TagSidebar:
        return self.query_one("#tag-sidebar", TagSidebar)

    def on_mount(self) -> None:
        self._place_sidebar()
        self._place_preview()
        if self._preview is not None:
            preview = self._preview
            self.call_after_refresh(lambda: preview.follow(self.story_list.current_story, now=True))
        self.recount()
        self._started = True
        # What waits for the list to be up is timed from its first frame, not
        # from here: on a busy machine that frame can come a good while later,
        # and work started before it would compete with the first keys.
        self.call_after_refresh(self._first_frame_shown)

    def _first_frame_shown(self) -> None:
        self._settled = True
        self._laid_out_size = None
        # The reader is imported when first needed; a moment after the list
        # is up, so that the first story opens as fast as the next ones.
        self.set_timer(READER_PRELOAD_DELAY, _preload_reader)
        config = getattr(self.app, "config", None)
        if config is not None and config.refresh_on_start:
            self.set_timer(START_REFRESH_DELAY, self.auto_refresh)
        if config is not None and config.refresh_every:
            self.set_interval(config.refresh_every * 60, self.auto_refresh)
        if self._count_pending:
            self._count_pending = False
            self._count_timer = self.set_timer(STARTUP_COUNT_DELAY, self._start_counting)
        save_parsed_styles = getattr(self.app, "save_parsed_styles", None)
        if save_parsed_styles is not None:
            save_parsed_styles()
        if getattr(self.app, "settle_memory", False):
            # The widgets of this screen live as long as the app: once it is
            # shown, keep the garbage collector from scanning them while keys
            # are handled (a full collection costs tens of milliseconds); and
            # the start is over: collection resumes (see broadsheet.launch).
            gc.freeze()
            settle()

    def post_message(self, message: Message) -> bool:
        if isinstance(message, events.ScreenResume) and not self._started and message.refresh_styles:
            # Shown for the first time: the widgets were styled as they were
            # mounted, a moment ago; going over every one of them again (what a
            # resume does, for a screen coming back after a change of theme)
            # would only delay the first frame.
            message.refresh_styles = False
        elif isinstance(message, events.Resize) and not self._settled:
            # Starting, Textual sends the screen the terminal's size up to three
            # times (the app passing on its first size and the driver's report,
            # then the first layout itself), each handled by a layout pass over
            # every widget and a frame, after the first frame, while the first
            # keys wait.  The first layout is made at the terminal's size of the
            # moment, so these add nothing; a size that differs passes.
            # (Anything whose own size changes asks for its own layout pass.)
            if message.size == (self.app.size if self._laid_out_size is None else self._laid_out_size):
                return True
            if self._laid_out_size is not None:
                self._laid_out_size = message.size
        return super().post_message(message)

    def on_screen_suspend(self) -> None:
        self._suspended = True
        # A screen that cannot change the stories (help) leaves the list as it
        # was: nothing to read again when this screen comes back.
        self._reload_on_resume = getattr(self.app.screen, "CHANGES_LIBRARY", True)

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Self:
        if self._whole_first_frame and repaint and not regions:
            # Until its first frame is out, repainting the whole screen is what
            # that frame does anyway: Textual asks for it again as the screen
            # is built and shown, which would paint every line once more after
            # the first keys.  (A new layout, if asked for, is still made.)
            if not (layout or recompose):
                return self
            repaint = False
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _first_frame_painted(self) -> None:
        self._whole_first_frame = False
        # Laying the widgets out for the first time marked each of them to be
        # painted whole (they had no size before): the first frame, a whole
        # screen, has just done so.  Left marked, they would all be painted
        # again with the first key.
        for widget in self.walk_children(with_self=False):
            forget = getattr(widget, "_exchange_repaint_regions", None)
            if forget is not None:
                forget()

    def on_screen_resume(self) -> None:
        # The first resume is the screen being shown: on_mount has read
        # everything, and Textual lays the screen out and paints it (after
        # this handler) at the size of the moment.
        if not self._suspended:
            if self._laid_out_size is None and not self._settled:
                self._laid_out_size = self.app.size
                self.call_next(self._first_frame_painted)
            return
        self._suspended = False
        if not self._reload_on_resume:
            return
        self.story_list.reload(keep_cursor=True)
        self.recount()

    def on_resize(self, event: events.Resize) -> None:
        self._place_sidebar()
        self._place_preview()

    # -- the story beside the list (wide terminals) ------------------------------
    @property
    def preview(self):
        """The preview pane, or None while the terminal is narrow (it is built when first needed)."""
        return self._preview

    def _place_preview(self) -> None:
        wide = self.app.size.width >= PREVIEW_MIN_WIDTH
        preview = self._preview
        if wide and preview is None:
            from broadsheet.ui.widgets.preview_pane import PreviewPane

            preview = self._preview = PreviewPane(self.services, id="preview")
            self.query_one("#list-body").mount(preview)
            self.call_after_refresh(lambda: preview.follow(self.story_list.current_story, now=True))
        if preview is not None:
            preview.display = wide
            self.set_class(wide, "-wide")

    def get_widget_and_offset_at(self, x: int, y: int):
        """A mouse selection in the preview maps to its text, as in the reader."""
        if self.preview is not None:
            from broadsheet.ui.widgets.reader_view import selection_target

            found = selection_target(self, x, y)
            if found is not None:
                return found
        return super().get_widget_and_offset_at(x, y)

    # -- tags sidebar ------------------------------------------------------------
    @property
    def sidebar_visible(self) -> bool:
        return self.sidebar.has_class("visible")

    def _place_sidebar(self) -> None:
        """Beside the list from SIDEBAR_MIN_WIDTH columns; below that the sidebar,
        when asked for, takes the whole width (one pane at a time)."""
        narrow = self.app.size.width < SIDEBAR_MIN_WIDTH
        wanted = self.sidebar_wanted
        if wanted is None:
            wanted = not narrow
        self.set_class(narrow, "-narrow")
        self.story_list.display = not (narrow and wanted)
        if wanted != self.sidebar_visible:
            if not wanted and self.sidebar.has_focus:
                self.story_list.focus()
            self.sidebar.set_class(wanted, "visible")
            if wanted and self.sidebar.stale and self._started:
                self.recount()

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
        if self.has_class("-narrow"):  # one pane at a time: back to the list
            self.sidebar_wanted = False
            self._place_sidebar()
        self.story_list.set_query(tag_query(message.tag) if message.tag else "")
        self.story_list.focus()
        self._show_header()  # a new filter: the counts stay

    def on_tag_sidebar_changed(self, message: TagSidebar.Changed) -> None:
        message.stop()
        if self.story_list.query_text == tag_query(message.old):
            # The list was showing that tag: follow it to its new name.
            self.story_list.set_query(tag_query(message.new) if message.new else "")
        self.story_list.reload(keep_cursor=True)
        self._show_header()  # tags changed, not the stories: their counts stay

    # -- counts --------------------------------------------------------------------
    @property
    def counting_in_background(self) -> bool:
        return self._total >= BACKGROUND_COUNTS_FROM

    def recount(self) -> None:
        """Count the stories, the unread ones and the tags again (after a change) for
        the header and the sidebar: at once in a small library, in a thread in a
        large one (the header and sidebar show the new counts when they are ready)."""
        self.update_header()
        if not self.counting_in_background:
            self.sidebar.reload()

    def update_header(self) -> None:
        """Count the stories (and the unread ones: at once in a small library, in
        a thread in a large one) and show them with the filter in the header."""
        stories = self.story_list
        try:
            if stories.query_text == "" and stories.error is None:
                self._total = stories.count  # counted a moment ago, when it (re)loaded
            else:
                self._total = self.services.count_stories("")
            if not self.counting_in_background:
                self._unread = self.services.count_stories("is:unread")
        except Exception:
            self._total, self._unread = 0, 0
        if self.counting_in_background:
            self._count_in_background()
        self._show_header()

    def _show_header(self) -> None:
        header = Text(no_wrap=True, overflow="ellipsis")
        header.append("broadsheet", style="bold")
        header.append(f"  {clean_line(self.services.library_path.name, 80)}", style="dim")
        header.append(f"  {self._total} stories")
        if self._unread is not None:
            header.append(f" · {self._unread} unread")
        query = self.story_list.query_text
        if query:
            header.append("  filter: ", style="dim")
            header.append(clean_line(query, 200), style="bold")
            header.append(f" ({self.story_list.count})")
        self.query_one("#list-header", Static).update(header)

    def _count_in_background(self) -> None:
        sidebar = self.sidebar
        if self.sidebar_visible:
            sidebar.show_counts(None, self._total, self._unread)
        else:
            sidebar.stale = True
        if self._started:
            self._start_counting()
        else:
            # The screen is starting: the list is painted and takes keys first
            # (see _first_frame_shown).
            self._count_pending = True

    def _start_counting(self) -> None:
        self.run_worker(partial(_count, self.services.library_path, self.sidebar_visible), name="counts",
                        group="counts", exclusive=True, thread=True, exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.name != "counts" or not self.is_mounted:
            return
        if event.state == WorkerState.SUCCESS:
            total, unread, tags = worker.result
            self._total, self._unread = total, unread
            self._show_header()
            if tags is not None:
                self.sidebar.show_counts(tags, total, unread)
        elif event.state == WorkerState.ERROR:
            self.notify(f"Cannot count the stories: {error_line(worker.error)}", severity="error",
                        markup=False)

    # -- opening -------------------------------------------------------------
    def on_story_list_selected(self, message: StoryList.Selected) -> None:
        from broadsheet.ui.screens.reader_screen import ReaderScreen

        message.stop()
        self.app.push_screen(ReaderScreen(self.services, message.story, self.story_list))

    def on_story_list_highlighted(self, message: StoryList.Highlighted) -> None:
        message.stop()
        preview = self.preview
        if preview is not None and preview.display:
            preview.follow(message.story)

    # -- search --------------------------------------------------------------
    async def _search_field(self) -> "Input":
        from textual.widgets import Input

        found = self.query("#search")
        if found:
            return found.first(Input)
        search = Input(placeholder="Search: words, \"a phrase\", tag:NAME, is:unread — enter applies, "
                                   "escape clears", id="search")
        await self.mount(search, before=self.query_one(KeyBar))
        return search

    async def action_search(self) -> None:
        search = await self._search_field()
        search.value = self.story_list.query_text
        search.add_class("visible")
        search.focus()

    def action_clear_search(self) -> None:
        if self.has_class("-narrow") and self.sidebar.has_focus:
            # The sidebar fills a narrow screen: escape goes back to the list.
            self.sidebar_wanted = False
            self._place_sidebar()
            return
        for search in self.query("#search"):
            search.value = ""
            search.remove_class("visible")
        if self.story_list.query_text:
            self.story_list.set_query("")
            self._show_header()  # a new filter: the counts stay
        self.story_list.focus()

    def on_input_submitted(self, message: Input.Submitted) -> None:
        if message.input.id != "search":
            return
        message.stop()
        query = " ".join(message.value.split())
        message.input.remove_class("visible")
        self.story_list.set_query(query)
        self.story_list.focus()
        self._show_header()  # a new filter: the counts stay
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
                self.recount()

        from broadsheet.ui.screens.tag_editor import TagEditor

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
        self.recount()

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
        from broadsheet.ui.screens.add_dialog import AddDialog

        def chosen(result: tuple[list[str], list[str]] | None) -> None:
            if result:
                urls, tags = result
                self.run_worker(self._add(urls, tags), group="add", exit_on_error=False)

        self.app.push_screen(AddDialog(), chosen)

    def _status_bar(self) -> tuple[Horizontal, Static, "ProgressBar"]:
        """The progress line under the list (built the first time it is needed)."""
        if self._status is None:
            from textual.widgets import ProgressBar

            text = Static(id="status-text")
            bar = ProgressBar(id="status-progress", show_eta=False)
            status = Horizontal(text, bar, id="list-status")
            self.mount(status, before=self.query_one(KeyBar))
            self._status = (status, text, bar)
        return self._status

    def _show_progress(self, label: str, done: int, total: int) -> None:
        status, text, bar = self._status_bar()
        status.add_class("visible")
        text.update(Text(clean_line(label, 200), no_wrap=True, overflow="ellipsis"))
        bar.update(total=max(total, 1), progress=done)

    def _hide_progress(self) -> None:
        if self._status is not None:
            self._status[0].remove_class("visible")

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
            self.recount()

    def action_refresh(self) -> None:
        if self.refreshing:
            self.notify("A refresh is already running.", markup=False)
            return
        self.refreshing = True
        self.run_worker(self._refresh(), group="refresh", exit_on_error=False)

    def auto_refresh(self) -> None:
        """A refresh the config asked for (refresh_on_start, refresh_every):
        skipped while one runs, and it speaks only of new stories."""
        if self.refreshing:
            return
        self.refreshing = True
        self.run_worker(self._refresh(quiet=True), group="refresh", exit_on_error=False)

    async def _refresh(self, quiet: bool = False) -> None:
        shown = [0.0]

        def progress(done: int, total: int, label: str) -> None:
            # Ten updates a second are enough to watch, and every repaint
            # of the bar is time the keys wait for.
            now = time.monotonic()
            if done < total and now - shown[0] < 0.1:
                return
            shown[0] = now
            self._show_progress(f"Refreshing {done}/{total} {label}", done, total)

        self._show_progress("Refreshing…", 0, 1)
        try:
            report = await self.services.refresh_elsewhere(progress=progress)
        except Exception as error:
            if not quiet:
                self.notify(f"Refresh failed: {error_line(error)}", severity="error", markup=False)
        else:
            if not quiet or report.new_stories:
                severity = "warning" if report.failed else "information"
                self.notify(clean_line(report.summary(), 500), title="Refresh", severity=severity, markup=False)
        finally:
            self.refreshing = False
            self._hide_progress()
            self.story_list.reload(keep_cursor=True)
            self.recount()


def _preload_reader() -> None:
    importlib.import_module("broadsheet.ui.screens.reader_screen")


def _count(path: Path, with_tags: bool) -> tuple[int, int, list[tuple[str, int, int]] | None]:
    """(stories, unread stories, tag counts or None), on a connection of its own
    (this runs in a thread while the list stays in use)."""
    from broadsheet.services import Services

    services = Services.open(path)
    try:
        total = services.count_stories("")
        unread = services.count_stories("is:unread")
        tags = list(services.tag_counts()) if with_tags else None
    finally:
        services.close()
    return total, unread, tags
