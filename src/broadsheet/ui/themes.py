"""Theme files (TOML) turned into Textual themes.

A theme file looks like ``themes/dark.toml``: a ``name``, ``dark``, the Textual
base colours and a ``[variables]`` table with broadsheet's own colours
(``bs-highlight-yellow`` …).  Every file in :func:`broadsheet.config.theme_dirs`
is read; a broken file gives a one-line problem naming it and the others still
load.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from textual.color import Color
from textual.theme import Theme

from broadsheet import config as bs_config

DEFAULT_THEME = "broadsheet-dark"

COLOUR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "warning",
    "error",
    "success",
)

# broadsheet's own theme variables, with fallbacks used by themes that do not
# define them (Textual's built-in themes, for example).
VARIABLE_DEFAULTS: dict[str, str] = {
    "bs-highlight-yellow": "#6b5d1f",
    "bs-highlight-green": "#2f5a2c",
    "bs-highlight-blue": "#274a6e",
    "bs-highlight-pink": "#6a2d52",
    "bs-note-marker": "#e0b060",
    "bs-link": "#86b4e0",
    "bs-quote": "#9aa0a8",
    "bs-unread": "#7aa2c8",
    "bs-tag": "#a99bd6",
    "bs-muted": "#8f8a82",
}

HIGHLIGHT_COLOURS = ("yellow", "green", "blue", "pink")


@dataclass
class ThemeLoad:
    themes: list[Theme] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def theme_from_mapping(data: dict, source: str = "theme") -> Theme:
    """Build and validate one theme; raises ValueError with a one-line reason."""
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{source}: missing 'name'")
    if "primary" not in data:
        raise ValueError(f"{source}: missing 'primary'")
    colours: dict[str, str] = {}
    for key in COLOUR_KEYS:
        if key in data:
            value = data[key]
            if not isinstance(value, str):
                raise ValueError(f"{source}: {key} must be a string")
            try:
                Color.parse(value)
            except Exception:
                raise ValueError(f"{source}: {key} is not a colour: {value!r}") from None
            colours[key] = value
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ValueError(f"{source}: dark must be true or false")
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ValueError(f"{source}: [variables] must be a table")
    clean_vars: dict[str, str] = {}
    for key, value in variables.items():
        if not isinstance(value, str):
            raise ValueError(f"{source}: variable {key} must be a string")
        if str(key).startswith("bs-"):
            try:
                Color.parse(value)
            except Exception:
                raise ValueError(f"{source}: variable {key} is not a colour: {value!r}") from None
        clean_vars[str(key)] = value
    theme = Theme(name=name.strip(), dark=dark, variables=clean_vars, **colours)
    try:
        theme.to_color_system().generate()
    except Exception as error:  # the colour system rejects odd combinations
        raise ValueError(f"{source}: {error}") from None
    return theme


def load_theme_file(path: Path) -> Theme:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"{path}: {error}") from None
    return theme_from_mapping(data, str(path))


def load_themes(dirs: list[Path] | None = None) -> ThemeLoad:
    """Every ``*.toml`` theme in ``dirs`` (default: config.theme_dirs())."""
    result = ThemeLoad()
    by_name: dict[str, Theme] = {}
    for folder in bs_config.theme_dirs() if dirs is None else dirs:
        try:
            files = sorted(folder.glob("*.toml"))
        except OSError as error:
            result.problems.append(f"{folder}: {error}")
            continue
        for path in files:
            try:
                theme = load_theme_file(path)
            except ValueError as error:
                result.problems.append(" ".join(str(error).split()))
                continue
            by_name[theme.name] = theme
    result.themes = list(by_name.values())
    return result
