"""Every way the library finds a search's stories gives the same stories.

A count or a page can be read several ways: the sets a query names (words,
tags, highlights) merged side by side, or the row conditions (is:, source:)
merged in with them, or each member looked up; a page among the first stories
in list order only (a window, widened when it falls short), or among all.
Each is checked here against the same stories filtered in Python, on
libraries where a word is in most stories and where it is in a few, where
story ids follow time and where they do not, with stories sharing a time,
and with full-text rows left behind by stories deleted by hand."""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

import broadsheet.library.store as store_module
from broadsheet.library import Library, parse_query
from broadsheet.model import FeedItem, TextPositionSelector, TextQuoteSelector

STORIES = 2_400
SOURCES = ("One", "Two Rivers", "Three")
# word -> share of stories that carry it (somewhere in the title or summary)
WORDS = {"alpha": 0.8, "beta": 0.3, "gamma": 0.05, "delta": 0.006, "police": 0.4,
         "policy": 0.2, "port": 0.1, "harbour": 0.3, "wall": 0.3}
FILLER = "the and news city river bridge market".split()


@dataclass
class Record:
    id: int
    sort_ts: float
    source: str
    title: list[str]
    body: list[str]
    tags: set[str] = field(default_factory=set)
    read: bool = False
    starred: bool = False
    highlights: int = 0
    noted: bool = False

    def word(self, prefix: str) -> bool:
        return any(t.startswith(prefix) for t in self.title + self.body)

    def phrase(self, text: str) -> bool:
        wanted = text.split()
        return any(tokens[i:i + len(wanted)] == wanted
                   for tokens in (self.title, self.body)
                   for i in range(len(tokens) - len(wanted) + 1))


def _tokens(rng: random.Random, low: int, high: int, extra: list[str]) -> list[str]:
    tokens = [rng.choice(FILLER) for _ in range(rng.randint(low, high))]
    for word in extra:
        tokens.insert(rng.randrange(len(tokens) + 1), word)
    return tokens


def _build(path, ids_follow_time: bool) -> list[Record]:
    rng = random.Random(4242 if ids_follow_time else 2424)
    base = datetime(2026, 1, 1, tzinfo=timezone.utc)
    planned = []
    for n in range(STORIES):
        # Every seventh story shares its time with the one before.
        hours = n - (1 if n % 7 == 0 and n else 0)
        words = [w for w, share in WORDS.items() if rng.random() < share]
        if n < STORIES * 0.15:
            words.append("old")  # only in the oldest stories
        if rng.random() < 0.05:
            words += ["harbour", "wall"]  # side by side: the phrase
        rng.shuffle(words)
        cut = rng.randint(0, len(words))
        tags = {t for t, share in (("zbig", 0.6), ("zmid", 0.15), ("zsmall", 0.01))
                if rng.random() < share}
        planned.append((base + timedelta(hours=hours), n % len(SOURCES),
                        _tokens(rng, 2, 4, words[:cut]), _tokens(rng, 4, 8, words[cut:]),
                        frozenset(tags)))
    if not ids_follow_time:
        rng.shuffle(planned)
    library = Library.open(path)
    records: list[Record] = []
    try:
        source_ids = [library.add_feed(f"https://s{i}.test/feed", name)[0]
                      for i, name in enumerate(SOURCES)]
        # Stories go in in order (runs of the same source and tags at once),
        # so ids follow the order planned.
        run: list[tuple] = []

        def flush() -> None:
            if not run:
                return
            _, source_index, _, _, tags = run[0]
            items = [FeedItem(guid=f"g{len(records) + i}", url=None, title=" ".join(title),
                              published=published, summary=" ".join(body))
                     for i, (published, _, title, body, _) in enumerate(run)]
            ids = library.add_items(source_ids[source_index], items, sorted(tags))
            assert len(ids) == len(run)
            for story_id, (published, _, title, body, tags_) in zip(ids, run):
                records.append(Record(story_id, published.timestamp(), SOURCES[source_index],
                                      title, body, set(tags_)))
            run.clear()

        for story in planned:
            if run and (run[0][1], run[0][4]) != (story[1], story[4]):
                flush()
            run.append(story)
        flush()
        by_id = {r.id: r for r in records}
        unread = [r.id for r in records if rng.random() < 0.3]
        with library.transaction() as db:
            db.execute("UPDATE stories SET read = 1")
            db.executemany("UPDATE stories SET read = 0 WHERE id = ?", [(i,) for i in unread])
        unread_ids = set(unread)
        for record in records:
            record.read = record.id not in unread_ids
        for story_id in rng.sample(sorted(by_id), 80):
            library.set_starred(story_id, True)
            by_id[story_id].starred = True
        highlighted = rng.sample(sorted(by_id), 70)
        for story_id in highlighted + highlighted[:10]:  # some with two
            record = by_id[story_id]
            exact = record.body[0]
            note = "zznote" if rng.random() < 0.5 else ""
            library.add_annotation(story_id, TextQuoteSelector(exact),
                                   TextPositionSelector(0, len(exact)), note)
            record.highlights += 1
            record.noted = record.noted or bool(note)
    finally:
        library.close()
    return sorted(records, key=lambda r: (-r.sort_ts, -r.id))


@pytest.fixture(scope="module", params=["ids follow time", "ids shuffled"])
def built(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("plans") / "library.sqlite3"
    return _build(path, request.param == "ids follow time"), path


CASES = {
    "": lambda r: True,
    "alpha": lambda r: r.word("alpha"),
    "al": lambda r: r.word("al"),
    "po": lambda r: r.word("po"),
    "pol": lambda r: r.word("pol"),
    "gamma": lambda r: r.word("gamma"),
    "delta": lambda r: r.word("delta"),
    "old": lambda r: r.word("old"),
    '"harbour wall"': lambda r: r.phrase("harbour wall"),
    "alpha beta": lambda r: r.word("alpha") and r.word("beta"),
    "-alpha": lambda r: not r.word("alpha"),
    "alpha -beta": lambda r: r.word("alpha") and not r.word("beta"),
    "is:unread": lambda r: not r.read,
    "alpha is:unread": lambda r: r.word("alpha") and not r.read,
    "po is:starred": lambda r: r.word("po") and r.starred,
    "old is:unread": lambda r: r.word("old") and not r.read,
    '"harbour wall" is:unread': lambda r: r.phrase("harbour wall") and not r.read,
    '"harbour wall" -tag:zbig': lambda r: r.phrase("harbour wall") and "zbig" not in r.tags,
    '"harbour wall" alpha -po': lambda r: (r.phrase("harbour wall") and r.word("alpha")
                                           and not r.word("po")),
    'source:one "harbour wall"': lambda r: r.source == "One" and r.phrase("harbour wall"),
    '"harbour wall" -has:highlights': lambda r: r.phrase("harbour wall") and r.highlights == 0,
    "-po is:unread": lambda r: not r.word("po") and not r.read,
    "is:starred is:unread alpha": lambda r: r.starred and not r.read and r.word("alpha"),
    "tag:zbig": lambda r: "zbig" in r.tags,
    "tag:zsmall": lambda r: "zsmall" in r.tags,
    "-tag:zbig": lambda r: "zbig" not in r.tags,
    "tag:zbig is:unread": lambda r: "zbig" in r.tags and not r.read,
    "po tag:zmid -tag:zbig": lambda r: (r.word("po") and "zmid" in r.tags
                                        and "zbig" not in r.tags),
    "alpha tag:zbig tag:zmid is:read": lambda r: (r.word("alpha") and {"zbig", "zmid"} <= r.tags
                                                  and r.read),
    "delta -tag:zbig": lambda r: r.word("delta") and "zbig" not in r.tags,
    "has:highlights": lambda r: r.highlights > 0,
    "has:notes alpha": lambda r: r.noted and r.word("alpha"),
    "-has:highlights po": lambda r: r.highlights == 0 and r.word("po"),
    "-has:notes -tag:zbig": lambda r: not r.noted and "zbig" not in r.tags,
    "source:one alpha": lambda r: r.source == "One" and r.word("alpha"),
    '-source:"two rivers" po is:unread': lambda r: (r.source != "Two Rivers" and r.word("po")
                                                   and not r.read),
}

# How pages are found: as the library chooses, or each way forced.
PLANS = ["chosen", "small window", "no window", "rows merged", "rows looked up",
         "without the search indexes", "counts in halves", "counts in halves, rows merged"]


@pytest.fixture(params=PLANS)
def library(request, built, monkeypatch, tmp_path):
    records, path = built
    plan = request.param
    if plan == "without the search indexes":
        # As a library whose narrow indexes went: no plan may name them.
        path = shutil.copyfile(path, tmp_path / "bare.sqlite3")
        bare = Library.open(path)
        with bare.transaction() as db:
            db.execute("DROP INDEX stories_time_state")
            db.execute("DROP INDEX stories_id_state")
        bare.close()
    if plan.startswith("counts in halves"):
        monkeypatch.setattr(Library, "SPLIT_FROM", 0)
        monkeypatch.setattr(store_module, "usable_cpus", lambda: 2)  # even on a machine with one
    if plan.endswith("rows merged"):
        monkeypatch.setattr(Library, "DENSE_SHARE", -1.0)
    elif plan == "rows looked up":
        monkeypatch.setattr(Library, "DENSE_SHARE", 2.0)
    elif plan in ("small window", "no window"):
        chosen = Library._page_plan

        def forced(self, query, reach, matches, total):
            index, window, merge_rows = chosen(self, query, reach, matches, total)
            # A window of one story is always short: it grows, page by page.
            return index, (1 if plan == "small window" else None), merge_rows

        monkeypatch.setattr(Library, "_page_plan", forced)
    opened = Library.open(path)
    yield opened, records
    opened.close()


def _pages(library, query, size):
    found, offset = [], 0
    while True:
        batch = [s.id for s in library.stories(query, offset, size)]
        found += batch
        if len(batch) < size:
            return found
        offset += size


def test_the_cases_split_the_library(built):
    records, _ = built
    for query, predicate in CASES.items():
        hits = sum(1 for r in records if predicate(r))
        if query:
            assert 0 < hits < len(records), query
    shares = {q: sum(1 for r in records if CASES[q](r)) / len(records)
              for q in ("alpha", "po", "delta", "tag:zbig")}
    assert shares["alpha"] > 0.7 and shares["po"] > 0.5 and shares["tag:zbig"] > 0.5
    assert shares["delta"] < 0.02


@pytest.mark.parametrize("query", list(CASES))
def test_counts_and_pages_match_python(library, query):
    library, records = library
    expected = [r.id for r in records if CASES[query](r)]
    assert library.count_stories(query) == len(expected)
    assert [s.id for s in library.stories(query, 0, 200)] == expected[:200]
    assert [s.id for s in library.stories(query, 0, 1)] == expected[:1]
    # Pages past the middle are read from the oldest end.
    for offset in (len(expected) // 2 - 3, len(expected) - 7, len(expected) + 1):
        offset = max(0, offset)
        assert [s.id for s in library.stories(query, offset, 20)] == expected[offset:offset + 20]


@pytest.mark.parametrize("query", ["alpha", "po is:starred", "-tag:zbig", "tag:zbig is:unread",
                                   '"harbour wall"', "old", "has:notes alpha"])
def test_paging_through_every_match(library, query):
    library, records = library
    expected = [r.id for r in records if CASES[query](r)]
    assert _pages(library, query, 37) == expected


def test_words_from_old_stories_only_widen_the_window(built):
    # "old" is in 15% of stories, all at the far end of the list: the first
    # window, sized for 15%, holds none of them and must grow.
    records, path = built
    library = Library.open(path)
    try:
        expected = [r.id for r in records if r.word("old")]
        index, window, _ = library._page_plan(parse_query("old"), 20, len(expected), STORIES)
        assert window is not None and window < STORIES
        assert [s.id for s in library.stories("old", 0, 20)] == expected[:20]
    finally:
        library.close()


def test_a_page_of_a_common_word_reads_only_the_newest_ids(built):
    records, path = built
    library = Library.open(path)
    statements: list[str] = []
    try:
        library.count_stories("alpha")
        library._db.set_trace_callback(statements.append)
        page = library.stories("alpha", 0, 20)
    finally:
        library._db.set_trace_callback(None)
        library.close()
    assert [s.id for s in page] == [r.id for r in records if r.word("alpha")][:20]
    (read,) = [s for s in statements if "WITH page" in s]
    assert "rowid BETWEEN" in read


@pytest.mark.parametrize("query", ["po tag:zbig", "alpha -tag:zbig", "po is:unread"])
def test_sets_are_merged_not_built(built, query, monkeypatch):
    # Two sets (or a set and the row conditions, when they are merged) are
    # read side by side in id order: no temporary b-tree holds either.
    _, path = built
    monkeypatch.setattr(Library, "DENSE_SHARE", -1.0)
    library = Library.open(path)
    try:
        sql, params = library._count_sql(parse_query(query))
        plan = [row[3] for row in library._db.execute("EXPLAIN QUERY PLAN " + sql, params)]
    finally:
        library.close()
    assert any(step.startswith("MERGE") for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


def test_search_rows_without_a_story_are_not_counted(built, tmp_path):
    records, path = built
    copy = tmp_path / "copy.sqlite3"
    shutil.copyfile(path, copy)
    library = Library.open(copy)
    try:
        assert library.count_stories("alpha") == sum(1 for r in records if r.word("alpha"))
        gone = {next(r.id for r in records if r.word("alpha") and r.word("po")),
                next(r.id for r in reversed(records) if r.word("delta"))}
        # Deleted by hand (as an older broadsheet could): the full-text rows stay.
        for story_id in gone:
            library._db.execute("DELETE FROM stories WHERE id = ?", (story_id,))
        kept = [r for r in records if r.id not in gone]
        for query in ("alpha", "po", "delta", "alpha -beta", "-alpha", "alpha is:unread", "al"):
            expected = [r.id for r in kept if CASES.get(query, lambda r, q=query: r.word(q))(r)]
            assert library.count_stories(query) == len(expected), query
            assert _pages(library, query, 97) == expected, query
    finally:
        library.close()
