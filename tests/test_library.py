"""The library file: schema, refusal of foreign files, stories, tags, annotations, search."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from broadsheet.library import Library, LibraryError
from broadsheet.library.schema import APPLICATION_ID, SCHEMA_VERSION
from broadsheet.model import (
    PARAGRAPH,
    Block,
    Document,
    FeedItem,
    Span,
    TextPositionSelector,
    TextQuoteSelector,
)


@pytest.fixture
def lib(tmp_path):
    library = Library.open(tmp_path / "lib.sqlite3")
    yield library
    library.close()


def _items(*titles, start=0):
    base = datetime(2026, 11, 1, tzinfo=timezone.utc)
    return [
        FeedItem(guid=f"g{i}", url=f"http://example.test/{i}", title=title,
                 published=base + timedelta(hours=i), summary=f"Summary of {title}")
        for i, title in enumerate(titles, start=start)
    ]


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_library_records_schema_wal_and_foreign_keys(tmp_path):
    path = tmp_path / "deep" / "folder" / "lib.sqlite3"
    library = Library.open(path)
    try:
        db = library._db
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert library.schema_version == SCHEMA_VERSION
        meta = dict(db.execute("SELECT key, value FROM meta"))
        assert meta["application"] == "broadsheet"
        assert meta["schema_version"] == str(SCHEMA_VERSION)
    finally:
        library.close()
    # Reopening an existing library works and keeps it.
    Library.open(path).close()


@pytest.mark.parametrize(
    "content",
    [b"just some notes\n", b"\x00" * 4096, b"SQLite format 3\x00" + b"\x00" * 200],
    ids=["text", "zeros", "fake-sqlite-header"],
)
def test_foreign_file_is_refused_and_untouched(tmp_path, content):
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    before = _digest(path)
    with pytest.raises(LibraryError) as info:
        Library.open(path)
    message = str(info.value)
    assert "\n" not in message and message.endswith(".")
    assert "not a broadsheet library" in message
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_other_programs_sqlite_database_is_refused_and_untouched(tmp_path):
    path = tmp_path / "other.sqlite3"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE things (x)")
    other.execute("INSERT INTO things VALUES (1)")
    other.commit()
    other.close()
    before = _digest(path)
    with pytest.raises(LibraryError, match="another program's database"):
        Library.open(path)
    assert _digest(path) == before


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "lib.sqlite3"
    Library.open(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    before = _digest(path)
    with pytest.raises(LibraryError, match="newer broadsheet"):
        Library.open(path)
    assert _digest(path) == before


def test_folder_is_refused(tmp_path):
    with pytest.raises(LibraryError, match="folder"):
        Library.open(tmp_path)


def test_feed_items_are_stored_once_newest_first(lib):
    feed_id, created = lib.add_feed("http://example.test/feed", "Example")
    assert created
    assert lib.add_feed("http://example.test/feed")[1] is False
    new = lib.add_items(feed_id, _items("one", "two", "three"))
    assert len(new) == 3
    assert lib.add_items(feed_id, _items("one", "two", "three")) == []
    assert [s.title for s in lib.stories()] == ["three", "two", "one"]
    assert lib.count_stories() == 3
    story = lib.stories()[0]
    assert story.source_title == "Example" and not story.read


def test_same_guid_in_two_feeds_stays_two_stories(lib):
    a, _ = lib.add_feed("http://a.test/feed", "A")
    b, _ = lib.add_feed("http://b.test/feed", "B")
    lib.add_items(a, _items("shared"))
    lib.add_items(b, _items("shared"))
    assert sorted(s.source_title for s in lib.stories()) == ["A", "B"]


def test_items_without_guid_or_link_stay_distinct(lib):
    feed_id, _ = lib.add_feed("http://example.test/feed", "Example")
    items = [FeedItem(guid=None, url=None, title="First", summary="a"),
             FeedItem(guid=None, url=None, title="Second", summary="b")]
    assert len(lib.add_items(feed_id, items)) == 2
    assert lib.add_items(feed_id, items) == []


def test_hostile_text_is_cleaned_on_the_way_in(lib):
    feed_id, _ = lib.add_feed("http://example.test/feed", "Feed \x1b]0;pwned\x07name")
    lib.add_items(feed_id, [FeedItem("g", None, "Budget [/] review \x1b[31m\u202eok\x9b2J")])
    story = lib.stories()[0]
    assert story.title == "Budget [/] review ok"
    assert story.source_title == "Feed name"


def test_tags_replace_add_remove_and_count(lib):
    feed_id, _ = lib.add_feed("http://example.test/feed", "Example")
    one, two = lib.add_items(feed_id, _items("one", "two"))
    assert lib.set_tags(one, ["policing", " follow-up ", "Policing", ""]) == ("follow-up", "policing")
    assert lib.add_tags(two, ["policing"]) == ("policing",)
    assert lib.all_tags() == [("follow-up", 1), ("policing", 2)]
    assert lib.remove_tags(one, ["follow-up"]) == ("policing",)
    assert lib.all_tags() == [("policing", 2)]
    assert lib.story(one).tags == ("policing",)
    with pytest.raises(LibraryError, match="no story 999"):
        lib.set_tags(999, ["x"])


def test_search_words_phrases_tags_and_state(lib):
    feed_id, _ = lib.add_feed("http://example.test/feed", "Example")
    ids = lib.add_items(feed_id, _items("Council budget review", "Police reform plan",
                                        "Budget for police"))
    lib.set_tags(ids[1], ["policing"])
    lib.set_read(ids[2], True)
    titles = lambda q: sorted(s.title for s in lib.stories(q))  # noqa: E731
    assert titles("budget") == ["Budget for police", "Council budget review"]
    assert titles("budget police") == ["Budget for police"]
    assert titles('"budget review"') == ["Council budget review"]
    assert titles("tag:policing") == ["Police reform plan"]
    assert titles("police -tag:policing") == ["Budget for police"]
    assert titles("is:unread budget") == ["Council budget review"]
    assert titles("is:read") == ["Budget for police"]
    assert titles("polic") == ["Budget for police", "Police reform plan"]  # prefix while typing
    assert lib.count_stories("tag:nothing") == 0
    # Search syntax from users never reaches FTS5 raw.
    assert titles('budget"') == ["Budget for police", "Council budget review"]
    assert titles('budget" OR "x') == []  # OR is a word here, and every word must match
    assert titles("NEAR( AND ) *") == []


def _document(*paragraphs):
    return Document(blocks=[Block(PARAGRAPH, (Span(p),)) for p in paragraphs], title="Doc")


def test_documents_annotations_and_notes_are_searchable(lib):
    feed_id, _ = lib.add_feed("http://example.test/feed", "Example")
    (story_id,) = lib.add_items(feed_id, _items("Plain title"))
    assert lib.document(story_id) is None
    document = _document("The committee met on Tuesday.", "Nobody expected the vote.")
    lib.set_document(story_id, document)
    assert lib.document(story_id).plain_text() == document.plain_text()
    assert lib.count_stories("committee") == 1
    annotation = lib.add_annotation(
        story_id, TextQuoteSelector("committee met", "The ", " on Tuesday."),
        TextPositionSelector(4, 17), note="check the minutes",
    )
    assert annotation.uuid and annotation.note == "check the minutes"
    assert lib.count_stories("minutes") == 1
    lib.set_note(annotation.id, "ask the clerk")
    assert lib.count_stories("minutes") == 0 and lib.count_stories("clerk") == 1
    assert [a.note for a in lib.annotations(story_id)] == ["ask the clerk"]
    assert lib.story(story_id).annotation_count == 1
    lib.delete_annotation(annotation.id)
    assert lib.annotations(story_id) == []


def test_saved_story_dedupes_by_url_and_tags_again(lib):
    saved = lib.saved_source_id()
    assert lib.saved_source_id() == saved
    first, created = lib.add_story(saved, url="http://x.test/a", title="A",
                                   document=_document("text"), tags=["later"])
    again, created_again = lib.add_story(saved, url="http://x.test/a", title="A", tags=["work"])
    assert created and not created_again and first == again
    assert lib.story(first).tags == ("later", "work")


def test_a_failed_action_leaves_nothing_behind(lib):
    feed_id, _ = lib.add_feed("http://example.test/feed", "Example")
    (story_id,) = lib.add_items(feed_id, _items("one"))
    with pytest.raises(RuntimeError):
        with lib.transaction() as db:
            db.execute("UPDATE stories SET title = 'changed' WHERE id = ?", (story_id,))
            raise RuntimeError("boom")
    assert lib.story(story_id).title == "one"


def test_writes_are_visible_to_a_second_connection_at_once(tmp_path):
    path = tmp_path / "lib.sqlite3"
    first = Library.open(path)
    second = Library.open(path)
    try:
        feed_id, _ = first.add_feed("http://example.test/feed", "Example")
        (story_id,) = first.add_items(feed_id, _items("one"))
        second.set_tags(story_id, ["from-second"])
        first.add_tags(story_id, ["from-first"])
        assert second.story(story_id).tags == ("from-first", "from-second")
    finally:
        first.close()
        second.close()


def test_export_holds_everything(lib):
    feed_id, _ = lib.add_feed("http://example.test/feed", "Example")
    (story_id,) = lib.add_items(feed_id, _items("one"))
    lib.set_document(story_id, _document("Some words here."))
    lib.set_tags(story_id, ["t1"])
    lib.add_annotation(story_id, TextQuoteSelector("words"), TextPositionSelector(5, 10), "n")
    data = lib.export_all()
    assert data["format"] == "broadsheet-library"
    assert [s["url"] for s in data["sources"]] == ["http://example.test/feed"]
    (story,) = data["stories"]
    assert story["tags"] == ["t1"]
    assert story["document"]["blocks"][0]["spans"] == ["Some words here."]
    assert story["annotations"][0]["exact"] == "words"
    assert story["annotations"][0]["note"] == "n"


def test_an_older_schema_is_migrated_after_a_backup(tmp_path):
    path = tmp_path / "lib.sqlite3"
    library = Library.open(path)
    feed_id, _ = library.add_feed("http://example.test/feed", "Example")
    library.add_items(feed_id, _items("kept"))
    library.close()
    old = sqlite3.connect(path)
    old.executescript(
        "DROP TABLE source_tags; DROP INDEX stories_time_state; DROP INDEX stories_id_state;"
        "ALTER TABLE stories DROP COLUMN note; ALTER TABLE sources DROP COLUMN failures;"
        "ALTER TABLE sources DROP COLUMN gone;"
        "PRAGMA user_version = 1;"
    )
    old.close()
    library = Library.open(path)
    try:
        assert library.schema_version == SCHEMA_VERSION
        names = {r[0] for r in library._db.execute("SELECT name FROM sqlite_master")}
        assert {"source_tags", "stories_time_state", "stories_id_state"} <= names
        assert [s.title for s in library.stories()] == ["kept"]
    finally:
        library.close()
    backup = tmp_path / "lib.sqlite3.schema-1.bak"
    copy = sqlite3.connect(backup)
    assert copy.execute("PRAGMA user_version").fetchone()[0] == 1
    assert copy.execute("SELECT title FROM stories").fetchall() == [("kept",)]
    copy.close()


def test_feed_tags_go_to_its_new_stories_and_survive_story_tag_edits(lib):
    feed_id, _ = lib.add_feed("http://example.test/feed", "Example")
    with lib.transaction() as db:
        db.execute("INSERT INTO source_tags VALUES (?, ?)", (feed_id, lib._tag_id(db, "local")))
    (story_id,) = lib.add_items(feed_id, _items("one"), ["extra"])
    assert lib.story(story_id).tags == ("extra", "local")
    lib.set_tags(story_id, [])  # the tag leaves the story but stays on the feed
    assert lib.source_tags(feed_id) == ["local"]
    (second,) = lib.add_items(feed_id, _items("two", start=5))
    assert lib.story(second).tags == ("local",)
    assert lib.export_all()["sources"][0]["tags"] == ["local"]
