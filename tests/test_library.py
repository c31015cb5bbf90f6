"""The library file: schema, refusal of foreign files, stories, tags, annotations, search."""

from __future__ import annotations

import hashlib
import json
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


def test_a_search_row_left_under_a_reused_id_is_replaced(lib):
    # A file where the newest story went but its search row stayed (written
    # by an older broadsheet, or edited by hand): the next story gets that id.
    feed_id, _ = lib.add_feed("http://example.test/feed", "Example")
    first, last = lib.add_items(feed_id, _items("Council budget", "Harbour wall"))
    lib._db.execute("DELETE FROM stories WHERE id = ?", (last,))
    assert lib.count_stories("harbour") == 0
    (new,) = lib.add_items(feed_id, _items("Railway timetable", start=5))
    assert new == last
    assert lib.count_stories("harbour") == 0
    assert [s.id for s in lib.stories("railway")] == [new]
    rows = lib._db.execute("SELECT COUNT(*) FROM story_fts WHERE rowid = ?", (new,)).fetchone()[0]
    assert rows == 1


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
        "DROP TABLE source_tags; DROP INDEX stories_time_state; DROP INDEX stories_id_state; DROP INDEX stories_with_note;"
        "ALTER TABLE stories DROP COLUMN note; ALTER TABLE sources DROP COLUMN failures;"
        "ALTER TABLE sources DROP COLUMN gone; ALTER TABLE sources DROP COLUMN content_hash;"
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


# A library file as broadsheet wrote it at schema 2 (before the search index
# had prefix indexes and feeds remembered their last document).
SCHEMA_2 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('feed', 'saved', 'bundled')),
    url TEXT UNIQUE, title TEXT NOT NULL DEFAULT '', site_url TEXT, etag TEXT,
    last_modified TEXT, last_checked TEXT, last_success TEXT, last_error TEXT,
    failures INTEGER NOT NULL DEFAULT 0, gone INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL
);
CREATE TABLE stories (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    guid TEXT NOT NULL, url TEXT, title TEXT NOT NULL DEFAULT '', author TEXT NOT NULL DEFAULT '',
    published TEXT, fetched TEXT NOT NULL, sort_ts REAL NOT NULL,
    summary TEXT NOT NULL DEFAULT '', content TEXT NOT NULL DEFAULT '', document TEXT,
    read INTEGER NOT NULL DEFAULT 0, starred INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '', UNIQUE (source_id, guid)
);
CREATE INDEX stories_by_time ON stories (sort_ts DESC, id DESC);
CREATE INDEX stories_by_source ON stories (source_id, sort_ts DESC);
CREATE INDEX stories_time_state ON stories (sort_ts DESC, id DESC, read, starred, source_id);
CREATE INDEX stories_id_state ON stories (id, sort_ts, read, starred, source_id);
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE);
CREATE TABLE story_tags (
    story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (story_id, tag_id)) WITHOUT ROWID;
CREATE INDEX story_tags_by_tag ON story_tags (tag_id, story_id);
CREATE TABLE source_tags (
    source_id INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (source_id, tag_id)) WITHOUT ROWID;
CREATE TABLE annotations (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,
    story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    exact TEXT NOT NULL, prefix TEXT NOT NULL DEFAULT '', suffix TEXT NOT NULL DEFAULT '',
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, note TEXT NOT NULL DEFAULT '',
    color TEXT NOT NULL DEFAULT 'yellow', orphaned INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL, updated TEXT NOT NULL
);
CREATE INDEX annotations_by_story ON annotations (story_id, start);
CREATE VIRTUAL TABLE story_fts USING fts5 (
    title, body, tags, notes, tokenize = 'unicode61 remove_diacritics 2'
);
"""


def test_a_schema_2_library_gets_prefix_search_and_content_hashes(tmp_path):
    path = tmp_path / "lib.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        "BEGIN;" + SCHEMA_2
        + f"PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 2;"
        "INSERT INTO meta VALUES ('application', 'broadsheet'), ('schema_version', '2');"
        "INSERT INTO sources (id, kind, url, title, etag, created) "
        "VALUES (1, 'feed', 'http://example.test/feed', 'Example', '\"v1\"', '2026-01-01T00:00:00Z');"
        "INSERT INTO stories (id, source_id, guid, title, fetched, sort_ts, summary, note) VALUES "
        "(7, 1, 'g7', 'Policing the docks', '2026-01-01T00:00:00Z', 1.0, 'harbour news', 'my note'),"
        "(9, 1, 'g9', 'Weather', '2026-01-01T00:00:00Z', 2.0, 'rain again', '');"
        "INSERT INTO tags (id, name) VALUES (1, 'Ports');"
        "INSERT INTO story_tags VALUES (7, 1);"
        "INSERT INTO story_fts (rowid, title, body, tags, notes) VALUES "
        "(7, 'Policing the docks', 'harbour news', 'Ports', 'my note'),"
        "(9, 'Weather', 'rain again', '', '');"
        "COMMIT;"
    )
    old.close()
    notes: list[str] = []
    library = Library.open(path, upgrading=notes.append)
    try:
        assert notes == ["Upgrading lib.sqlite3 from schema 2 to 4; "
                         "the old file is kept as lib.sqlite3.schema-2.bak"]
        assert library.schema_version == SCHEMA_VERSION == 4
        library.set_reading_position(7, 3)  # schema 4: stories remember where they were left
        assert library.reading_position(7) == 3
        sql = library._db.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'story_fts'").fetchone()[0]
        assert "prefix" in sql
        # Every search row came across, under the same story ids.
        assert [s.id for s in library.stories("po")] == [7]
        assert [s.id for s in library.stories("ra")] == [9]
        assert [s.id for s in library.stories("tag:ports my")] == [7]
        assert library.count_stories("harb") == 1
        assert [s.id for s in library.stories("has:notes")] == [7]
        assert library._db.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'stories_with_note'").fetchone()
        (feed,) = library.feeds()
        assert feed.etag == '"v1"' and feed.content_hash is None
        library.add_items(feed.id, _items("fresh"), content_hash="abc")
        assert library.feeds()[0].content_hash == "abc"
        assert library.count_stories("fre") == 1
    finally:
        library.close()
    copy = sqlite3.connect(tmp_path / "lib.sqlite3.schema-2.bak")
    assert copy.execute("PRAGMA user_version").fetchone()[0] == 2
    assert "prefix" not in copy.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'story_fts'").fetchone()[0]
    copy.close()


def _fts_row(library, story_id):
    return library._db.execute(
        "SELECT title, body, tags, notes FROM story_fts WHERE rowid = ?", (story_id,)
    ).fetchone()


def test_new_stories_search_rows_match_a_full_reindex(lib):
    feed_id, _ = lib.add_feed("http://example.test/feed", "Example")
    with lib.transaction() as db:
        db.execute("INSERT INTO source_tags VALUES (?, ?)", (feed_id, lib._tag_id(db, "zeta")))
        db.execute("INSERT INTO source_tags VALUES (?, ?)", (feed_id, lib._tag_id(db, "Alpha")))
    ids = lib.add_items(feed_id, _items("one", "two", "one again"), ["mid"])
    assert len(ids) == 3
    stored = {i: _fts_row(lib, i) for i in ids}
    assert stored[ids[0]] == ("one", "Summary of one", "Alpha mid zeta", "")
    with lib.transaction() as db:
        for story_id in ids:
            lib._reindex(db, story_id)
    assert {i: _fts_row(lib, i) for i in ids} == stored
    # Known guids (and a repeat within one fetch) add nothing.
    assert lib.add_items(feed_id, _items("one", "two") + _items("dup", start=7) * 2) == [ids[-1] + 1]


def _dated(prefix, count, start_hour):
    base = datetime(2026, 1, 1, tzinfo=timezone.utc)
    return [
        FeedItem(guid=f"{prefix}{i}", url=f"http://example.test/{prefix}{i}",
                 title=f"{prefix} {i}", published=base + timedelta(hours=start_hour + i),
                 summary=f"{prefix} words")
        for i in range(count)
    ]


def test_pruning_keeps_touched_stories_and_the_newest_untouched(lib):
    from broadsheet.library.store import KEEP_UNTOUCHED

    feed_id, _ = lib.add_feed("http://example.test/feed", "Example")
    with lib.transaction() as db:  # a folder tag from OPML: every story gets it
        db.execute("INSERT INTO source_tags VALUES (?, ?)", (feed_id, lib._tag_id(db, "news")))
    old = lib.add_items(feed_id, _dated("old", KEEP_UNTOUCHED, 0))
    assert lib.count_stories() == KEEP_UNTOUCHED
    starred, tagged, noted, annotated, read = old[:5]
    lib.set_starred(starred, True)
    lib.add_tags(tagged, ["keep"])
    lib.set_story_note(noted, "mine")
    lib.add_annotation(annotated, TextQuoteSelector("old"), TextPositionSelector(0, 3), "why")
    lib.set_read(read, True)
    newer = lib.add_items(feed_id, _dated("new", 300, 10_000))
    assert len(newer) == 300
    ids = {s.id for s in lib.stories("", 0, 5000)}
    # The four touched ones stay although they are the oldest; a merely read one does not.
    assert {starred, tagged, noted, annotated} <= ids
    assert read not in ids
    untouched = ids - {starred, tagged, noted, annotated}
    assert len(untouched) == KEEP_UNTOUCHED
    assert set(newer) <= untouched
    # The oldest untouched went first (296 of them: 4 touched ones do not
    # count); their search rows went with them.
    assert min(untouched) == old[300]
    assert lib.count_stories("old") == KEEP_UNTOUCHED - 300 + 4
    assert lib._db.execute("SELECT COUNT(*) FROM story_fts").fetchone()[0] == len(ids)
    assert lib._db.execute(
        "SELECT COUNT(*) FROM story_tags WHERE story_id NOT IN (SELECT id FROM stories)"
    ).fetchone()[0] == 0
    assert lib.story(tagged).tags == ("keep", "news")


def test_pruning_never_takes_what_the_feed_still_lists(lib):
    from broadsheet.library.store import KEEP_UNTOUCHED

    feed_id, _ = lib.add_feed("http://example.test/feed", "Example")
    lib.add_items(feed_id, _dated("recent", KEEP_UNTOUCHED, 10_000))
    # An old item turns up: it is the oldest, but the feed lists it now, so
    # one of the others (not listed any more) makes way instead.
    (late,) = lib.add_items(feed_id, _dated("ancient", 1, 0))
    ids = {s.id for s in lib.stories("", 0, 5000)}
    assert late in ids and len(ids) == KEEP_UNTOUCHED
    # Adding the same again changes nothing: no churn.
    assert lib.add_items(feed_id, _dated("ancient", 1, 0)) == []
    assert {s.id for s in lib.stories("", 0, 5000)} == ids


def test_apply_updates_stores_several_feeds_at_once(lib):
    from broadsheet.library import FeedUpdate

    a, _ = lib.add_feed("http://example.test/a", "A")
    b, _ = lib.add_feed("http://example.test/b", "B")
    c, _ = lib.add_feed("http://example.test/c", "C")
    updates = [
        FeedUpdate(a, items=_items("one", "two"), etag='"a1"', content_hash="ha"),
        FeedUpdate(b, etag='"b2"', last_modified="Mon, 01 Jun 2026 00:00:00 GMT"),
        FeedUpdate(c, error="HTTP 404 Not Found", status=404),
    ]
    lib.apply_updates(updates)
    assert len(updates[0].new_ids) == 2 and updates[1].new_ids == updates[2].new_ids == []
    states = {f.id: f for f in lib.feeds()}
    assert (states[a].etag, states[a].content_hash) == ('"a1"', "ha")
    assert states[b].etag == '"b2"' and states[b].last_modified.startswith("Mon")
    assert {s.title: s.last_error for s in lib.sources()}["C"] == "HTTP 404 Not Found"
    assert lib.known_guids(a) == {"g0", "g1"} and lib.known_guids(b) == frozenset()


def test_host_shares_are_kept_forgotten_and_aged(lib, monkeypatch):
    assert lib.host_shares() == {}
    lib.remember_host_shares({"http://a.test:": 1.0, "http://b.test:": 0.5, "http://c.test:": None})
    assert lib.host_shares() == {"http://a.test:": 1.0, "http://b.test:": 0.5}
    # A refresh that asked only b (which ended at the start): a stays, b goes.
    lib.remember_host_shares({"http://b.test:": None})
    assert lib.host_shares() == {"http://a.test:": 1.0}
    # Too old: forgotten.
    import broadsheet.library.store as store_module

    later = datetime.now(timezone.utc) + timedelta(days=Library.HOST_SHARE_DAYS + 1)
    monkeypatch.setattr(store_module, "utcnow", lambda: later)
    assert lib.host_shares() == {}


@pytest.mark.parametrize("damage", [
    "not json", "[1, 2]", '{"http://a.test:": "x"}', '{"http://a.test:": [2.0]}',
    '{"http://a.test:": ["half", 1]}',
])
def test_damaged_host_shares_start_every_host_afresh(lib, damage):
    with lib.transaction() as db:
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('host shares', ?)", (damage,))
    assert lib.host_shares() == {}
    lib.remember_host_shares({"http://a.test:": 0.25})  # and a refresh writes it anew
    assert lib.host_shares() == {"http://a.test:": 0.25}


def test_a_host_share_above_one_counts_as_one(lib):
    with lib.transaction() as db:
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('host shares', ?)",
                   (f'{{"http://a.test:": [7, {datetime.now(timezone.utc).timestamp()}]}}',))
    assert lib.host_shares() == {"http://a.test:": 1.0}


def test_unsubscribing_deletes_untouched_stories_and_keeps_the_rest_unpolled(lib):
    from broadsheet.library import FeedUpdate

    feed_id, _ = lib.add_feed("http://example.test/feed", "Example")
    other_id, _ = lib.add_feed("http://example.test/other", "Other")
    with lib.transaction() as db:  # a folder tag from OPML: every story gets it
        db.execute("INSERT INTO source_tags VALUES (?, ?)", (feed_id, lib._tag_id(db, "news")))
    ids = lib.add_items(feed_id, _items("Harbour", "Ferry", "Pier", "Quay", "Tide", "Read one"))
    others = lib.add_items(other_id, _items("Harbour elsewhere", start=10))
    starred, tagged, noted, annotated, plain, read = ids
    lib.set_starred(starred, True)
    lib.add_tags(tagged, ["keep"])
    lib.set_story_note(noted, "mine")
    lib.add_annotation(annotated, TextQuoteSelector("Tide"), TextPositionSelector(0, 4), "why")
    lib.set_read(read, True)
    assert lib.unsubscribe(feed_id) == (2, 4)
    left = {s.id for s in lib.stories("", 0, 100)}
    assert left == {starred, tagged, noted, annotated, *others}
    assert lib.count_stories("harbour") == 2  # the deleted ones' search rows went too
    assert lib._db.execute("SELECT COUNT(*) FROM story_fts").fetchone()[0] == len(left)
    (source,) = [s for s in lib.sources() if s.id == feed_id]
    assert (source.state, source.total) == ("unsubscribed", 4)
    assert [f.id for f in lib.feeds()] == [other_id]  # no longer polled
    assert lib.export_all()["sources"][0]["unsubscribed"] is True
    assert "unsubscribed" not in lib.export_all()["sources"][1]
    # A fetch that was under way when it was unsubscribed stores nothing.
    late = FeedUpdate(feed_id, items=_items("Late", start=50))
    also = FeedUpdate(other_id, items=_items("On time", start=60))
    lib.apply_updates([late, also])
    assert late.new_ids == [] and len(also.new_ids) == 1
    assert lib.count_stories("late") == 0
    # Added again, it is polled again (and counts as new).
    assert lib.add_feed("http://example.test/feed", "Example") == (feed_id, True)
    assert lib.add_feed("http://example.test/feed", "Example") == (feed_id, False)
    assert sorted(f.id for f in lib.feeds()) == [feed_id, other_id]
    assert [s.state for s in lib.sources() if s.id == feed_id] == [""]
    # With nothing touched, the feed goes altogether.
    assert lib.unsubscribe(other_id) == (2, 0)
    assert other_id not in {s.id for s in lib.sources()}
    with pytest.raises(LibraryError, match="no source"):
        lib.unsubscribe(other_id)
    with pytest.raises(LibraryError, match="Only a feed"):
        lib.unsubscribe(lib.saved_source_id())


def test_a_gone_feed_added_again_is_polled_again(lib):
    feed_id, _ = lib.add_feed("http://example.test/feed", "Example")
    lib.record_fetch(feed_id, error="HTTP 410 Gone", status=410)
    assert lib.feeds() == [] and [s.state for s in lib.sources()] == ["gone"]
    assert lib.add_feed("http://example.test/feed") == (feed_id, True)
    assert [f.id for f in lib.feeds()] == [feed_id]


def test_importing_a_feed_follows_it_again_unless_the_export_says_unsubscribed(lib):
    from broadsheet.exchange.records import ImportBatch, ImportedFeed
    from broadsheet.library.importing import import_batch

    feed_id, _ = lib.add_feed("http://example.test/feed", "Example")
    lib.set_starred(lib.add_items(feed_id, _items("Kept"))[0], True)
    lib.unsubscribe(feed_id)
    marked = ImportBatch("json", feeds=[ImportedFeed("http://example.test/feed", unsubscribed=True),
                                        ImportedFeed("http://example.test/new", unsubscribed=True)])
    report = import_batch(lib, marked)
    assert (report.feeds_added, report.feeds_known) == (1, 1)
    assert {s.url: s.state for s in lib.sources()} == {
        "http://example.test/feed": "unsubscribed", "http://example.test/new": "unsubscribed"}
    report = import_batch(lib, ImportBatch("opml", feeds=[ImportedFeed("http://example.test/feed")]))
    assert (report.feeds_added, report.feeds_known) == (1, 0)
    assert [f.id for f in lib.feeds()] == [feed_id]
    report = import_batch(lib, ImportBatch("opml", feeds=[ImportedFeed("http://example.test/feed")]))
    assert (report.feeds_added, report.feeds_known) == (0, 1)


def test_reading_positions_are_kept_reset_with_the_text_and_exported(lib, tmp_path):
    from broadsheet.exchange.importers import parse_import

    feed_id, _ = lib.add_feed("http://example.test/feed", "Example")
    story, other, bare = lib.add_items(feed_id, _items("Long read", "Other", "No text"))
    lib.set_document(story, _document("One.", "Two.", "Three."))
    lib.set_document(other, _document("Alone."))
    assert lib.reading_position(story) == 0
    lib.set_reading_position(story, 2)
    lib.set_reading_position(other, 0)
    lib.set_reading_position(bare, 4)
    lib.set_reading_position(999, 1)  # no such story: nothing
    assert (lib.reading_position(story), lib.reading_position(other)) == (2, 0)
    assert lib._db.execute("SELECT COUNT(*) FROM reading_positions").fetchone()[0] == 2
    exported = {s["title"]: s.get("position") for s in lib.export_all()["stories"]}
    assert exported == {"Long read": 2, "Other": None, "No text": None}  # a position needs a text
    path = tmp_path / "all.json"
    path.write_text(json.dumps(lib.export_all()))
    copy = Library.open(tmp_path / "copy.sqlite3")
    try:
        from broadsheet.library.importing import import_batch

        import_batch(copy, parse_import(path.read_bytes(), "json", path.name))
        (copied,) = [s.id for s in copy.stories("", 0, 10) if s.title == "Long read"]
        assert copy.reading_position(copied) == 2
    finally:
        copy.close()
    lib.set_document(story, _document("A new text."))  # positions meant the old one
    assert lib.reading_position(story) == 0 and lib.reading_position(bare) == 4
    lib.unsubscribe(feed_id)  # the stories go, and their positions with them
    assert lib._db.execute("SELECT COUNT(*) FROM reading_positions").fetchone()[0] == 0


def test_a_story_stored_under_its_former_id_takes_the_new_one(lib):
    feed_id, _ = lib.add_feed("https://ex.org/feeds/rss.xml", "Example")
    lib.add_items(feed_id, [FeedItem(guid="12345", url=None, title="Stored before"),
                            FeedItem(guid="post/6", url=None, title="Both")])
    both_new = lib.add_items(feed_id, [FeedItem(guid="https://ex.org/feeds/post/6", url=None,
                                                title="Both, new id")])
    assert len(both_new) == 1
    new = lib.add_items(feed_id, [
        FeedItem(guid="https://ex.org/feeds/12345", url=None, title="Stored before",
                 former_guid="12345"),
        FeedItem(guid="https://ex.org/feeds/post/6", url=None, title="Both", former_guid="post/6"),
        FeedItem(guid="https://ex.org/feeds/7", url=None, title="New", former_guid="7"),
    ])
    assert [lib.story(i).title for i in new] == ["New"]
    guids = {r[0] for r in lib._db.execute("SELECT guid FROM stories")}
    assert guids == {"https://ex.org/feeds/12345", "post/6", "https://ex.org/feeds/post/6",
                     "https://ex.org/feeds/7"}
    assert lib.add_items(feed_id, [FeedItem(guid="https://ex.org/feeds/12345", url=None,
                                            title="Stored before", former_guid="12345")]) == []
