"""Theme files: bundled ones are valid, broken ones are reported by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from broadsheet import config
from broadsheet.config import Config
from broadsheet.services import Services
from broadsheet.ui.app import BroadsheetApp
from broadsheet.ui.themes import VARIABLE_DEFAULTS, load_themes

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
        assert app.theme_variables["bs-tag"] == VARIABLE_DEFAULTS["bs-tag"]
    app = BroadsheetApp(services, Config(theme="no-such-theme"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "broadsheet-dark"
        assert any("no-such-theme" in n.message for n in app._notifications)
    services.close()
