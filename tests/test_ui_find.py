"""Find in the story: `/` in the reader, enter/↓ and ↑ between matches,
escape closes and leaves the cursor on the match.

A real library file holds one article; the TUI is driven with real keys (Pilot).
"""

from __future__ import annotations

from textual.widgets import Input

from broadsheet.ui.screens.reader_screen import ReaderScreen
from broadsheet.ui.widgets.find_bar import FindBar
from broadsheet.ui.widgets.reader_view import ReaderView, find_matches

from test_ui_selection import P1, S1, S2, make_library, open_reader, stored
from uitools import _isolated_config, make_app  # noqa: F401


def test_matches_ignore_case_and_the_kind_of_quote_space_or_dash():
    text = "The town’s masons said “Stop”.\nThe  TOWN's wall — and the well‑known crane."

    def at(found: str, after: int = 0) -> tuple[int, int]:
        start = text.index(found, after)
        return start, start + len(found)

    assert find_matches("town's", text) == [at("town’s"), at("TOWN's")]
    assert find_matches('"stop"', text) == [at("“Stop”")]
    assert find_matches("said stop", text) == []  # a quote between the words
    assert find_matches("the town", text) == [at("The town"), at("The  TOWN")]  # two spaces
    assert find_matches('stop". the', text) == [at("Stop”.\nThe")]  # a newline
    assert find_matches("masons said", text) == [at("masons said")]
    assert find_matches("well-known", text) == [at("well‑known")]
    assert find_matches("[/]", "a [/] b [bold]") == [(2, 5)]  # markup is only text
    assert find_matches("   ", text) == [] and find_matches("", text) == []


def count_shown(app) -> str:
    return str(app.screen.query_one("#find-count").render())


def match_rows(view: ReaderView, name: str) -> list[int]:
    """Layout rows where a match is drawn with the style ``name``."""
    style = view._styles[name]
    return [row for row in range(len(view.line_texts()))
            if any(span.style == style for span in view.styled_line(row).spans)]


async def test_typing_marks_every_match_and_moves_to_the_first_one_on_screen(tmp_path):
    path, services, story_id = make_library(tmp_path, extra_paragraphs=40)
    plain = services.plain_text(story_id)
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_reader(app, pilot)
        assert view.cursor == 0 and int(view.scroll_offset.y) == 0
        await pilot.press("slash")
        bar = app.screen.query_one(FindBar)
        assert bar.display and isinstance(app.focused, Input)
        await pilot.press(*"part 33.")
        await pilot.pause()
        start = plain.index("Part 33.")
        assert view.current_match() == (start, start + len("Part 33."))
        assert count_shown(app) == "1/1"
        # The cursor is on that paragraph, and the match is on screen, drawn as the current one.
        offsets = services.cached_document(story_id).block_offsets()
        assert offsets[view.cursor][0] <= start < offsets[view.cursor][1]
        rows = match_rows(view, "reader--match-current")
        assert len(rows) == 1
        top = int(view.scroll_offset.y)
        assert top > 0 and top <= rows[0] < top + view.scrollable_content_region.height
        # escape closes the field; the cursor stays, the marks go, keys move the cursor again.
        cursor = view.cursor
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen) and not bar.display
        assert app.focused is view and view.cursor == cursor
        assert match_rows(view, "reader--match-current") == [] and view.current_match() is None
        await pilot.press("j", "down")
        assert view.cursor == cursor + 2
    services.close()


async def test_enter_and_arrows_step_through_the_matches_round_the_end(tmp_path):
    path, services, story_id = make_library(tmp_path, extra_paragraphs=3)
    plain = services.plain_text(story_id).casefold()
    everywhere = [i for i in range(len(plain)) if plain.startswith("gulls", i)]
    assert len(everywhere) == 3
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_reader(app, pilot)
        await pilot.press("slash", *"gulls")
        await pilot.pause()
        assert view.current_match()[0] == everywhere[0] and count_shown(app) == "1/3"
        assert len(match_rows(view, "reader--match")) == 2  # the others, marked too
        await pilot.press("enter")
        assert view.current_match()[0] == everywhere[1] and count_shown(app) == "2/3"
        await pilot.press("down")
        assert view.current_match()[0] == everywhere[2]
        await pilot.press("enter")  # round the end, and it says so
        await pilot.pause()
        assert view.current_match()[0] == everywhere[0] and count_shown(app) == "1/3"
        assert any("top of the story" in str(n.message) for n in app._notifications)
        await pilot.press("up")
        assert view.current_match()[0] == everywhere[2] and count_shown(app) == "3/3"
        # A word that is not there: no match, no cursor move, the field keeps what was typed.
        cursor = view.cursor
        await pilot.press(*" nowhere")
        await pilot.pause()
        assert view.current_match() is None and count_shown(app) == "no match"
        assert view.cursor == cursor and app.screen.query_one(Input).value == "gulls nowhere"
    services.close()


async def test_the_find_starts_from_the_cursor_and_slash_offers_the_last_words(tmp_path):
    path, services, story_id = make_library(tmp_path, extra_paragraphs=3)
    plain = services.plain_text(story_id)
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_reader(app, pilot)
        await pilot.press("G")  # the last paragraph: "Part 2. Gulls …"
        await pilot.press("slash", *"gulls")
        await pilot.pause()
        assert view.current_match()[0] == plain.index("Part 2. Gulls") + len("Part 2. ")
        await pilot.press("escape", "g", "ctrl+f")  # as in a browser, ctrl+f too
        await pilot.pause()
        field = app.screen.query_one(Input)
        assert field.value == "gulls" and field.selection.start == 0 and field.selection.end == 5
        assert view.current_match()[0] == plain.index("Gulls")  # from the top, where the cursor is
        await pilot.press(*"masons")  # typing replaces the words offered
        await pilot.pause()
        assert field.value == "masons" and view.current_match()[0] == P1.index("masons") + plain.index(P1)
    services.close()


async def test_hostile_words_in_the_field_are_only_text(tmp_path):
    path, services, story_id = make_library(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_reader(app, pilot)
        await pilot.press("slash", *"[/]", *"[@click=app.quit]")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ReaderScreen)
        assert count_shown(app) == "no match" and view.current_match() is None
    services.close()


async def test_v_after_a_find_selects_the_sentence_of_the_match_and_h_highlights_it(tmp_path):
    path, services, story_id = make_library(tmp_path)
    plain = services.plain_text(story_id)
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_reader(app, pilot)
        await pilot.press("slash", *"winter storms", "escape", "v")
        await pilot.pause()
        assert view.selection_range() == (plain.index(S2), plain.index(S2) + len(S2))
        await pilot.press("h")
        await pilot.pause()
        assert stored(services, story_id) == [(S2, plain.index(S2), plain.index(S2) + len(S2), "")]
        # Once the cursor has moved, v starts at the paragraph's first sentence again.
        await pilot.press("slash", *"winter storms", "escape", "j", "k", "v")
        await pilot.pause()
        assert view.selection_range() == (plain.index(S1), plain.index(S1) + len(S1))
    services.close()
