"""The keys panel (?): what it shows, and that it is built once and shown again."""

from __future__ import annotations

from textual.color import Color
from textual.containers import VerticalScroll
from textual.widgets import Static

from broadsheet.config import Config
from broadsheet.services import Services
from broadsheet.ui.screens.help_screen import HelpScreen
from broadsheet.ui.screens.list_screen import ListScreen
from broadsheet.ui.screens.reader_screen import ReaderScreen

from uitools import NOW, SIZE, _isolated_config, library, make_app, settle  # noqa: F401

TALL = (120, 70)  # every key of the list and of the reader fits in the panel


def screen_lines(app) -> list[str]:
    """The text of the screen as painted."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def keys_of(app, ident: str) -> str:
    """The keys painted at the start of the panel's line for ``ident``."""
    found = [line for line in screen_lines(app) if f"({ident})" in line]
    assert len(found) == 1, (ident, found)
    inside = found[0].split("│")[1]  # between the panel's borders
    return inside.split()[0]


async def open_help(app, pilot) -> HelpScreen:
    await pilot.press("question_mark")
    await pilot.pause()
    assert isinstance(app.screen, HelpScreen)
    return app.screen


async def close_help(app, pilot, key: str = "escape") -> None:
    await pilot.press(key)
    await pilot.pause()
    assert not isinstance(app.screen, HelpScreen)


async def test_the_panel_is_built_once_and_shows_the_keys_of_the_screen_below(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=TALL) as pilot:
        await settle(app, pilot)
        first = await open_help(app, pilot)
        text = first.query_one("#help-text", Static)
        assert "(list.toggle_read)" in "\n".join(screen_lines(app))
        assert "(reader.next_story)" not in "\n".join(screen_lines(app))
        await close_help(app, pilot)
        assert first.target is None  # the screen below is not kept alive by the panel
        again = await open_help(app, pilot)
        assert again is first and again.query_one("#help-text", Static) is text
        await close_help(app, pilot, "question_mark")
        # Over the reader, the same panel shows the reader's keys.
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ReaderScreen)
        reader = app.screen
        over_reader = await open_help(app, pilot)
        assert over_reader is first and over_reader.target is reader
        lines = "\n".join(screen_lines(app))
        assert "(reader.next_story)" in lines and "(list.toggle_read)" not in lines
        await close_help(app, pilot, "q")
        assert app.screen is reader
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ListScreen)
        await open_help(app, pilot)
        lines = "\n".join(screen_lines(app))
        assert "(list.toggle_read)" in lines and "(reader.next_story)" not in lines
    services.close()


async def test_keys_remapped_while_the_panel_is_closed_show_when_it_opens_again(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=TALL) as pilot:
        await settle(app, pilot)
        await open_help(app, pilot)
        assert keys_of(app, "list.toggle_read") == "u"
        await close_help(app, pilot)
        app.set_keymap({"list.toggle_read": "x"})
        await pilot.pause()
        help_screen = await open_help(app, pilot)
        assert {ident: keys for keys, _, ident in help_screen.rows()}["list.toggle_read"] == "x"
        assert keys_of(app, "list.toggle_read") == "x"
    services.close()


async def test_bracket_keys_show_as_they_are(library):
    """Key names such as [ and ] are text, not markup."""
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=TALL) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await open_help(app, pilot)
        assert keys_of(app, "reader.previous_highlight") == "["
        assert keys_of(app, "reader.next_highlight") == "]"
    services.close()


async def test_the_panel_opens_at_the_top_and_scrolls(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        help_screen = await open_help(app, pilot)
        box = help_screen.query_one("#help-box", VerticalScroll)
        assert box.max_scroll_y > 0  # more keys than lines at 80x24
        await pilot.press("end")
        await pilot.pause()
        assert box.scroll_y == box.max_scroll_y
        assert "escape, q or ? closes" in "\n".join(screen_lines(app))
        await close_help(app, pilot)
        again = await open_help(app, pilot)
        assert again is help_screen and box.scroll_y == 0
        assert "Keys" in "\n".join(screen_lines(app))
    services.close()


async def test_the_panel_is_opaque_and_follows_a_theme_chosen_while_it_is_closed(library):
    services = Services.open(library)
    app = make_app(services, Config(theme="broadsheet-dark"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        help_screen = await open_help(app, pilot)
        # Opaque: the list is not painted through it on every frame.
        assert help_screen.styles.background.a == 1
        box = help_screen.query_one("#help-box")
        dark_surface = box.styles.background
        assert dark_surface == Color.parse(app.current_theme.surface)
        await close_help(app, pilot)
        app.theme = "broadsheet-light"
        await pilot.pause()
        await open_help(app, pilot)
        assert box.styles.background == Color.parse(app.current_theme.surface) != dark_surface
        assert help_screen.styles.background == Color.parse(app.current_theme.background)
    services.close()
