"""What the TUI tests share: a fixed clock, an isolated config folder, a
library with the Welcome stories, and a way to wait for the app to settle."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from broadsheet.config import Config
from broadsheet.services import Services
from broadsheet.ui.app import BroadsheetApp

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
SIZE = (100, 30)


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def library(tmp_path):
    """A library file holding the bundled Welcome stories."""
    path = tmp_path / "lib.sqlite3"
    services = Services.open(path)
    services.ensure_welcome()
    services.close()
    return path


def make_app(services: Services, config: Config | None = None) -> BroadsheetApp:
    return BroadsheetApp(services, config or Config(), clock=lambda: NOW)


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


def pin_highlights(services: Services, plan, now: datetime) -> None:
    """Highlight whole paragraphs with fixed creation times, so their ages do not
    move in snapshots.  ``plan``: (story, nth paragraph, note, colour, minutes ago)."""
    from dataclasses import replace
    from datetime import timedelta

    for story, nth, note, color, minutes in plan:
        document = services.cached_document(story.id)
        paragraph = [i for i, b in enumerate(document.blocks) if b.kind == "paragraph"][nth]
        made = services.annotate_range(story.id, *document.block_offsets()[paragraph], note=note, color=color)
        deleted = services.delete_annotation(made.id)
        when = now - timedelta(minutes=minutes)
        services.restore_annotation(replace(deleted, created=when, updated=when))

