"""The tags of the library with their counts (stories · unread), beside the list.

enter filters the list by the tag, R renames it (into an existing tag, the
two merge) and D takes it off every story after a y/n question.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from broadsheet.sanitize import clean_line

if TYPE_CHECKING:
    from broadsheet.services import Services

ROW_WIDTH = 28


def tag_query(name: str) -> str:
    """The search that finds the stories tagged ``name``."""
    if any(ch.isspace() for ch in name) or '"' in name:
        return 'tag:"' + name.replace('"', "") + '"'
    return "tag:" + name


def _row(label: str, stories: int, unread: int, width: int = ROW_WIDTH) -> Text:
    counts = f"{stories} · {unread}"
    room = max(4, width - len(counts) - 1)
    name = Text(label, no_wrap=True, overflow="ellipsis", end="")
    if cell_len(label) > room:
        name.truncate(room, overflow="ellipsis")
    row = Text(no_wrap=True, end="")
    row.append_text(name)
    row.append(" " * max(1, width - name.cell_len - len(counts)))
    row.append(counts, style="dim")
    return row


class TagSidebar(OptionList):
    """Tags with (stories · unread); the first row is every story."""

    DEFAULT_CSS = (Path(__file__).with_suffix(".tcss")).read_text(encoding="utf-8")

    BINDINGS = [
        Binding("j", "cursor_down", "Down", id="sidebar.down", show=False),
        Binding("k", "cursor_up", "Up", id="sidebar.up", show=False),
        Binding("enter", "select", "Filter by tag", id="sidebar.filter"),
        Binding("R", "rename", "Rename tag", id="sidebar.rename"),
        Binding("D", "delete", "Delete tag", id="sidebar.delete"),
    ]

    class Chosen(Message):
        """Filter the list by this tag (None: every story)."""

        def __init__(self, tag: str | None) -> None:
            super().__init__()
            self.tag = tag

    class Changed(Message):
        """Tag ``old`` was renamed to ``new`` (None: deleted); the list must be read again."""

        def __init__(self, old: str, new: str | None) -> None:
            super().__init__()
            self.old = old
            self.new = new

    def __init__(self, services: "Services", *, id: str | None = None) -> None:
        super().__init__(markup=False, id=id)
        self.services = services
        self.tags: list[tuple[str, int, int]] = []
        self.border_title = "Tags"

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Count the tags again, keeping the cursor on the same tag if it is still there."""
        current = self.current_tag
        try:
            self.tags = list(self.services.tag_counts())
            total = self.services.count_stories("")
            unread = self.services.count_stories("is:unread")
        except Exception as error:
            self.tags, total, unread = [], 0, 0
            self.notify(clean_line(str(error), 300) or "Cannot count the tags.", severity="error", markup=False)
        options = [Option(_row("All stories", total, unread))]
        options += [Option(_row("#" + clean_line(name, 64), stories, unread_count))
                    for name, stories, unread_count in self.tags]
        highlighted = self.highlighted or 0
        self.set_options(options)
        names = [name for name, _, _ in self.tags]
        if current is not None and current in names:
            highlighted = names.index(current) + 1
        self.highlighted = min(highlighted, len(options) - 1)

    @property
    def current_tag(self) -> str | None:
        index = self.highlighted
        if index is None or index == 0 or index > len(self.tags):
            return None
        return self.tags[index - 1][0]

    def row_plain(self, index: int) -> str:
        """The text of row ``index`` (for tests)."""
        prompt = self.get_option_at_index(index).prompt
        return prompt.plain if isinstance(prompt, Text) else str(prompt)

    def on_option_list_option_selected(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        self.post_message(self.Chosen(self.current_tag))

    def _need_tag(self) -> str | None:
        tag = self.current_tag
        if tag is None:
            self.notify("Choose a tag first.", markup=False)
        return tag

    def action_rename(self) -> None:
        from broadsheet.ui.screens.tag_dialogs import RenameTag

        old = self._need_tag()
        if old is None:
            return

        def renamed(new: str | None) -> None:
            if not new or new == old:
                return
            merging = any(name.casefold() == new.casefold() and name.casefold() != old.casefold()
                          for name, _, _ in self.tags)
            try:
                count = self.services.rename_tag(old, new)
            except Exception as error:
                self.notify(clean_line(str(error), 300) or "Could not rename the tag.",
                            severity="error", markup=False)
                return
            stories = f"{count} {'story' if count == 1 else 'stories'}"
            if merging:
                self.notify(f"Merged #{clean_line(old, 64)} into #{clean_line(new, 64)} ({stories}).", markup=False)
            else:
                self.notify(f"Renamed #{clean_line(old, 64)} to #{clean_line(new, 64)} ({stories}).", markup=False)
            self.reload()
            names = [name.casefold() for name, _, _ in self.tags]
            if new.casefold() in names:
                self.highlighted = names.index(new.casefold()) + 1
            self.post_message(self.Changed(old, new))

        self.app.push_screen(RenameTag(old), renamed)

    def action_delete(self) -> None:
        from broadsheet.ui.screens.tag_dialogs import Confirm

        tag = self._need_tag()
        if tag is None:
            return
        stories = next((count for name, count, _ in self.tags if name == tag), 0)
        question = Text("Delete the tag ")
        question.append("#" + clean_line(tag, 64), style="bold")
        question.append(f" from {stories} {'story' if stories == 1 else 'stories'}? The stories stay.")

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                count = self.services.delete_tag(tag)
            except Exception as error:
                self.notify(clean_line(str(error), 300) or "Could not delete the tag.",
                            severity="error", markup=False)
                return
            self.notify(f"Deleted #{clean_line(tag, 64)} from {count} {'story' if count == 1 else 'stories'}.",
                        markup=False)
            self.reload()
            self.post_message(self.Changed(tag, None))

        self.app.push_screen(Confirm(question), answered)
