"""The story under the list's cursor, beside the list on wide terminals.

It shows what is already in the library — the stored article, else the feed's
summary — and never fetches: moving the cursor must stay instant and must not
mark anything read.  ``enter`` still opens the full reader, which fetches.
Updates wait until the cursor rests for a moment, so holding ``j`` does not lay
out every story it passes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Static

from broadsheet.model import Story
from broadsheet.sanitize import clean_line
from broadsheet.ui.widgets.reader_view import ReaderView

if TYPE_CHECKING:
    from broadsheet.services import Services

DELAY = 0.12  # seconds the cursor rests before the preview follows
NOT_STORED = "Only the feed's summary is stored; enter opens the full text."


class PreviewPane(Vertical):
    DEFAULT_CSS = """
    PreviewPane {
        width: 1fr;
        height: 1fr;
        border-left: tall $border-blurred;
    }
    PreviewPane > #preview-header {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    PreviewPane > ReaderView {
        height: 1fr;
    }
    """

    def __init__(self, services: "Services", **kwargs) -> None:
        super().__init__(**kwargs)
        self.services = services
        self.story_id: int | None = None
        self._pending: Story | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="preview-header")
        view = ReaderView(id="preview-view")
        view.can_focus = False  # keys stay with the list; the wheel still scrolls it
        yield view

    @property
    def view(self) -> ReaderView:
        return self.query_one("#preview-view", ReaderView)

    def follow(self, story: Story | None, now: bool = False) -> None:
        """Show ``story`` once the cursor has rested (at once with ``now``)."""
        self._pending = story
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if now:
            self._show_pending()
        else:
            self._timer = self.set_timer(DELAY, self._show_pending)

    def _show_pending(self) -> None:
        self._timer = None
        story = self._pending
        if story is None:
            self.story_id = None
            self.query_one("#preview-header", Static).update(Text("No story here.", style="dim"))
            return
        try:
            document = self.services.cached_document(story.id)
            annotations = self.services.annotations(story.id) if document is not None else []
            if document is None and not story.summary:
                story.summary = self.services.story(story.id).summary
        except Exception:  # noqa: BLE001 - a preview that cannot load shows the title alone
            document, annotations = None, []
        header = Text(no_wrap=True, overflow="ellipsis")
        header.append(clean_line(story.source_title or "", 60), style="bold")
        if document is None or document.partial:
            header.append("  " + NOT_STORED)
        self.query_one("#preview-header", Static).update(header)
        same = self.story_id == story.id
        self.story_id = story.id
        if not same or document is not self.view.document:
            self.view.show(story, document, annotations)
