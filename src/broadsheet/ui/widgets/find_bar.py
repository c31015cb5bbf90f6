"""Find in the story: a one-line field under the reader's text.

Typing marks every match and moves to the first one from where the reader
was; enter or down goes to the next, up to the previous (round the end of the
text), escape closes the field and leaves the cursor on the match.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static


class FindBar(Horizontal):
    DEFAULT_CSS = (Path(__file__).with_suffix(".tcss")).read_text(encoding="utf-8")

    # priority: the field's own up/down (scrolling) would take them first.
    BINDINGS = [
        Binding("down", "step(1)", "Next match", id="find.next", priority=True),
        Binding("up", "step(-1)", "Previous match", id="find.previous", priority=True),
        Binding("escape", "close", "Close", id="find.close"),
    ]

    class Changed(Message):
        """What to find changed."""

        def __init__(self, query: str) -> None:
            super().__init__()
            self.query = query

    class Step(Message):
        """Go to the next (1) or previous (-1) match."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    class Closed(Message):
        """The field was closed."""

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Find in the story — enter/↓ next, ↑ previous, escape closes",
                    id="find-input")
        yield Static(id="find-count")

    @property
    def input(self) -> Input:
        return self.query_one("#find-input", Input)

    def open(self, query: str) -> None:
        """Show the field, with ``query`` in it (selected, so typing replaces it)."""
        self.add_class("visible")
        field = self.input
        with field.prevent(Input.Changed):
            field.value = query
        field.focus()
        field.select_all()

    @property
    def is_open(self) -> bool:
        return self.has_class("visible")

    def show_count(self, current: int, count: int) -> None:
        if not self.input.value.strip():
            text = Text("")
        elif count == 0:
            text = Text("no match", style="bold")
        else:
            text = Text(f"{current}/{count}")
        self.query_one("#find-count", Static).update(text)

    def on_input_changed(self, message: Input.Changed) -> None:
        message.stop()
        self.post_message(self.Changed(message.value))

    def on_input_submitted(self, message: Input.Submitted) -> None:
        message.stop()
        self.post_message(self.Step(1))

    def action_step(self, step: int) -> None:
        self.post_message(self.Step(step))

    def action_close(self) -> None:
        self.remove_class("visible")
        self.post_message(self.Closed())
