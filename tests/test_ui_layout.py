"""Wide terminals: tags, list and the story side by side; narrow ones: one pane."""

from __future__ import annotations

from broadsheet.services import Services
from broadsheet.ui.screens.reader_screen import ReaderScreen
from broadsheet.ui.widgets.preview_pane import DELAY

from uitools import _isolated_config, library, make_app, settle  # noqa: F401


def _text(view) -> str:
    return "\n".join(view.line_texts())


async def test_wide_terminal_shows_the_story_beside_the_list(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await pilot.pause(DELAY + 0.1)
        screen = app.screen
        preview = screen.preview
        assert preview is not None and preview.display
        assert screen.sidebar_visible
        stories = screen.story_list
        first = stories.current_story
        assert preview.story_id == first.id
        # all three panes side by side, none overlapping
        regions = [screen.sidebar.region, stories.region, preview.region]
        assert regions[0].right <= regions[1].x and regions[1].right <= regions[2].x
        assert all(r.width >= 30 for r in regions)
        await pilot.press("j")
        await pilot.pause(DELAY + 0.1)
        await settle(app, pilot)
        second = stories.current_story
        assert preview.story_id == second.id
        assert second.title.split()[0] in _text(preview.view)
        # looking is not reading
        assert services.count_stories("is:unread") == 5
        assert stories.has_focus
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ReaderScreen) and app.screen.story.id == second.id
    services.close()


async def test_narrow_terminal_has_one_pane_and_the_preview_goes_when_it_shrinks(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert screen.preview is None and not screen.sidebar_visible
        await pilot.resize_terminal(160, 50)
        await settle(app, pilot)
        await pilot.pause(DELAY + 0.1)
        assert screen.preview is not None and screen.preview.display
        await pilot.resize_terminal(100, 30)
        await settle(app, pilot)
        assert not screen.preview.display
        assert screen.story_list.region.width >= 90
    services.close()


async def test_narrow_terminal_shows_the_tags_sidebar_as_its_own_pane(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("T")
        await settle(app, pilot)
        assert screen.sidebar_visible and screen.sidebar.has_focus
        assert not screen.story_list.display
        assert screen.sidebar.region.width >= 78
        await pilot.press("escape")
        await settle(app, pilot)
        assert not screen.sidebar_visible and screen.story_list.has_focus
        assert screen.story_list.region.width >= 78
        await pilot.press("T", "j", "j", "enter")  # choose a tag: back to the list, filtered
        await settle(app, pilot)
        assert not screen.sidebar_visible and screen.story_list.display
        assert screen.story_list.query_text.startswith("tag:")
        assert 0 < screen.story_list.count < 5
    services.close()
