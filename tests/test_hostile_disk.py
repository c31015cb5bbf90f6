"""A full disk: one clear sentence, nothing half-written, the library still opens.

SQLite's ``max_page_count`` caps the file where it stands, which makes every
write that needs a new page fail exactly as a full disk does (SQLITE_FULL).
"""

from __future__ import annotations

import sqlite3

import pytest

from broadsheet.library import Library, LibraryError
from broadsheet.model import FeedItem
from broadsheet.services import Services

from uitools import _isolated_config, library, make_app, settle  # noqa: F401


def _fill_disk(services: Services) -> None:
    db = services.library._db
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")


def _big_items(count: int) -> list[FeedItem]:
    return [FeedItem(guid=f"g{i}", url=f"http://127.0.0.1:9/{i}", title=f"Story {i}",
                     summary="words " * 2000) for i in range(count)]


def test_a_full_disk_is_one_sentence_and_nothing_is_half_saved(library):
    services = Services.open(library)
    feed_id, _ = services.library.add_feed("http://127.0.0.1:9/feed.xml", "Feed")
    before = services.count_stories("")
    story = services.stories_page("", 0, 1)[0]
    _fill_disk(services)
    with pytest.raises(LibraryError) as raised:
        services.library.add_items(feed_id, _big_items(50))
    message = str(raised.value)
    assert "disk is full" in message and "\n" not in message and str(library) in message
    assert services.count_stories("") == before  # not 49 of 50: none
    with pytest.raises(LibraryError, match="disk is full"):
        services.set_story_note(story.id, "n" * 200_000)
    assert services.story_note(story.id) == ""
    services.close()

    reopened = Library.open(library)
    try:
        assert reopened._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert reopened.count_stories("") == before
    finally:
        reopened.close()


def test_other_sqlite_errors_are_not_disguised(tmp_path):
    lib = Library.open(tmp_path / "lib.sqlite3")
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            with lib.transaction() as db:
                db.execute("SELECT * FROM no_such_table")
    finally:
        lib.close()


async def test_the_reader_says_so_in_one_line_and_keeps_running(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        _fill_disk(services)
        await pilot.press("N")
        await settle(app, pilot)
        editor = app.screen.query_one("TextArea")
        editor.text = "n" * 200_000
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert any("disk is full" in m and "\n" not in m for m in errors), errors
        assert app.is_running
    services.close()
