"""Key bindings: the catalogue behind `broadsheet keys`, checking a [keys]
table, and remapping through a real config file in the running app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.binding import Binding

from broadsheet import cli
from broadsheet.config import load_config
from broadsheet.services import Services
from broadsheet.ui.keys import catalogue, check_keymap, key_problem, normalize_keys, _binding_classes
from broadsheet.ui.screens.help_screen import HelpScreen
from broadsheet.ui.screens.reader_screen import ReaderScreen

from uitools import _isolated_config, library, make_app, settle, SIZE  # noqa: F401


def test_every_binding_in_the_ui_has_an_id_and_is_in_the_catalogue():
    ids = {entry.id for entry in catalogue()}
    seen = 0
    for cls in _binding_classes():
        for binding in Binding.make_bindings(vars(cls)["BINDINGS"]):
            if binding.system:
                continue
            seen += 1
            assert binding.id, f"{cls.__name__}: {binding.key} -> {binding.action} has no id"
            assert binding.id in ids
    assert seen >= 60
    # the keys users rely on are there, with their default keys
    by_id = {entry.id: entry for entry in catalogue()}
    assert by_id["app.quit"].keys == ["q"]
    assert by_id["list.search"].keys == ["slash"]
    assert by_id["reader.highlight"].keys == ["h"]
    assert set(by_id["reader.down"].keys) == {"j", "down"}
    assert "reader" in by_id["reader.next_story"].contexts


@pytest.mark.parametrize("key", ["x", "G", "ctrl+x", "f5", "question_mark", "pagedown", "alt+shift+up",
                                 "left_square_bracket", "7"])
def test_valid_keys(key):
    assert key_problem(key) is None


@pytest.mark.parametrize("key, reason", [("ctrl+nope", "not a key name"), ("cmd+x", "unknown modifier"),
                                         ("", "an empty key"), ("ctrl+ctrl+x", "twice"),
                                         ("bogus_key_name", "not a key name")])
def test_invalid_keys(key, reason):
    assert reason in key_problem(key)


def test_single_characters_become_textual_key_names():
    assert normalize_keys("?, j ,ctrl+n") == ["question_mark", "j", "ctrl+n"]


def test_check_keymap_keeps_good_entries_and_names_each_bad_one():
    good, problems = check_keymap({
        "app.quit": "x",
        "no.such.action": "y",
        "list.down": "ctrl+blah",
        "reader.select": "?,V",
    })
    assert good == {"app.quit": "x", "reader.select": "question_mark,V"}
    assert len(problems) == 2
    assert any("'no.such.action'" in p and "not an action id" in p for p in problems)
    assert any("list.down" in p and "'ctrl+blah'" in p for p in problems)


def _write_config(text: str) -> Path:
    path = load_config().path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_keys_lists_every_id_with_keys_as_mapped(capsys):
    _write_config('[keys]\n"app.quit" = "x"\n"nope.nope" = "z"\n')
    assert cli.main(["keys"]) == 0
    out, err = capsys.readouterr()
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert set(lines) == {entry.id for entry in catalogue()}
    assert lines["app.quit"].split()[1] == "x"
    assert "Quit broadsheet" in lines["app.quit"]
    assert lines["reader.highlight"].split()[1] == "h"
    assert "'nope.nope'" in err and "not an action id" in err
    assert cli.main(["keys", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    quit_row = next(row for row in rows if row["id"] == "app.quit")
    assert quit_row["keys"] == ["x"] and quit_row["where"] == ["list"]


async def test_a_key_remapped_in_config_toml_works_and_help_shows_it(library):
    _write_config('theme = "broadsheet-light"\n[keys]\n"reader.next_story" = "ctrl+n"\n'
                  '"list.read" = "l"\n"no.such.thing" = "x"\n"list.down" = "notakey"\n')
    config = load_config()
    services = Services.open(library)
    app = make_app(services, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        messages = [n.message for n in app._notifications]
        assert any("'no.such.thing'" in m for m in messages), messages
        assert any("list.down" in m and "'notakey'" in m for m in messages), messages
        # list.down keeps its default key
        first = app.screen.story_list.cursor
        await pilot.press("j")
        assert app.screen.story_list.cursor == first + 1
        await pilot.press("enter")  # no longer opens a story
        await settle(app, pilot)
        assert not isinstance(app.screen, ReaderScreen)
        await pilot.press("l")
        await settle(app, pilot)
        assert isinstance(app.screen, ReaderScreen)
        title = app.screen.story.title
        await pilot.press("n")  # the old key no longer moves on
        await settle(app, pilot)
        assert app.screen.story.title == title
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert app.screen.story.title != title
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        rows = {ident: keys for keys, _, ident in app.screen.rows()}
        assert rows["reader.next_story"] == "^n"  # how Textual shows ctrl+n
    services.close()
