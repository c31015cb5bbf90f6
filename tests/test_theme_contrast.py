"""Every bundled theme is complete and readable.

Contrast ratios follow WCAG 2.x (relative luminance of sRGB colours, ratio
(L1 + 0.05) / (L2 + 0.05)), computed here from the theme files themselves.
The high-contrast theme meets AA (4.5:1) for every kind of text; the others
reach 4.5:1 for body text and 3:1 for links, tags, the unread mark, muted text
and text on highlights.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from textual.color import Color

from broadsheet import config
from broadsheet.ui import themes as ui_themes
from broadsheet.ui.themes import VARIABLE_DEFAULTS, load_themes

UI_DIR = Path(ui_themes.__file__).resolve().parent
THEMES_DIR = config.bundled_themes_dir()
THEME_FILES = sorted(THEMES_DIR.glob("*.toml")) if THEMES_DIR else []
HIGH_CONTRAST = "broadsheet-high-contrast"
TEXTUAL_KEYS = ("primary", "secondary", "accent", "foreground", "background", "surface",
                "panel", "warning", "error", "success")
HIGHLIGHTS = ("yellow", "green", "blue", "pink")

# a variable name, not part of a longer word ("jobs-list" is not "bs-list")
VARIABLE_USE = re.compile(r"(?<![A-Za-z0-9_-])bs-[a-z][a-z0-9-]*[a-z0-9](?![A-Za-z0-9_-])")


# -- WCAG 2.x ----------------------------------------------------------------

def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    parsed = Color.parse(colour)
    assert parsed.a == 1, f"{colour} is translucent"
    return 0.2126 * _linear(parsed.r) + 0.7152 * _linear(parsed.g) + 0.0722 * _linear(parsed.b)


def contrast(a: str, b: str) -> float:
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def test_contrast_formula_matches_known_wcag_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast("#3a6ea5", "#3a6ea5") == pytest.approx(1.0)
    # #767676 on white is the classic lightest grey that passes AA; #777777 fails.
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#ff0000", "#ffffff") == pytest.approx(4.0, abs=0.01)
    # the project's own helper agrees with this one
    for a, b in (("#5c4f1e", "#d8d4cc"), ("#268bd2", "#fdf6e3"), ("#000000", "#c8c8c8")):
        assert ui_themes.contrast_ratio(a, b) == pytest.approx(contrast(a, b))


# -- which variables the interface uses --------------------------------------

def ui_variables() -> set[str]:
    """Every ``bs-`` variable named in the interface's code and stylesheets
    (themes.py, which defines them, is left out)."""
    found: set[str] = set()
    for path in UI_DIR.rglob("*"):
        if path.suffix not in (".py", ".tcss") or path.name == "themes.py":
            continue
        found.update(VARIABLE_USE.findall(path.read_text(encoding="utf-8")))
    return found


def test_the_scan_finds_the_interface_variables():
    used = ui_variables()
    # the reader and the list certainly colour these; if the scan misses them it is broken
    assert {"bs-link", "bs-muted", "bs-highlight-yellow", "bs-unread", "bs-tag"} <= used
    assert VARIABLE_USE.findall("jobs-list $bs-link bs-highlight-") == ["bs-link"]


def test_every_interface_variable_has_a_default_for_other_themes():
    """Textual's built-in themes get broadsheet's colours from VARIABLE_DEFAULTS."""
    assert ui_variables() <= set(VARIABLE_DEFAULTS)


# -- the bundled themes ----------------------------------------------------------

def read(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_there_are_at_least_six_distinct_bundled_themes():
    assert THEMES_DIR is not None
    names = [read(path)["name"] for path in THEME_FILES]
    assert len(names) >= 6
    assert len(set(names)) == len(names), names
    assert {"broadsheet-dark", "broadsheet-light", HIGH_CONTRAST} <= set(names)
    assert any(not read(path)["dark"] for path in THEME_FILES)
    assert any(read(path)["dark"] for path in THEME_FILES)


def test_bundled_themes_load_without_problems():
    loaded = load_themes([THEMES_DIR])
    assert loaded.problems == []
    assert sorted(t.name for t in loaded.themes) == sorted(read(p)["name"] for p in THEME_FILES)
    for theme in loaded.themes:
        generated = theme.to_color_system().generate()
        assert Color.parse(generated["background"]) == Color.parse(read(
            next(p for p in THEME_FILES if read(p)["name"] == theme.name))["background"])


@pytest.mark.parametrize("path", THEME_FILES, ids=lambda p: p.stem)
def test_theme_file_sets_every_colour(path: Path):
    data = read(path)
    assert isinstance(data.get("name"), str) and data["name"]
    assert isinstance(data.get("dark"), bool)
    for key in TEXTUAL_KEYS:
        assert key in data, f"{path.name} lacks {key}"
        Color.parse(data[key])
    # 'dark' agrees with the background
    assert data["dark"] == (luminance(data["background"]) < 0.18), path.name
    variables = data.get("variables", {})
    missing = ui_variables() - set(variables)
    assert not missing, f"{path.name} lacks {sorted(missing)}"
    for key in ui_variables():
        Color.parse(variables[key])


def figures(data: dict) -> dict[str, float]:
    """The contrast ratios that matter for reading, by what they measure."""
    variables = data["variables"]
    background, foreground = data["background"], data["foreground"]
    result = {
        "body": contrast(foreground, background),
        "link": contrast(variables["bs-link"], background),
        "tag": contrast(variables["bs-tag"], background),
        "unread": contrast(variables["bs-unread"], background),
        "muted": contrast(variables["bs-muted"], background),
    }
    for colour in HIGHLIGHTS:
        result[f"on-{colour}"] = contrast(foreground, variables[f"bs-highlight-{colour}"])
    return result


@pytest.mark.parametrize("path", THEME_FILES, ids=lambda p: p.stem)
def test_theme_is_readable(path: Path):
    data = read(path)
    measured = figures(data)
    if data["name"] == HIGH_CONTRAST:
        wanted = {key: 4.5 for key in measured}
    else:
        wanted = {key: 3.0 for key in measured}
        wanted["body"] = 4.5
    failing = {key: round(value, 2) for key, value in measured.items() if value < wanted[key]}
    assert not failing, f"{data['name']}: {failing}"


@pytest.mark.parametrize("path", THEME_FILES, ids=lambda p: p.stem)
def test_highlights_are_visible_and_distinct(path: Path):
    """A highlight differs from the page and from the other highlights."""
    variables = read(path)["variables"]
    background = read(path)["background"]
    colours = [Color.parse(variables[f"bs-highlight-{c}"]) for c in HIGHLIGHTS]
    assert len({c.hex6 for c in colours}) == len(colours)
    for colour in colours:
        assert colour != Color.parse(background)
        assert contrast(colour.hex6, background) > 1.1, (path.name, colour.hex6)
