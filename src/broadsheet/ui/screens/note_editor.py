"""Write the note of a highlight or of a whole story (ctrl+s saves, escape cancels)."""

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

    def __init__(self, annotation: Annotation | None = None, *, title: str = "", note: str = "") -> None:
        """Edit ``annotation``'s note, or (without one) a story note headed ``title``."""
        super().__init__()
        self.annotation = annotation
        self.title = title
        self.initial = annotation.note if annotation is not None else note

    def compose(self) -> ComposeResult:
        if self.annotation is not None:
            heading = Text("▌ ", style="bold")
            heading.append(clean_line(self.annotation.quote.exact, 600), style="italic")
            hint = "ctrl+s saves · escape cancels (the highlight stays)"
        else:
            heading = Text("Note on ", style="bold")
            heading.append(clean_line(self.title, 300) or "this story", style="italic")
            hint = "ctrl+s saves · escape cancels · an empty note removes it"
        with Vertical(id="note-box"):
            yield Static(heading, id="note-quote")
            yield TextArea(self.initial, id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Static(Text(hint), id="note-hint")

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
