"""SVG snapshots of the main screens (ages computed against a fixed clock)."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from broadsheet.config import Config
from broadsheet.services import Services
from broadsheet.ui.app import BroadsheetApp

from uitools import pin_highlights

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
SIZE = (100, 30)


@pytest.fixture
def services(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    opened = Services.open(tmp_path / "lib.sqlite3")
    opened.ensure_welcome()
    yield opened
    opened.close()
    monkeypatch.undo()
    time.tzset()


def make_app(services: Services, theme: str | None = None) -> BroadsheetApp:
    return BroadsheetApp(services, Config(theme=theme), clock=lambda: NOW)


def test_list_screen(snap_compare, services):
    assert snap_compare(make_app(services), terminal_size=SIZE, press=["j"])


def test_list_screen_light_theme(snap_compare, services):
    assert snap_compare(make_app(services, "broadsheet-light"), terminal_size=SIZE, press=["j"])


def test_reader_screen(snap_compare, services):
    assert snap_compare(make_app(services), terminal_size=SIZE, press=["j", "enter", "j", "j", "h"])


def test_reader_screen_with_note(snap_compare, services):
    assert snap_compare(make_app(services), terminal_size=SIZE, press=["enter", "j", "h", "j", "j", "a", "O", "k", "ctrl+s"])


def _pinned_highlights(services: Services) -> None:
    stories = services.stories_page("", 0, 3)
    pin_highlights(services, [(stories[0], 0, "Start here.", "yellow", 50), (stories[1], 1, "", "green", 30),
                              (stories[0], 3, "Keys to [b]remember[/b].", "pink", 5)], NOW)


def test_annotations_screen(snap_compare, services):
    _pinned_highlights(services)
    assert snap_compare(make_app(services), terminal_size=SIZE, press=["A", "j"])


def test_list_screen_with_tags_sidebar(snap_compare, services):
    services.set_starred(services.stories_page("", 0, 2)[1].id, True)
    assert snap_compare(make_app(services), terminal_size=(160, 50), press=["j", "T", "j"])
