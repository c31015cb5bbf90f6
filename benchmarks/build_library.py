"""Build a large, realistic broadsheet library for measuring search.

    python benchmarks/build_library.py /tmp/big.sqlite3 [--stories 100000] [--sources 100]

Stories have news-like titles and summaries drawn from a Zipf-weighted
vocabulary, about 40 % carry the feed's full HTML, about 8 % a stored article
(Document), most carry 0–3 tags from a long-tailed set, about 70 % are read,
2 % starred and 2 % have highlights (half with notes).  Everything goes in
through one transaction with ``executemany``; the full-text rows go in bulk
at the end, built the way ``Library._reindex`` builds them.
"""

from __future__ import annotations

import argparse
import json
import random
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from broadsheet.library import Library
from broadsheet.model import PARAGRAPH, Block, Document, Span, iso

COMMON = """the of and to in a is that for on with as was by at it from be has have
are this an said not but which were will its their been more after one new also who
year over two first last than up out about into would they had people government city
could when week state other may police council court since plan report years says
minister public under while last three before local against told percent company""".split()

TOPICS = """budget election vote policy harbour wall engineers bridge railway school
hospital teachers nurses strike union climate flood drought energy prices inflation
housing rents tenants mayor senate parliament committee inquiry minutes tuesday
wednesday thursday friday market shares bank interest rates trade tariffs border
migration refugees court judge trial verdict appeal police reform officers crime
museum gallery festival football league season coach transfer stadium weather storm
wildfire earthquake vaccine research university students science space rocket launch
satellite software security breach privacy data startup funding investors merger
ceasefire talks treaty embassy sanctions protest march rally campaign candidate
poll survey census transport buses cycling airport runway pipeline water sewage
farmers harvest fisheries ocean coral forest wildlife library archive history
review film novel music album theatre opera restaurant recipe travel""".split()

SOURCE_NAMES = ["Daring Fireball", "The Harbour Gazette", "Northern Courier", "City Desk",
                "Evening Ledger", "Science Weekly", "Policy Review", "Tech Briefing",
                "Market Watch Daily", "Kottke", "Long Reads", "The Local Record"]

SYLLABLES = "ka ri to na mi su le po ra de lo ve ti sa ne mo ru be fa gi ho ja ku".split()


def _vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    words = list(dict.fromkeys(COMMON + TOPICS))
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def _pool(rng: random.Random, vocabulary: list[str], length: int) -> list[str]:
    """A long stream of words with Zipf-like frequencies to cut texts from."""
    weights = [1.0 / (rank + 1) ** 1.05 for rank in range(len(vocabulary))]
    return rng.choices(vocabulary, weights=weights, k=length)


class _Text:
    def __init__(self, rng: random.Random, pool: list[str]) -> None:
        self.rng, self.pool = rng, pool

    def words(self, low: int, high: int) -> str:
        n = self.rng.randint(low, high)
        start = self.rng.randrange(0, len(self.pool) - n)
        return " ".join(self.pool[start:start + n])

    def sentence(self) -> str:
        text = self.words(8, 24)
        return text[:1].upper() + text[1:] + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 6)))


def build(path: str | Path, stories: int = 100_000, sources: int = 100, seed: int = 0) -> Path:
    """Create a library at ``path`` (which must not exist) and fill it."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists already")
    rng = random.Random(seed)
    vocabulary = _vocabulary(rng)
    text = _Text(rng, _pool(rng, vocabulary, 2_000_000))
    tag_names = [f"{w}" for w in TOPICS[:40]] + ["follow-up", "to read", "Policing", "longform"]
    tag_weights = [1.0 / (rank + 1) for rank in range(len(tag_names))]
    library = Library.open(path)
    try:
        with library.transaction() as db:
            now = datetime(2026, 11, 1, tzinfo=timezone.utc)
            names = (SOURCE_NAMES + [f"{text.words(1, 2).title()} {kind}" for kind in
                     ["Times", "Post", "Journal", "Blog", "Review", "Weekly", "Notes"]
                     for _ in range(sources)])[:sources]
            db.executemany(
                "INSERT INTO sources (id, kind, url, title, created) VALUES (?, 'feed', ?, ?, ?)",
                [(i + 1, f"https://source{i + 1}.test/feed", name, iso(now))
                 for i, name in enumerate(names)],
            )
            db.executemany("INSERT INTO tags (id, name) VALUES (?, ?)",
                           list(enumerate(tag_names, start=1)))
            story_rows, tag_rows, note_rows, fts_rows = [], [], [], []
            start = now - timedelta(days=3 * 365)
            step = (now - start).total_seconds() / stories
            for story_id in range(1, stories + 1):
                when = start + timedelta(seconds=story_id * step + rng.uniform(-3600, 3600))
                source_id = rng.randint(1, sources)
                title = text.words(5, 12).capitalize()
                summary = " ".join(text.sentence() for _ in range(rng.randint(2, 4)))
                content = ""
                if rng.random() < 0.4:
                    content = "".join(f"<p>{text.paragraph()}</p>"
                                      for _ in range(rng.randint(4, 10)))
                document_json, body = None, summary
                if rng.random() < 0.08:
                    document = Document(
                        blocks=[Block(PARAGRAPH, (Span(text.paragraph()),))
                                for _ in range(rng.randint(6, 16))],
                        title=title,
                    )
                    document_json = json.dumps(document.to_json())
                    body = document.plain_text()
                read = int(rng.random() < 0.7)
                starred = int(rng.random() < 0.02)
                story_rows.append((
                    story_id, source_id, f"guid-{story_id}",
                    f"https://source{source_id}.test/{story_id}", title, "", iso(when),
                    iso(when), when.timestamp(), summary, content, document_json, read, starred,
                ))
                chosen = sorted(set(rng.choices(range(1, len(tag_names) + 1), tag_weights,
                                                k=rng.choice((0, 0, 1, 1, 1, 2, 2, 3)))))
                tag_rows.extend((story_id, tag_id) for tag_id in chosen)
                tags_text = " ".join(sorted((tag_names[t - 1] for t in chosen), key=str.lower))
                notes = []
                if rng.random() < 0.02:
                    for _ in range(rng.randint(1, 3)):
                        words = body.split()
                        at = rng.randrange(0, max(1, len(words) - 8))
                        exact = " ".join(words[at:at + rng.randint(3, 8)])
                        offset = body.find(exact)
                        note = text.sentence() if rng.random() < 0.5 else ""
                        stamp = iso(when)
                        note_rows.append((str(uuid.UUID(int=rng.getrandbits(128))), story_id,
                                          exact, offset, offset + len(exact), note, stamp, stamp))
                        notes.append(f"{exact} {note}")
                fts_rows.append((story_id, title, body, tags_text, "\n".join(notes)))
            db.executemany(
                "INSERT INTO stories (id, source_id, guid, url, title, author, published, "
                "fetched, sort_ts, summary, content, document, read, starred) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                story_rows,
            )
            db.executemany("INSERT INTO story_tags (story_id, tag_id) VALUES (?, ?)", tag_rows)
            db.executemany(
                'INSERT INTO annotations (uuid, story_id, exact, start, "end", note, created, '
                "updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                note_rows,
            )
            db.executemany(
                "INSERT INTO story_fts (rowid, title, body, tags, notes) VALUES (?, ?, ?, ?, ?)",
                fts_rows,
            )
        # No ANALYZE and no FTS 'optimize': a real library has neither.
        library._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        library.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    began = time.perf_counter()
    build(args.path, args.stories, args.sources, args.seed)
    size = Path(args.path).stat().st_size / 1e6
    print(f"built {args.stories} stories in {time.perf_counter() - began:.1f} s, {size:.0f} MB")


if __name__ == "__main__":
    main()
