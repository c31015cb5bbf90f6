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
