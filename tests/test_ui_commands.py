"""The command palette, the sources view, mark all read, import/export from the
TUI and copying a link — driven through Pilot on a real library file."""

from __future__ import annotations

import json
from pathlib import Path

from textual.command import CommandPalette
from textual.content import Content

from broadsheet.services import Services
from broadsheet.ui.keys import catalogue
from broadsheet.ui.screens.file_dialog import FileDialog
from broadsheet.ui.screens.list_screen import ListScreen
from broadsheet.ui.screens.reader_screen import ReaderScreen
from broadsheet.ui.screens.sources_screen import SourcesScreen
from broadsheet.ui.screens.tag_dialogs import Confirm

from uitools import _isolated_config, library, make_app, settle, SIZE  # noqa: F401

OPML = """<?xml version="1.0"?>
<opml version="2.0"><head><title>mine</title></head><body>
<outline text="News"><outline type="rss" text="Example [/] feed" xmlUrl="http://127.0.0.1:9/feed.xml"/></outline>
</body></opml>
"""


def _titles(app) -> list[str]:
    """The titles as the palette shows them (it reads them as markup)."""
    return [Content.from_markup(command.title).plain for command in app.get_system_commands(app.screen)]


async def test_palette_lists_every_action_of_the_screen_with_its_key(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        titles = _titles(app)
        for expected in ("Star or unstar  [s]", "Refresh every feed  [r]", "Add a feed or save an article  [a]",
                         "Mark read or unread  [u]", "Read the story  [⏎]",
                         "Every highlight and note in the library  [A]"):
            assert expected in titles, titles
        assert any(t.startswith("Import a file") for t in titles)
        assert any(t.startswith("Export the library") for t in titles)
        assert "Mark every story in the list (as filtered) read  [M]" in titles
        assert "Sources: unread counts, last success, last error  [S]" in titles
        assert len(titles) == len(set(titles))
        # every list binding is there
        list_ids = {e.id for e in catalogue() if "list" in e.contexts}
        helps = " ".join(Content.from_markup(c.help).plain for c in app.get_system_commands(app.screen))
        for ident in list_ids:
            assert f"id: {ident}" in helps, ident

        # and choosing one from the palette runs it
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"mark every story")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(app, pilot)
        assert services.count_stories("is:unread") == 0
        assert any("Marked 5 stories read" in n.message for n in app._notifications)

        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ReaderScreen)
        reader_titles = _titles(app)
        assert "Highlight the selection or sentence  [h]" in reader_titles
        assert "Next story  [n]" in reader_titles
        assert "Next highlight  []]" in reader_titles
    services.close()


async def test_mark_all_read_follows_the_filter_and_can_be_declined(library):
    services = Services.open(library)
    stories = services.stories_page("", 0, 10)
    services.set_tags(stories[0].id, ["keep"])
    services.set_tags(stories[1].id, ["keep"])
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.screen.story_list.set_query("tag:keep")
        await pilot.press("M")
        await settle(app, pilot)
        assert isinstance(app.screen, Confirm)
        assert "Mark 2 unread stories read" in str(app.screen.question)
        await pilot.press("n")
        await settle(app, pilot)
        assert services.count_stories("is:unread") == 5
        await pilot.press("M")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert services.count_stories("is:unread") == 3
        assert services.count_stories("tag:keep is:unread") == 0
    services.close()


async def test_sources_view_shows_counts_last_error_and_filters_the_list(library):
    services = Services.open(library)
    feed_id, _ = services.library.add_feed("http://127.0.0.1:9/feed.xml", "Broken [@click=app.quit]feed[/]")
    services.library.record_fetch(feed_id, error="HTTP 503 Service Unavailable", status=503)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("S")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, SourcesScreen)
        table = screen.query_one("#sources-table")
        cells = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        broken = next(row for row in cells if row[0].startswith("Broken"))
        assert broken[0] == "Broken [@click=app.quit]feed[/]"  # shown as written, not run
        assert broken[4] == "HTTP 503 Service Unavailable"
        assert broken[3] == "—"
        welcome = next(row for row in cells if "Welcome" in row[0])
        assert welcome[1] == "5" and welcome[2] == "5"
        await pilot.press("e")  # only failing sources
        await settle(app, pilot)
        assert table.row_count == 1
        await pilot.press("e")
        await settle(app, pilot)
        row = next(i for i, r in enumerate(cells) if "Welcome" in r[0])
        table.move_cursor(row=row)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ListScreen)
        assert app.screen.story_list.query_text.startswith("source:")
        assert app.screen.story_list.count == 5
    services.close()


async def test_unsubscribing_from_the_sources_view(library):
    from broadsheet.model import FeedItem

    services = Services.open(library)
    feed_id, _ = services.library.add_feed("http://127.0.0.1:9/feed.xml", "Harbour [/] News")
    ids = services.library.add_items(feed_id, [
        FeedItem(guid=f"h{n}", url=f"http://127.0.0.1:9/{n}", title=f"Harbour story {n}",
                 summary="A summary.") for n in range(3)])
    services.set_starred(ids[0], True)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        stories = app.screen.story_list
        assert stories.count == 8
        await pilot.press("S")
        await settle(app, pilot)
        screen = app.screen
        table = screen.query_one("#sources-table")
        harbour = next(i for i, source in enumerate(screen.rows) if source.id == feed_id)
        table.move_cursor(row=harbour)
        await pilot.press("D")
        await settle(app, pilot)
        assert isinstance(app.screen, Confirm)
        assert str(app.screen.question) == ("Unsubscribe from Harbour [/] News? Its 3 stories go, "
                                            "except those you starred, tagged, highlighted or noted.")
        await pilot.press("n")  # no: nothing changes
        await settle(app, pilot)
        assert app.screen is screen and [s.total for s in screen.rows if s.id == feed_id] == [3]
        await pilot.press("D")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert app.screen is screen
        row = [str(cell) for cell in table.get_row_at(table.cursor_row)]
        assert row[0] == "Harbour [/] News" and row[2] == "1"
        assert row[4].startswith("unsubscribed")
        assert "Unsubscribed from Harbour [/] News: 2 stories deleted, 1 kept." in [
            str(n.message) for n in app._notifications]
        await pilot.press("D")  # once is enough
        await settle(app, pilot)
        assert not isinstance(app.screen, Confirm)
        assert str(list(app._notifications)[-1].message) == "Harbour [/] News is already unsubscribed."
        # The Welcome stories are not a feed.
        table.move_cursor(row=next(i for i, s in enumerate(screen.rows) if s.kind != "feed"))
        await pilot.press("D")
        await settle(app, pilot)
        assert not isinstance(app.screen, Confirm)
        assert str(list(app._notifications)[-1].message) == (
            "Welcome is not a feed; only feeds can be unsubscribed from.")
        await pilot.press("q")
        await settle(app, pilot)
        assert isinstance(app.screen, ListScreen)
        assert stories.count == 6  # the list was read again
        assert services.library.feeds() == []
    services.close()


async def test_r_in_the_sources_view_fetches_that_feed_only(library, http_server):
    feed = ("<rss version='2.0'><channel><title>{title}</title>{items}</channel></rss>")
    item = "<item><title>{title}</title><guid>{guid}</guid></item>"
    http_server.add("/harbour.xml", feed.format(title="Harbour [/] News", items=item.format(title="One", guid="1")),
                    content_type="application/rss+xml")
    http_server.add("/river.xml", feed.format(title="River News", items=""), content_type="application/rss+xml")
    services = Services.open(library)
    await services.add([http_server.url("/harbour.xml"), http_server.url("/river.xml")])
    http_server.add("/harbour.xml", feed.format(title="Harbour [/] News", items=item.format(title="Two", guid="2")
                                                + item.format(title="One", guid="1")),
                    content_type="application/rss+xml")
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        count = app.screen.story_list.count
        await pilot.press("S")
        await settle(app, pilot)
        screen = app.screen
        table = screen.query_one("#sources-table")
        table.move_cursor(row=next(i for i, s in enumerate(screen.rows) if s.title == "Harbour [/] News"))
        before = len(http_server.paths())
        await pilot.press("r")
        await settle(app, pilot)
        assert http_server.paths()[before:] == ["/harbour.xml"]
        assert "Harbour [/] News: 1 new story." in [str(n.message) for n in app._notifications]
        assert [s.total for s in screen.rows if s.title == "Harbour [/] News"] == [2]  # the table read again
        table.move_cursor(row=next(i for i, s in enumerate(screen.rows) if s.kind != "feed"))
        await pilot.press("r")
        await settle(app, pilot)
        assert str(list(app._notifications)[-1].message) == "Welcome is not a feed; only feeds are refreshed."
        await pilot.press("q")
        await settle(app, pilot)
        assert app.screen.story_list.count == count + 1  # the list was read again
    services.close()


async def test_import_and_export_from_the_tui(library, tmp_path: Path):
    opml = tmp_path / "subs.opml"
    opml.write_text(OPML, encoding="utf-8")
    out = tmp_path / "out.json"
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await app.run_action("import")
        await settle(app, pilot)
        assert isinstance(app.screen, FileDialog)
        await pilot.press(*str(opml), "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ListScreen)
        feeds = [s for s in services.sources() if s.kind == "feed"]
        assert [f.title for f in feeds] == ["Example [/] feed"]
        assert services.library.source_tags(feeds[0].id) == ["News"]

        await app.run_action("import")  # a file that is not there: one line, app alive
        await settle(app, pilot)
        await pilot.press(*str(tmp_path / "missing.csv"), "enter")
        await settle(app, pilot)
        assert any("missing.csv" in n.message and "\n" not in n.message for n in app._notifications)

        await app.run_action("export")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, FileDialog)
        dialog.query_one("#file-path").value = str(out)
        await pilot.press("enter")
        await settle(app, pilot)
        data = json.loads(out.read_text(encoding="utf-8"))
        assert len(data["stories"]) == 5
        assert any(s["url"] == "http://127.0.0.1:9/feed.xml" for s in data["sources"])
    services.close()


async def test_newsboats_folder_imports_from_the_tui_while_the_keys_go_on(library, tmp_path: Path):
    import shutil

    folder = tmp_path / "newsboat"
    shutil.copytree(Path(__file__).parent / "data" / "newsboat", folder)
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        before = app.screen.story_list.count
        await app.run_action("import")
        await settle(app, pilot)
        await pilot.press(*str(folder), "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ListScreen)
        assert app.screen.story_list.count == before + 7  # the list shows them at once
        messages = [n.message for n in app._notifications]
        assert "Imported 3 new feeds, 7 new stories, 0 new highlights; 3 skipped." in messages
        assert any(m.startswith("newsboat: urls: line 5: the query feed") for m in messages), messages
        assert app.screen.story_list.count == services.count_stories("")
    services.close()


async def test_y_copies_the_story_link(library):
    services = Services.open(library)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        story = app.screen.story
        await pilot.press("y")
        await settle(app, pilot)
        assert story.url and app.clipboard == story.url
    services.close()
