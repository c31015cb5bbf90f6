"""Search speed on a large library: p50/p95 per kind of query, beside a
plain ``SELECT COUNT(*) FROM stories`` measured in the same run.

    python benchmarks/search.py [/tmp/broadsheet-100k.sqlite3] [--stories 100000]
                                [--repeat 40] [--without-indexes]

Each sample is what the story list does for a search: the count of matches
plus the first page of 200 stories.  The library is built with
benchmarks/build_library.py when the file does not exist.
``--without-indexes`` drops the indexes of ``Library.ensure_search_indexes``
first, to see what they are worth; otherwise they are created.

Budget: p95 <= 50 ms for every kind of query at 100,000 stories.  The
reference row is there to tell a slow machine (or one busy with other work)
from a slow search: when it is far above 1 ms, measure again.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from build_library import TOPICS, build  # noqa: E402

from broadsheet.library import Library  # noqa: E402

PAGE = 200


def _kinds(library: Library, rng: random.Random) -> dict[str, list[str]]:
    db = library._db
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocabulary "
               "USING fts5vocab(main, story_fts, row)")
    vocabulary = db.execute("SELECT term, doc FROM temp.vocabulary").fetchall()
    rng.shuffle(vocabulary)
    common = [t for t, n in vocabulary if 5_000 <= n <= 30_000 and len(t) > 3][:8]
    rare = [t for t, n in vocabulary if 20 <= n <= 500][:8]
    titles = [r[0] for r in db.execute(
        "SELECT title FROM stories WHERE id % 2503 = 0 LIMIT 20")]
    phrases = []
    for title in titles:
        words = title.split()
        if len(words) >= 3:
            at = rng.randrange(0, len(words) - 1)
            phrases.append(f'"{words[at]} {words[at + 1]}"')
    tags = [r[0] for r in db.execute("SELECT name FROM tags ORDER BY id")]
    big_tags, small_tags = tags[:5], tags[-5:]
    sources = [r[0] for r in db.execute("SELECT title FROM sources ORDER BY id LIMIT 12")]
    quoted = [f'source:"{s}"' if " " in s else f"source:{s}" for s in sources]
    noted = [r[0] for r in db.execute(
        "SELECT note FROM annotations WHERE note != '' ORDER BY id LIMIT 20")]
    note_words = [max(n.rstrip(".").split(), key=len) for n in noted]
    prefixes = ["po", "ha", "el", "bu"]
    return {
        "word (common, 5-30%)": common,
        "word (rare, <0.5%)": rare,
        "two words": [f"{a} {b}" for a, b in zip(common, common[1:] + common[:1])],
        "prefix (2 letters)": prefixes,
        "prefix (3 letters)": ["pol", "har", "ele", "bud"],
        "phrase": phrases[:10],
        "phrase (common words)": ['"by the"', '"of the"', '"in the"', '"to the"'],
        "tag:x (big)": [f'tag:"{t}"' for t in big_tags],
        "tag:x (small)": [f'tag:"{t}"' for t in small_tags],
        "-tag:x": [f'-tag:"{t}"' for t in big_tags],
        "source:x": quoted,
        "source:ID": [f"source:{i}" for i in range(1, 11)],
        "-source:x": [f"-{q}" for q in quoted[:5]],
        "is:unread": ["is:unread"],
        "is:read": ["is:read"],
        "is:starred": ["is:starred"],
        "-is:starred": ["-is:starred"],
        "has:highlights": ["has:highlights"],
        "has:notes": ["has:notes"],
        "-has:highlights": ["-has:highlights"],
        "in:notes word": [f"in:notes {w}" for w in note_words],
        "in:title word": [f"in:title {w}" for w in common],
        "in:text word": [f"in:text {w}" for w in common],
        "-word": [f"-{w}" for w in common],
        "word -word": [f"{a} -{b}" for a, b in zip(common, TOPICS[:8])],
        "word tag:x is:unread": [f'{w} tag:"{t}" is:unread' for w, t in zip(common, big_tags)],
        "tag:x is:unread": [f'tag:"{t}" is:unread' for t in big_tags + small_tags],
        "source:x is:unread": [f"{q} is:unread" for q in quoted],
        "is:starred is:unread word": [f"is:starred is:unread {w}" for w in common],
        "prefix is:unread": [f"{p} is:unread" for p in prefixes],
        "prefix is:starred": [f"{p} is:starred" for p in prefixes],
        "prefix tag:x": [f'{p} tag:"{t}"' for p, t in zip(prefixes, big_tags)],
        "prefix -tag:x": [f'{p} -tag:"{t}"' for p, t in zip(prefixes, big_tags)],
        "phrase is:unread": [f"{p} is:unread" for p in phrases[:5] + ['"by the"']],
        "has:notes word": [f"has:notes {w}" for w in common[:4] + prefixes],
    }


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def _timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default="/tmp/broadsheet-100k.sqlite3")
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--without-indexes", action="store_true")
    args = parser.parse_args()
    path = Path(args.path)
    if not path.exists():
        began = time.perf_counter()
        build(path, stories=args.stories)
        print(f"built {path} in {time.perf_counter() - began:.1f} s")
    library = Library.open(path)
    try:
        if args.without_indexes:
            with library.transaction() as db:
                db.execute("DROP INDEX IF EXISTS stories_by_read")
                db.execute("DROP INDEX IF EXISTS stories_by_starred")
        else:
            began = time.perf_counter()
            library.ensure_search_indexes()
            print(f"ensure_search_indexes: {(time.perf_counter() - began) * 1000:.0f} ms")
        total = library._db.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
        rng = random.Random(1)
        kinds = _kinds(library, rng)
        print(f"{total} stories; each sample = count + first page of {PAGE}; "
              f"{args.repeat} samples per row\n")
        print(f"{'query kind':28} {'p50 ms':>8} {'p95 ms':>8} {'matches (first)':>16}")
        reference = _timed(
            lambda: library._db.execute("SELECT COUNT(*) FROM stories").fetchone(), args.repeat)
        p50, p95 = _percentiles(reference)
        print(f"{'reference: COUNT(*) stories':28} {p50:8.1f} {p95:8.1f} {total:16}")
        for kind, queries in kinds.items():
            queries = [q for q in queries if q] or ["(none)"]
            for q in queries:  # warm up once: the file is in the OS cache in use
                library.stories(q, 0, PAGE)
            cycle = iter(queries * (args.repeat // len(queries) + 1))

            def sample() -> None:
                q = next(cycle)
                library._counts = None  # a fresh search: no count (nor estimate) remembered
                library.count_stories(q)
                library.stories(q, 0, PAGE)

            p50, p95 = _percentiles(_timed(sample, args.repeat))
            matches = library.count_stories(queries[0])
            print(f"{kind:28} {p50:8.1f} {p95:8.1f} {matches:16}")
        print()
        # Before counting words alone from the full-text index, the library
        # checks (once after every change to the file) that no full-text row
        # outlived its story.
        def stray_check() -> None:
            library._strays = None
            library._stray_search_rows()

        p50, p95 = _percentiles(_timed(stray_check, 20))
        print(f"{'search rows check (changes)':28} {p50:8.1f} {p95:8.1f}")
        for label, q in [("scroll: '' offset 20000", ""), ("scroll: is:unread offset 5000", "is:unread"),
                         (f"scroll: {kinds['word (common, 5-30%)'][0]} offset 2000",
                          kinds["word (common, 5-30%)"][0])]:
            offset = int(label.rsplit(" ", 1)[1])
            p50, p95 = _percentiles(_timed(lambda q=q, o=offset: library.stories(q, o, PAGE), 20))
            print(f"{label:28} {p50:8.1f} {p95:8.1f}")
        for label, q in [("tag_counts()", ""), ("tag_counts('is:unread')", "is:unread"),
                         ("tag_counts('council')", "council")]:
            p50, p95 = _percentiles(_timed(lambda q=q: library.tag_counts(q), 20))
            print(f"{label:28} {p50:8.1f} {p95:8.1f}")
        # A rename and its way back: a tag on several thousand stories.
        name, count = max(library.all_tags(), key=lambda row: row[1] if row[1] < 8000 else 0)
        began = time.perf_counter()
        library.rename_tag(name, name + "-renamed")
        library.rename_tag(name + "-renamed", name)
        print(f"{'rename_tag (x2, ' + str(count) + ' stories)':28} "
              f"{(time.perf_counter() - began) * 1000:8.0f}")
    finally:
        library.close()


if __name__ == "__main__":
    main()
