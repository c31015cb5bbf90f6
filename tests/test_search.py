"""The search language on a 2,000-story library, checked against the same
stories filtered in Python; tag renaming, merging, deleting and counting."""

from __future__ import annotations

import random
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

import broadsheet.library.store as store_module
from broadsheet.library import Library, LibraryError, parse_query
from broadsheet.model import PARAGRAPH, Block, Document, FeedItem, Span
from broadsheet.model import TextPositionSelector, TextQuoteSelector

WORDS = ("council budget harbour wall police reform election vote storm bridge railway "
         "school museum festival ocean tenants mayor inquiry harvest satellite").split()
RARE = ("zeppelin quokka marzipan obelisk").split()
NOTE_WORDS = ("verify clerk minutes sources").split()
TAGS = ("policing", "follow-up", "to read", "Longform", "budget")
SOURCES = ("Daring Fireball", "The Harbour Gazette", "Evening Ledger", "daring notes",
           "Science Weekly")
STORIES = 2_000


@dataclass
class Record:
    """What the test knows about one story, to filter in Python."""

    id: int
    source_id: int
    source: str
    title: str
    body: str
    sort_ts: float
    tags: set[str] = field(default_factory=set)
    read: bool = False
    starred: bool = False
    notes: list[str] = field(default_factory=list)  # one "exact note" text per highlight
    noted: bool = False  # some highlight carries a note

    def column(self, name: str) -> list[str]:
        text = {"title": self.title, "body": self.body,
                "tags": " ".join(sorted(self.tags, key=str.lower)),
                "notes": "\n".join(self.notes)}[name]
        return re.findall(r"\w+", text.lower())


COLUMNS = ("title", "body", "tags", "notes")


def has_word(record: Record, word: str, columns=COLUMNS) -> bool:
    return any(t.startswith(word) for c in columns for t in record.column(c))


def has_phrase(record: Record, phrase: str, columns=COLUMNS) -> bool:
    wanted = phrase.lower().split()
    for c in columns:
        tokens = record.column(c)
        for i in range(len(tokens) - len(wanted) + 1):
            if tokens[i:i + len(wanted)] == wanted:
                return True
    return False


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    if rng.random() < 0.03:
        words.insert(rng.randrange(len(words) + 1), rng.choice(RARE))
    return " ".join(words)


def _build(path) -> list[Record]:
    """2,000 stories in a handful of transactions, through Library methods."""
    rng = random.Random(20261129)
    library = Library.open(path)
    records: dict[int, Record] = {}
    try:
        source_ids = [library.add_feed(f"https://s{i}.test/feed", name)[0]
                      for i, name in enumerate(SOURCES)]
        base = datetime(2026, 1, 1, tzinfo=timezone.utc)
        batches: dict[tuple[int, tuple[str, ...]], list[tuple[FeedItem, Record]]] = {}
        for n in range(STORIES):
            source_index = rng.randrange(len(SOURCES))
            # Every fifth pair of stories shares a time: the order falls back to the id.
            published = base + timedelta(hours=n - (n % 2 if n % 5 == 0 else 0))
            title = _sentence(rng, 3, 6).capitalize()
            body = _sentence(rng, 8, 16) + "."
            tags = tuple(sorted(set(rng.sample(TAGS, rng.choice((0, 0, 1, 1, 2))))))
            item = FeedItem(guid=f"g{n}", url=f"https://s{source_index}.test/{n}", title=title,
                            published=published, summary=body)
            record = Record(0, source_ids[source_index], SOURCES[source_index], title, body,
                            published.timestamp(), set(tags))
            batches.setdefault((source_index, tags), []).append((item, record))
        for (source_index, tags), pairs in batches.items():
            ids = library.add_items(source_ids[source_index], [i for i, _ in pairs], tags)
            for story_id, (_, record) in zip(ids, pairs):
                record.id = story_id
                records[story_id] = record
        ordered = sorted(records)
        read = [i for i in ordered if rng.random() < 0.6]
        starred = [i for i in ordered if rng.random() < 0.1]
        with library.transaction() as db:
            db.executemany("UPDATE stories SET read = 1 WHERE id = ?", [(i,) for i in read])
        for story_id in read:
            records[story_id].read = True
        for story_id in starred:
            library.set_starred(story_id, True)
            records[story_id].starred = True
        # A few stored articles: their text replaces the summary in search.
        for story_id in rng.sample(ordered, 20):
            text = _sentence(rng, 20, 30) + " harbour wall."
            library.set_document(story_id, Document(blocks=[Block(PARAGRAPH, (Span(text),))]))
            records[story_id].body = text
        for story_id in rng.sample(ordered, 80):
            record = records[story_id]
            for _ in range(rng.randint(1, 2)):
                words = record.body.rstrip(".").split()
                at = rng.randrange(len(words) - 1)
                exact = " ".join(words[at:at + 2])
                note = (f"{rng.choice(NOTE_WORDS)} {rng.choice(NOTE_WORDS)}"
                        if rng.random() < 0.5 else "")
                start = record.body.find(exact)
                library.add_annotation(story_id, TextQuoteSelector(exact),
                                       TextPositionSelector(start, start + len(exact)), note)
                record.notes.append(f"{exact} {note}")
                record.noted = record.noted or bool(note)
    finally:
        library.close()
    return sorted(records.values(), key=lambda r: (-r.sort_ts, -r.id))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("search")
    path = folder / "plain.sqlite3"
    records = _build(path)
    indexed = folder / "indexed.sqlite3"
    shutil.copyfile(path, indexed)
    return records, path, indexed


@pytest.fixture(params=["plain", "indexed"])
def searched(request, built):
    """The library as it is, and with ensure_search_indexes (other query plans)."""
    records, plain, indexed = built
    library = Library.open(plain if request.param == "plain" else indexed)
    if request.param == "indexed":
        library.ensure_search_indexes()
    yield library, records
    library.close()


def _ids(library, query, page=None):
    if page is None:
        return [s.id for s in library.stories(query, 0, STORIES + 10)]
    found, offset = [], 0
    while True:
        batch = library.stories(query, offset, page)
        found += [s.id for s in batch]
        if len(batch) < page:
            return found
        offset += page


def _source_of(records, title):
    return next(r.source_id for r in records if r.source == title)


CASES = {
    "council": lambda r: has_word(r, "council"),
    "counc": lambda r: has_word(r, "counc"),
    "harbour wall": lambda r: has_word(r, "harbour") and has_word(r, "wall"),
    '"harbour wall"': lambda r: has_phrase(r, "harbour wall"),
    '"wall harbour"': lambda r: has_phrase(r, "wall harbour"),
    "zeppelin": lambda r: has_word(r, "zeppelin"),
    "-council": lambda r: not has_word(r, "council"),
    "budget -council": lambda r: has_word(r, "budget") and not has_word(r, "council"),
    '-"harbour wall"': lambda r: not has_phrase(r, "harbour wall"),
    'vote -"harbour wall" -mayor': lambda r: (has_word(r, "vote") and not has_phrase(
        r, "harbour wall") and not has_word(r, "mayor")),
    "tag:policing": lambda r: "policing" in r.tags,
    "tag:LONGFORM": lambda r: "Longform" in r.tags,
    'tag:"to read"': lambda r: "to read" in r.tags,
    "-tag:policing": lambda r: "policing" not in r.tags,
    "tag:budget -tag:follow-up": lambda r: "budget" in r.tags and "follow-up" not in r.tags,
    "tag:nothing": lambda r: False,
    "-tag:nothing": lambda r: True,
    "source:daring": lambda r: "daring" in r.source.lower(),
    'source:"Daring Fireball"': lambda r: r.source == "Daring Fireball",
    "source:HARBOUR": lambda r: r.source == "The Harbour Gazette",
    "-source:daring": lambda r: "daring" not in r.source.lower(),
    "source:nowhere": lambda r: False,
    "is:unread": lambda r: not r.read,
    "is:read": lambda r: r.read,
    "-is:unread": lambda r: r.read,
    "is:starred": lambda r: r.starred,
    "-is:starred": lambda r: not r.starred,
    "has:highlights": lambda r: bool(r.notes),
    "-has:highlights": lambda r: not r.notes,
    "has:notes": lambda r: r.noted,
    "-has:notes": lambda r: not r.noted,
    "in:notes clerk": lambda r: has_word(r, "clerk", ["notes"]),
    'in:notes "verify clerk"': lambda r: has_phrase(r, "verify clerk", ["notes"]),
    "in:title council": lambda r: has_word(r, "council", ["title"]),
    "in:text council": lambda r: has_word(r, "council", ["body"]),
    "in:tags budget": lambda r: has_word(r, "budget", ["tags"]),
    "budget -in:title budget": lambda r: (has_word(r, "budget")
                                          and not has_word(r, "budget", ["title"])),
    "-in:notes verify": lambda r: not has_word(r, "verify", ["notes"]),
    # Combinations: every term must hold.
    "council tag:policing is:unread": lambda r: (has_word(r, "council")
                                                 and "policing" in r.tags and not r.read),
    "is:starred is:unread": lambda r: r.starred and not r.read,
    "source:daring is:unread -tag:budget": lambda r: ("daring" in r.source.lower()
                                                      and not r.read
                                                      and "budget" not in r.tags),
    "has:highlights -has:notes vote": lambda r: (bool(r.notes) and not r.noted
                                                 and has_word(r, "vote")),
    "in:notes minutes is:read": lambda r: has_word(r, "minutes", ["notes"]) and r.read,
    "-tag:policing -is:starred -has:highlights": lambda r: ("policing" not in r.tags
                                                            and not r.starred and not r.notes),
    "mayor -mayor": lambda r: False,
    "is:starred -council": lambda r: r.starred and not has_word(r, "council"),
}


@pytest.mark.parametrize("query", list(CASES))
def test_every_operator_finds_what_python_finds(searched, query):
    library, records = searched
    expected = [r.id for r in records if CASES[query](r)]
    assert library.count_stories(query) == len(expected)
    assert _ids(library, query) == expected  # newest first, ties by id
    assert _ids(library, query, page=73) == expected  # the same in pages


def test_the_cases_are_not_trivial(built):
    """Each operator splits the library: the checks above can tell right from wrong."""
    records, _, _ = built
    for query, predicate in CASES.items():
        hits = sum(1 for r in records if predicate(r))
        if query not in ("tag:nothing", "-tag:nothing", "source:nowhere", "mayor -mayor"):
            assert 0 < hits < len(records), query


def test_source_by_id_and_its_exclusion(searched):
    library, records = searched
    source_id = _source_of(records, "Evening Ledger")
    assert _ids(library, f"source:{source_id}") == [
        r.id for r in records if r.source_id == source_id]
    assert _ids(library, f"-source:{source_id} is:starred") == [
        r.id for r in records if r.source_id != source_id and r.starred]


def test_pages_past_the_end_and_offsets(searched):
    library, records = searched
    expected = [r.id for r in records if has_word(r, "zeppelin")]
    assert [s.id for s in library.stories("zeppelin", 5, 10)] == expected[5:15]
    assert library.stories("zeppelin", len(expected) + 5, 10) == []
    everything = [r.id for r in records]
    assert [s.id for s in library.stories("", 1500, 200)] == everything[1500:1700]


def test_page_rows_carry_tags_state_and_counts(searched):
    library, records = searched
    by_id = {r.id: r for r in records}
    for story in library.stories("has:highlights", 0, 50):
        record = by_id[story.id]
        assert set(story.tags) == record.tags
        assert story.read == record.read and story.starred == record.starred
        assert story.annotation_count == len(record.notes)
        assert story.source_title == record.source


@pytest.mark.parametrize("text", [
    'council"', '"', '""', "-", "--", "-\"", "tag:", 'tag:""', "source:", 'source:"',
    "in:notes", 'in:notes "', "NEAR(council vote)", "council OR vote", "council*", "^council",
    "title:council", "notes:clerk", "{title}: council", "council AND", "NOT council",
    "is:nonsense", "has:nonsense", "in:nowhere council", "(council", "c:o:u:n:c:i:l",
])
def test_user_text_never_reaches_fts_raw(searched, text):
    library, records = searched
    library.count_stories(text)  # no error, whatever was typed
    query = parse_query(text)
    expected = [r.id for r in records
                if all(has_word(r, w) for q in query.words for w in re.findall(r"\w+", q.lower()))
                and not any(all(has_word(r, w) for w in re.findall(r"\w+", q.lower()))
                            for q in query.not_words)
                and all(has_phrase(r, p) for p in query.phrases)]
    if not (query.tags or query.in_columns or query.not_in_columns or query.sources):
        assert _ids(library, text) == expected


def test_unknown_fields_stay_words(searched):
    library, records = searched
    assert _ids(library, "mayor:council") == [
        r.id for r in records if has_word(r, "mayor") and has_word(r, "council")]


def test_parse_query_grammar():
    q = parse_query('council "harbour wall" -mayor -"a b" tag:x -tag:"y z" source:"Daring '
                    'Fireball" -source:7 is:unread -is:starred has:notes -has:highlights '
                    "in:notes clerk -in:title vote in:text")
    assert q.words == ["council"] and q.phrases == ["harbour wall"]
    assert q.not_words == ["mayor"] and q.not_phrases == ["a b"]
    assert q.tags == ["x"] and q.not_tags == ["y z"]
    assert q.sources == ["Daring Fireball"] and q.not_source_ids == [7]
    assert q.read is False and q.starred is False
    assert q.has_notes is True and q.has_highlights is False
    assert [(t.column, t.text) for t in q.in_columns] == [("notes", "clerk")]
    assert [(t.column, t.text) for t in q.not_in_columns] == [("title", "vote")]
    assert q.fts_match() == ('("council"* AND "harbour wall" AND notes : "clerk"*) '
                             'NOT ("mayor"* OR "a b" OR title : "vote"*)')
    assert parse_query("-mayor -wall").fts_exclude() == '"mayor"* OR "wall"*'
    assert parse_query("").is_empty and not parse_query("-x").is_empty
    assert parse_query("is:starred").starred is True
    assert parse_query("source:12").source_ids == [12]


def test_counts_follow_changes_from_this_and_other_connections(built, tmp_path):
    _, plain, _ = built
    path = tmp_path / "copy.sqlite3"
    shutil.copyfile(plain, path)
    first, second = Library.open(path), Library.open(path)
    try:
        first.ensure_search_indexes()
        unread = first.count_stories("is:unread")
        starred = first.count_stories("council is:starred")
        story = first.stories("council -is:starred is:unread", 0, 1)[0]
        first.set_starred(story.id, True)
        assert first.count_stories("council is:starred") == starred + 1
        second.set_read(story.id, True)
        assert first.count_stories("is:unread") == unread - 1
        assert story.id not in [s.id for s in first.stories("is:unread", 0, STORIES)]
        assert first.story(story.id).starred
    finally:
        first.close()
        second.close()


def test_search_indexes_are_idempotent_and_keep_the_schema_version(built, tmp_path):
    _, plain, _ = built
    path = tmp_path / "copy.sqlite3"
    shutil.copyfile(plain, path)
    library = Library.open(path)
    try:
        version = library.schema_version
        library.ensure_search_indexes()
        library.ensure_search_indexes()
        assert library.schema_version == version
        names = {r[0] for r in library._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"stories_time_state", "stories_id_state"} <= names
    finally:
        library.close()


# -- tag management -------------------------------------------------------

@pytest.fixture
def lib(tmp_path):
    library = Library.open(tmp_path / "lib.sqlite3")
    yield library
    library.close()


def _stories(lib, *titles):
    feed_id, _ = lib.add_feed("http://example.test/feed", "Example")
    base = datetime(2026, 11, 1, tzinfo=timezone.utc)
    return lib.add_items(feed_id, [
        FeedItem(guid=t, url=None, title=t, published=base + timedelta(hours=i))
        for i, t in enumerate(titles)])


def test_rename_tag_moves_it_and_reindexes(lib):
    a, b, c = _stories(lib, "alpha", "beta", "gamma")
    lib.set_tags(a, ["policing", "later"])
    lib.set_tags(b, ["policing"])
    lib.set_tags(c, ["later"])
    assert lib.rename_tag("Policing", "crime watch") == 2
    assert lib.story(a).tags == ("crime watch", "later") and lib.story(b).tags == ("crime watch",)
    assert lib.count_stories("tag:policing") == 0
    assert lib.count_stories('tag:"crime watch"') == 2
    assert lib.count_stories("policing") == 0  # the words index forgot the old name
    assert lib.count_stories("in:tags crime") == 2
    assert [name for name, _ in lib.all_tags()] == ["crime watch", "later"]


def test_rename_into_an_existing_tag_merges(lib):
    a, b, c = _stories(lib, "alpha", "beta", "gamma")
    lib.set_tags(a, ["police", "policing"])
    lib.set_tags(b, ["police"])
    lib.set_tags(c, ["Policing"])
    assert lib.rename_tag("police", "POLICING") == 2
    # The existing tag keeps its spelling; story a holds it once.
    assert lib.story(a).tags == ("policing",)
    assert lib.story(b).tags == ("policing",) and lib.story(c).tags == ("policing",)
    assert lib.all_tags() == [("policing", 3)]
    assert lib.count_stories("in:tags policing") == 3
    assert lib.count_stories("police") == 0 and lib.count_stories("tag:police") == 0
    assert lib._db.execute("SELECT COUNT(*) FROM story_tags").fetchone()[0] == 3


def test_rename_changing_only_case(lib):
    (a,) = _stories(lib, "alpha")
    lib.set_tags(a, ["longform"])
    assert lib.rename_tag("longform", "Longform") == 1
    assert lib.story(a).tags == ("Longform",)
    assert lib.tag_counts() == [("Longform", 1, 1)]


def test_rename_and_delete_refuse_what_is_not_there(lib):
    (a,) = _stories(lib, "alpha")
    lib.set_tags(a, ["x"])
    with pytest.raises(LibraryError, match="no tag 'nothing'"):
        lib.rename_tag("nothing", "y")
    with pytest.raises(LibraryError, match="no tag"):
        lib.delete_tag("nothing")
    with pytest.raises(LibraryError, match="empty"):
        lib.rename_tag("x", " , ")
    assert lib.story(a).tags == ("x",)


def test_delete_tag_takes_it_off_every_story(lib):
    a, b, c = _stories(lib, "alpha", "beta", "gamma")
    lib.set_tags(a, ["gone", "kept"])
    lib.set_tags(b, ["gone"])
    lib.set_tags(c, ["kept"])
    assert lib.delete_tag("GONE") == 2
    assert lib.story(a).tags == ("kept",) and lib.story(b).tags == ()
    assert lib.all_tags() == [("kept", 2)]
    assert lib.count_stories("gone") == 0 and lib.count_stories("kept") == 2


def test_tag_work_is_one_transaction(lib, monkeypatch):
    a, b = _stories(lib, "alpha", "beta")
    lib.set_tags(a, ["old"])
    lib.set_tags(b, ["old"])
    calls = []

    def failing(db, story_id):
        calls.append(story_id)
        if len(calls) == 2:
            raise RuntimeError("disk trouble")
        original(db, story_id)

    original = lib._reindex
    monkeypatch.setattr(lib, "_reindex", failing)
    with pytest.raises(RuntimeError):
        lib.rename_tag("old", "new")
    with pytest.raises(RuntimeError):
        calls.clear()
        lib.delete_tag("old")
    monkeypatch.undo()
    assert lib.all_tags() == [("old", 2)]
    assert lib.count_stories("old") == 2 and lib.count_stories("new") == 0


def test_tag_counts_with_unread_and_a_query(lib):
    a, b, c, d = _stories(lib, "council vote", "council budget", "storm", "storm budget")
    lib.set_tags(a, ["politics", "later"])
    lib.set_tags(b, ["politics"])
    lib.set_tags(c, ["weather"])
    lib.set_tags(d, ["weather", "politics"])
    lib.set_read(b, True)
    lib.set_read(c, True)
    assert lib.tag_counts() == [("later", 1, 1), ("politics", 3, 2), ("weather", 2, 1)]
    assert lib.tag_counts("council") == [("later", 1, 1), ("politics", 2, 1)]
    assert lib.tag_counts("is:read") == [("politics", 1, 0), ("weather", 1, 0)]
    assert lib.tag_counts("nothing-like-this") == []
    lib.ensure_search_indexes()
    assert lib.tag_counts() == [("later", 1, 1), ("politics", 3, 2), ("weather", 2, 1)]
    assert lib.tag_counts("budget -tag:weather") == [("politics", 1, 0)]


def test_set_starred(lib):
    a, b = _stories(lib, "alpha", "beta")
    lib.set_starred(b, True)
    assert lib.story(b).starred and not lib.story(a).starred
    assert [s.id for s in lib.stories("is:starred")] == [b]
    assert [s.id for s in lib.stories("-is:starred")] == [a]
    lib.set_starred(b, False)
    assert lib.count_stories("is:starred") == 0
    with pytest.raises(LibraryError, match="no story 999"):
        lib.set_starred(999, True)


def test_merging_tags_keeps_them_on_tagged_sources(lib):
    db = lib._db
    if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'source_tags'").fetchone():
        pytest.skip("this library has no source tags")
    (a,) = _stories(lib, "alpha")
    lib.set_tags(a, ["old", "new"])
    feed_id = lib.story(a).source_id
    with lib.transaction():
        db.execute("INSERT INTO source_tags (source_id, tag_id) "
                   "SELECT ?, id FROM tags WHERE name = 'old'", (feed_id,))
    assert lib.rename_tag("old", "new") == 1
    assert db.execute("SELECT t.name FROM source_tags st JOIN tags t ON t.id = st.tag_id "
                      "WHERE st.source_id = ?", (feed_id,)).fetchall() == [("new",)]


def _phrase_library(path, stories: int) -> Library:
    library = Library.open(path)
    source_id, _ = library.add_feed("http://halves.test/feed", "Halves")
    base = datetime(2026, 3, 1, tzinfo=timezone.utc)
    library.add_items(source_id, [
        FeedItem(guid=f"h{n}", url=f"http://halves.test/{n}", title=f"Harbour wall {n}",
                 published=base + timedelta(hours=n), summary="the harbour wall held")
        for n in range(stories)])
    return library


@pytest.mark.parametrize("stories", [1, 2, 7, 8])
def test_a_count_in_two_halves_counts_every_story_once(tmp_path, monkeypatch, stories):
    monkeypatch.setattr(Library, "SPLIT_FROM", 0)
    monkeypatch.setattr(store_module, "usable_cpus", lambda: 2)
    library = _phrase_library(tmp_path / "lib.sqlite3", stories)
    try:
        assert library.count_stories('"harbour wall"') == stories
        assert library.count_stories('"harbour wall" is:unread') == stories
        assert library.count_stories('"wall harbour"') == 0
        assert library.count_stories("harbour is:unread") == stories  # most stories, and a row
        assert library.count_stories("harbour is:starred") == 0
        assert library._helper_db is not None or stories == 1  # one story: no halves
    finally:
        library.close()
    assert library._helper_db is None


def test_with_one_cpu_a_count_is_not_split(tmp_path, monkeypatch):
    monkeypatch.setattr(Library, "SPLIT_FROM", 0)
    monkeypatch.setattr(store_module, "usable_cpus", lambda: 1)
    library = _phrase_library(tmp_path / "lib.sqlite3", 8)
    try:
        assert library.count_stories('"harbour wall"') == 8
        assert library._helper_db is None
    finally:
        library.close()


def test_a_phrase_counted_inside_a_transaction_sees_its_changes(tmp_path, monkeypatch):
    monkeypatch.setattr(Library, "SPLIT_FROM", 0)
    monkeypatch.setattr(store_module, "usable_cpus", lambda: 2)
    library = _phrase_library(tmp_path / "lib.sqlite3", 6)
    try:
        with library.transaction() as db:
            first = db.execute("SELECT MIN(id) FROM stories").fetchone()[0]
            middle = (first + 2, first + 3)  # the last of one half, the first of the other
            db.execute("DELETE FROM story_fts WHERE rowid IN (?, ?)", middle)
            db.execute("DELETE FROM stories WHERE id IN (?, ?)", middle)
            # Another connection would still see the first half whole: this
            # count is not split.
            assert library.count_stories('"harbour wall"') == 4
        assert library.count_stories('"harbour wall"') == 4
    finally:
        library.close()
