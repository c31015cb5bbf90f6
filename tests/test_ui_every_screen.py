"""SVG snapshots of every screen and dialog at 80x24 and 160x50, in the dark and
the light theme (ages computed against a fixed clock)."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from broadsheet.config import Config
from broadsheet.services import Services
from broadsheet.ui.app import BroadsheetApp

from uitools import pin_highlights

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
SIZES = {"80x24": (80, 24), "160x50": (160, 50)}
THEMES = {"dark": "broadsheet-dark", "light": "broadsheet-light"}


@pytest.fixture
def services(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    opened = Services.open(tmp_path / "lib.sqlite3")
    opened.ensure_welcome()
    stories = opened.stories_page("", 0, 5)
    opened.set_tags(stories[0].id, ["start-here", "keys"])
    opened.set_tags(stories[2].id, ["keys"])
    opened.set_starred(stories[1].id, True)
    _pinned_highlights(opened, stories)
    feed_id, _ = opened.library.add_feed("http://127.0.0.1:9/feed.xml", "A feed that failed")
    opened.library.record_fetch(feed_id, error="HTTP 503 Service Unavailable", status=503)
    yield opened
    opened.close()
    monkeypatch.undo()
    time.tzset()


def _pinned_highlights(services: Services, stories) -> None:
    pin_highlights(services, [(stories[0], 0, "Start here.", "yellow", 50), (stories[1], 1, "", "green", 30),
                              (stories[0], 3, "Keys to remember.", "pink", 5)], NOW)


async def _import_dialog(pilot) -> None:
    await pilot.app.run_action("import")
    await pilot.pause()
    await pilot.press(*"~/pocket.csv")


# name -> keys pressed after start, or an async function of the pilot
SCREENS = {
    "list": ["j"],
    "reader": ["enter", "j", "v", "j", "h"],
    "reader_selection": ["enter", "v", "j"],
    "help": ["question_mark"],
    "tag_editor": ["t"],
    "note_editor": ["enter", "a", *"A note."],
    "add_dialog": ["a"],
    "annotations": ["A", "j"],
    "sources": ["S"],
    "links": ["enter", "L"],
    "find": ["enter", "slash", *"keys", "enter"],
    "mark_all_read": ["M"],
    "tags_sidebar": ["T", "j"],
    "rename_tag": ["T", "j", "j", "R"],
    "import_dialog": _import_dialog,
    "command_palette": ["ctrl+p", *"star"],
}


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_screen(snap_compare, services, screen, size, theme):
    app = BroadsheetApp(services, Config(theme=THEMES[theme]), clock=lambda: NOW)
    action = SCREENS[screen]
    if callable(action):
        assert snap_compare(app, terminal_size=SIZES[size], run_before=action)
    else:
        assert snap_compare(app, terminal_size=SIZES[size], press=action)
