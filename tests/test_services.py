"""Services: the API both the TUI and the command line use."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from broadsheet.services import ServiceError, Services


@pytest.fixture
def services(tmp_path):
    svc = Services.open(tmp_path / "lib.sqlite3")
    yield svc
    svc.close()


def test_welcome_stories_come_from_the_package_through_extraction(services):
    assert services.ensure_welcome() is True
    assert services.ensure_welcome() is False  # once only
    index = json.loads(resources.files("broadsheet.samples").joinpath("index.json").read_text())
    stories = services.stories_page("", 0, 100)
    assert sorted(s.title for s in stories) == sorted(e["title"] for e in index)
    assert {s.source_title for s in stories} == {"Welcome"}
    for story in stories:
        document = services.cached_document(story.id)
        assert document is not None and len(document.blocks) > 3
        assert document.word_count > 100
    newest = max(index, key=lambda e: e["published"])
    assert stories[0].title == newest["title"]


def test_welcome_is_not_added_to_a_library_with_sources(services, http_server):
    http_server.add("/feed.xml", "<rss version='2.0'><channel><title>T</title><item><title>x"
                    "</title><guid>1</guid></item></channel></rss>",
                    content_type="application/rss+xml")
    import asyncio

    asyncio.run(services.add([http_server.url("/feed.xml")]))
    assert services.ensure_welcome() is False
    assert [s.title for s in services.stories_page("", 0, 10)] == ["x"]


async def test_full_content_from_the_feed_needs_no_fetch(services, http_server):
    words = " ".join(["word"] * 200)
    http_server.add("/feed.xml", f"""<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Full</title><item><title>Long one</title><guid>l1</guid><link>{http_server.url('/l1')}</link>
<description>Short teaser.</description>
<content:encoded><![CDATA[<h2>Part one</h2><p>{words}</p><ul><li>a point</li></ul>]]></content:encoded>
</item></channel></rss>""", content_type="application/rss+xml")
    await services.add([http_server.url("/feed.xml")])
    (story,) = services.stories_page("", 0, 10)
    document = await services.open_document(story.id)
    assert [b.kind for b in document.blocks] == ["heading", "paragraph", "list_item"]
    assert "/l1" not in http_server.paths()
    assert services.cached_document(story.id).plain_text() == document.plain_text()


async def test_highlight_a_paragraph_and_find_it_again(services):
    services.ensure_welcome()
    story = services.stories_page("", 0, 1)[0]
    document = await services.open_document(story.id)
    start, end = document.block_offsets()[1]
    annotation = services.annotate_range(story.id, start, end, note="zanzibar quokka")
    assert annotation.quote.exact == document.plain_text()[start:end]
    assert annotation.position.start == start and annotation.position.end == end
    assert services.count_stories("quokka") == 1
    assert [a.note for a in services.annotations(story.id)] == ["zanzibar quokka"]
    with pytest.raises(ServiceError):
        services.annotate_range(story.id, 10, 5)


def test_annotating_an_unread_story_without_text_is_an_error(services, tmp_path):
    saved = services.library.saved_source_id()
    story_id, _ = services.library.add_story(saved, url=None, title="No text")
    with pytest.raises(ServiceError, match="has not been read yet"):
        services.annotate_quote(story_id, "anything")


def _one_item_feed(title: str, guid: str) -> str:
    return (f"<rss version='2.0'><channel><title>{title}</title><item><title>Story {guid}</title>"
            f"<guid>{guid}</guid></item></channel></rss>")


async def test_a_feed_that_moved_for_good_is_asked_at_its_new_address(services, http_server):
    old, new = http_server.url("/old.xml"), http_server.url("/new.xml")
    http_server.add("/old.xml", _one_item_feed("Moving", "1"), content_type="application/rss+xml")
    http_server.add("/temporary.xml", _one_item_feed("Visiting", "v"), content_type="application/rss+xml")
    http_server.add("/other.xml", _one_item_feed("Other", "o"), content_type="application/rss+xml")
    http_server.add("/static.xml", _one_item_feed("Static", "s"), content_type="application/rss+xml")
    await services.add([old, http_server.url("/temporary.xml"), http_server.url("/other.xml"),
                        http_server.url("/static.xml")])
    http_server.add("/old.xml", "", status=301, headers={"Location": "/new.xml"})
    http_server.add("/new.xml", _one_item_feed("Moving", "2"), content_type="application/rss+xml")
    http_server.add("/temporary.xml", "", status=302, headers={"Location": "/elsewhere.xml"})
    http_server.add("/elsewhere.xml", _one_item_feed("Visiting", "w"), content_type="application/rss+xml")
    # A feed moving to an address another source follows already stays as it is.
    http_server.add("/other.xml", "", status=301, headers={"Location": "/static.xml"})
    report = await services.refresh()
    assert report.new_stories == 3 and not report.failed  # 2, w, and s again under Other
    urls = {s.title: s.url for s in services.sources()}
    assert urls == {"Moving": new, "Visiting": http_server.url("/temporary.xml"),
                    "Other": http_server.url("/other.xml"), "Static": http_server.url("/static.xml")}
    before = len(http_server.paths())
    await services.refresh()
    asked = http_server.paths()[before:]
    assert "/new.xml" in asked and "/old.xml" not in asked and "/temporary.xml" in asked


async def test_refresh_progress_and_failures_do_not_stop_others(services, http_server):
    feeds = []
    for n in range(6):
        path = f"/f{n}.xml"
        http_server.add(path, f"<rss version='2.0'><channel><title>Feed {n}</title><item>"
                        f"<title>Story {n}</title><guid>{n}</guid></item></channel></rss>",
                        content_type="application/rss+xml")
        feeds.append(http_server.url(path))
    await services.add(feeds)
    http_server.add("/f2.xml", "nope", status=404)
    http_server.add("/f4.xml", "<html><body>not a feed</body></html>")
    seen = []
    report = await services.refresh(lambda done, total, label: seen.append((done, total)))
    assert report.sources == 6 and len(report.failed) == 2
    assert sorted(title for title, _ in report.failed) == ["Feed 2", "Feed 4"]
    assert seen[0] == (0, 6) and seen[-1] == (6, 6)
    assert services.count_stories() == 6
    errors = {s.title: s.last_error for s in services.library.sources()}
    assert errors["Feed 2"] == "HTTP 404 Not Found" and errors["Feed 0"] is None


async def test_highlights_follow_the_text_when_a_story_is_extracted_again(services):
    services.ensure_welcome()
    story = services.stories_page("", 0, 1)[0]
    document = await services.open_document(story.id)
    text = document.plain_text()
    start, end = document.block_offsets()[2]
    kept = services.annotate_range(story.id, start, end, note="kept")
    gone = services.annotate_range(story.id, *document.block_offsets()[3])
    # The story comes back with a new first paragraph and without block 3.
    from broadsheet.model import PARAGRAPH, Block, Span

    blocks = [Block(PARAGRAPH, (Span("An editor's note added at the top."),))]
    blocks += [b for i, b in enumerate(document.blocks) if i != 3]
    document.blocks = blocks
    services.library.set_document(story.id, document)
    services._reanchor(story.id, document)
    moved = {a.id: a for a in services.annotations(story.id)}
    new_text = document.plain_text()
    assert not moved[kept.id].orphaned
    assert new_text[moved[kept.id].position.start:moved[kept.id].position.end] == text[start:end]
    assert moved[kept.id].position.start > start
    assert moved[gone.id].orphaned  # kept, never dropped


async def test_the_feeds_text_is_kept_to_highlight_until_the_page_can_be_fetched(services, http_server):
    from broadsheet.services import FullTextUnavailable

    teaser = "The harbour commission voted to close the old pier. Repairs start in May."
    http_server.add("/feed.xml", f"""<?xml version="1.0"?><rss version="2.0"><channel>
<title>Gazette</title><item><title>Pier to close</title><guid>p1</guid>
<link>{http_server.url('/p1')}</link><description>{teaser}</description></item>
<item><title>Gone</title><guid>p2</guid><link>{http_server.url('/p2')}</link>
<description>Only this, which stays out of the page.</description></item>
</channel></rss>""", content_type="application/rss+xml")
    http_server.add("/p1", "down for maintenance", status=503)
    http_server.add("/p2", "down for maintenance", status=503)
    await services.add([http_server.url("/feed.xml")])
    pier, gone = sorted(services.stories_page("", 0, 10), key=lambda s: s.title, reverse=True)
    with pytest.raises(FullTextUnavailable, match="HTTP 503") as raised:
        await services.open_document(pier.id)
    kept = services.cached_document(pier.id)
    assert raised.value.fallback.partial and kept.partial and kept.plain_text() == teaser
    kept_note = services.annotate_quote(pier.id, "voted to close the old pier", note="why?")
    with pytest.raises(FullTextUnavailable):
        await services.open_document(gone.id)
    lost = services.annotate_quote(gone.id, "which stays out of the page")
    # Still down: the page is asked for again, and the kept text stays as it was.
    asked = http_server.paths().count("/p1")
    with pytest.raises(FullTextUnavailable) as raised:
        await services.open_document(pier.id)
    assert http_server.paths().count("/p1") == asked + 1
    assert raised.value.fallback.plain_text() == teaser
    assert [a.id for a in services.annotations(pier.id)] == [kept_note.id]
    # Back: the article replaces the kept text, and the highlight follows it
    # (or, for a quote the article lacks, is kept as orphaned).
    article = "".join(f"<p>Paragraph {n} of the long report on the harbour and its many "
                      f"piers, berths, cranes and moorings.</p>" for n in range(6))
    http_server.add("/p1", f"<html><body><article><h1>Pier to close</h1>{article}"
                           f"<p>{teaser}</p></article></body></html>")
    http_server.add("/p2", f"<html><body><article><h1>Gone</h1>{article}</article></body></html>")
    document = await services.open_document(pier.id)
    assert not document.partial and "Paragraph 5 of the long report" in document.plain_text()
    assert not services.cached_document(pier.id).partial
    (moved,) = services.annotations(pier.id)
    assert not moved.orphaned and moved.note == "why?"
    text = document.plain_text()
    assert text[moved.position.start:moved.position.end] == "voted to close the old pier"
    assert moved.position.start > text.index("Paragraph 5")
    await services.open_document(gone.id)
    (orphan,) = services.annotations(gone.id)
    assert orphan.id == lost.id and orphan.orphaned
    # Stored for good now: no more requests.
    asked = len(http_server.paths())
    assert (await services.open_document(pier.id)).plain_text() == text
    assert len(http_server.paths()) == asked


def test_a_partial_document_keeps_its_mark_through_json():
    from broadsheet.model import PARAGRAPH, Block, Document, Span

    document = Document(blocks=[Block(PARAGRAPH, (Span("A teaser."),))], title="T", partial=True)
    assert Document.from_json(json.loads(json.dumps(document.to_json()))).partial is True
    whole = Document(blocks=document.blocks, title="T")
    assert "partial" not in whole.to_json()
    assert Document.from_json(whole.to_json()).partial is False
    assert Document.from_json({**whole.to_json(), "partial": "yes"}).partial is False


async def test_notes_colours_undo_and_the_annotations_view(services):
    services.ensure_welcome()
    first, second = services.stories_page("", 0, 2)
    for story in (first, second):
        await services.open_document(story.id)
    services.set_tags(first.id, ["harbour"])
    a = services.annotate_range(first.id, *services.cached_document(first.id).block_offsets()[1],
                                note="quokka sighting")
    b = services.annotate_range(second.id, *services.cached_document(second.id).block_offsets()[1])
    services.set_annotation_color(b.id, "green")
    with pytest.raises(ServiceError, match="yellow, green, blue, pink"):
        services.set_annotation_color(b.id, "ultraviolet")
    page = services.annotations_page()
    assert [(x.id, s.id) for x, s in page] == [(b.id, second.id), (a.id, first.id)]
    assert page[0][0].color == "green"
    assert [x.id for x, _ in services.annotations_page("quokka")] == [a.id]
    assert [x.id for x, _ in services.annotations_page("tag:harbour")] == [a.id]
    deleted = services.delete_annotation(a.id)
    assert services.annotations(first.id) == []
    restored = services.restore_annotation(deleted)
    assert (restored.id, restored.uuid, restored.note) == (a.id, a.uuid, "quokka sighting")
    services.set_story_note(second.id, "Whole-story thought about walruses.")
    assert services.story_note(second.id) == "Whole-story thought about walruses."
    assert services.count_stories("walruses") == 1
    assert services.count_stories("has:notes") == 2


def _rss_feed(name: str, guids) -> str:
    items = "".join(
        f"<item><title>{name} story {g}</title><guid>{name}-{g}</guid>"
        f"<link>http://example.org/{name}/{g}</link><description>&lt;p&gt;Words about {g}"
        f"&lt;/p&gt;</description><pubDate>Mon, 0{1 + g % 9} Jun 2026 10:00:00 GMT</pubDate></item>"
        for g in guids
    )
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
            f"<title>Feed {name}</title><link>http://example.org/{name}</link>{items}"
            "</channel></rss>")


async def test_the_same_document_again_is_not_parsed_again(services, http_server, monkeypatch):
    # No ETag, no Last-Modified: the server answers 200 with the whole feed each time.
    http_server.add("/same.xml", _rss_feed("same", range(3)), "application/rss+xml")
    await services.add([http_server.url("/same.xml")])
    (feed,) = services.library.feeds()
    assert feed.content_hash  # remembered when subscribing

    import broadsheet.net.feeds as feeds_module

    calls = []
    real = feeds_module.parse_new_items
    monkeypatch.setattr(feeds_module, "parse_new_items",
                        lambda *a: calls.append(a[1]) or real(*a))
    report = await services.refresh()
    assert calls == [] and report.unchanged == 1 and report.new_stories == 0
    http_server.add("/same.xml", _rss_feed("same", range(5)), "application/rss+xml")
    report = await services.refresh()
    assert len(calls) == 1 and report.new_stories == 2
    assert services.count_stories() == 5
    assert services.library.feeds()[0].content_hash != feed.content_hash


async def _refresh_beside_another_task(services, **kwargs):
    """refresh() as the reader's screen runs it: with other tasks on the loop."""
    import asyncio

    other = asyncio.ensure_future(asyncio.sleep(60))
    try:
        return await services.refresh(**kwargs)
    finally:
        other.cancel()


@pytest.mark.parametrize("processes_from", [1, 10_000], ids=["worker-process", "thread"])
async def test_refresh_off_the_event_loop_stores_the_same(services, http_server, monkeypatch,
                                                          processes_from):
    import broadsheet.services as services_module

    monkeypatch.setattr(services_module, "PARSE_PROCESSES_FROM", processes_from)
    urls = [http_server.add(f"/p{n}.xml", _rss_feed(f"p{n}", range(4)), "application/rss+xml")
            for n in range(5)]
    urls.append(http_server.add("/broken.xml", _rss_feed("b", range(1)), "application/rss+xml"))
    await services.add(urls)
    assert services.count_stories() == 21
    for n in range(5):  # two new items each, two gone, two kept
        http_server.add(f"/p{n}.xml", _rss_feed(f"p{n}", range(2, 6)), "application/rss+xml")
    http_server.add("/broken.xml", "<html><body>no feed</body></html>", "application/rss+xml")
    seen = []
    report = await _refresh_beside_another_task(
        services, progress=lambda done, total, label: seen.append((done, total)))
    assert report.new_stories == 10 and [t for t, _ in report.failed] == ["Feed b"]
    assert seen[0] == (0, 6) and seen[-1] == (6, 6)
    assert services.count_stories() == 31
    assert services.count_stories("p3 story 5") == 1
    titles = {s.title for s in services.stories_page("", 0, 100)}
    assert {f"p{n} story {g}" for n in range(5) for g in range(6)} | {"b story 0"} == titles
    # The search rows of the new stories are the ones a full reindex makes.
    story = next(s for s in services.stories_page("p4 story 5", 0, 5))
    row = services.library._db.execute(
        "SELECT title, body, tags, notes FROM story_fts WHERE rowid = ?", (story.id,)).fetchone()
    assert row == ("p4 story 5", "Words about 5", "", "")


async def test_known_items_are_not_read_again(services, http_server, monkeypatch):
    http_server.add("/k.xml", _rss_feed("k", range(3)), "application/rss+xml")
    await services.add([http_server.url("/k.xml")])
    http_server.add("/k.xml", _rss_feed("k", range(4)), "application/rss+xml")
    import broadsheet.net.xmlfeed as xmlfeed

    built = []
    real = xmlfeed._rss_item
    monkeypatch.setattr(xmlfeed, "_rss_item", lambda item, *a: built.append(item) or real(item, *a))
    report = await services.refresh()
    assert report.new_stories == 1 and len(built) == 1
    assert services.count_stories() == 4


async def test_feeds_never_read_start_the_worker_at_once(services, http_server, monkeypatch):
    import broadsheet.services as services_module

    monkeypatch.setattr(services_module, "PARSE_PROCESSES_FROM", 3)
    started = []
    real_start = services_module._Parsers.start
    monkeypatch.setattr(services_module._Parsers, "start",
                        lambda self: started.append(True) or real_start(self))
    for n in range(4):  # as an OPML import leaves them: subscribed, never fetched
        url = http_server.add(f"/o{n}.xml", _rss_feed(f"o{n}", range(3)), "application/rss+xml")
        services.library.add_feed(url, f"o{n}")
    report = await services.refresh()
    assert started == [True]
    assert report.new_stories == 12 and not report.failed
    assert all(feed.content_hash for feed in services.library.feeds())
    report = await services.refresh()  # all read now: nothing to start, nothing new
    assert started == [True] and report.new_stories == 0 and report.unchanged == 4


async def test_refresh_elsewhere_runs_in_its_own_process(services, http_server, monkeypatch):
    urls = [http_server.add(f"/e{n}.xml", _rss_feed(f"e{n}", range(3)), "application/rss+xml")
            for n in range(3)]
    await services.add(urls)
    for n in range(3):
        http_server.add(f"/e{n}.xml", _rss_feed(f"e{n}", range(5)), "application/rss+xml")
    http_server.add("/e1.xml", "nope", status=404)

    async def not_here(self, progress=None):
        raise AssertionError("refreshed in this process")

    monkeypatch.setattr(Services, "refresh", not_here)  # the spawned process has the real one
    seen = []
    report = await services.refresh_elsewhere(lambda done, total, label: seen.append((done, total)))
    assert report.sources == 3 and report.new_stories == 4
    assert report.failed == [("Feed e1", "HTTP 404 Not Found")]
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
    assert services.count_stories() == 13  # stored by the other process, seen here
    assert services.count_stories("e2 story 4") == 1


async def test_refresh_elsewhere_says_a_library_problem_in_one_line(tmp_path):
    from broadsheet.library import LibraryError

    path = tmp_path / "lib.sqlite3"
    services = Services.open(path)
    try:
        path.rename(tmp_path / "moved.sqlite3")
        path.write_bytes(b"not a library at all" * 100)
        with pytest.raises(LibraryError) as caught:
            await services.refresh_elsewhere()
        assert "\n" not in str(caught.value) and str(path) in str(caught.value)
    finally:
        services.close()


def _spawned_processes() -> set[int]:
    """Processes started by multiprocessing's spawn (this test's and others'),
    not counting the resource tracker, which lives as long as its parent."""
    from pathlib import Path

    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"spawn_main" in (entry / "cmdline").read_bytes():
                    found.add(int(entry.name))
            except OSError:
                pass
    return found


async def test_cancelling_refresh_elsewhere_stops_it_and_its_parsing_process(services, http_server):
    import asyncio
    import multiprocessing
    import threading
    import time

    release = threading.Event()

    def held(handler):
        release.wait(20)
        handler.send_response(404)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    # Enough feeds never read for the refresh to start its own parsing process.
    for n in range(50):
        url = http_server.add(f"/many{n}.xml", _rss_feed(f"m{n}", range(2)), "application/rss+xml")
        services.library.add_feed(url, f"m{n}")
    services.library.add_feed(http_server.add_handler("/held.xml", held), "held")
    before = _spawned_processes()
    done = []
    task = asyncio.ensure_future(services.refresh_elsewhere(lambda d, t, label: done.append(d)))
    try:
        deadline = time.monotonic() + 30
        while (not done or done[-1] < 50) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert done[-1] == 50  # all but the held feed
        assert [p.name for p in multiprocessing.active_children()] == ["broadsheet-refresh"]
        assert len(_spawned_processes() - before) >= 2  # the refresh and its parsing process
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert multiprocessing.active_children() == []
        deadline = time.monotonic() + 10
        while _spawned_processes() - before and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert _spawned_processes() - before == set()  # nothing left behind
        assert services.count_stories() == 100  # what was stored stays
    finally:
        release.set()


async def test_a_refresh_whose_host_memory_cannot_be_written_still_reports(services, http_server,
                                                                         monkeypatch):
    from broadsheet.library import Library, LibraryError

    url = http_server.add("/h.xml", _rss_feed("h", range(3)), "application/rss+xml")
    services.library.add_feed(url, "h")

    def cannot(self, shares):
        raise LibraryError("The disk holding the library is full.")

    monkeypatch.setattr(Library, "remember_host_shares", cannot)
    report = await services.refresh()
    assert report.new_stories == 3 and not report.failed


async def test_stories_stored_under_bare_ids_are_not_new_again(services, http_server):
    from broadsheet.model import FeedItem

    url = http_server.add("/bare.xml", _rss_feed("bare", range(3)), "application/rss+xml")
    source_id, _ = services.library.add_feed(url, "bare")
    # As an earlier broadsheet stored them: the guid as written ("bare-0").
    services.library.add_items(source_id, [FeedItem(guid=f"bare-{n}", url=None, title=f"bare story {n}")
                                           for n in range(3)])
    report = await services.refresh()
    assert report.new_stories == 0 and not report.failed
    assert {r[0] for r in services.library._db.execute("SELECT guid FROM stories")} == {
        http_server.url(f"/bare-{n}") for n in range(3)}
