"""Edit a story's tags: one line, comma-separated, existing tags suggested."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static

from broadsheet.model import Story
from broadsheet.sanitize import clean_line, clean_tag

if TYPE_CHECKING:
    from broadsheet.services import Services


def split_tags(value: str) -> list[str]:
    """"a, b ,, c" -> ["a", "b", "c"] (duplicates dropped, order kept)."""
    seen: set[str] = set()
    tags = []
    for part in value.split(","):
        tag = clean_tag(part)
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags


class TagSuggester(Suggester):
    """Completes the last comma-separated part with a known tag."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.names = names

    async def get_suggestion(self, value: str) -> str | None:
        head, _, last = value.rpartition(",")
        stem = last.lstrip()
        if not stem:
            return None
        present = {t.casefold() for t in split_tags(head)}
        folded = stem.casefold()
        for name in self.names:
            if name.casefold().startswith(folded) and name.casefold() != folded and name.casefold() not in present:
                return value + name[len(stem):]
        return None


class TagEditor(ModalScreen[tuple[str, ...] | None]):
    CSS_PATH = "tag_editor.tcss"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="tags.cancel"),
    ]

    def __init__(self, services: "Services", story: Story) -> None:
        super().__init__()
        self.services = services
        self.story = story

    def compose(self) -> ComposeResult:
        try:
            names = [name for name, _count in self.services.all_tags()]
        except Exception:
            names = []
        title = Text("Tags for ", style="bold")
        title.append(clean_line(self.story.title, 120))
        with Vertical(id="tag-box"):
            yield Static(title, id="tag-title")
            # A trailing ", " so that typing adds a tag rather than extending the last.
            prefill = ", ".join(self.story.tags) + (", " if self.story.tags else "")
            yield Input(value=prefill, placeholder="tag, another tag",
                        suggester=TagSuggester(names), select_on_focus=False, id="tag-input")
            yield Static(Text("comma-separated · → accepts a suggestion · ctrl+u clears · enter saves · escape cancels"),
                         id="tag-hint")

    def on_mount(self) -> None:
        field = self.query_one("#tag-input", Input)
        field.focus()
        field.cursor_position = len(field.value)

    def on_input_submitted(self, message: Input.Submitted) -> None:
        message.stop()
        tags = split_tags(message.value)
        try:
            saved = self.services.set_tags(self.story.id, tags)
        except Exception as error:
            self.notify(clean_line(str(error), 300) or "Could not save the tags.", severity="error", markup=False)
            return
        self.story.tags = tuple(saved)
        self.dismiss(tuple(saved))

    def action_cancel(self) -> None:
        self.dismiss(None)
