"""Ask for a feed or article address (and optional tags) to add."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from broadsheet.ui.screens.tag_editor import split_tags


class AddDialog(ModalScreen[tuple[list[str], list[str]] | None]):
    CSS_PATH = "add_dialog.tcss"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="add.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="add-box"):
            yield Static(Text("Add a feed or an article", style="bold"))
            yield Label("Address (several: separate with spaces)", markup=False)
            yield Input(placeholder="https://example.org/feed.xml", id="add-url")
            yield Label("Tags (optional, comma-separated)", markup=False)
            yield Input(placeholder="tag, another tag", id="add-tags")
            yield Static(Text("enter adds · tab moves · escape cancels"), id="add-hint")

    def on_mount(self) -> None:
        self.query_one("#add-url", Input).focus()

    def on_input_submitted(self, message: Input.Submitted) -> None:
        message.stop()
        urls = self.query_one("#add-url", Input).value.split()
        if not urls:
            self.query_one("#add-url", Input).focus()
            self.notify("Type an address first.", severity="warning", markup=False)
            return
        tags = split_tags(self.query_one("#add-tags", Input).value)
        self.dismiss((urls, tags))

    def action_cancel(self) -> None:
        self.dismiss(None)
