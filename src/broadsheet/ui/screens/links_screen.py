"""The links of the story being read, in reading order: open one (in the
reader when it is a saved article or a Welcome story, else in the browser),
save it to the library to read later, or copy its address.

A story has tens of links at most, so an OptionList is fine here.  Every
prompt is a ``rich.text.Text``: link texts and addresses come from the
network and are never parsed as markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from broadsheet.sanitize import clean_line, error_line

if TYPE_CHECKING:
    from broadsheet.model import Document, Story
    from broadsheet.services import Services


def document_links(document: Document) -> list[tuple[str, str, int]]:
    """(text, address, block) of each link of the document, in reading order,
    once each, with the text it is first given (all of it, when the link's
    text is split over styled runs)."""
    found: dict[int, list] = {}
    for index, block in enumerate(document.blocks):
        previous = None
        for span in block.spans:
            number = span.link
            if number is not None and 0 < number <= len(document.links):
                if number not in found:
                    found[number] = [span.text, document.links[number - 1], index]
                elif number == previous and found[number][2] == index:
                    found[number][0] += span.text  # the same link, on: its text goes on
            previous = number
    return [(text.strip(), url, block) for text, url, block in found.values()]


class LinksScreen(ModalScreen["Story | None"]):
    """The story's links; starts on the first link at or after ``block``.
    Dismisses with a story of the library to read instead, or None."""

    CSS_PATH = "links_screen.tcss"

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", id="links.down", show=False),
        Binding("k,up", "cursor_up", "Up", id="links.up", show=False),
        Binding("enter", "open", "Open", id="links.open"),
        Binding("a", "save", "Save to read later", id="links.save"),
        Binding("y", "copy", "Copy address", id="links.copy"),
        Binding("q,escape", "close", "Back", id="links.back"),
    ]

    def __init__(self, services: Services, title: str, links: list[tuple[str, str, int]],
                 block: int = 0) -> None:
        super().__init__()
        self.services = services
        self.story_title = title
        self.links = links
        self.block = block

    def compose(self) -> ComposeResult:
        with Vertical(id="links-box"):
            heading = Text(f"{len(self.links)} link{'' if len(self.links) == 1 else 's'} in ",
                           style="bold")
            heading.append(clean_line(self.story_title, 80), style="bold italic")
            yield Static(heading, id="links-title")
            options = []
            for number, (text, url, _) in enumerate(self.links, 1):
                prompt = Text(f"{number:>3}. ", style="dim")
                prompt.append(clean_line(text, 200) or url)
                prompt.append("\n     " + clean_line(url, 300), style="dim")
                options.append(Option(prompt))
            yield OptionList(*options, id="links-list")
            yield Static(Text("enter: open (here when it is in the library, else in the browser) · "
                              "a: save to read later · y: copy · escape: back"), id="links-hint")

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        listing.highlighted = next(
            (i for i, (_, _, block) in enumerate(self.links) if block >= self.block), 0)
        listing.focus()

    def action_cursor_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def _chosen(self) -> str | None:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.links):
            return None
        return self.links[index][1]

    def on_option_list_option_selected(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        self.action_open()

    def action_open(self) -> None:
        url = self._chosen()
        if url is None:
            return
        try:
            story = self.services.kept_story_at(url)
        except Exception:  # noqa: BLE001 - the browser will do
            story = None
        if story is not None:
            self.dismiss(story)
        else:
            self.app.open_url(url)

    def action_copy(self) -> None:
        url = self._chosen()
        if url is not None:
            self.app.copy_to_clipboard(url)
            self.notify("Link copied.", markup=False)

    def action_save(self) -> None:
        url = self._chosen()
        if url is None:
            return
        self.notify(f"Saving {clean_line(url, 200)}…", markup=False)
        # On the app: the save goes on when this panel is closed.
        self.app.run_worker(self._save(url), group="save-link", exit_on_error=False)

    async def _save(self, url: str) -> None:
        app = self.app
        try:
            report = await self.services.add([url])
        except Exception as error:  # noqa: BLE001 - shown, never raised into the app
            app.notify(f"Could not save: {error_line(error)}", severity="error", markup=False)
            return
        severity = "warning" if report.failed else "information"
        app.notify(clean_line(report.summary(), 500), title="Save", severity=severity, markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
