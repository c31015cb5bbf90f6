"""Small dialogs for managing tags: rename (one line) and a yes/no confirmation."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from broadsheet.sanitize import clean_line, clean_tag


class RenameTag(ModalScreen[str | None]):
    """Dismisses with the new name, or None when cancelled."""

    CSS_PATH = "tag_dialogs.tcss"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="rename_tag.cancel"),
    ]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.old_name = name

    def compose(self) -> ComposeResult:
        title = Text("Rename the tag ", style="bold")
        title.append("#" + clean_line(self.old_name, 64))
        with Vertical(classes="tag-dialog-box"):
            yield Static(title, classes="tag-dialog-title")
            yield Input(value=self.old_name, select_on_focus=True, id="rename-input")
            yield Static(Text("enter renames (into an existing tag: the two merge) · escape cancels"),
                         classes="tag-dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#rename-input", Input).focus()

    def on_input_submitted(self, message: Input.Submitted) -> None:
        message.stop()
        name = clean_tag(message.value)
        if not name:
            self.notify("A tag name cannot be empty.", severity="warning", markup=False)
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """A question answered with y or n (escape is no)."""

    CSS_PATH = "tag_dialogs.tcss"

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: Text) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="tag-dialog-box"):
            yield Static(self.question, classes="tag-dialog-title", id="confirm-question")
            yield Static(Text("y: yes · n or escape: no"), classes="tag-dialog-hint")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
