"""Ask for a file (and a format) to import from or export to."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

AUTO = "auto"


class FileDialog(ModalScreen[tuple[Path, str | None] | None]):
    """Dismisses with (path, format) — format None means "guess" — or None when cancelled."""

    CSS_PATH = "file_dialog.tcss"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="file.cancel"),
    ]

    def __init__(self, title: str, hint: str, formats: list[str], *, value: str = "",
                 guess: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.formats = formats
        self.guess = guess
        self.value = value

    def compose(self) -> ComposeResult:
        options = [(name, name) for name in self.formats]
        if self.guess:
            options.insert(0, ("guess from the file", AUTO))
        with Vertical(id="file-box"):
            yield Static(Text(self.title_text, style="bold"), id="file-title")
            yield Input(value=self.value, placeholder="a path, e.g. ~/Downloads/pocket.csv",
                        id="file-path")
            yield Select(options, value=options[0][1], allow_blank=False, id="file-format")
            yield Static(Text(self.hint), id="file-hint")

    def on_mount(self) -> None:
        self.query_one("#file-path", Input).focus()

    def on_input_submitted(self, message: Input.Submitted) -> None:
        message.stop()
        raw = message.value.strip()
        if not raw:
            self.notify("Type a file name first.", severity="warning", markup=False)
            return
        chosen = self.query_one("#file-format", Select).value
        format_name = None if chosen in (AUTO, Select.BLANK) else str(chosen)
        self.dismiss((Path(raw).expanduser(), format_name))

    def action_cancel(self) -> None:
        self.dismiss(None)
