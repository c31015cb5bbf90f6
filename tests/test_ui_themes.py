"""Theme files: bundled ones are valid, broken ones are reported by name."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.color import Color

from broadsheet import config
from broadsheet.config import Config
from broadsheet.services import Services
from broadsheet.ui.app import BroadsheetApp
from broadsheet.ui.themes import contrast_ratio, VARIABLE_DEFAULTS, load_themes

GOOD = """
name = "paper"
dark = false
primary = "#336699"
background = "#fafaf5"
[variables]
bs-highlight-yellow = "#ffee99"
"""


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def test_bundled_themes_load_and_define_every_broadsheet_colour():
    loaded = load_themes()
    assert loaded.problems == []
    names = {t.name: t for t in loaded.themes}
    assert {"broadsheet-dark", "broadsheet-light"} <= set(names)
    assert names["broadsheet-dark"].dark and not names["broadsheet-light"].dark
    for theme in (names["broadsheet-dark"], names["broadsheet-light"]):
        assert set(VARIABLE_DEFAULTS) <= set(theme.variables), theme.name


def test_broken_files_are_named_and_the_rest_still_load(tmp_path: Path):
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "good.toml").write_text(GOOD, encoding="utf-8")
    (folder / "syntax.toml").write_text("name = 'x\n", encoding="utf-8")
    (folder / "colour.toml").write_text('name = "bad"\nprimary = "not-a-colour"\n', encoding="utf-8")
    (folder / "variable.toml").write_text(
        'name = "bad2"\nprimary = "#123456"\n[variables]\nbs-tag = "nope"\n', encoding="utf-8")
    (folder / "noname.toml").write_text('primary = "#123456"\n', encoding="utf-8")
    loaded = load_themes([folder])
    assert [t.name for t in loaded.themes] == ["paper"]
    assert len(loaded.problems) == 4
    for name in ("syntax.toml", "colour.toml", "variable.toml", "noname.toml"):
        assert sum(name in p for p in loaded.problems) == 1, (name, loaded.problems)
    assert all("\n" not in p for p in loaded.problems)


def test_user_theme_folder_adds_themes(tmp_path: Path):
    user = config.user_themes_dir()
    user.mkdir(parents=True)
    (user / "paper.toml").write_text(GOOD, encoding="utf-8")
    names = {t.name for t in load_themes().themes}
    assert {"paper", "broadsheet-dark", "broadsheet-light"} <= names


async def test_app_uses_configured_theme_and_reports_unknown(tmp_path: Path):
    services = Services.open(tmp_path / "lib.sqlite3")
    services.ensure_welcome()
    app = BroadsheetApp(services, Config(theme="broadsheet-light"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "broadsheet-light"
        assert app.theme_variables["bs-highlight-yellow"].lower() == "#f4e3a1"
        app.theme = "textual-dark"  # a built-in theme without broadsheet's colours
        await pilot.pause()
        dark_tag = app.theme_variables["bs-tag"]
        assert set(VARIABLE_DEFAULTS) <= set(app.theme_variables)
        app.theme = "textual-light"  # a light one: its own, readable colours, not the dark defaults
        await pilot.pause()
        background = app.theme_variables["background"]
        for name in ("bs-tag", "bs-link", "bs-unread", "bs-muted", "bs-quote"):
            assert contrast_ratio(background, app.theme_variables[name]) >= 3, name  # the dark ones: ~1.5
        assert app.theme_variables["bs-tag"] != dark_tag
    app = BroadsheetApp(services, Config(theme="no-such-theme"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "broadsheet-dark"
        assert any("no-such-theme" in n.message for n in app._notifications)
    services.close()


# -- more ways a theme file can be wrong ---------------------------------------

BROKEN = {
    "badtoml.toml": ('name = "x"\nprimary = \n', "not valid TOML"),
    "noname.toml": ('primary = "#123456"\n', "missing 'name'"),
    "numbername.toml": ('name = 7\nprimary = "#123456"\n', "name must be a string"),
    "noprimary.toml": ('name = "np"\nbackground = "#000000"\n', "missing 'primary'"),
    "badcolour.toml": ('name = "bc"\nprimary = "#12345g"\n', "primary is not a colour"),
    "numbercolour.toml": ('name = "nc"\nprimary = 123456\n', "primary must be a colour string"),
    "darktext.toml": ('name = "dt"\nprimary = "#123456"\ndark = "yes"\n', "dark must be true or false"),
    "vartable.toml": ('name = "vt"\nprimary = "#123456"\nvariables = "bs-link"\n', "[variables] must be a table"),
    "varcolour.toml": ('name = "vc"\nprimary = "#123456"\n[variables]\nbs-link = "blue-ish"\n',
                       "bs-link is not a colour"),
    "vartype.toml": ('name = "vn"\nprimary = "#123456"\n[variables]\nbs-link = 3\n',
                     "bs-link must be a colour string"),
    "notutf8.toml": (b'name = "\xff\xfe"\nprimary = "#123456"\n', "not UTF-8"),
}


def test_each_kind_of_broken_file_says_what_is_wrong(tmp_path: Path):
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "good.toml").write_text(GOOD, encoding="utf-8")
    for filename, (content, _) in BROKEN.items():
        target = folder / filename
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    loaded = load_themes([folder])
    assert [t.name for t in loaded.themes] == ["paper"]
    assert len(loaded.problems) == len(BROKEN)
    for filename, (_, reason) in BROKEN.items():
        mine = [p for p in loaded.problems if str(folder / filename) in p]
        assert len(mine) == 1, (filename, loaded.problems)
        assert reason in mine[0], (filename, mine[0])
    assert all("\n" not in p for p in loaded.problems)


def test_unknown_keys_are_reported_and_the_theme_still_loads(tmp_path: Path):
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "typo.toml").write_text(
        'name = "typo"\nprimary = "#336699"\nforground = "#ffffff"\n'
        '[variables]\nbs-lnk = "#88aaff"\nno-such-thing = "#000000"\n', encoding="utf-8")
    loaded = load_themes([folder])
    assert [t.name for t in loaded.themes] == ["typo"]
    path = str(folder / "typo.toml")
    assert len(loaded.problems) == 3
    assert all(p.startswith(path) for p in loaded.problems)
    joined = " | ".join(loaded.problems)
    assert "'forground'" in joined and "did you mean 'foreground'" in joined
    assert "'bs-lnk'" in joined and "did you mean 'bs-link'" in joined
    assert "'no-such-thing'" in joined
    theme = loaded.themes[0]
    assert "bs-lnk" not in theme.variables and "no-such-thing" not in theme.variables


def test_textual_variables_may_be_overridden(tmp_path: Path):
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "t.toml").write_text(
        'name = "t"\nprimary = "#336699"\n[variables]\nfooter-key-foreground = "#ff8800"\n', encoding="utf-8")
    loaded = load_themes([folder])
    assert loaded.problems == []
    assert loaded.themes[0].variables["footer-key-foreground"] == "#ff8800"


def _wcag(a: str, b: str) -> float:
    def lum(colour: str) -> float:
        c = Color.parse(colour)
        def lin(v: int) -> float:
            v = v / 255
            return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b)
    la, lb = lum(a), lum(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


@pytest.mark.parametrize("body", [
    # a dark theme, a light theme, and one without 'dark' (worked out from the background)
    'name = "m"\ndark = true\nprimary = "#3355aa"\nsecondary = "#553322"\nforeground = "#e0e0e0"\nbackground = "#102030"\n',
    'name = "m"\ndark = false\nprimary = "#a0c0ff"\nforeground = "#202020"\nbackground = "#fffff0"\n',
    'name = "m"\nprimary = "#cc6600"\nforeground = "#101010"\nbackground = "#dde8dd"\n',
    'name = "m"\nprimary = "#cc6600"\n',
])
def test_missing_broadsheet_colours_are_derived_and_readable(tmp_path: Path, body: str):
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "m.toml").write_text(body + '[variables]\nbs-tag = "#7f7f7f"\n', encoding="utf-8")
    loaded = load_themes([folder])
    assert loaded.problems == []
    theme = loaded.themes[0]
    generated = theme.to_color_system().generate()
    background = Color.parse(generated["background"]).hex6
    foreground = Color.parse(generated["foreground"]).hex6
    if "background" in body:
        assert theme.dark == (Color.parse(background).brightness < 0.5)
    assert set(VARIABLE_DEFAULTS) <= set(theme.variables)
    assert theme.variables["bs-tag"] == "#7f7f7f"  # what the file sets is kept
    for key in ("bs-link", "bs-unread", "bs-muted", "bs-quote", "bs-note-marker"):
        assert _wcag(theme.variables[key], background) >= 3.0, (key, theme.variables[key], background)
    for colour in ("yellow", "green", "blue", "pink"):
        highlight = theme.variables[f"bs-highlight-{colour}"]
        assert _wcag(foreground, highlight) >= 3.0, (colour, highlight, foreground)
        assert Color.parse(highlight).hex6 != background
    # a primary readable on the page becomes the link colour; one that is not does not
    readable_primary = _wcag(theme.primary, background) >= 4.5
    assert (theme.variables["bs-link"] == Color.parse(theme.primary).hex6.lower()) == readable_primary


# -- every bundled theme, switched at run time --------------------------------

def _hex(rich_colour) -> str | None:
    if rich_colour is None or rich_colour.triplet is None:
        return None
    return rich_colour.triplet.hex.lower()


def _painted(widget) -> list:
    """Every segment the widget paints in its visible rows."""
    segments = []
    for y in range(widget.size.height):
        segments.extend(widget.render_line(y))
    return segments


async def test_every_bundled_theme_renders_the_list_and_the_reader(tmp_path: Path):
    from broadsheet.ui.widgets.reader_view import ReaderView
    from broadsheet.ui.widgets.story_list import StoryList

    bundled = {t.name: t for t in load_themes([config.bundled_themes_dir()]).themes}
    assert len(bundled) >= 6
    services = Services.open(tmp_path / "lib.sqlite3")
    services.ensure_welcome()
    first = services.stories_page("", 0, 1)[0]
    assert not first.read
    document = services.cached_document(first.id)
    assert document is not None
    services.annotate_range(first.id, 0, 12, color="yellow")
    app = BroadsheetApp(services, Config())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        story_list = app.screen.query_one(StoryList)
        for name, theme in bundled.items():
            app.theme = name
            await pilot.pause()
            assert app.theme == name
            painted = _painted(story_list)
            assert painted
            text = "".join(s.text for s in painted)
            assert first.title[:20] in text
            backgrounds = {_hex(s.style.bgcolor) for s in painted if s.style}
            colours = {_hex(s.style.color) for s in painted if s.style}
            assert theme.background.lower() in backgrounds, name
            assert theme.variables["bs-unread"].lower() in colours, name
        await pilot.press("enter")
        await pilot.pause()
        reader = app.screen.query_one(ReaderView)
        assert reader.story is not None and reader.story.id == first.id
        for name, theme in bundled.items():
            app.theme = name
            await pilot.pause()
            painted = _painted(reader)
            assert "".join(s.text for s in painted).strip()
            highlight = theme.variables["bs-highlight-yellow"].lower()
            marked = [s for s in painted if s.style and _hex(s.style.bgcolor) == highlight]
            assert marked, name
            assert all(_hex(s.style.color) == theme.foreground.lower() for s in marked), name
            assert theme.background.lower() in {_hex(s.style.bgcolor) for s in painted if s.style}
    services.close()


async def test_palette_theme_switch_with_a_broken_user_theme_is_remembered(tmp_path: Path):
    """A user theme folder with one good and one broken file: the broken one is
    named, the good one is offered in the palette, and choosing it is remembered."""
    from textual.command import CommandPalette

    from broadsheet.config import config_path, load_config, user_themes_dir

    user = user_themes_dir()
    user.mkdir(parents=True)
    (user / "paper.toml").write_text(GOOD, encoding="utf-8")
    (user / "broken.toml").write_text('name = "broken"\nprimary = \n', encoding="utf-8")
    services = Services.open(tmp_path / "lib.sqlite3")
    services.ensure_welcome()
    app = BroadsheetApp(services, load_config(), remember_theme=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "broadsheet-dark"
        await app.run_action("change_theme")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        messages = [n.message for n in app._notifications]
        assert any(str(user / "broken.toml") in m for m in messages), messages
        await pilot.press(*"paper")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "paper"
        assert app.theme_variables["bs-highlight-yellow"]  # broadsheet's colours are there
    services.close()
    assert load_config(config_path()).theme == "paper"
