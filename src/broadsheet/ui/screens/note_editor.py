"""Write the note of a highlight (ctrl+s saves, escape cancels)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from broadsheet.model import Annotation
from broadsheet.sanitize import clean, clean_line


class NoteEditor(ModalScreen[str | None]):
    """Dismisses with the note text, or None when cancelled (the highlight stays)."""

    CSS_PATH = "note_editor.tcss"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="note.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="note.cancel"),
    ]

    def __init__(self, annotation: Annotation) -> None:
        super().__init__()
        self.annotation = annotation

    def compose(self) -> ComposeResult:
        quote = Text("▌ ", style="bold")
        quote.append(clean_line(self.annotation.quote.exact, 600), style="italic")
        with Vertical(id="note-box"):
            yield Static(quote, id="note-quote")
            yield TextArea(self.annotation.note, id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Static(Text("ctrl+s saves · escape cancels (the highlight stays)"), id="note-hint")

    def on_mount(self) -> None:
        area = self.query_one("#note-text", TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    @property
    def text(self) -> str:
        return self.query_one("#note-text", TextArea).text

    def action_save(self) -> None:
        self.dismiss(clean(self.text).strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
