"""The broadsheet Textual application."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import Theme

from broadsheet import config as bs_config
from broadsheet import settle
from broadsheet.model import utcnow
from broadsheet.sanitize import clean_line
from broadsheet.ui.commands import AppCommands
from broadsheet.ui.screens.list_screen import ListScreen
from broadsheet.ui.widgets.paged_list import compact_css

# The theme files are read (broadsheet.ui.themes, and TOML) only when the theme
# kept from the last start no longer fits them (see KeptTheme).

if TYPE_CHECKING:
    from textual.css.stylesheet import Stylesheet

    from broadsheet.services import Services

# Screens other than the list are imported when first opened, so that the
# first screen does not wait for them.


class BroadsheetApp(AppCommands, App):
    """Read, tag and annotate the stories of one library."""

    # The list screen is the default screen, which Textual builds without
    # reading its CSS_PATH: its styles load with the app's (compacted: they
    # are parsed before the first frame).
    CSS_PATH = "app.tcss"
    CSS = compact_css((Path(__file__).parent / "screens" / "list_screen.tcss").read_text(encoding="utf-8"))
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
        cache_dir: Path | None = None,
    ) -> None:
        """``cache_dir``: keep there, for the next start, the theme built now
        and the styles parsed now (see :class:`KeptTheme`, :class:`ParsedStyles`)."""
        self.services = services
        self.config = config if config is not None else bs_config.Config()
        self.clock: Callable[[], datetime] = clock or utcnow
        self.remember_theme = remember_theme
        self.startup_problems: list[str] = list(self.config.problems)
        self._theme_dirs = theme_dirs
        self._all_themes_loaded = False
        self._variables_theme: str | None = None  # the theme the style sheet's variables are made for
        super().__init__()
        kept = KeptTheme(cache_dir, self.config.theme, theme_dirs) if cache_dir is not None else None
        if kept is None or not self._use_kept_theme(kept):
            self._choose_theme()
            if kept is not None:
                kept.save(self.current_theme, self._theme_problems, self._css_variables)
        if cache_dir is not None:
            self.keep_parsed_styles(cache_dir)
        if self.config.keys:
            from broadsheet.ui.keys import check_keymap

            keymap, problems = check_keymap(self.config.keys)
            self.startup_problems.extend(problems)
            self.set_keymap(keymap)

    def _choose_theme(self) -> None:
        """Build the theme of the config (or the default one) and use it."""
        from broadsheet.ui.themes import DEFAULT_THEME, load_theme_named

        # Only the theme in use is built now; the others when something asks
        # for every theme (the theme picker) or for one not built yet.
        self._theme_problems: list[str] | None = []
        wanted = self.config.theme or DEFAULT_THEME
        if not self._known_theme(wanted):
            loaded = load_theme_named(wanted, self._theme_dirs)
            self._theme_problems.extend(loaded.problems)
            for theme in loaded.themes:
                self.register_theme(theme)
        self.startup_problems.extend(self._theme_problems)
        if not self._known_theme(wanted):
            self._theme_problems = None  # not a start worth keeping
            self.load_all_themes()
            if not self._known_theme(wanted):
                self.startup_problems.append(f"Theme {wanted!r} is not installed; using another.")
                wanted = DEFAULT_THEME if self._known_theme(DEFAULT_THEME) else "textual-dark"
        self.theme = wanted
        self._use_theme_variables()

    def _use_kept_theme(self, kept: "KeptTheme") -> bool:
        """Use the theme kept from the last start, if it still fits; True if so."""
        found = kept.load()
        if found is None:
            return False
        theme, problems, variables = found
        if not self._known_theme(theme.name):
            self.register_theme(theme)
        self.startup_problems.extend(problems)
        self.theme = theme.name
        self._variables_theme = theme.name
        self._css_variables = self.theme_variables = variables
        self.stylesheet.set_variables(variables)
        return True

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """broadsheet's colours for the current theme: a theme file sets them; for
        other themes (Textual's own) they are derived from its colours, light or
        dark, and checked for contrast (once per theme)."""
        from broadsheet.ui.themes import VARIABLE_DEFAULTS, derived_variables

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
        from broadsheet.ui.themes import load_themes

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

    def get_css_variables(self) -> dict[str, str]:
        if self._variables_theme is None:
            # Textual's __init__ asks for the variables of its default theme,
            # before broadsheet has chosen its own: they would only be thrown
            # away (see _use_theme_variables).
            return {}
        return super().get_css_variables()

    def _use_theme_variables(self) -> None:
        """Give the style sheet the variables of the current theme."""
        self._variables_theme = self.theme
        self._css_variables = self.get_css_variables()
        self.stylesheet.set_variables(self._css_variables)

    def keep_parsed_styles(self, folder: Path) -> None:
        """Start from the styles parsed at the last start with this theme, and
        keep what is parsed now for the next (see :class:`ParsedStyles`)."""
        self._parsed_styles = ParsedStyles(folder, self._css_variables)
        self._parsed_styles.load_into(self.stylesheet)

    def save_parsed_styles(self) -> None:
        """Called once the first screen is up, and at the end."""
        parsed = self.__dict__.get("_parsed_styles")
        if parsed is not None and self.theme == self._variables_theme:
            parsed.save_from(self.stylesheet)

    def refresh_css(self, animate: bool = True) -> None:
        if not self.screen_stack:
            # Choosing the theme in __init__ asks for this before anything is
            # styled, and the variables were made then.  (Textual would parse
            # every style sheet in a fresh copy, then again once the screen is
            # built, since the fresh copy's parse is not kept.)
            if self.theme != self._variables_theme:
                self._use_theme_variables()
                self.stylesheet.parse()
            return
        super().refresh_css(animate)

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
        # One help screen, kept (installed): shown again, it is not built and laid out again.
        if not self.is_screen_installed("help"):
            self.install_screen(HelpScreen(), "help")
        help_screen = self.get_screen("help")
        help_screen.show_for(self.screen)
        self.push_screen(help_screen)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from self.broadsheet_commands(screen)


def _read_kept(path: Path) -> object | None:
    """What was kept in ``path`` (a pickle), if the file belongs to the user and
    only they can write it; None when there is no such file or it is damaged."""
    import pickle

    try:
        with path.open("rb") as handle:
            status = os.fstat(handle.fileno())
            if status.st_uid != os.getuid() or status.st_mode & 0o022:
                return None
            return pickle.load(handle)
    except Exception:  # noqa: BLE001 - no file, an old or damaged one: start without it
        return None


def _keep(path: Path, value: object) -> None:
    """Write ``value`` to ``path`` for the next start, readable by the user only,
    in place of the files of the same kind (quietly: it is only a cache)."""
    import pickle

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
        kind = path.name.split("-", 1)[0]
        for old in path.parent.glob(f"{kind}-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 - a cache: never a reason to fail
        pass


def _code_stamp(*files: str | Path) -> list[tuple[int, int]]:
    """Size and time of code files: they change when the code does."""
    return [(stat.st_size, stat.st_mtime_ns) for stat in map(os.stat, files)]


def _kept_path(folder: Path, kind: str, *made_from: object) -> Path:
    """The file in ``folder`` that keeps a ``kind`` of thing made from
    ``made_from`` (with this Python): another file when any of it changes."""
    import hashlib
    import sys

    fingerprint = repr((sys.version_info[:2], *made_from))
    return folder / f"{kind}-{hashlib.blake2b(fingerprint.encode(), digest_size=10).hexdigest()}.pickle"


class KeptTheme:
    """The theme of the last start, built, with its problems and its style
    variables: building a theme reads every theme file and generates Textual's
    colour system, a few milliseconds of every start.  The file is named after
    the theme asked for, the theme files (their names, sizes and times), and
    the code that builds themes; anything changed, it is built again."""

    def __init__(self, folder: Path, wanted: str | None, theme_dirs: list | None = None) -> None:
        from textual import design, theme

        files: list = []
        for directory in (bs_config.theme_dirs() if theme_dirs is None else theme_dirs):
            try:
                with os.scandir(directory) as entries:
                    files += sorted((entry.path, entry.stat().st_size, entry.stat().st_mtime_ns)
                                    for entry in entries if entry.name.endswith(".toml"))
            except OSError:
                files.append((str(directory), None))
        # themes.py by its file: it is imported only when a theme is built.
        code = _code_stamp(design.__file__, theme.__file__, Path(__file__).with_name("themes.py"))
        self.path = _kept_path(folder, "theme", wanted, files, code)

    def load(self) -> tuple[Theme, list[str], dict[str, str]] | None:
        found = _read_kept(self.path)
        if (isinstance(found, tuple) and len(found) == 3 and isinstance(found[0], Theme)
                and isinstance(found[1], list) and isinstance(found[2], dict)):
            return found
        return None

    def save(self, theme: Theme, problems: list[str] | None, variables: dict[str, str]) -> None:
        if problems is not None:
            _keep(self.path, (theme, list(problems), dict(variables)))


class ParsedStyles:
    """Textual parses every style sheet on screen (its own widgets' and
    broadsheet's) at each start, a good part of the work before the first
    frame.  What it parsed is kept in a file of the cache folder and handed
    back to it at the next start: the file is named after the theme's
    variables and Textual's style modules, and within it each style sheet is
    found by its own text, so anything changed is simply parsed again.

    The file is read only if it belongs to the user and only they can write it.
    """

    def __init__(self, folder: Path, variables: dict[str, str]) -> None:
        from textual.css import model, parse, styles

        code = _code_stamp(model.__file__, parse.__file__, styles.__file__)
        self.path = _kept_path(folder, "styles", code, sorted(variables.items()))
        self.known: set = set()

    def load_into(self, stylesheet: "Stylesheet") -> None:
        parsed = _read_kept(self.path)
        if not isinstance(parsed, dict):
            return
        try:
            for key, rules in parsed.items():
                stylesheet._parse_cache.set(key, rules)
        except Exception:  # noqa: BLE001 - another Textual: it parses, as without the file
            return
        self.known = set(parsed)

    def save_from(self, stylesheet: "Stylesheet") -> None:
        """Keep what Textual has parsed, if it parsed anything new."""
        try:
            cache = stylesheet._parse_cache
            parsed = {key: cache.get(key) for key in list(cache.keys())}
        except Exception:  # noqa: BLE001 - another Textual: nothing to keep
            return
        if not set(parsed) <= self.known:
            _keep(self.path, parsed)
            self.known = set(parsed)


def run_app(services: "Services") -> None:
    """Run the reader on an open library (used by ``broadsheet`` without a command)."""
    config = bs_config.load_config()
    app = BroadsheetApp(services, config, remember_theme=True, cache_dir=bs_config.cache_dir())
    app.settle_memory = True
    # What exists now (the modules, Textual and broadsheet's classes) lives as
    # long as the process: the garbage collector need not go through it again
    # (a full collection while the first screen is built costs 20-60 ms).
    gc.freeze()
    try:
        app.run()
    finally:
        settle()  # (should the first screen never have been shown)
        app.save_parsed_styles()
