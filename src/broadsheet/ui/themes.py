"""Theme files (TOML) turned into Textual themes.

A theme file looks like ``themes/dark.toml``: a ``name``, ``dark``, the Textual
base colours and a ``[variables]`` table with broadsheet's own colours
(``bs-highlight-yellow`` …).  Every file in :func:`broadsheet.config.theme_dirs`
is read; a broken file gives a one-line problem naming it and the others still
load.  A theme that leaves out some of broadsheet's colours gets them derived
from its own colours (with broadsheet-dark or broadsheet-light as the starting
point), so the interface never lacks a variable.

Starting the reader needs one theme: :func:`load_theme_named` reads the files
but builds only the theme asked for (building one means generating Textual's
colour system for it, the costly part); :func:`load_themes` builds them all,
for the theme picker.
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

# Numeric tuning knobs of Textual's colour system, accepted as they are.
NUMBER_KEYS = ("luminosity_spread", "text_alpha")

KNOWN_KEYS = frozenset(("name", "dark", "variables", *COLOUR_KEYS, *NUMBER_KEYS))

# broadsheet's own colours in broadsheet-dark and broadsheet-light (the same
# values as themes/dark.toml and themes/light.toml).
DARK_VARIABLES: dict[str, str] = {
    "bs-highlight-yellow": "#5c4f1e",
    "bs-highlight-green": "#2f4a2c",
    "bs-highlight-blue": "#263f5a",
    "bs-highlight-pink": "#5a2b46",
    "bs-note-marker": "#e0b060",
    "bs-link": "#86b4e0",
    "bs-quote": "#9aa0a8",
    "bs-unread": "#7aa2c8",
    "bs-tag": "#a99bd6",
    "bs-muted": "#8f8a82",
}

LIGHT_VARIABLES: dict[str, str] = {
    "bs-highlight-yellow": "#f4e3a1",
    "bs-highlight-green": "#cfe8c6",
    "bs-highlight-blue": "#cbdff2",
    "bs-highlight-pink": "#f2cfe0",
    "bs-note-marker": "#a8671a",
    "bs-link": "#2f5f8a",
    "bs-quote": "#6b665e",
    "bs-unread": "#2f5f8a",
    "bs-tag": "#6b5a9e",
    "bs-muted": "#7a746b",
}

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

# Pure hues that a derived highlight mixes into the theme's background.
_HIGHLIGHT_HUES = {
    "yellow": "#e6b422",
    "green": "#5fb35f",
    "blue": "#4a90d9",
    "pink": "#d9599a",
}

# For each text colour: the theme colours to try, in order, before the
# broadsheet-dark/light value.
_TEXT_SOURCES = {
    "bs-link": ("primary", "accent"),
    "bs-unread": ("primary", "accent"),
    "bs-tag": ("secondary", "accent"),
    "bs-note-marker": ("warning", "accent"),
}

# Readable text against the background (WCAG 2.x AA for body text).
_READABLE = 4.5
_LEGIBLE = 3.0


@dataclass
class ThemeLoad:
    themes: list[Theme] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# -- colour arithmetic -------------------------------------------------------

def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: Color) -> float:
    """WCAG 2.x relative luminance of an opaque colour."""
    return 0.2126 * _channel(colour.r) + 0.7152 * _channel(colour.g) + 0.0722 * _channel(colour.b)


def contrast_ratio(first: Color | str, second: Color | str) -> float:
    """WCAG 2.x contrast ratio (1 … 21) of two colours; translucent colours
    are laid over the other one first."""
    a = Color.parse(first) if isinstance(first, str) else first
    b = Color.parse(second) if isinstance(second, str) else second
    if b.a < 1:
        b = a + b
    if a.a < 1:
        a = b + a
    la, lb = relative_luminance(a), relative_luminance(b)
    light, dark = max(la, lb), min(la, lb)
    return (light + 0.05) / (dark + 0.05)


def _hex(colour: Color) -> str:
    return colour.hex6.lower()


def derived_variables(theme: Theme, generated: dict[str, str] | None = None) -> dict[str, str]:
    """Every broadsheet colour for ``theme``: its own values where it has them,
    else values derived from its colours, starting from broadsheet-dark or
    broadsheet-light and checked for contrast against its background.
    ``generated`` is the theme's colour system when the caller has it already."""
    base = DARK_VARIABLES if theme.dark else LIGHT_VARIABLES
    own = {key: value for key, value in theme.variables.items() if key.startswith("bs-")}
    try:
        if generated is None:
            generated = theme.to_color_system().generate()
        background = Color.parse(generated["background"])
        foreground = Color.parse(generated["foreground"])
    except Exception:
        return {**base, **own}
    if background.a < 1:
        background = Color(0, 0, 0) + background if theme.dark else Color(255, 255, 255) + background
    if foreground.a < 1:
        foreground = background + foreground

    def contrast(colour: Color) -> float:
        return contrast_ratio(background, colour)

    result: dict[str, str] = {}
    for key, sources in _TEXT_SOURCES.items():
        candidates = []
        for source in sources:
            value = getattr(theme, source, None)
            if value:
                try:
                    candidates.append(Color.parse(value))
                except Exception:
                    pass
        candidates.append(Color.parse(base[key]))
        readable = [c for c in candidates if contrast(c) >= _READABLE]
        if readable:
            choice = readable[0]
        else:
            choice = max(candidates, key=contrast)
            if contrast(choice) < _LEGIBLE:
                choice = foreground
        result[key] = _hex(choice)

    # Quotes and muted text: the foreground faded toward the background, as far
    # as it stays readable.
    def faded(most: float) -> str:
        amount = most
        while amount > 0:
            colour = foreground.blend(background, amount)
            if contrast(colour) >= _READABLE:
                return _hex(colour)
            amount = round(amount - 0.05, 2)
        return _hex(foreground)

    result["bs-quote"] = faded(0.25)
    result["bs-muted"] = faded(0.4)

    # Highlights: a hue mixed into the background, as strongly as the body
    # text stays readable on it.
    for name in HIGHLIGHT_COLOURS:
        key = f"bs-highlight-{name}"
        default = Color.parse(base[key])
        if contrast_ratio(foreground, default) >= _READABLE and contrast(default) < 2.5:
            result[key] = _hex(default)
            continue
        hue = Color.parse(_HIGHLIGHT_HUES[name])
        amount = 0.4
        colour = background.blend(hue, amount)
        while amount > 0.05 and contrast_ratio(foreground, colour) < _READABLE:
            amount = round(amount - 0.05, 2)
            colour = background.blend(hue, amount)
        result[key] = _hex(colour)

    for key, value in base.items():
        result.setdefault(key, value)
    result.update(own)
    return result


# -- reading -----------------------------------------------------------------

def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _unknown(kind: str, key: str, known) -> str:
    import difflib  # only for a mistake in a theme file

    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {kind} {key!r}{hint}, ignored"


def _is_colour(value: str) -> bool:
    try:
        Color.parse(value)
    except Exception:
        return False
    return True


def theme_from_mapping(data: dict, source: str = "theme", notes: list[str] | None = None) -> Theme:
    """Build and validate one theme; raises ValueError with a one-line reason.

    Mistakes the theme can live with (unknown keys, which are ignored) are
    appended to ``notes`` as one-line messages naming ``source``.
    """
    if not isinstance(data, dict):
        raise ValueError(f"{source}: not a table of settings")
    remarks: list[str] = []
    name = data.get("name")
    if name is None:
        raise ValueError(f"{source}: missing 'name'")
    if not isinstance(name, str):
        raise ValueError(f"{source}: name must be a string, not {_type_name(name)}")
    if not name.strip():
        raise ValueError(f"{source}: missing 'name' (it is empty)")
    if "primary" not in data:
        raise ValueError(f"{source}: missing 'primary'")
    for key in data:
        if key not in KNOWN_KEYS:
            remarks.append(f"{source}: {_unknown('key', str(key), KNOWN_KEYS)}")
    colours: dict[str, str] = {}
    for key in COLOUR_KEYS:
        if key in data:
            value = data[key]
            if not isinstance(value, str):
                raise ValueError(f"{source}: {key} must be a colour string, not {_type_name(value)}")
            if not _is_colour(value):
                raise ValueError(f"{source}: {key} is not a colour: {value!r}")
            colours[key] = value
    numbers: dict[str, float] = {}
    for key in NUMBER_KEYS:
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{source}: {key} must be a number, not {_type_name(value)}")
            if not 0 <= value <= 1:
                raise ValueError(f"{source}: {key} must be between 0 and 1, not {value}")
            numbers[key] = float(value)
    if "dark" in data:
        dark = data["dark"]
        if not isinstance(dark, bool):
            raise ValueError(f"{source}: dark must be true or false, not {_type_name(dark)}")
    elif "background" in colours:
        dark = relative_luminance(Color.parse(colours["background"])) < 0.18
    else:
        dark = True
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ValueError(f"{source}: [variables] must be a table, not {_type_name(variables)}")
    clean_vars: dict[str, str] = {}
    for key, value in variables.items():
        key = str(key)
        if key.startswith("bs-"):
            if key not in VARIABLE_DEFAULTS:
                remarks.append(f"{source}: {_unknown('variable', key, VARIABLE_DEFAULTS)}")
                continue
            if not isinstance(value, str):
                raise ValueError(f"{source}: variable {key} must be a colour string, not {_type_name(value)}")
            if not _is_colour(value):
                raise ValueError(f"{source}: variable {key} is not a colour: {value!r}")
        else:
            textual_names = _textual_variable_names()
            if key not in textual_names:
                remarks.append(f"{source}: {_unknown('variable', key, [*textual_names, *VARIABLE_DEFAULTS])}")
                continue
            if not isinstance(value, str):
                raise ValueError(f"{source}: variable {key} must be a string, not {_type_name(value)}")
        clean_vars[key] = value
    theme = Theme(name=name.strip(), dark=dark, variables=clean_vars, **colours, **numbers)
    try:
        generated = theme.to_color_system().generate()
    except Exception as error:  # the colour system rejects odd combinations
        raise ValueError(f"{source}: {' '.join(str(error).split())}") from None
    if all(key in clean_vars for key in VARIABLE_DEFAULTS):
        theme.variables = dict(clean_vars)  # every broadsheet colour given: nothing to derive
    else:
        theme.variables = {**derived_variables(theme, generated), **clean_vars}
    if notes is not None:
        notes.extend(remarks)
    return theme


_TEXTUAL_NAMES: frozenset[str] | None = None


def _textual_variable_names() -> frozenset[str]:
    """The variables Textual's colour system defines (a theme may override them)."""
    global _TEXTUAL_NAMES
    if _TEXTUAL_NAMES is None:
        names = set(Theme(name="probe", primary="#336699").to_color_system().generate())
        names |= set(Theme(name="probe", primary="#336699", dark=False).to_color_system().generate())
        _TEXTUAL_NAMES = frozenset(names)
    return _TEXTUAL_NAMES


def _read_theme_file(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise ValueError(f"{path}: cannot read: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from None


def load_theme_file(path: Path, notes: list[str] | None = None) -> Theme:
    return theme_from_mapping(_read_theme_file(path), str(path), notes)


def load_theme_named(name: str, dirs: list[Path] | None = None) -> ThemeLoad:
    """Only the theme called ``name`` (the one :func:`load_themes` would pick for
    that name), or no theme when no file has it.  Every file is read, only that
    one is built; problems are those of that file alone."""
    result = ThemeLoad()
    found: tuple[Path, dict] | None = None
    for folder in bs_config.theme_dirs() if dirs is None else dirs:
        try:
            files = sorted(folder.glob("*.toml"))
        except OSError:
            continue
        for path in files:
            try:
                if name not in path.read_text(encoding="utf-8"):
                    continue  # cannot be that theme (a name written with escapes is found by load_themes)
                data = _read_theme_file(path)
            except (OSError, UnicodeDecodeError, ValueError):
                continue
            title = data.get("name")
            if isinstance(title, str) and title.strip() == name:
                found = (path, data)  # a later file of the same name wins, as in load_themes
    if found is not None:
        path, data = found
        notes: list[str] = []
        try:
            result.themes.append(theme_from_mapping(data, str(path), notes))
        except ValueError as error:
            result.problems.append(" ".join(str(error).split()))
        result.problems.extend(" ".join(note.split()) for note in notes)
    return result


def load_themes(dirs: list[Path] | None = None) -> ThemeLoad:
    """Every ``*.toml`` theme in ``dirs`` (default: config.theme_dirs())."""
    result = ThemeLoad()
    by_name: dict[str, Theme] = {}
    for folder in bs_config.theme_dirs() if dirs is None else dirs:
        try:
            files = sorted(folder.glob("*.toml"))
        except OSError as error:
            result.problems.append(" ".join(f"{folder}: {error}".split()))
            continue
        seen_here: dict[str, Path] = {}
        for path in files:
            notes: list[str] = []
            try:
                theme = load_theme_file(path, notes)
            except ValueError as error:
                result.problems.append(" ".join(str(error).split()))
                continue
            finally:
                result.problems.extend(" ".join(note.split()) for note in notes)
            if theme.name in seen_here:
                result.problems.append(
                    f"{path}: the name {theme.name!r} is also used by {seen_here[theme.name].name}; this one wins")
            seen_here[theme.name] = path
            by_name[theme.name] = theme
    result.themes = list(by_name.values())
    return result
