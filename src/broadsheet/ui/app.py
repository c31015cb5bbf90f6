"""The broadsheet Textual application."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from broadsheet import config as bs_config
from broadsheet.model import utcnow
from broadsheet.sanitize import clean_line
from broadsheet.ui.commands import AppCommands
from broadsheet.ui.screens.help_screen import HelpScreen
from broadsheet.ui.screens.list_screen import ListScreen
from broadsheet.ui.screens.reader_screen import ReaderScreen
from broadsheet.ui.themes import DEFAULT_THEME, VARIABLE_DEFAULTS, load_themes

if TYPE_CHECKING:
    from broadsheet.services import Services


class BroadsheetApp(AppCommands, App):
    """Read, tag and annotate the stories of one library."""

    CSS_PATH = "app.tcss"
    TITLE = "broadsheet"

    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+p", "command_palette", "Commands", id="app.command_palette", show=False, priority=True),
        Binding("S", "sources", "Sources", id="app.sources", show=False),
        Binding("M", "mark_all_read", "Mark all read", id="app.mark_all_read", show=False),
    ]

    def __init__(
        self,
        services: "Services",
        config: bs_config.Config | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        theme_dirs: list | None = None,
        remember_theme: bool = False,
    ) -> None:
        self.services = services
        self.config = config if config is not None else bs_config.Config()
        self.clock: Callable[[], datetime] = clock or utcnow
        self.remember_theme = remember_theme
        self.startup_problems: list[str] = list(self.config.problems)
        super().__init__()
        loaded = load_themes(theme_dirs)
        self.startup_problems.extend(loaded.problems)
        for theme in loaded.themes:
            self.register_theme(theme)
        wanted = self.config.theme or DEFAULT_THEME
        if wanted not in self.available_themes:
            self.startup_problems.append(f"Theme {wanted!r} is not installed; using another.")
            wanted = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        self.theme = wanted
        if self.config.keys:
            from broadsheet.ui.keys import check_keymap

            keymap, problems = check_keymap(self.config.keys)
            self.startup_problems.extend(problems)
            self.set_keymap(keymap)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def on_mount(self) -> None:
        self.push_screen(ListScreen(self.services))
        for problem in self.startup_problems:
            self.notify(clean_line(problem, 300), title="Problem", severity="warning",
                        markup=False, timeout=8)

    def watch_theme(self, theme: str) -> None:
        if self.remember_theme and self.is_running:
            try:
                bs_config.save_theme(theme, self.config.path)
            except OSError as error:
                self.notify(f"Could not save the theme: {error}", severity="warning", markup=False)

    def action_annotations(self) -> None:
        """Every highlight and note in the library (A)."""
        from broadsheet.ui.screens.annotations_screen import AnnotationsScreen

        if isinstance(self.screen, AnnotationsScreen):
            return
        stack = self.screen_stack
        if len(stack) >= 2 and isinstance(stack[-2], AnnotationsScreen):
            self.pop_screen()  # the reader was opened from there: go back rather than pile up
            return
        self.push_screen(AnnotationsScreen(self.services))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from self.broadsheet_commands(screen)


def run_app(services: "Services") -> None:
    """Run the reader on an open library (used by ``broadsheet`` without a command)."""
    config = bs_config.load_config()
    BroadsheetApp(services, config, remember_theme=True).run()
