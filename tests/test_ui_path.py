"""The TUI driven like a user would: a real library file, real keys."""

from __future__ import annotations

import json
import threading

from textual.color import Color
from textual.widgets import Input, TextArea

from broadsheet.config import Config
from broadsheet.model import PARAGRAPH
from broadsheet.services import Services
from broadsheet.ui.screens.help_screen import HelpScreen
from broadsheet.ui.screens.list_screen import ListScreen
from broadsheet.ui.screens.note_editor import NoteEditor
from broadsheet.ui.screens.reader_screen import ReaderScreen
from broadsheet.ui.screens.tag_editor import TagEditor
from broadsheet.ui.widgets.reader_view import NOTE_MARK, ReaderView
from broadsheet.ui.widgets.story_list import StoryList

from uitools import NOW, SIZE, _isolated_config, library, make_app, settle  # noqa: F401

HOSTILE = "Budget [/] review [@click=app.quit]now[/]"
KEY_NAMES = {" ": "space", ",": "comma", "-": "minus", ":": "colon", ".": "full_stop", "/": "slash"}





async def type_text(pilot, text: str) -> None:
    await pilot.press(*[KEY_NAMES.get(ch, ch) for ch in text])


def story_list(app) -> StoryList:
    return app.screen.query_one(StoryList)


async def next_paragraph(pilot, view: ReaderView, kinds: list[str]) -> None:
    """Press j until the cursor is on a paragraph (from where it is)."""
    for _ in range(len(kinds)):
        if kinds[view.cursor] == PARAGRAPH:
            return
        await pilot.press("j")
    raise AssertionError("no paragraph below the cursor")



async def test_read_highlight_note_tag_then_find_again(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ListScreen)
        stories = story_list(app)
        assert stories.count == services.count_stories("") >= 3
        assert stories.cursor == 0
        await pilot.press("j", "j")
        assert stories.cursor == 2
        await pilot.press("k")
        assert stories.cursor == 1
        chosen = stories.current_story
        assert chosen is not None and not chosen.read

        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ReaderScreen)
        view = app.screen.query_one(ReaderView)
        assert view.story.id == chosen.id
        assert view.document is not None
        assert services.story(chosen.id).read is True
        assert view.cursor == 0

        # Move to a paragraph, highlight it.
        kinds = [b.kind for b in view.document.blocks]
        await pilot.press("j")
        assert view.cursor == 1
        await next_paragraph(pilot, view, kinds)
        first = view.cursor
        offsets = view.document.block_offsets()
        await pilot.press("h")
        notes = services.annotations(chosen.id)
        assert [(a.position.start, a.position.end) for a in notes] == [offsets[first]]
        assert notes[0].quote.exact == view.document.blocks[first].text

        # Next paragraph: highlight with a note.
        await pilot.press("j")
        await next_paragraph(pilot, view, kinds)
        second = view.cursor
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        await type_text(pilot, "Ask the council.")
        assert app.screen.query_one(TextArea).text == "Ask the council."
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        notes = {(a.position.start, a.position.end): a.note for a in services.annotations(chosen.id)}
        assert notes == {offsets[first]: "", offsets[second]: "Ask the council."}

        # Tags.
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TagEditor)
        field = app.screen.query_one(Input)
        assert chosen.tags and field.value == ", ".join(chosen.tags) + ", "  # ready for one more
        await pilot.press("ctrl+u")
        await type_text(pilot, "policing, follow-up")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert set(services.story(chosen.id).tags) == {"policing", "follow-up"}

        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ListScreen)
        row = story_list(app).row_plain(story_list(app).cursor)
        assert "#policing" in row or "#follow-up" in row
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    services.close()

    # A new app on the same file finds everything again.
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        stories = story_list(app)
        rows = [stories.row_plain(i) for i in range(stories.count)]
        tagged = [r for r in rows if "#policing" in r]
        assert len(tagged) == 1 and chosen.title in tagged[0]

        await pilot.press("slash")
        await pilot.pause()
        assert app.screen.query_one("#search", Input).has_focus
        await type_text(pilot, "tag:policing")
        await pilot.press("enter")
        await pilot.pause()
        assert stories.count == 1
        assert stories.current_story.id == chosen.id
        assert "tag:policing" in str(app.screen.query_one("#list-header").render())

        await pilot.press("enter")
        await settle(app, pilot)
        view = app.screen.query_one(ReaderView)
        assert view.story.id == chosen.id
        assert len(view.annotations) == 2
        assert {a.note for a in view.annotations} == {"", "Ask the council."}
        lines = view.line_texts()
        text = "\n".join(lines)
        assert NOTE_MARK in text
        # The note mark sits at the end of the second paragraph's lines.
        second_lines = [lines[i] for i in view.block_lines(second)]
        assert NOTE_MARK in second_lines[-1]
        assert all(NOTE_MARK not in lines[i] for i in view.block_lines(first))
        # Both paragraphs are drawn with the highlight background.
        yellow = Color.parse(app.theme_variables["bs-highlight-yellow"]).rich_color
        for block in (first, second):
            for i in view.block_lines(block):
                styled = view.styled_line(i)
                backgrounds = {span.style.bgcolor for span in styled.spans if hasattr(span.style, "bgcolor")}
                assert yellow in backgrounds, (block, lines[i])
        # And other paragraphs are not.
        others = [b for b, kind in enumerate(kinds) if kind == PARAGRAPH and b not in (first, second)]
        for block in others[:3]:
            for i in view.block_lines(block):
                styled = view.styled_line(i)
                assert yellow not in {getattr(s.style, "bgcolor", None) for s in styled.spans}

        # h again on the plain highlight removes it.
        view.cursor = first
        await pilot.press("h")
        remaining = services.annotations(chosen.id)
        assert [a.note for a in remaining] == ["Ask the council."]

        # Escape goes back; the filter is still there and escape clears it.
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ListScreen)
        assert story_list(app).count == 1
        await pilot.press("escape")
        await pilot.pause()
        assert story_list(app).count == services.count_stories("")
    services.close()


async def test_cancelled_note_keeps_the_highlight(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
        view = app.screen.query_one(ReaderView)
        story_id = view.story.id
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        await type_text(pilot, "draft")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        notes = services.annotations(story_id)
        assert len(notes) == 1 and notes[0].note == ""
        assert (notes[0].position.start, notes[0].position.end) == view.document.block_offsets()[0]
    services.close()


async def test_list_keys_toggle_read_and_move(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        stories = story_list(app)
        await pilot.press("G")
        assert stories.cursor == stories.count - 1
        await pilot.press("g")
        assert stories.cursor == 0
        story = stories.current_story
        assert not story.read
        await pilot.press("u")
        await pilot.pause()
        assert services.story(story.id).read is True
        assert stories.row_plain(0).startswith("   ")
        await pilot.press("u")
        await pilot.pause()
        assert services.story(story.id).read is False
        assert stories.row_plain(0).startswith(" ● ")

        await pilot.press("slash")
        await type_text(pilot, "is:unread")
        await pilot.press("enter")
        await pilot.pause()
        assert stories.count == services.count_stories("is:unread")


async def test_next_and_previous_story_in_the_reader(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        stories = story_list(app)
        ids = [stories.story_at(i).id for i in range(3)]
        await pilot.press("enter")
        await settle(app, pilot)
        view = app.screen.query_one(ReaderView)
        assert view.story.id == ids[0]
        await pilot.press("n")
        await settle(app, pilot)
        assert view.story.id == ids[1]
        await pilot.press("n")
        await settle(app, pilot)
        assert view.story.id == ids[2]
        await pilot.press("p")
        await settle(app, pilot)
        assert view.story.id == ids[1]
        for story_id in ids:
            assert services.story(story_id).read is True
        # space pages down, b pages back, G goes to the last paragraph.
        await pilot.press("space")
        assert view.scroll_offset.y > 0
        await pilot.press("b")
        assert view.scroll_offset.y == 0
        await pilot.press("G")
        assert view.cursor == len(view.document.blocks) - 1
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ListScreen)
        assert stories.cursor == 1


async def test_help_lists_the_keys_of_the_screen_below_as_mapped(library):
    services = Services.open(library)
    app = make_app(services, Config(keys={"list.toggle_read": "x"}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = {ident: keys for keys, _description, ident in app.screen.rows()}
        assert rows["list.toggle_read"] == "x"
        assert rows["list.down"] == "↓ / j" or set(rows["list.down"].split(" / ")) == {"↓", "j"}
        assert rows["app.quit"] == "q"
        assert "list.tags" in rows and "list.search" in rows and "list.refresh" in rows
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ListScreen)
        # The remapped key works; the old one no longer does.
        story = story_list(app).current_story
        await pilot.press("u")
        await pilot.pause()
        assert services.story(story.id).read is False
        await pilot.press("x")
        await pilot.pause()
        assert services.story(story.id).read is True

        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        rows = {ident: keys for keys, _description, ident in app.screen.rows()}
        assert {"reader.highlight", "reader.annotate", "reader.next_story", "reader.back"} <= set(rows)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)


def _json_feed(server, titles: list[str]) -> str:
    items = [
        {"id": f"item-{n}", "url": server.url(f"/story-{n}"), "title": title,
         "content_text": f"Summary {n}.", "date_published": f"2026-11-30T0{n}:00:00Z"}
        for n, title in enumerate(titles)
    ]
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "Hostile \x1b[31mNews[/]",
            "home_page_url": server.url("/"), "items": items}
    return server.add("/feed.json", json.dumps(feed), content_type="application/feed+json")


async def test_the_readers_refresh_runs_in_a_process_of_its_own(tmp_path, http_server, monkeypatch):
    # Textual puts its own object in place of sys.stderr, and starting a
    # process then failed quietly back to refreshing on the screen's loop.
    url = _json_feed(http_server, ["First story"])
    services = Services.open(tmp_path / "lib.sqlite3")
    await services.add([url])
    _json_feed(http_server, ["First story", "Second story"])

    async def not_here(self, progress=None):
        raise AssertionError("refreshed on the screen's own loop")

    monkeypatch.setattr(Services, "refresh", not_here)  # the refresh's process has the real one
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await settle(app, pilot)
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("1 new story" in m for m in messages), messages
        assert [s.title for s in services.stories_page("", 0, 5)] == ["Second story", "First story"]
        assert story_list(app).count == 2  # the list reloaded after the refresh
    services.close()


async def test_refresh_on_start_and_every_few_minutes_as_the_config_asks(tmp_path, http_server, monkeypatch):
    import asyncio

    from broadsheet.ui.screens import list_screen

    monkeypatch.setattr(list_screen, "START_REFRESH_DELAY", 0.1)
    url = _json_feed(http_server, ["First story"])
    services = Services.open(tmp_path / "lib.sqlite3")
    await services.add([url])
    _json_feed(http_server, ["First story", "Second story"])

    async def refreshed(app, pilot, requests: int) -> None:
        for _ in range(100):  # the timers start the refresh; its worker then ends
            if http_server.paths().count("/feed.json") >= requests and not app.screen.refreshing:
                break
            await asyncio.sleep(0.05)
        await settle(app, pilot)
        await pilot.pause()

    app = make_app(services, Config(refresh_on_start=True))
    async with app.run_test(size=SIZE) as pilot:
        await refreshed(app, pilot, 2)  # add + the refresh on start, no key pressed
        assert story_list(app).count == 2
        assert [n.message for n in app._notifications] == ["1 new story from 1 source."]
    # Nothing new: an automatic refresh says nothing.  Every few minutes (here:
    # 0.01 of a minute, set directly; config.toml allows 5 and more) it runs again.
    app = make_app(services, Config(refresh_every=0.01))
    async with app.run_test(size=SIZE) as pilot:
        await refreshed(app, pilot, 3)
        _json_feed(http_server, ["First story", "Second story", "Third story"])
        await refreshed(app, pilot, http_server.paths().count("/feed.json") + 1)  # one asked after the change
        assert story_list(app).count == 3
        assert [n.message for n in app._notifications] == ["1 new story from 1 source."]
    services.close()


async def test_hostile_titles_through_add_dialog(tmp_path, http_server, monkeypatch):
    osc52 = "Clipboard \x1b]52;c;ZWNobyBwd25lZA==\x07grab \x1b[31mred\x1b[0m \u202eevil"
    url = _json_feed(http_server, [HOSTILE, osc52])
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda target, *a, **k: opened.append(target) or True)
    services = Services.open(tmp_path / "lib.sqlite3")
    services.ensure_welcome()
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        before = story_list(app).count
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#add-url", Input).value = url
        app.screen.query_one("#add-tags", Input).value = "hostile"
        app.screen.query_one("#add-url", Input).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.pause()
        stories = story_list(app)
        assert stories.count == before + 2
        assert any("subscribed" in n.message.lower() for n in app._notifications)

        rows = {stories.story_at(i).title: i for i in range(stories.count)}
        assert HOSTILE in rows
        index = rows[HOSTILE]
        assert HOSTILE in stories.row_plain(index)
        # What is painted on screen is the literal text.
        stories.cursor = index
        await pilot.pause()
        y = index - int(stories.scroll_offset.y)
        painted = stories.render_line(y).text
        assert HOSTILE in painted
        escaped = [t for t in rows if t.startswith("Clipboard")]
        assert len(escaped) == 1
        for i in range(stories.count):
            text = stories.render_line(i - int(stories.scroll_offset.y)).text if 0 <= i - int(stories.scroll_offset.y) < stories.size.height else stories.row_plain(i)
            assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
        # Clicking the row does not run the embedded action.
        await pilot.click(StoryList, offset=(40, y))
        await pilot.pause()
        assert app.is_running
        assert isinstance(app.screen, ListScreen)
        await pilot.press("o")
        assert opened == [stories.current_story.url]
        # Reading it is fine too (the page 404s: error line + summary).
        await pilot.press("enter")
        await settle(app, pilot)
        view = app.screen.query_one(ReaderView)
        assert view.story.title == HOSTILE
        text = "\n".join(view.line_texts())
        assert HOSTILE in text
        assert "Summary" in text
        assert "HTTP 404 Not Found — showing the feed's summary." in text
        kept = services.cached_document(view.story.id)  # kept, to highlight; tried again next time
        assert kept.partial and kept.plain_text() == "Summary 0."
        assert app.is_running
    services.close()


async def test_refresh_failure_is_reported_not_fatal(tmp_path, http_server):
    url = _json_feed(http_server, ["First story"])
    services = Services.open(tmp_path / "lib.sqlite3")
    services.ensure_welcome()
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#add-url", Input).value = url
        await pilot.press("enter")
        await settle(app, pilot)
        release = threading.Event()

        def slow_gone(handler) -> None:
            release.wait(10)  # answers once the test has seen the progress line
            handler.send_response(404)
            handler.send_header("Content-Type", "text/plain")
            handler.send_header("Content-Length", "4")
            handler.end_headers()
            handler.wfile.write(b"gone")

        http_server.add_handler("/feed.json", slow_gone)
        await pilot.press("r")
        await pilot.pause(0.2)
        status = app.screen.query_one("#list-status")
        assert status.has_class("visible")
        assert "Refreshing" in str(app.screen.query_one("#status-text").render())
        await pilot.press("r")  # a second refresh while one runs is refused politely
        release.set()
        await settle(app, pilot)
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("failed" in m and "404" in m for m in messages), messages
        assert any("already running" in m for m in messages), messages
        assert http_server.paths().count("/feed.json") == 2  # add + one refresh
        assert app.is_running
        assert not app.screen.query_one("#list-status").has_class("visible")
    services.close()


async def test_select_sentences_then_highlight(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        stories = story_list(app)

        def long_paragraph(story_id: int) -> int | None:
            """A paragraph with at least three sentences."""
            blocks = services.cached_document(story_id).blocks
            return next((i for i, b in enumerate(blocks)
                         if b.kind == PARAGRAPH and b.text.count(". ") >= 2), None)

        for _ in range(stories.count):
            if long_paragraph(stories.current_story.id) is not None:
                break
            await pilot.press("j")
        target = long_paragraph(stories.current_story.id)
        await pilot.press("enter")
        await settle(app, pilot)
        view = app.screen.query_one(ReaderView)
        blocks = view.document.blocks
        for _ in range(target):
            await pilot.press("j")
        assert view.cursor == target
        text = blocks[target].text
        start = view.document.block_offsets()[target][0]
        await pilot.press("v")
        first_end = text.index(". ") + 1
        assert view.selection_range() == (start, start + first_end)
        # The selection is drawn reversed, and nothing else is.
        pieces = []
        for index in view.block_lines(target):
            line = view.styled_line(index)
            pieces += [line.plain[span.start:span.end] for span in line.spans
                       if getattr(span.style, "reverse", False)]
        assert " ".join(p.strip() for p in pieces) == text[:first_end]
        await pilot.press("v")
        second_end = text.index(". ", first_end) + 1
        assert view.selection_range() == (start, start + second_end)
        # escape drops the selection first, and stays in the reader.
        await pilot.press("escape")
        await pilot.pause()
        assert view.selection_range() is None
        assert isinstance(app.screen, ReaderScreen)
        await pilot.press("v", "v", "h")
        notes = services.annotations(view.story.id)
        assert [(a.position.start, a.position.end) for a in notes] == [(start, start + second_end)]
        assert notes[0].quote.exact == text[:second_end]
        # j extends a selection by a sentence now; escape drops it.
        await pilot.press("v", "j")
        assert view.selection_range() == (start, start + second_end)
        await pilot.press("escape")
        assert view.selection is None
    services.close()


ARTICLE = """<!doctype html><html><head><title>Harbour plans approved</title>
<meta property="og:site_name" content="Coast Gazette"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Harbour plans approved</h1><p class="byline">By Ann Writer</p>
<p>The harbour board approved the new plans on Monday after a long public consultation
that drew hundreds of letters from residents, fishermen and local businesses alike.</p>
<p>Work on the northern breakwater is due to begin in the spring, the board said, and
should take about two years to finish if the weather allows the crews to keep going.</p>
<p>Critics said the <a href="https://coast.example/costs">cost estimates</a> were too
optimistic and asked for an independent review before any contract is signed.</p>
<p>The board's chair said the review would be published in full on its website.</p>
</article><footer>Share this story</footer></body></html>"""


async def test_reader_fetches_the_full_text_in_the_background(tmp_path, http_server):
    release = threading.Event()

    def slow_article(handler) -> None:
        release.wait(10)  # the reader waits until the test has looked at it
        body = ARTICLE.encode("utf-8")
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    http_server.add_handler("/story-0", slow_article)
    url = _json_feed(http_server, ["Harbour plans approved"])
    services = Services.open(tmp_path / "lib.sqlite3")
    services.ensure_welcome()
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#add-url", Input).value = url
        await pilot.press("enter")
        await settle(app, pilot)
        stories = story_list(app)
        titles = [stories.story_at(i).title for i in range(stories.count)]
        assert "Harbour plans approved" in titles, [n.message for n in app._notifications]
        stories.cursor = titles.index("Harbour plans approved")
        story_id = stories.current_story.id
        assert services.cached_document(story_id) is None
        await pilot.press("enter")
        view = app.screen.query_one(ReaderView)
        assert view.document is None
        assert any("Fetching full text" in line for line in view.line_texts())
        release.set()
        await settle(app, pilot)
        assert view.document is not None
        text = "\n".join(view.line_texts())
        assert "Fetching full text" not in text
        assert "northern breakwater" in text
        assert "Share this story" not in text
        assert "[1] https://coast.example/costs" in text
        assert services.cached_document(story_id) is not None
        await pilot.press("h")
        assert len(services.annotations(story_id)) == 1
    services.close()
