"""Reading one story: clean text, a paragraph cursor, highlights and notes.

h and a act on, in this order: the text selected with the mouse, the sentences
selected with v (and j/k), else the cursor paragraph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.geometry import Offset
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static

from broadsheet.model import Annotation, Story
from broadsheet.sanitize import clean, clean_line, error_line
from broadsheet.services import HIGHLIGHT_COLORS, FullTextUnavailable
from broadsheet.ui.screens.note_editor import NoteEditor
from broadsheet.ui.screens.tag_editor import TagEditor
from broadsheet.ui.widgets.find_bar import FindBar
from broadsheet.ui.widgets.reader_view import selection_target, ReaderView

if TYPE_CHECKING:
    from broadsheet.services import Services
    from broadsheet.ui.widgets.story_list import StoryList

FETCHING = "Fetching full text…"
STAR = "★"


class ReaderScreen(Screen):
    CSS_PATH = "reader_screen.tcss"

    BINDINGS = [
        Binding("n", "next_story", "Next story", id="reader.next_story"),
        Binding("p", "previous_story", "Previous story", id="reader.previous_story"),
        Binding("h", "highlight", "Highlight", id="reader.highlight"),
        Binding("a", "annotate", "Note", id="reader.annotate"),
        Binding("c", "cycle_color", "Colour", id="reader.cycle_color", show=False),
        Binding("e", "edit_note", "Edit note", id="reader.edit_note", show=False),
        Binding("d", "delete_highlight", "Delete highlight", id="reader.delete_highlight", show=False),
        Binding("z", "undo_delete", "Undo delete", id="reader.undo_delete", show=False),
        Binding("N", "story_note", "Story note", id="reader.story_note", show=False),
        Binding("s", "toggle_star", "Star", id="reader.toggle_star", show=False),
        Binding("A", "app.annotations", "Annotations", id="app.annotations", show=False),
        Binding("t", "tags", "Tags", id="reader.tags"),
        Binding("u", "toggle_read", "Read/unread", id="reader.toggle_read", show=False),
        Binding("o", "open_browser", "Browser", id="reader.open_browser"),
        Binding("L", "links", "Links", id="reader.links", show=False),
        Binding("slash,ctrl+f", "find", "Find", id="reader.find", show=False),
        Binding("y", "copy_link", "Copy link", id="reader.copy_link", show=False),
        Binding("q,escape", "back", "Back", id="reader.back"),
    ]

    def __init__(self, services: "Services", story: Story, story_list: "StoryList | None" = None,
                 *, focus_annotation: int | None = None) -> None:
        super().__init__()
        self.services = services
        self.story = story
        self.story_list = story_list
        self.focus_annotation = focus_annotation  # put the cursor on this highlight once shown
        self.deleted: Annotation | None = None  # the last deleted highlight, for z
        self.story_note = ""
        self._note_shown: tuple[int, str] | None = None  # what the note panel shows
        self._position: tuple[int, int] | None = None  # (story, paragraph) as stored
        self._find_origin = 0  # where the find looks from, in the plain text
        self._last_find = ""  # what was found last, offered again by /

    def compose(self) -> ComposeResult:
        yield Static(id="reader-header")
        yield Static(id="story-note")
        yield ReaderView(id="reader")
        yield Static(id="highlight-note")
        yield FindBar(id="find")
        yield Footer()

    @property
    def view(self) -> ReaderView:
        return self.query_one("#reader", ReaderView)

    def get_widget_and_offset_at(self, x: int, y: int) -> tuple[Widget | None, Offset | None]:
        """Where a mouse selection starts or ends: the reader answers for itself
        (see ReaderView.selection_offset)."""
        found = selection_target(self, x, y)
        return found if found is not None else super().get_widget_and_offset_at(x, y)

    def on_mount(self) -> None:
        self.view.focus()
        self.load(self.story)

    # -- loading -------------------------------------------------------------
    def load(self, story: Story) -> None:
        self._remember_position()
        self.story = story
        self.deleted = None
        self.load_story_note()
        self.update_header()
        try:
            document = self.services.cached_document(story.id)
            annotations = self.services.annotations(story.id) if document is not None else []
        except Exception as error:
            document, annotations = None, []
            self.notify(error_line(error), severity="error", markup=False)
        if document is not None and document.partial:
            # The feed's text, kept when the page could not be fetched: shown
            # (and open to highlights) while the page is tried again.
            self.view.show(story, document, annotations, status=FETCHING)
            self._apply_focus()
            self.run_worker(self._fetch(story.id), group="fetch", exclusive=True, exit_on_error=False)
        elif document is not None:
            self.view.show(story, document, annotations)
            self._apply_focus()
        else:
            if not story.summary:
                try:  # list rows leave the summary out; it is the fallback text
                    story.summary = self.services.story(story.id).summary
                except Exception:
                    pass
            self.view.show(story, None, [], status=FETCHING)
            self.run_worker(self._fetch(story.id), group="fetch", exclusive=True, exit_on_error=False)
        if not story.read:
            try:
                self.services.set_read(story.id, True)
                story.read = True
            except Exception as error:
                self.notify(error_line(error), severity="error", markup=False)
        self.update_header()

    async def _fetch(self, story_id: int) -> None:
        try:
            document = await self.services.open_document(story_id)
            annotations = self.services.annotations(story_id)
        except FullTextUnavailable as error:
            # What the feed gave (its content or summary), kept as a partial
            # document: highlights can be made on it.
            if self.story.id == story_id:
                message = error_line(error)
                status = f"{message} — showing the feed's summary."
                shown, kept = self.view.story, self.view.document
                if shown is not None and shown.id == story_id and kept is not None and kept.partial:
                    # Shown already, from the library: the cursor stays, and
                    # the status line says what happened, without a toast.
                    self.view.set_status(status)
                    return
                try:
                    annotations = self.services.annotations(story_id)
                except Exception:
                    annotations = []
                self.view.show(self.story, error.fallback, annotations, status=status)
                self._apply_focus()
                self.notify(message, title="Full text", severity="warning", markup=False)
            return
        except Exception as error:
            if self.story.id == story_id:
                message = error_line(error)
                shown = message if self.story.summary == "" else f"{message} — showing the feed's summary."
                self.view.set_status(shown)
                self.notify(message, title="Full text", severity="warning", markup=False)
            return
        if self.story.id == story_id:
            self.view.show(self.story, document, annotations)
            self._apply_focus()

    def _remember_position(self) -> None:
        """Note the paragraph the reader is on in the story shown, to open it
        there next time."""
        try:
            view = self.view
            if view.story is None or view.document is None:
                return
            if self._position != (view.story.id, view.cursor):  # a write only for a change
                self.services.set_reading_position(view.story.id, view.cursor)
                self._position = (view.story.id, view.cursor)
        except Exception:  # noqa: BLE001 - a position is a convenience, never an error
            pass

    def on_unmount(self) -> None:
        self._remember_position()

    def _apply_focus(self) -> None:
        """Put the cursor on the highlight asked for (from the highlights
        view), else where the story was left last time."""
        if self.focus_annotation is not None:
            if not self.view.focus_highlight(self.focus_annotation):
                self.notify("That highlight could not be placed in the text; it is listed at the end.",
                            markup=False)
            self.focus_annotation = None
            return
        try:
            position = self.services.reading_position(self.story.id)
        except Exception:  # noqa: BLE001 - a position is a convenience, never an error
            return
        self._position = (self.story.id, position)
        if position:
            self.view.resume_at(position)

    def load_story_note(self) -> None:
        try:
            self.story_note = self.services.story_note(self.story.id)
        except Exception:
            self.story_note = ""
        panel = self.query_one("#story-note", Static)
        if self.story_note:
            text = Text("Note: ", style="bold")
            text.append(clean(self.story_note))
            panel.update(text)
        else:
            panel.update("")
        panel.set_class(bool(self.story_note), "visible")

    def on_reader_view_current_highlight_changed(self, message: ReaderView.CurrentHighlightChanged) -> None:
        message.stop()
        self.show_highlight_note(message.annotation)

    def show_highlight_note(self, annotation: Annotation | None) -> None:
        # Runs on every cursor move: updating the panel re-lays out the
        # screen, so only touch it when what it shows changes.
        shown = (annotation.id, annotation.note) if annotation is not None and annotation.note else None
        if shown == self._note_shown:
            return
        self._note_shown = shown
        panel = self.query_one("#highlight-note", Static)
        if annotation is not None and annotation.note:
            text = Text("✎ ", style="bold")
            text.append(clean(annotation.note))
            panel.update(text)
            panel.add_class("visible")
        else:
            panel.update("")
            panel.remove_class("visible")

    def update_header(self) -> None:
        story = self.story
        text = Text(no_wrap=True, overflow="ellipsis")
        if story.starred:
            text.append(STAR + " ", style="bold")
        text.append(clean_line(story.source_title or "", 60), style="bold")
        if story.tags:
            text.append("  ")
            text.append(" ".join("#" + clean_line(t, 64) for t in story.tags), style="italic")
        if not story.read:
            text.append("  unread", style="dim")
        if self.story_list is not None and self.story_list.count:
            text.append(f"  {self.story_list.cursor + 1}/{self.story_list.count}", style="dim")
        self.query_one("#reader-header", Static).update(text)

    def _reload_story(self) -> None:
        try:
            fresh = self.services.story(self.story.id)
        except Exception:
            return
        self.story.tags = fresh.tags
        self.story.read = fresh.read
        self.story.starred = fresh.starred
        if self.story_list is not None:
            self.story_list.update_story(self.story)
        self.update_header()

    def _refresh_annotations(self) -> None:
        try:
            self.view.set_annotations(self.services.annotations(self.story.id))
        except Exception as error:
            self.notify(error_line(error), severity="error", markup=False)

    # -- navigation ----------------------------------------------------------
    def _step(self, delta: int) -> None:
        if self.story_list is None:
            self.app.bell()
            return
        index = self.story_list.cursor + delta
        story = self.story_list.story_at(index)
        if story is None:
            self.notify("No more stories." if delta > 0 else "This is the first story.", markup=False)
            return
        self.story_list.cursor = index
        self.load(story)

    def action_next_story(self) -> None:
        self._step(1)

    def action_previous_story(self) -> None:
        self._step(-1)

    def key_escape(self, event: events.Key) -> None:
        """escape drops a selection (mouse or sentences) and stays; without one
        the escape binding goes back.  (Textual's own escape handling would drop
        a mouse selection and then let the binding leave the reader too.)"""
        if self.selections or self.view.selection is not None:
            event.stop()
            event.prevent_default()
            self.action_back()

    def action_back(self) -> None:
        if self.selections:  # text selected with the mouse
            self.clear_selection()
            return
        if self.view.selection is not None:
            self.view.clear_selection()
            return
        self._remember_position()
        self.dismiss()

    # -- find in the story -----------------------------------------------------
    @property
    def find_bar(self) -> FindBar:
        return self.query_one("#find", FindBar)

    def action_find(self) -> None:
        if self.view.document is None:
            self.notify("The story's text is not here yet.", markup=False)
            return
        here = self.view.current_range()
        self._find_origin = here[0] if here is not None else 0
        query = self.view.find_query or self._last_find
        self.find_bar.open(query)
        if query:
            self.view.find(query, self._find_origin)

    def on_find_bar_changed(self, message: FindBar.Changed) -> None:
        message.stop()
        current = self.view.current_match()
        if current is not None:  # more words typed: from the match shown, as a browser does
            self._find_origin = current[0]
        self.view.find(message.query, self._find_origin)

    def on_find_bar_step(self, message: FindBar.Step) -> None:
        message.stop()
        if not self.view.find_query:
            return
        if not self.view.step_match(message.step):
            if self.view.current_match() is None:
                self.app.bell()
            else:
                where = "top" if message.step > 0 else "end"
                self.notify(f"Went on from the {where} of the story.", timeout=2, markup=False)

    def on_find_bar_closed(self, message: FindBar.Closed) -> None:
        message.stop()
        if self.view.find_query:
            self._last_find = self.view.find_query
        self.view.end_find()
        self.view.focus()

    def on_reader_view_matches_changed(self, message: ReaderView.MatchesChanged) -> None:
        message.stop()
        self.find_bar.show_count(message.current, message.count)

    # -- highlights and notes ------------------------------------------------
    def _current_range(self) -> tuple[int, int] | None:
        """The mouse selection, else the sentence selection, else the cursor paragraph."""
        if self.view.text_selection is not None:
            span = self.view.mouse_range()
            if span is None:
                self.notify("The selection holds none of the story's text.", markup=False)
            return span
        span = self.view.selection_range() or self.view.current_range()
        if span is None or span[0] >= span[1]:
            if self.view.document is None:
                self.notify("Highlights need the full text; it is not here yet.", severity="warning", markup=False)
            else:
                self.notify("Nothing to highlight here.", markup=False)
            return None
        return span

    def _same_span(self, span: tuple[int, int]) -> list[Annotation]:
        """The highlights of exactly that text."""
        return [a for a in self.view.annotations
                if not a.orphaned and (a.position.start, a.position.end) == span]

    def _drop_selections(self) -> None:
        self.view.clear_selection()
        if self.view.text_selection is not None:
            self.clear_selection()

    def action_highlight(self) -> None:
        span = self._current_range()
        if span is None:
            return
        existing = self._same_span(span)
        try:
            if existing:
                plain = [a for a in existing if not a.note]
                if not plain:
                    self.notify("This highlight has a note; press e to edit it or d to delete it.", markup=False)
                    return
                for note in plain:
                    self.services.delete_annotation(note.id)
                self.notify("Highlight removed.", markup=False)
            else:
                self.services.annotate_range(self.story.id, span[0], span[1])
        except Exception as error:
            self.notify(error_line(error), severity="error", markup=False)
        self._drop_selections()
        self._refresh_annotations()

    def action_annotate(self) -> None:
        span = self._current_range()
        if span is None:
            return
        existing = self._same_span(span)
        try:
            annotation = existing[0] if existing else self.services.annotate_range(self.story.id, span[0], span[1])
        except Exception as error:
            self.notify(error_line(error), severity="error", markup=False)
            return
        self._drop_selections()
        self._refresh_annotations()

        def done(note: str | None) -> None:
            if note is None:
                return
            try:
                self.services.set_note(annotation.id, note)
            except Exception as error:
                self.notify(error_line(error), severity="error", markup=False)
            else:
                self.notify("Note saved.", markup=False)
            self._refresh_annotations()

        self.app.push_screen(NoteEditor(annotation), done)

    def _current_highlight(self) -> Annotation | None:
        annotation = self.view.current_highlight()
        if annotation is None:
            self.notify("No highlight here; ] and [ move between highlights.", markup=False)
        return annotation

    def action_cycle_color(self) -> None:
        annotation = self._current_highlight()
        if annotation is None:
            return
        colours = HIGHLIGHT_COLORS
        index = colours.index(annotation.color) if annotation.color in colours else -1
        colour = colours[(index + 1) % len(colours)]
        try:
            self.services.set_annotation_color(annotation.id, colour)
        except Exception as error:
            self.notify(error_line(error), severity="error", markup=False)
            return
        self._refresh_annotations()

    def action_edit_note(self) -> None:
        annotation = self._current_highlight()
        if annotation is None:
            return

        def done(note: str | None) -> None:
            if note is None:
                return
            try:
                self.services.set_note(annotation.id, note)
            except Exception as error:
                self.notify(error_line(error), severity="error", markup=False)
            else:
                self.notify("Note saved." if note else "Note removed.", markup=False)
            self._refresh_annotations()

        self.app.push_screen(NoteEditor(annotation), done)

    def action_delete_highlight(self) -> None:
        annotation = self._current_highlight()
        if annotation is None:
            return
        try:
            self.deleted = self.services.delete_annotation(annotation.id)
        except Exception as error:
            self.notify(error_line(error), severity="error", markup=False)
            return
        self._refresh_annotations()
        self.notify("Highlight deleted — press z to undo", markup=False)

    def action_undo_delete(self) -> None:
        if self.deleted is None:
            self.notify("Nothing to undo.", markup=False)
            return
        annotation, self.deleted = self.deleted, None
        try:
            self.services.restore_annotation(annotation)
        except Exception as error:
            self.notify(error_line(error), severity="error", markup=False)
            return
        self._refresh_annotations()
        self.view.focus_highlight(annotation.id)
        self.notify("Highlight restored.", markup=False)

    def action_story_note(self) -> None:
        story_id = self.story.id

        def done(note: str | None) -> None:
            if note is None:
                return
            try:
                self.services.set_story_note(story_id, note)
            except Exception as error:
                self.notify(error_line(error), severity="error", markup=False)
                return
            if self.story.id == story_id:
                self.load_story_note()
            self.notify("Story note saved." if note else "Story note removed.", markup=False)

        self.app.push_screen(NoteEditor(title=self.story.title, note=self.story_note), done)

    def action_toggle_star(self) -> None:
        try:
            self.services.set_starred(self.story.id, not self.story.starred)
        except Exception as error:
            self.notify(error_line(error), severity="error", markup=False)
            return
        self._reload_story()
        self.notify("Starred." if self.story.starred else "Star removed.", markup=False)

    # -- story actions -------------------------------------------------------
    def action_tags(self) -> None:
        def saved(tags: tuple[str, ...] | None) -> None:
            if tags is not None:
                self._reload_story()

        self.app.push_screen(TagEditor(self.services, self.story), saved)

    def action_toggle_read(self) -> None:
        try:
            self.services.set_read(self.story.id, not self.story.read)
        except Exception as error:
            self.notify(error_line(error), severity="error", markup=False)
            return
        self._reload_story()
        self.notify("Marked read." if self.story.read else "Marked unread.", markup=False)

    def action_open_browser(self) -> None:
        if not self.story.url:
            self.notify("This story has no web address.", severity="warning", markup=False)
            return
        self.app.open_url(self.story.url)

    def action_links(self) -> None:
        """The story's links, from the one at the cursor on."""
        from broadsheet.ui.screens.links_screen import LinksScreen, document_links

        document = self.view.document
        links = document_links(document) if document is not None else []
        if not links:
            self.notify("This story's text has no links." if document is not None
                        else "The story's text is not here yet.", markup=False)
            return

        def chosen(story: Story | None) -> None:
            if story is not None:  # a saved article or Welcome story: read here
                self.load(story)

        self.app.push_screen(LinksScreen(self.services, self.story.title, links, self.view.cursor),
                             chosen)

    def action_copy_link(self) -> None:
        if not self.story.url:
            self.notify("This story has no web address.", severity="warning", markup=False)
            return
        self.app.copy_to_clipboard(self.story.url)
        self.notify("Link copied.", markup=False)
