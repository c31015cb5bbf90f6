"""Selecting text in the reader, with the keyboard (v, then j/k by sentence)
and with the mouse, and highlighting exactly what was selected.

A real library file holds one article; the TUI is driven with real keys and
real mouse events (Pilot)."""

from __future__ import annotations

from textual.geometry import Offset
from textual.selection import Selection
from textual.widgets import TextArea

from broadsheet.model import HEADING, LIST_ITEM, PARAGRAPH, QUOTE, Block, Document, Span
from broadsheet.services import Services
from broadsheet.ui.screens.list_screen import ListScreen
from broadsheet.ui.screens.note_editor import NoteEditor
from broadsheet.ui.screens.reader_screen import ReaderScreen
from broadsheet.ui.widgets.reader_view import NOTE_MARK, ReaderView

from uitools import _isolated_config, make_app, settle  # noqa: F401

# Paragraph 1 has two sentences, paragraph 2 three (one of them a link).
P1 = ("The harbour wall was built in 1820 by the town's own masons. "
      "It has stood through two centuries of winter storms.")
P2_LEAD = "Engineers now say it needs repair before the spring tides arrive. "
P2_LINK = "The council"
P2_REST = (" will vote on the repairs on Tuesday, after a long public meeting. "
           "Fishermen want the work done quickly, before the herring season.")
P2 = P2_LEAD + P2_LINK + P2_REST
S1, S2 = "The harbour wall was built in 1820 by the town's own masons.", \
    "It has stood through two centuries of winter storms."
S3 = "Engineers now say it needs repair before the spring tides arrive."
S4 = "The council will vote on the repairs on Tuesday, after a long public meeting."
FILLER = ("Gulls circle the breakwater from dawn until dusk. The lighthouse keeper logs every ship. "
          "Nets dry on the railings by the slipway. Tourists photograph the old crane at noon.")


def article(extra_paragraphs: int = 0) -> Document:
    blocks = [
        Block(HEADING, (Span("The wall and the tides"),), level=2),
        Block(PARAGRAPH, (Span(P1),)),
        Block(PARAGRAPH, (Span(P2_LEAD), Span(P2_LINK, link=1), Span(P2_REST))),
        Block(QUOTE, (Span("We cannot wait for another storm to decide for us."),)),
        Block(LIST_ITEM, (Span("Survey the stones."),)),
        Block(LIST_ITEM, (Span("Close the promenade."),)),
    ]
    blocks += [Block(PARAGRAPH, (Span(f"Part {n}. {FILLER}"),)) for n in range(extra_paragraphs)]
    return Document(blocks=blocks, links=["https://gazette.example/council"],
                    title="Harbour wall needs repair", site_name="Coast Gazette")


def make_library(tmp_path, extra_paragraphs: int = 0):
    path = tmp_path / "lib.sqlite3"
    services = Services.open(path)
    story_id, _ = services.library.add_story(
        services.library.saved_source_id(), url="https://gazette.example/wall",
        title="Harbour wall needs repair", document=article(extra_paragraphs))
    return path, services, story_id


async def open_reader(app, pilot) -> ReaderView:
    await settle(app, pilot)
    await pilot.press("enter")
    await settle(app, pilot)
    assert isinstance(app.screen, ReaderScreen)
    return app.screen.query_one(ReaderView)


def reversed_rows(view: ReaderView) -> list[int]:
    """Rows of the layout where the sentence selection is drawn."""
    return [row for row in range(len(view.line_texts()))
            if any(getattr(span.style, "reverse", False) for span in view.styled_line(row).spans)]


def stored(services: Services, story_id: int) -> list[tuple[str, int, int, str]]:
    return [(a.quote.exact, a.position.start, a.position.end, a.note) for a in services.annotations(story_id)]


async def test_v_then_j_j_takes_three_sentences_across_paragraphs(tmp_path):
    path, services, story_id = make_library(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_reader(app, pilot)
        await pilot.press("j")  # the heading, then the first paragraph
        assert view.cursor == 1
        await pilot.press("v")
        assert view.selection_range() is not None
        await pilot.press("j", "j")
        await pilot.pause()
        # The selection runs on into the next paragraph; the cursor follows its end.
        assert view.cursor == 2
        rows = reversed_rows(view)
        assert set(rows) & set(view.block_lines(1)) and set(rows) & set(view.block_lines(2))
        await pilot.press("h")
        await pilot.pause()
    assert stored(services, story_id) == [
        (f"{S1} {S2}\n\n{S3}", *_span(services, story_id, f"{S1} {S2}\n\n{S3}"), "")]
    assert view.selection is None
    services.close()


def _span(services: Services, story_id: int, quote: str) -> tuple[int, int]:
    text = services.plain_text(story_id)
    start = text.index(quote)
    return start, start + len(quote)


async def test_k_gives_back_the_last_sentence_and_keeps_the_first(tmp_path):
    path, services, story_id = make_library(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_reader(app, pilot)
        await pilot.press("j", "v", "j", "j", "k")
        await pilot.pause()
        # Back over the paragraph boundary: two sentences, the cursor back with them.
        assert view.cursor == 1
        assert not set(reversed_rows(view)) & set(view.block_lines(2))
        await pilot.press("h")
        await pilot.pause()
        assert [quote for quote, *_ in stored(services, story_id)] == [f"{S1} {S2}"]

        # k on a one-sentence selection keeps that sentence.
        await pilot.press("j", "v", "k", "k")
        await pilot.pause()
        assert view.cursor == 2
        start = services.plain_text(story_id).index(S3)
        assert view.selection_range() == (start, start + len(S3))
        await pilot.press("j")  # and j still extends from there
        assert view.selection_range() == (start, start + len(f"{S3} {S4}"))
    services.close()


async def test_escape_clears_the_selection_then_j_moves_again(tmp_path):
    path, services, story_id = make_library(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_reader(app, pilot)
        await pilot.press("j", "v", "j")
        assert view.selection is not None and reversed_rows(view)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)  # escape cleared, it did not leave
        assert view.selection is None and view.selection_range() is None
        assert reversed_rows(view) == []
        # Without a selection j moves the paragraph cursor, and h takes the paragraph.
        await pilot.press("j")
        assert view.cursor == 2 and view.selection is None
        await pilot.press("h")
        await pilot.pause()
        assert [quote for quote, *_ in stored(services, story_id)] == [P2]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ListScreen)
    services.close()


async def test_the_end_of_a_growing_selection_stays_on_screen(tmp_path):
    path, services, story_id = make_library(tmp_path, extra_paragraphs=12)
    app = make_app(services)
    async with app.run_test(size=(100, 16)) as pilot:
        view = await open_reader(app, pilot)
        await pilot.press("j", "v")
        height = view.scrollable_content_region.height
        moved = False
        for _ in range(24):
            await pilot.press("j")
            await pilot.pause()
            end_row = reversed_rows(view)[-1]
            top = int(view.scroll_offset.y)
            assert top <= end_row < top + height, (end_row, top, height)
            moved = moved or top > 0
        assert moved  # the selection went past the first screen, and the view followed
        # And back: k shrinks it and the view follows the end up again.
        for _ in range(24):
            await pilot.press("k")
            await pilot.pause()
            end_row = reversed_rows(view)[-1]
            top = int(view.scroll_offset.y)
            assert top <= end_row < top + height
    services.close()


def painted_row(view: ReaderView, row: int) -> str:
    """What the view paints at layout row ``row`` (it must be on screen)."""
    return view.render_line(row - int(view.scroll_offset.y)).text


def on_screen(view: ReaderView, first: tuple[int, int], last: tuple[int, int]) -> str:
    """The words painted from cell ``first`` to cell ``last`` (both included),
    without the gutter, link numbers or spacing."""
    rows = []
    for row in range(first[1], last[1] + 1):
        painted = painted_row(view, row)
        start = first[0] if row == first[1] else 0
        end = last[0] + 1 if row == last[1] else len(painted)
        text = view.line_texts()[row][2:]  # the line without the gutter
        left = painted.index(text) if text else len(painted)
        rows.append(painted[max(start, left):end])
    words = " ".join(" ".join(rows).split())
    return words.replace("[1]", "").replace(NOTE_MARK, "")


def cell_of(view: ReaderView, words: str) -> tuple[int, int]:
    """(x, row) of the first cell of ``words`` as painted."""
    for row, line in enumerate(view.line_texts()):
        if words in line:
            return painted_row(view, row).index(words), row
    raise AssertionError(f"{words!r} is not on screen")


async def test_a_mouse_drag_then_h_highlights_exactly_the_dragged_words(tmp_path):
    path, services, story_id = make_library(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_reader(app, pilot)
        top = int(view.scroll_offset.y)
        # From the middle of a word in the first paragraph to the middle of a
        # word in the second, past the link (drawn with its number).
        x1, row1 = cell_of(view, "two centuries")
        x1 += 2  # "o centuries…"
        x2, row2 = cell_of(view, "public meeting")
        x2 += 3  # up to "publ"
        await pilot.mouse_down(ReaderView, offset=(x1, row1 - top))
        await pilot.hover(ReaderView, offset=(x2, row2 - top))
        await pilot.mouse_up(ReaderView, offset=(x2, row2 - top))
        await pilot.pause()
        assert view.text_selection is not None
        expected = on_screen(view, (x1, row1), (x2, row2))
        assert expected.startswith("o centuries of winter storms. Engineers")
        assert expected.endswith("after a long publ")
        # The selection is painted, and copying gives the same text.
        assert "o centuries" in app.screen.get_selected_text()
        await pilot.press("h")
        await pilot.pause()
        quote, start, end, note = stored(services, story_id)[0]
        assert " ".join(quote.split()) == expected
        assert services.plain_text(story_id)[start:end] == quote
        assert view.text_selection is None  # used up
        # Drawn as a highlight over both paragraphs.
        drawn = {row for row in range(len(view.line_texts()))
                 if any(getattr(span.style, "bgcolor", None) is not None
                        and span.style.bgcolor.name != "default"
                        for span in view.styled_line(row).spans)}
        assert row1 in drawn and row2 in drawn
    services.close()

    # Reopening the library finds the highlight, drawn in the text.
    services = Services.open(path)
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_reader(app, pilot)
        assert [(a.quote.exact, a.position.start, a.position.end) for a in view.annotations] == \
            [(quote, start, end)]
        assert view.placed_highlights() and view.placed_highlights()[0].quote.exact == quote
    services.close()


async def test_a_selection_set_as_a_drag_would_then_a_writes_a_note(tmp_path):
    path, services, story_id = make_library(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_reader(app, pilot)
        x1, row1 = cell_of(view, "Engineers now")
        x2, row2 = cell_of(view, "quickly")
        x2 += len("quickly") - 1
        # What a drag does: the screen keeps the selection of the widget, its end
        # one past the last character under the pointer.
        app.screen.selections = {view: Selection.from_offsets(Offset(x1, row1), Offset(x2 + 1, row2))}
        await pilot.pause()
        expected = on_screen(view, (x1, row1), (x2, row2))
        assert expected.startswith("Engineers now say") and expected.endswith("work done quickly")
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        app.screen.query_one(TextArea).insert("Ask about the cost.\nAnd the date.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        [(quote, start, end, note)] = stored(services, story_id)
        assert " ".join(quote.split()) == expected
        assert note == "Ask about the cost.\nAnd the date."

        # Past the note mark now drawn after "quickly": the mark is not text.
        assert NOTE_MARK in view.line_texts()[row2]
        x1, row1 = cell_of(view, "quickly")
        x2, row2 = cell_of(view, "herring")
        x2 += len("herr") - 1
        app.screen.selections = {view: Selection.from_offsets(Offset(x1, row1), Offset(x2 + 1, row2))}
        await pilot.pause()
        assert on_screen(view, (x1, row1), (x2, row2)) == "quickly, before the herr"
        await pilot.press("h")
        await pilot.pause()
        assert "quickly, before the herr" in [a.quote.exact for a in services.annotations(story_id)]
    services.close()


async def test_a_selection_ending_on_a_link_number_ends_with_the_link(tmp_path):
    path, services, story_id = make_library(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_reader(app, pilot)
        x1, row1 = cell_of(view, "Engineers now")
        x2, row2 = cell_of(view, "[1]")
        x2 += 1  # the pointer on the "1" of the link's number
        await pilot.mouse_down(ReaderView, offset=(x1, row1 - int(view.scroll_offset.y)))
        await pilot.hover(ReaderView, offset=(x2, row2 - int(view.scroll_offset.y)))
        await pilot.mouse_up(ReaderView, offset=(x2, row2 - int(view.scroll_offset.y)))
        await pilot.pause()
        await pilot.press("h")
        await pilot.pause()
    assert [quote for quote, *_ in stored(services, story_id)] == [f"{S3} {P2_LINK}"]
    services.close()


async def test_a_mouse_selection_without_story_text_highlights_nothing(tmp_path):
    path, services, story_id = make_library(tmp_path)
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_reader(app, pilot)
        x, row = cell_of(view, "Harbour wall needs repair")  # the title, not the story's text
        app.screen.selections = {view: Selection.from_offsets(Offset(x, row), Offset(x + 10, row))}
        await pilot.pause()
        await pilot.press("h")
        await pilot.pause()
        assert stored(services, story_id) == []
        assert any("none of the story's text" in n.message for n in app._notifications)
        # escape drops a mouse selection first and stays in the reader.
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen) and view.text_selection is None
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ListScreen)
    services.close()


async def test_a_drag_over_wide_characters_takes_the_characters_under_the_pointer(tmp_path):
    from rich.cells import cell_len

    path = tmp_path / "lib.sqlite3"
    services = Services.open(path)
    text = "港の防波堤は二百年の嵐に耐えてきた。来年の春に修理が始まる。"
    story_id, _ = services.library.add_story(
        services.library.saved_source_id(), url="https://gazette.example/ja", title="防波堤",
        document=Document(blocks=[Block(PARAGRAPH, (Span(text),))], title="防波堤"))
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_reader(app, pilot)
        _, row = cell_of(view, "二百年")
        painted = painted_row(view, row)
        first = painted.index("二百年")
        last = painted.index("耐え") + 1  # "え"
        # Cells, not characters: every one of these is two cells wide; the
        # pointer is on the right half of the first and the left half of the last.
        x1, x2 = cell_len(painted[:first]) + 1, cell_len(painted[:last])
        y = row - int(view.scroll_offset.y)
        await pilot.mouse_down(ReaderView, offset=(x1, y))
        await pilot.hover(ReaderView, offset=(x2, y))
        await pilot.mouse_up(ReaderView, offset=(x2, y))
        await pilot.pause()
        await pilot.press("h")
        await pilot.pause()
    assert [quote for quote, *_ in stored(services, story_id)] == ["二百年の嵐に耐え"]
    services.close()
