"""Parsing feeds: the CPU time of broadsheet's feed reader on the shared
benchmark's feeds, beside lxml's bare parse of the same bytes.

    python benchmarks/parse.py [--bench /work/shared/bench/feeds_bench.py]
                               [--feeds 200] [--items 50] [--repeat 5]
                               [--feedparser-every 10]

The feeds are built the way benchmarks/refresh.py has feeds_bench serve them
(RSS 2.0 and Atom 1.0, 30% Atom, summaries and full-content HTML, some
podcasts): 200 feeds of 50 items are 21.7 MB and 10,000 new items, what a
cold refresh parses.  Timed per feed, in rotation:

  broadsheet  parse_new_items(body, url, content type, no ids known): all a
              cold refresh's parsing process does with a feed;
  lxml parse  lxml.etree.fromstring(body) alone: the floor under any reader
              that builds a tree;
  feedparser  feedparser.parse on every tenth feed, once, scaled to all of
              them: what broadsheet would cost without its own reader.

Each figure is the sum over feeds of the least CPU time (process time) of
--repeat runs, so that a busy machine moves it little.  Budget: broadsheet
<= 6 x lxml parse (the reader that cleaned each text several times over
took 9 x).
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import sys
import time
from pathlib import Path

from lxml import etree

from broadsheet.net.feeds import parse_new_items

BUDGET = 6.0


def build_feeds(bench: Path, feeds: int, items: int) -> list[tuple[str, bytes, str]]:
    """(url, body, content type) of each feed, as refresh.py's run serves it first."""
    spec = importlib.util.spec_from_file_location("feeds_bench", bench)
    feeds_bench = importlib.util.module_from_spec(spec)
    sys.modules["feeds_bench"] = feeds_bench  # its dataclasses look themselves up there
    spec.loader.exec_module(feeds_bench)
    feedset = feeds_bench.build_feedset(
        feeds, items, seed=1, atom_frac=0.3, cond_frac=0.6, changed_frac=0.2, new_items=3,
        podcast_frac=0.05, gzip_level=0,
    )
    return [(f"http://127.0.0.1:8080{feed.path}", feed.versions[0].body, feed.ctype)
            for feed in feedset]


def least_times(bodies: list[tuple[str, bytes, str]], repeat: int) -> tuple[list[float], list[float]]:
    """Per feed, the least CPU time of broadsheet's parse and of lxml's."""
    clock = time.process_time
    ours = [float("inf")] * len(bodies)
    bare = [float("inf")] * len(bodies)
    for run in range(repeat):
        for i, (url, body, content_type) in enumerate(bodies):
            # Alternate which goes first, so that neither always finds the caches warm.
            for which in ((0, 1) if (run + i) % 2 else (1, 0)):
                start = clock()
                if which == 0:
                    parse_new_items(body, url, content_type, frozenset())
                else:
                    etree.fromstring(body)
                spent = clock() - start
                times = ours if which == 0 else bare
                times[i] = min(times[i], spent)
    return ours, bare


def feedparser_time(bodies: list[tuple[str, bytes, str]], every: int) -> float | None:
    """feedparser on every ``every``-th feed, scaled to all of them."""
    try:
        import feedparser
    except ImportError:
        return None
    chosen = bodies[::every]
    start = time.process_time()
    for url, body, content_type in chosen:
        feedparser.parse(io.BytesIO(body), response_headers={
            "content-location": url, "content-type": content_type})
    return (time.process_time() - start) * len(bodies) / len(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, default=Path("/work/shared/bench/feeds_bench.py"))
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--feedparser-every", type=int, default=10, help="0: no feedparser row")
    args = parser.parse_args()

    bodies = build_feeds(args.bench, args.feeds, args.items)
    size = sum(len(body) for _, body, _ in bodies)
    items = sum(len(parse_new_items(body, url, ct, frozenset())[0].items) for url, body, ct in bodies)
    ours, bare = least_times(bodies, args.repeat)
    fp = feedparser_time(bodies, args.feedparser_every) if args.feedparser_every else None

    reference = sum(bare)
    rows = [("broadsheet parse_new_items", sum(ours)), ("lxml parse (reference)", reference)]
    if fp is not None:
        rows.append((f"feedparser (1 feed in {args.feedparser_every}, scaled)", fp))
    print(f"{len(bodies)} feeds, {size / 1e6:.1f} MB, {items} items; least CPU time of "
          f"{args.repeat} runs per feed")
    print(f"{'':40} {'CPU s':>8} {'us/item':>8} {'x lxml':>7}")
    for name, seconds in rows:
        print(f"{name:40} {seconds:8.3f} {seconds / items * 1e6:8.1f} {seconds / reference:7.2f}")
    ratio = sum(ours) / reference
    verdict = "ok" if ratio <= BUDGET else "OVER BUDGET"
    print(f"broadsheet = {ratio:.2f} x lxml parse (budget <= {BUDGET:g} x): {verdict}")


if __name__ == "__main__":
    main()
