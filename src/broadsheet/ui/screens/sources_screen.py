"""Every source with its counts, its last success and its last error.

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


class SourcesScreen(Screen[str | None]):
    """Dismisses with a search for the chosen source (``source:"Title"``), or None."""

    CSS_PATH = "sources_screen.tcss"

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", id="sources.down", show=False),
        Binding("k,up", "cursor_up", "Up", id="sources.up", show=False),
        Binding("enter", "choose", "Its stories", id="sources.open"),
        Binding("e", "errors_only", "Only failing", id="sources.errors"),
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
            error = Text(clean_line(source.last_error or "", 80), style="bold red" if source.last_error else "")
            success = Text(humanize.ago(source.last_success, now) if source.last_success else "—",
                           style="" if source.last_success else "dim")
            unread = Text(str(source.unread), style="bold" if source.unread else "dim", justify="right")
            table.add_row(title, unread, Text(str(source.total), justify="right"), success, error,
                          key=str(source.id))
        heading = Text("Sources", style="bold")
        heading.append(f"  {len(sources)} shown", style="dim")
        if failing:
            heading.append(f" · {failing} failing", style="red")
        heading.append("  enter: its stories · e: only failing · q: back", style="dim")
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

    def action_choose(self) -> None:
        table = self.query_one(DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return
        title = self.rows[table.cursor_row].title.replace('"', "")
        self.dismiss(f'source:"{title}"')

    def action_back(self) -> None:
        self.dismiss(None)
