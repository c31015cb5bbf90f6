"""The mouse wheel scrolls the list and the reader (clicks: test_ui_path)."""

from __future__ import annotations

from datetime import timedelta

from textual import events

from broadsheet.model import FeedItem
from broadsheet.services import Services
from broadsheet.ui.screens.reader_screen import ReaderScreen
from broadsheet.ui.widgets.reader_view import ReaderView
from broadsheet.ui.widgets.story_list import StoryList

from uitools import NOW, _isolated_config, library, make_app, settle  # noqa: F401


def _wheel(widget, down: bool = True, times: int = 3) -> None:
    kind = events.MouseScrollDown if down else events.MouseScrollUp
    for _ in range(times):
        widget.post_message(kind(widget, 5, 5, 0, 0, 0, False, False, False, screen_x=5, screen_y=5))


async def test_wheel_scrolls_the_list(library):
    services = Services.open(library)
    feed_id, _ = services.library.add_feed("http://127.0.0.1:9/feed.xml", "Many")
    services.library.add_items(feed_id, [
        FeedItem(guid=f"g{i}", url=f"http://127.0.0.1:9/{i}", title=f"Story number {i}",
                 published=NOW - timedelta(hours=i + 1))
        for i in range(80)
    ])
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        stories = app.screen.query_one(StoryList)
        assert stories.scroll_y == 0
        _wheel(stories)
        await settle(app, pilot)
        assert stories.scroll_y > 0
        scrolled = stories.scroll_y
        _wheel(stories, down=False, times=1)
        await settle(app, pilot)
        assert 0 <= stories.scroll_y < scrolled
    services.close()


async def test_wheel_scrolls_the_reader(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ReaderScreen)
        view = app.screen.query_one(ReaderView)
        assert view.max_scroll_y > 0
        _wheel(view, times=4)
        await settle(app, pilot)
        assert view.scroll_y > 0
    services.close()
