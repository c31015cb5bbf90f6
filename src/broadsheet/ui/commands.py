"""App-wide commands: the command palette's entries and the actions that have
no screen of their own (import, export, sources, mark all read).

``BroadsheetApp`` mixes ``AppCommands`` in.  The palette lists every key
binding active on the current screen, with its key as currently mapped, plus
the app-wide commands below, so anything a key does can also be found by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import SystemCommand
from textual.screen import Screen

from broadsheet.sanitize import clean_line, error_line
from broadsheet.ui.keys import describe

if TYPE_CHECKING:
    from broadsheet.services import Services

IMPORT_FORMATS = ["opml", "json", "pocket", "instapaper", "omnivore", "wallabag", "readwise", "newsboat"]
EXPORT_FORMATS = ["json", "markdown", "w3c", "readwise", "opml"]
# Inherited scrolling and the palette itself are not worth a palette entry.
SKIPPED_ACTIONS = {"scroll_left", "scroll_right", "page_left", "page_right", "command_palette"}


def as_text(text: str) -> str:
    """The palette reads titles and help as markup; this makes every ``[`` literal
    (``textual.markup.escape`` leaves tags such as ``[A]`` alone)."""
    return text.replace("[", "\\[")


def binding_commands(app: Any, screen: Screen) -> Iterator[SystemCommand]:
    """One palette entry per binding active on ``screen``, titled with its keys."""
    grouped: dict[tuple[str, int], tuple[Any, Any, list[str]]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system or binding.action in SKIPPED_ACTIONS or not active.enabled:
            continue
        ident = (binding.id or binding.action, id(active.node))
        entry = grouped.setdefault(ident, (binding, active.node, []))
        shown = app.get_key_display(binding.with_key(key))
        if shown not in entry[2]:
            entry[2].append(shown)
    for (ident, _), (binding, node, keys) in grouped.items():
        description = describe(binding)
        title = f"{description}  [{' / '.join(keys)}]"
        help_text = f"key: {' / '.join(keys)} · id: {ident}"
        yield SystemCommand(as_text(title), as_text(help_text),
                            partial(app.run_action, binding.action, node))


class AppCommands:
    """Actions of the app that any screen can reach (through the palette or a key)."""

    services: "Services"

    # -- palette ---------------------------------------------------------------
    def broadsheet_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        app: Any = self
        yield from binding_commands(app, screen)
        yield SystemCommand("Import a file", "OPML, Pocket, Instapaper, Omnivore, wallabag, "
                            "Readwise or broadsheet JSON", self.action_import)
        yield SystemCommand("Export the library", "json, markdown (a folder), w3c annotations "
                            "or opml", self.action_export)

    # -- helpers ---------------------------------------------------------------
    def _list_screen(self) -> Any:
        from broadsheet.ui.screens.list_screen import ListScreen

        app: Any = self
        for screen in reversed(app.screen_stack):
            if isinstance(screen, ListScreen):
                return screen
        return None

    def _reload_list(self) -> None:
        screen = self._list_screen()
        if screen is not None and screen.is_mounted:
            screen.story_list.reload(keep_cursor=True)
            screen.recount()

    def _tell(self, message: str, severity: str = "information", title: str = "") -> None:
        app: Any = self
        app.notify(clean_line(message, 500), title=title, severity=severity, markup=False)

    # -- sources ---------------------------------------------------------------
    def action_sources(self) -> None:
        """Every source with its unread count, last success and last error."""
        from broadsheet.ui.screens.sources_screen import SourcesScreen

        app: Any = self
        if isinstance(app.screen, SourcesScreen):
            return

        def chosen(query: str | None) -> None:
            screen = self._list_screen()
            if query and screen is not None:
                while app.screen is not screen:
                    app.pop_screen()
                screen.story_list.set_query(query)
                screen.recount()

        app.push_screen(SourcesScreen(self.services, clock=app.clock), chosen)

    # -- mark all read ----------------------------------------------------------
    def action_mark_all_read(self) -> None:
        """Mark every story of the list, as it is filtered now, read (after asking)."""
        from broadsheet.ui.screens.tag_dialogs import Confirm

        app: Any = self
        screen = self._list_screen()
        query = screen.story_list.query_text if screen is not None else ""
        try:
            count = self.services.count_stories(f"{query} is:unread".strip())
        except Exception as error:  # noqa: BLE001 - shown, never raised
            self._tell(error_line(error), "error")
            return
        if not count:
            self._tell("Nothing unread here.")
            return
        question = Text(f"Mark {count} unread stor{'y' if count == 1 else 'ies'} read")
        if query:
            question.append(" (filter: ")
            question.append(clean_line(query, 120), style="bold")
            question.append(")")
        question.append("?")

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                done = self.services.mark_all_read(query)
            except Exception as error:  # noqa: BLE001
                self._tell(error_line(error), "error")
                return
            self._tell(f"Marked {done} stor{'y' if done == 1 else 'ies'} read.")
            self._reload_list()

        app.push_screen(Confirm(question), answered)

    # -- import and export --------------------------------------------------------
    def _with_file(self, dialog: Any, title: str, work: Any) -> None:
        """Ask for a file with ``dialog``, then ``work(path, format)``; a failure is one line."""
        app: Any = self

        def chosen(result: tuple[Path, str | None] | None) -> None:
            if result is None:
                return
            path, format_name = result
            try:
                work(path, format_name)
            except Exception as error:  # noqa: BLE001
                self._tell(f"{title} failed ({path.name}): {error_line(error)}", "error", title)

        app.push_screen(dialog, chosen)

    def action_import(self) -> None:
        """Import feeds or a read-later export from a file (or newsboat's folder)."""
        from broadsheet.ui.screens.file_dialog import FileDialog

        app: Any = self
        library_path = self.services.library.path

        def import_here(path: Path, format_name: str | None) -> Any:
            # In a thread, on a connection of its own: a newsboat cache can
            # hold tens of thousands of stories, and the keys go on meanwhile.
            from broadsheet.services import Services

            services = Services.open(library_path)
            try:
                return services.import_file(path, format_name)
            finally:
                services.close()

        async def importing(path: Path, format_name: str | None) -> None:
            import asyncio

            try:
                report = await asyncio.to_thread(import_here, path, format_name)
            except Exception as error:  # noqa: BLE001
                self._tell(f"Import failed ({path.name}): {error_line(error)}", "error", "Import")
                return
            for problem in report.problems[:3]:
                self._tell(f"{path.name}: {problem}", "warning", "Import")
            self._tell(report.summary(), title="Import")
            self._reload_list()

        def work(path: Path, format_name: str | None) -> None:
            self._tell(f"Importing {path.name}…", title="Import")
            app.run_worker(importing(path, format_name), group="import", exit_on_error=False)

        self._with_file(FileDialog(
            "Import a file", "enter imports · escape cancels · nothing is fetched; "
            "refresh afterwards for new stories", IMPORT_FORMATS, guess=True), "Import", work)

    def action_export(self) -> None:
        """Export the library (json), notes (markdown, w3c) or feeds (opml)."""
        from broadsheet.ui.screens.file_dialog import FileDialog

        def work(path: Path, format_name: str | None) -> None:
            _, summary = self.services.export_to(format_name or "json", path)
            self._tell(summary, title="Export")

        self._with_file(FileDialog(
            "Export the library", "enter writes the file (markdown: a folder) · escape cancels",
            EXPORT_FORMATS, value=str(Path.home() / "broadsheet-export.json")), "Export", work)
