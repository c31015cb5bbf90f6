"""Every source with its counts, its last success and its last error; ``r``
fetches the feed under the cursor now, ``D`` unsubscribes from it (the list
reads its stories again on return).

A few hundred rows at most, so a DataTable is fine here; every cell is a
``rich.text.Text`` (feed titles and error reasons come from the network and
must never be parsed as markup).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from broadsheet import humanize
from broadsheet.model import utcnow
from broadsheet.sanitize import clean_line, error_line

if TYPE_CHECKING:
    from broadsheet.services import Services

KIND_LABELS = {"feed": "feed", "saved": "saved", "bundled": "bundled"}
STATE_LABELS = {"gone": "gone: no longer polled (add it to follow it again)",
                "unsubscribed": "unsubscribed: only your starred, tagged or noted stories"}


class SourcesScreen(Screen[str | None]):
    """Dismisses with a search for the chosen source (``source:"Title"``), or None."""

    CSS_PATH = "sources_screen.tcss"

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", id="sources.down", show=False),
        Binding("k,up", "cursor_up", "Up", id="sources.up", show=False),
        Binding("enter", "choose", "Its stories", id="sources.open"),
        Binding("e", "errors_only", "Only failing", id="sources.errors"),
        Binding("r", "refresh", "Refresh it", id="sources.refresh"),
        Binding("D", "unsubscribe", "Unsubscribe", id="sources.unsubscribe"),
        Binding("q,escape", "back", "Back", id="sources.back"),
    ]

    def __init__(self, services: "Services", clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self.services = services
        self.clock = clock or utcnow
        self.only_errors = False
        self.rows: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static(id="sources-title")
        table: DataTable[Text] = DataTable(id="sources-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key in (("Source", "title"), ("Unread", "unread"), ("Stories", "total"),
                           ("Last success", "success"), ("Last error", "error")):
            table.add_column(Text(label, style="bold"), key=key)
        self.load()
        table.focus()

    def load(self) -> None:
        try:
            sources = self.services.sources()
        except Exception as error:  # noqa: BLE001 - shown, never raised into the app
            self.notify(error_line(error), severity="error", markup=False)
            sources = []
        if self.only_errors:
            sources = [source for source in sources if source.last_error]
        self.rows = sources
        now = self.clock()
        table = self.query_one(DataTable)
        table.clear()
        failing = 0
        for source in sources:
            failing += bool(source.last_error)
            title = Text(clean_line(source.title or source.url or "", 60))
            if source.kind != "feed":
                title.append(f"  ({KIND_LABELS.get(source.kind, source.kind)})", style="dim")
            if source.state:  # not polled any more: that says more than its last error
                error = Text(STATE_LABELS.get(source.state, source.state), style="dim")
            else:
                error = Text(clean_line(source.last_error or "", 80),
                             style="bold red" if source.last_error else "")
            success = Text(humanize.ago(source.last_success, now) if source.last_success else "—",
                           style="" if source.last_success else "dim")
            unread = Text(str(source.unread), style="bold" if source.unread else "dim", justify="right")
            table.add_row(title, unread, Text(str(source.total), justify="right"), success, error,
                          key=str(source.id))
        heading = Text("Sources", style="bold")
        heading.append(f"  {len(sources)} shown", style="dim")
        if failing:
            heading.append(f" · {failing} failing", style="red")
        heading.append("  enter: its stories", style="dim")  # the footer has the other keys
        self.query_one("#sources-title", Static).update(heading)

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def action_errors_only(self) -> None:
        self.only_errors = not self.only_errors
        self.load()

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        message.stop()
        self.action_choose()

    def _current(self) -> Any:
        """The source under the cursor, if any."""
        row = self.query_one(DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def action_choose(self) -> None:
        source = self._current()
        if source is not None:
            title = source.title.replace('"', "")
            self.dismiss(f'source:"{title}"')

    def action_refresh(self) -> None:
        """Fetch the feed under the cursor now (the others are left alone)."""
        source = self._current()
        if source is None:
            return
        try:
            only = self.services.feeds_to_refresh([source.id])
        except Exception as error:  # noqa: BLE001 - shown, never raised into the app
            self.notify(error_line(error), markup=False)
            return
        title = clean_line(source.title or source.url or "", 60)
        self.notify(f"Refreshing {title}…", title="Refresh", markup=False)
        self.run_worker(self._refresh(only, title), group="refresh-one", exit_on_error=False)

    async def _refresh(self, only: set[int], title: str) -> None:
        try:
            report = await self.services.refresh(only=only)
        except Exception as error:  # noqa: BLE001 - shown, never raised into the app
            self.notify(f"Refresh failed: {error_line(error)}", severity="error", markup=False)
            return
        if report.failed:
            self.notify(f"{title}: {clean_line(report.failed[0][1], 300)}", title="Refresh",
                        severity="warning", markup=False)
        else:
            self.notify(f"{title}: {report.new_stories} new stor{'y' if report.new_stories == 1 else 'ies'}.",
                        title="Refresh", markup=False)
        self.load()

    def action_unsubscribe(self) -> None:
        """Stop following the feed under the cursor (after asking)."""
        from broadsheet.ui.screens.tag_dialogs import Confirm

        table = self.query_one(DataTable)
        source = self._current()
        if source is None:
            return
        try:
            self.services.check_unsubscribe(source)
        except Exception as error:  # noqa: BLE001 - shown, never raised into the app
            self.notify(error_line(error), markup=False)
            return
        title = clean_line(source.title or source.url or "", 60)
        question = Text("Unsubscribe from ")
        question.append(title, style="bold")
        question.append(f"? Its {source.total} {'story goes' if source.total == 1 else 'stories go'}, "
                        "except those you starred, tagged, highlighted or noted.")

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                _, deleted, kept = self.services.unsubscribe(source.id)
            except Exception as error:  # noqa: BLE001 - shown, never raised into the app
                self.notify(error_line(error), severity="error", markup=False)
                return
            message = f"Unsubscribed from {title}: {deleted} {'story' if deleted == 1 else 'stories'} deleted"
            if kept:
                message += f", {kept} kept"
            self.notify(message + ".", markup=False)
            row = table.cursor_row
            self.load()
            if self.rows:
                table.move_cursor(row=min(row, len(self.rows) - 1))

        self.app.push_screen(Confirm(question), answered)

    def action_back(self) -> None:
        self.dismiss(None)
