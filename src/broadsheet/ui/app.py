"""The broadsheet Textual application."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import Theme

from broadsheet import config as bs_config
from broadsheet.model import utcnow
from broadsheet.sanitize import clean_line
from broadsheet.ui.commands import AppCommands
from broadsheet.ui.screens.list_screen import ListScreen
from broadsheet.ui.themes import derived_variables, DEFAULT_THEME, VARIABLE_DEFAULTS, load_theme_named, load_themes

if TYPE_CHECKING:
    from broadsheet.services import Services

# Screens other than the list are imported when first opened, so that the
# first screen does not wait for them.


class BroadsheetApp(AppCommands, App):
    """Read, tag and annotate the stories of one library."""

    # The list screen is the default screen, which Textual builds without
    # reading its CSS_PATH: its styles load with the app's.
    CSS_PATH = ["app.tcss", "screens/list_screen.tcss"]
    TITLE = "broadsheet"

    settle_memory = False
    """Freeze the objects of the first screen for the garbage collector once it
    is shown (set by :func:`run_app`; not in tests, which start many apps)."""

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
        self._theme_dirs = theme_dirs
        self._all_themes_loaded = False
        super().__init__()
        # Only the theme in use is built now; the others when something asks
        # for every theme (the theme picker) or for one not built yet.
        wanted = self.config.theme or DEFAULT_THEME
        if not self._known_theme(wanted):
            loaded = load_theme_named(wanted, theme_dirs)
            self.startup_problems.extend(loaded.problems)
            for theme in loaded.themes:
                self.register_theme(theme)
        if not self._known_theme(wanted):
            self.load_all_themes()
            if not self._known_theme(wanted):
                self.startup_problems.append(f"Theme {wanted!r} is not installed; using another.")
                wanted = DEFAULT_THEME if self._known_theme(DEFAULT_THEME) else "textual-dark"
        self.theme = wanted
        if self.config.keys:
            from broadsheet.ui.keys import check_keymap

            keymap, problems = check_keymap(self.config.keys)
            self.startup_problems.extend(problems)
            self.set_keymap(keymap)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """broadsheet's colours for the current theme: a theme file sets them; for
        other themes (Textual's own) they are derived from its colours, light or
        dark, and checked for contrast (once per theme)."""
        try:
            theme = self.current_theme
        except Exception:  # noqa: BLE001 - no theme yet while the app starts
            return dict(VARIABLE_DEFAULTS)
        cache = self.__dict__.setdefault("_derived_variables", {})
        if theme.name not in cache:
            own = {key for key in theme.variables if key.startswith("bs-")}
            cache[theme.name] = (dict(VARIABLE_DEFAULTS) if own >= set(VARIABLE_DEFAULTS)
                                 else derived_variables(theme))
        return dict(cache[theme.name])

    # -- themes, built when first needed -------------------------------------------
    def _known_theme(self, name: str) -> bool:
        return name in App.available_themes.fget(self)  # type: ignore[attr-defined]

    def load_all_themes(self) -> None:
        """Build and register every theme file (once); their problems are shown."""
        if self._all_themes_loaded:
            return
        self._all_themes_loaded = True
        loaded = load_themes(self._theme_dirs)
        for theme in loaded.themes:
            if not self._known_theme(theme.name):
                self.register_theme(theme)
        problems = [p for p in loaded.problems if p not in self.startup_problems]
        if self.is_running:
            for problem in problems:
                self.notify(clean_line(problem, 300), title="Problem", severity="warning",
                            markup=False, timeout=8)
        else:
            self.startup_problems.extend(problems)

    @property
    def available_themes(self) -> dict[str, Theme]:
        self.load_all_themes()
        return super().available_themes

    def get_theme(self, theme_name: str) -> Theme | None:
        known = App.available_themes.fget(self)  # type: ignore[attr-defined]
        for name in theme_name.split(","):
            theme = known.get(name.strip())
            if theme is not None:
                return theme
        self.load_all_themes()
        return super().get_theme(theme_name)

    def _validate_theme(self, theme_name: str) -> str:
        if self._known_theme(theme_name):
            return theme_name
        self.load_all_themes()
        return super()._validate_theme(theme_name)

    def get_default_screen(self) -> Screen:
        # The list is the screen at the bottom of the stack (rather than pushed
        # over Textual's empty default screen): one screen less to build.
        return ListScreen(self.services)

    def on_mount(self) -> None:
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
        from broadsheet.ui.screens.help_screen import HelpScreen

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
    app = BroadsheetApp(services, config, remember_theme=True)
    app.settle_memory = True
    # What exists now (the modules, Textual and broadsheet's classes) lives as
    # long as the process: the garbage collector need not go through it again
    # (a full collection while the first screen is built costs 20-60 ms).
    gc.freeze()
    app.run()
