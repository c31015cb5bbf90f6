"""Highlights, notes, stars and tags in the TUI: a real library file, real keys."""

from __future__ import annotations

import threading

from textual.color import Color
from textual.widgets import Input, TextArea

from broadsheet.model import PARAGRAPH
from broadsheet.services import HIGHLIGHT_COLORS, Services
from broadsheet.ui.screens.annotations_screen import AnnotationList, AnnotationsScreen
from broadsheet.ui.screens.help_screen import HelpScreen
from broadsheet.ui.screens.list_screen import ListScreen
from broadsheet.ui.screens.note_editor import NoteEditor
from broadsheet.ui.screens.reader_screen import ReaderScreen
from broadsheet.ui.screens.tag_dialogs import Confirm, RenameTag
from broadsheet.ui.widgets.reader_view import ReaderView
from broadsheet.ui.widgets.story_list import STAR_MARK, StoryList
from broadsheet.ui.widgets.tag_sidebar import TagSidebar

from uitools import NOW, SIZE, _isolated_config, library, make_app, settle  # noqa: F401

WIDE = (160, 50)
HOSTILE = "see [bold]this[/] [@click=app.quit]x[/]"






def paragraphs(services: Services, story_id: int) -> list[int]:
    blocks = services.cached_document(story_id).blocks
    return [i for i, block in enumerate(blocks) if block.kind == PARAGRAPH]


def highlight_block(services: Services, story_id: int, block: int, note: str = "", color: str = "yellow"):
    start, end = services.cached_document(story_id).block_offsets()[block]
    return services.annotate_range(story_id, start, end, note, color)


def panel_text(app, selector: str) -> str:
    widget = app.screen.query_one(selector)
    return str(widget.render()) if widget.display else ""


async def open_first_story(app, pilot) -> ReaderView:
    await pilot.press("enter")
    await settle(app, pilot)
    assert isinstance(app.screen, ReaderScreen)
    return app.screen.query_one(ReaderView)


async def test_colour_note_panel_delete_and_undo(library):
    services = Services.open(library)
    story_id = services.stories_page("", 0, 1)[0].id
    first, second, third = paragraphs(services, story_id)[:3]
    plain = highlight_block(services, story_id, first)
    noted = highlight_block(services, story_id, third, note=HOSTILE)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = await open_first_story(app, pilot)
        assert view.story.id == story_id
        # ] and [ go from highlight to highlight; no note panel on a plain one.
        assert first == 0 and view.cursor == first
        await pilot.pause()
        assert view.current_highlight().id == plain.id
        assert panel_text(app, "#highlight-note") == ""
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert view.cursor == third and view.current_highlight().id == noted.id
        await pilot.press("right_square_bracket")  # the last one: stays
        await pilot.pause()
        assert view.cursor == third
        # The note is shown literally (it looks like markup but is not run as markup).
        assert HOSTILE in panel_text(app, "#highlight-note")
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert view.cursor == first
        assert panel_text(app, "#highlight-note") == ""

        # c cycles the colour; it is stored and drawn.
        await pilot.press("c")
        stored = {a.id: a.color for a in services.annotations(story_id)}
        assert stored[plain.id] == HIGHLIGHT_COLORS[1]
        green = Color.parse(app.theme_variables["bs-highlight-green"]).rich_color
        for line in view.block_lines(first):
            assert green in {getattr(s.style, "bgcolor", None) for s in view.styled_line(line).spans}
        for _ in range(len(HIGHLIGHT_COLORS) - 1):
            await pilot.press("c")
        assert {a.id: a.color for a in services.annotations(story_id)}[plain.id] == HIGHLIGHT_COLORS[0]

        # e edits the note of the current highlight; the panel follows.
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        await pilot.press("W", "h", "y", "question_mark")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert {a.id: a.note for a in services.annotations(story_id)}[plain.id] == "Why?"
        assert "Why?" in panel_text(app, "#highlight-note")

        # d deletes, z brings back the very same highlight.
        await pilot.press("d")
        await pilot.pause()
        assert [a.id for a in services.annotations(story_id)] == [noted.id]
        assert any(n.message == "Highlight deleted — press z to undo" for n in app._notifications)
        assert panel_text(app, "#highlight-note") == ""
        await pilot.press("z")
        await pilot.pause()
        restored = {a.uuid: a for a in services.annotations(story_id)}
        assert plain.uuid in restored
        assert restored[plain.uuid].note == "Why?" and restored[plain.uuid].id == plain.id
        assert (restored[plain.uuid].position.start, restored[plain.uuid].position.end) == \
            (plain.position.start, plain.position.end)
        assert view.current_highlight().uuid == plain.uuid
        assert "Why?" in panel_text(app, "#highlight-note")
        # A second z has nothing to undo.
        await pilot.press("z")
        await pilot.pause()
        assert len(services.annotations(story_id)) == 2

        # d with no highlight under the cursor deletes nothing.
        view.cursor = second
        await pilot.pause()
        await pilot.press("d")
        assert len(services.annotations(story_id)) == 2
    services.close()


async def test_story_note_is_kept_and_shown_again(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = await open_first_story(app, pilot)
        story_id = view.story.id
        assert panel_text(app, "#story-note") == ""
        await pilot.press("N")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        area = app.screen.query_one(TextArea)
        area.insert("First line [b]\nsecond line")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert services.story_note(story_id) == "First line [b]\nsecond line"
        assert "First line [b]" in panel_text(app, "#story-note")
    services.close()

    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = await open_first_story(app, pilot)
        assert view.story.id == story_id
        shown = panel_text(app, "#story-note")
        assert "First line [b]" in shown and "second line" in shown
        # N again starts from the saved note.
        await pilot.press("N")
        await pilot.pause()
        assert app.screen.query_one(TextArea).text == "First line [b]\nsecond line"
        await pilot.press("escape")
        await pilot.pause()
        assert services.story_note(story_id) == "First line [b]\nsecond line"
    services.close()


async def test_star_in_list_and_reader(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        stories = app.screen.query_one(StoryList)
        await pilot.press("j")
        story = stories.current_story
        assert STAR_MARK not in stories.row_plain(1)
        await pilot.press("s")
        await pilot.pause()
        assert services.story(story.id).starred is True
        assert stories.row_plain(1).startswith(f" ●{STAR_MARK}")
        assert STAR_MARK not in stories.row_plain(0)
        assert services.count_stories("is:starred") == 1
        # In the reader: the header shows it, s takes it off.
        await pilot.press("enter")
        await settle(app, pilot)
        assert STAR_MARK in str(app.screen.query_one("#reader-header").render())
        await pilot.press("s")
        await pilot.pause()
        assert services.story(story.id).starred is False
        assert STAR_MARK not in str(app.screen.query_one("#reader-header").render())
        await pilot.press("q")
        await pilot.pause()
        assert STAR_MARK not in stories.row_plain(1)
    services.close()


async def test_orphaned_highlights_are_listed_after_the_text(library):
    services = Services.open(library)
    story_id = services.stories_page("", 0, 1)[0].id
    block = paragraphs(services, story_id)[0]
    lost = highlight_block(services, story_id, block, note="kept anyway")
    services.library.move_annotation(lost.id, None, None)  # its text is gone from the story
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = await open_first_story(app, pilot)
        lines = [line.strip() for line in view.line_texts()]
        assert "Orphaned highlights" in lines
        after = "\n".join(lines[lines.index("Orphaned highlights"):])
        assert lost.quote.exact[:30] in after and "kept anyway" in after
        # Not drawn in the text, and ] does not land on it.
        assert view.placed_highlights() == []
        await pilot.press("right_square_bracket")
        assert view.cursor == 0
    services.close()


def _seed_annotations(services: Services) -> list:
    """Three highlights on two stories, made one after the other (oldest first)."""
    stories = services.stories_page("", 0, 5)
    first, second = stories[0], stories[1]
    made = []
    blocks = paragraphs(services, first.id)
    made.append(highlight_block(services, first.id, blocks[0], note="harbour question"))
    made.append(highlight_block(services, second.id, paragraphs(services, second.id)[1], color="blue"))
    made.append(highlight_block(services, first.id, blocks[2], note="remember the tides"))
    return made


async def test_annotations_view_lists_filters_and_opens(library):
    services = Services.open(library)
    made = _seed_annotations(services)
    first_story = services.story(made[0].story_id)
    other_story = services.story(made[1].story_id)
    assert set(first_story.tags) != set(other_story.tags)
    other_tag = next(t for t in other_story.tags if t not in first_story.tags)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, AnnotationsScreen)
        listing = app.screen.query_one(AnnotationList)
        assert [a.id for a, _ in listing.items] == [m.id for m in reversed(made)]
        lines = listing.entry_plain(0)
        assert made[2].quote.exact[:20] in lines[0]
        assert "remember the tides" in lines[1]
        assert first_story.title in lines[2] and "Welcome" in lines[2]
        assert all("#" + tag in lines[2] for tag in first_story.tags)
        assert "(no note)" in listing.entry_plain(1)[1]

        # / filters: words in the quote or note, then tag:.
        await pilot.press("slash")
        await pilot.pause()
        assert app.screen.query_one("#annotations-search", Input).has_focus
        await pilot.press(*"harbour")
        await pilot.press("enter")
        await pilot.pause()
        assert [a.id for a, _ in listing.items] == [made[0].id]
        assert "harbour" in str(app.screen.query_one("#annotations-header").render())
        await pilot.press("slash")
        app.screen.query_one("#annotations-search", Input).value = f"tag:{other_tag}"
        await pilot.press("enter")
        await pilot.pause()
        assert [a.id for a, _ in listing.items] == [made[1].id]
        # escape clears the filter first, and stays.
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AnnotationsScreen)
        assert len(listing.items) == 3

        # enter opens the story with the cursor on that highlight's paragraph.
        await pilot.press("j")
        await pilot.press("j")
        assert listing.cursor == 2
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ReaderScreen)
        view = app.screen.query_one(ReaderView)
        assert view.story.id == made[0].story_id
        assert view.cursor == paragraphs(services, made[0].story_id)[0]
        assert view.current_highlight().id == made[0].id
        assert "harbour question" in panel_text(app, "#highlight-note")
        # q goes back to the highlights, A from the reader too.
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, AnnotationsScreen)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, AnnotationsScreen)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ListScreen)
    services.close()


async def test_annotations_view_pages_in_more(library):
    services = Services.open(library)
    story_id = services.stories_page("", 0, 1)[0].id
    text = services.plain_text(story_id)
    for n in range(25):
        services.annotate_range(story_id, n * 3, n * 3 + 2, note=f"note {n}")
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(AnnotationsScreen(services))
        await pilot.pause()
        listing = app.screen.query_one(AnnotationList)
        listing.page_size = 10
        listing.reload()
        assert len(listing.items) == 10 and not listing.exhausted
        await pilot.press("G")
        assert listing.exhausted and len(listing.items) == 25
        assert listing.current[0].note == "note 0"
        assert listing.current[0].quote.exact == text[0:2]
    services.close()


async def test_tag_sidebar_counts_filter_rename_delete(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        screen = app.screen
        sidebar = screen.query_one(TagSidebar)
        assert sidebar.display and screen.sidebar_visible
        counts = services.tag_counts()
        assert [name for name, _, _ in sidebar.tags] == [name for name, _, _ in counts]
        for index, (name, stories, unread) in enumerate(counts, 1):
            row = sidebar.row_plain(index)
            assert row.startswith("#" + name) and row.endswith(f"{stories} · {unread}")
        # Reading a story changes the unread count.
        welcome = next(i for i, (name, _, _) in enumerate(counts, 1) if name == "welcome")
        assert sidebar.row_plain(welcome).endswith(f"{counts[welcome - 1][1]} · {counts[welcome - 1][2]}")
        await pilot.press("u")
        await pilot.pause()
        assert sidebar.row_plain(welcome).endswith(f"{counts[welcome - 1][1]} · {counts[welcome - 1][2] - 1}")

        # T focuses it; enter filters the list by the tag.
        await pilot.press("T")
        await pilot.pause()
        assert sidebar.has_focus
        target = next(i for i, (name, _, _) in enumerate(sidebar.tags, 1) if name == "feeds")
        sidebar.highlighted = target
        await pilot.press("enter")
        await pilot.pause()
        stories = screen.query_one(StoryList)
        assert stories.has_focus
        assert stories.query_text == "tag:feeds"
        assert stories.count == services.count_stories("tag:feeds") == 1

        # R renames "feeds" into the existing "search": the two merge.
        await pilot.press("T")
        await pilot.pause()
        assert sidebar.current_tag == "feeds"
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, RenameTag)
        field = app.screen.query_one(Input)
        assert field.value == "feeds"
        field.value = "search"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        names = [name for name, _, _ in services.tag_counts()]
        assert "feeds" not in names and "search" in names
        assert services.count_stories("tag:search") == 2
        assert any("Merged" in n.message and "#search" in n.message for n in app._notifications)
        assert sidebar.current_tag == "search"
        assert stories.query_text == "tag:search" and stories.count == 2  # the filter follows the tag
        assert "#feeds" not in [sidebar.row_plain(i).split()[0] for i in range(1, len(sidebar.tags) + 1)]

        # D asks first: n keeps the tag, y takes it off every story.
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert "#search" in str(app.screen.query_one("#confirm-question").render())
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen
        assert services.count_stories("tag:search") == 2
        await pilot.press("D")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert "search" not in [name for name, _, _ in services.tag_counts()]
        assert services.count_stories("") == 5  # the stories stay
        assert "search" not in [name for name, _, _ in sidebar.tags]

        # The first row is every story; T from the sidebar hides it.
        sidebar.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert stories.query_text == "" and stories.count == 5
        await pilot.press("T", "T")
        await pilot.pause()
        assert not sidebar.display and stories.has_focus
    services.close()


async def test_sidebar_hidden_on_narrow_terminals_unless_asked(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        sidebar = app.screen.query_one(TagSidebar)
        assert not sidebar.display
        await pilot.press("T")
        await pilot.pause()
        assert sidebar.display and sidebar.has_focus
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = {ident for _keys, _description, ident in app.screen.rows()}
        assert {"sidebar.rename", "sidebar.delete", "sidebar.filter", "list.sidebar"} <= rows
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("T")
        await pilot.pause()
        assert not sidebar.display
    services.close()


def palette_titles(app) -> list[str]:
    """Palette titles as shown (the palette reads them as markup)."""
    from textual.content import Content

    return [Content.from_markup(c.title).plain for c in app.get_system_commands(app.screen)]


async def test_help_and_palette_know_the_new_keys(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        rows = {ident: keys for keys, _description, ident in app.screen.rows()}
        assert rows["list.toggle_star"] == "s" and rows["list.sidebar"] == "T"
        assert rows["app.annotations"] == "A"
        await pilot.press("escape")
        await pilot.pause()
        titles = palette_titles(app)
        assert "Every highlight and note in the library  [A]" in titles and "Star or unstar  [s]" in titles
        await open_first_story(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        rows = {ident: keys for keys, _description, ident in app.screen.rows()}
        expected = {"reader.cycle_color": "c", "reader.edit_note": "e", "reader.delete_highlight": "d",
                    "reader.undo_delete": "z", "reader.story_note": "N", "reader.toggle_star": "s",
                    "app.annotations": "A"}
        assert {ident: rows.get(ident) for ident in expected} == expected
        assert "reader.next_highlight" in rows and "reader.previous_highlight" in rows
        await pilot.press("escape")
        await pilot.pause()
        titles = palette_titles(app)
        assert {"Every highlight and note in the library  [A]", "Star or unstar  [s]",
                "Note on the whole story  [N]"} <= set(titles)
    services.close()


async def test_selection_runs_on_into_the_next_paragraph(library):
    from broadsheet.ui.widgets.reader_view import sentences

    services = Services.open(library)
    story_id = services.stories_page("", 0, 1)[0].id
    document = services.cached_document(story_id)
    blocks = document.blocks
    start = next(i for i in range(len(blocks) - 1)
                 if blocks[i].kind == PARAGRAPH and blocks[i + 1].kind == PARAGRAPH)
    offsets = document.block_offsets()
    count = len(sentences(blocks[start].text))
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = await open_first_story(app, pilot)
        view.cursor = start
        await pilot.pause()
        await pilot.press(*["v"] * count)
        assert view.selection_range() == offsets[start]
        await pilot.press("v")  # past the last sentence: on into the next paragraph
        await pilot.pause()
        following = sentences(blocks[start + 1].text)[0]
        assert view.selection_range() == (offsets[start][0], offsets[start + 1][0] + following[1])
        assert view.cursor == start + 1
        # Both paragraphs show the selection.
        for block in (start, start + 1):
            assert any(getattr(span.style, "reverse", False)
                       for line in view.block_lines(block) for span in view.styled_line(line).spans)
        await pilot.press("h")
        await pilot.pause()
        notes = services.annotations(story_id)
        assert [(a.position.start, a.position.end) for a in notes] == \
            [(offsets[start][0], offsets[start + 1][0] + following[1])]
        assert view.selection is None
        assert view.current_highlight().id == notes[0].id
    services.close()


async def test_hostile_notes_and_tags_are_shown_as_text(library):
    services = Services.open(library)
    story = services.stories_page("", 0, 1)[0]
    services.set_tags(story.id, [HOSTILE])
    highlight_block(services, story.id, paragraphs(services, story.id)[0], note=HOSTILE)
    app = make_app(services)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        sidebar = app.screen.query_one(TagSidebar)
        assert any(sidebar.row_plain(i).startswith("#see [bold]this[/]") for i in range(len(sidebar.tags) + 1))
        await pilot.press("A")
        await pilot.pause()
        listing = app.screen.query_one(AnnotationList)
        lines = listing.entry_plain(0)
        assert HOSTILE in lines[1] and "#" + HOSTILE in lines[2]
        painted = "".join(listing.render_line(y).text for y in range(4))
        assert HOSTILE in painted
        await pilot.click(AnnotationList, offset=(10, 1))
        await pilot.pause()
        assert app.is_running
    services.close()


async def test_the_feeds_summary_can_be_highlighted_while_the_page_is_down(tmp_path, http_server):
    teaser = ("The harbour commission voted to close the old pier.\n\n"
              "Repairs start in May, when the ferries move to the north quay.")
    http_server.add("/feed.xml", f"""<?xml version="1.0"?><rss version="2.0"><channel>
<title>Gazette</title><item><title>Pier to close</title><guid>p1</guid>
<link>{http_server.url('/p1')}</link><description>&lt;p&gt;{teaser.replace(chr(10) * 2, '&lt;/p&gt;&lt;p&gt;')}&lt;/p&gt;</description></item>
</channel></rss>""", content_type="application/rss+xml")
    http_server.add("/p1", "down for maintenance", status=503)
    services = Services.open(tmp_path / "lib.sqlite3")
    await services.add([http_server.url("/feed.xml")])
    app = make_app(services)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        view = await open_first_story(app, pilot)
        assert view.document.partial and view.document.plain_text() == teaser
        assert view.status == ("Could not fetch the full text: HTTP 503 Service Unavailable"
                               " — showing the feed's summary.")
        # h highlights the paragraph of the feed's text; no error.
        await pilot.press("j", "h")
        await pilot.pause()
        (made,) = services.annotations(view.story.id)
        assert made.quote.exact == "Repairs start in May, when the ferries move to the north quay."
        assert [a.id for a in view.annotations] == [made.id]
        assert not [n for n in app._notifications if n.severity == "error"]
        # Opened again while the page is still down: shown at once from the
        # library, tried again, and the cursor stays where it is put.
        release = threading.Event()

        def held_then_down(handler) -> None:  # answers once j has been pressed
            release.wait(10)
            handler.send_response(503)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        http_server.add_handler("/p1", held_then_down)
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        view = app.screen.query_one(ReaderView)
        assert view.document.partial and view.status == "Fetching full text…"
        await pilot.press("j")
        await pilot.pause()
        assert view.cursor == 1
        release.set()
        await settle(app, pilot)
        assert view.cursor == 1 and view.document.partial
        assert [a.id for a in view.annotations] == [made.id]
        assert view.status == ("Could not fetch the full text: HTTP 503 Service Unavailable"
                               " — showing the feed's summary.")
        # The page is back: the article replaces the summary, the highlight follows.
        article = "".join(f"<p>Paragraph {n} of the long report on the harbour, its piers, "
                          f"berths, cranes and moorings.</p>" for n in range(6))
        http_server.add("/p1", f"<html><body><article><h1>Pier to close</h1>{article}"
                               f"<p>{teaser.replace(chr(10) * 2, '</p><p>')}</p></article></body></html>")
        await pilot.press("q")
        await pilot.pause()
        view = await open_first_story(app, pilot)
        await settle(app, pilot)
        assert not view.document.partial and "Paragraph 5 of the long report" in view.document.plain_text()
        (moved,) = view.annotations
        text = view.document.plain_text()
        assert moved.id == made.id and not moved.orphaned
        assert text[moved.position.start:moved.position.end] == made.quote.exact
        assert view.status == ""
    services.close()


async def test_a_story_opens_where_it_was_left(library):
    services = Services.open(library)
    first, second = services.stories_page("", 0, 2)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = await open_first_story(app, pilot)
        await pilot.press("space", "space", "j")
        await pilot.pause()
        left_at = view.cursor
        assert left_at > 3
        await pilot.press("n")  # the next story opens at its top
        await settle(app, pilot)
        assert view.story.id == second.id and view.cursor == 0
        await pilot.press("j", "j")
        await pilot.press("p")  # back to the first: where it was left
        await settle(app, pilot)
        assert view.story.id == first.id and view.cursor == left_at
        top = int(view.scroll_offset.y)
        assert view.block_lines(left_at).start - 1 == top  # at the top of the view
        await pilot.press("q")
        await settle(app, pilot)
        assert services.reading_position(first.id) == left_at
        assert services.reading_position(second.id) == 2
        view = await open_first_story(app, pilot)
        assert view.cursor == left_at and int(view.scroll_offset.y) == top
        await pilot.press("g", "q")  # read again from the top: nothing to remember
        await settle(app, pilot)
        assert services.reading_position(first.id) == 0
    # A new reader (the app started again) opens it there too.
    services.set_reading_position(first.id, left_at)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = await open_first_story(app, pilot)
        await pilot.pause()
        assert view.cursor == left_at and int(view.scroll_offset.y) == top
    services.close()


def test_document_links_in_reading_order_once_each():
    from broadsheet.model import Block, Document, Span
    from broadsheet.ui.screens.links_screen import document_links

    document = Document(blocks=[
        Block(PARAGRAPH, (Span("See "), Span("the report", link=2), Span(" and "), Span("this", link=1))),
        Block(PARAGRAPH, (Span("Again: "), Span("the report, once more", link=2), Span("bad", link=9))),
        Block(PARAGRAPH, (Span("Third", link=3),)),
        Block(PARAGRAPH, (Span("a "), Span("split ", link=4), Span("link", ("em",), link=4), Span("."),
                          Span("split", link=4))),
    ], links=["https://a.example/1", "https://a.example/2", "https://a.example/3", "https://a.example/4"])
    assert document_links(document) == [("the report", "https://a.example/2", 0),
                                         ("this", "https://a.example/1", 0),
                                         ("Third", "https://a.example/3", 2),
                                         ("split link", "https://a.example/4", 3)]


async def test_the_links_of_a_story_open_save_and_copy(tmp_path, http_server, monkeypatch):
    from broadsheet.ui.screens.links_screen import LinksScreen

    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda target, *a, **k: opened.append(target) or True)
    words = " ".join(["More about the harbour and its long history of ferries."] * 6)
    http_server.add("/later", f"<html><head><title>Later</title></head><body><article>"
                              f"<h1>Read later</h1><p>{words}</p><p>{words}</p></article></body></html>")
    hostile = "a [bold]link[/] [@click=app.quit]here[/]"
    http_server.add("/feed.xml", f"""<?xml version="1.0"?><rss version="2.0"
xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Gazette</title><item><title>Links</title><guid>l1</guid><link>{http_server.url('/down')}</link>
<content:encoded><![CDATA[<p>The harbour commission met on Tuesday; the minutes are
<a href="{http_server.url('/later')}">{hostile}</a>, and they run to forty pages.</p>
<p>The ferry operators answered the next day, in a long letter that is published
<a href="https://elsewhere.example/x">elsewhere</a> with the replies of both unions.</p>]]></content:encoded></item>
</channel></rss>""", content_type="application/rss+xml")
    http_server.add("/down", "down", status=503)
    services = Services.open(tmp_path / "lib.sqlite3")
    await services.add([http_server.url("/feed.xml")])
    app = make_app(services)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        view = await open_first_story(app, pilot)
        await pilot.press("j", "L")  # starts at the cursor's paragraph
        await pilot.pause()
        links = app.screen
        assert isinstance(links, LinksScreen)
        listing = links.query_one("#links-list")
        assert listing.highlighted == 1
        prompts = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert prompts[0].startswith(f"  1. {hostile}\n")  # literal, not run as markup
        await pilot.press("y")
        assert app.clipboard == "https://elsewhere.example/x"
        await pilot.press("enter")  # not in the library: the browser
        assert opened == ["https://elsewhere.example/x"]
        await pilot.press("k", "a")  # save the first to read later
        await settle(app, pilot)
        (saved,) = [s for s in services.stories_page("", 0, 10) if s.title == "Later"]
        assert services.cached_document(saved.id).plain_text().startswith("More about the harbour")
        assert any(str(n.message) == "Saved 1 article." for n in app._notifications)
        await pilot.press("enter")  # saved now: it opens here
        await settle(app, pilot)
        assert app.screen.query_one(ReaderView) is view and view.story.id == saved.id
        assert opened == ["https://elsewhere.example/x"]
        await pilot.press("L")  # the saved page has no links
        await pilot.pause()
        assert not isinstance(app.screen, LinksScreen)
        assert "This story's text has no links." in [str(n.message) for n in app._notifications]
    services.close()


async def test_welcome_links_open_the_welcome_stories(library):
    from broadsheet.ui.screens.links_screen import LinksScreen

    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = await open_first_story(app, pilot)
        assert view.story.title == "Welcome to broadsheet"
        await pilot.press("L")
        await pilot.pause()
        assert isinstance(app.screen, LinksScreen) and len(app.screen.links) == 2
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ReaderScreen) and view.story.title == "Reading and highlighting"
        await pilot.press("L", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen) and view.story.title == "Reading and highlighting"
    services.close()
