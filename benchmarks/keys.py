"""Key-to-repaint latency in the story list and the reader, through a real terminal.

    python benchmarks/keys.py [/tmp/broadsheet-100k.sqlite3] [--repeat 15]

broadsheet runs under a pty of 40x120 on the library.  Each sample is the time
from writing one key to the end of the burst of output it causes (output is
over when nothing more arrives for 80 ms; the 80 ms are not counted).  Keys that
must show a given story (G, g) wait for its title in the burst as well.
The reference row is the same measurement on an empty Textual app whose key
updates one Static.  Target: every key <= 30 ms at 100 000 stories.

The reader is measured on the first story in the list that has a stored
article.  For a long (10 000-word) article see open_story.py, which also times
the reader keys in-process with Pilot.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from terminal import COUNTED, Terminal, broadsheet_argv, list_titles, needle, reference_script  # noqa: E402

PAGEDOWN, PAGEUP, ENTER = "\x1b[6~", "\x1b[5~", "\r"
TARGET_MS = 30.0


def _row(name: str, samples: list[float]) -> tuple[str, float, float]:
    ms = sorted(s * 1000 for s in samples)
    p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
    return name, statistics.median(ms), p90


def measure(path: Path, repeat: int) -> list[tuple[str, float, float]]:
    from broadsheet.library import Library

    lib = Library.open(path)
    try:
        total = lib.count_stories("")
        last = lib.stories("", total - 1, 1)[0].title
    finally:
        lib.close()
    rows = list_titles(path, 60)
    first = needle(rows[0][1])
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        with Terminal([sys.executable, str(reference_script(Path(tmp)))]) as term:
            term.expect("reference ready")
            samples = [term.key("j", wait_for=f"reference pressed {i + 1}") for i in range(repeat)]
            results.append(_row("reference: empty app, key -> Static", samples))
    with Terminal(broadsheet_argv(path)) as term:
        term.expect(first, timeout=60)
        term.expect(COUNTED, timeout=60)  # the counts made after the first screen are in
        term.settle(0.3)
        samples = [term.key("j") for _ in range(repeat)]
        results.append(_row("list: j", samples))
        samples = [term.key("k") for _ in range(repeat)]
        results.append(_row("list: k", samples))
        samples = [term.key(PAGEDOWN) for _ in range(repeat)]
        results.append(_row("list: pagedown", samples))
        samples = [term.key(PAGEUP) for _ in range(repeat)]
        results.append(_row("list: pageup", samples))
        g_big, g_small = [], []
        for _ in range(max(3, repeat // 3)):
            g_big.append(term.key("G", wait_for=needle(last)))
            g_small.append(term.key("g", wait_for=first))
        results.append(_row(f"list: G (to the last of {total})", g_big))
        results.append(_row("list: g (back to the top)", g_small))
        # Into the reader on the first story with a stored article.
        index = next(i for i, (_id, _title, has_doc) in enumerate(rows) if has_doc)
        for _ in range(index):
            term.key("j")
        opened = term.key(ENTER, wait_for=needle(rows[index][1]))
        results.append(_row(f"list: enter -> reader (row {index})", [opened]))
        term.settle(0.3)
        # A stored article is 6-16 paragraphs here: go down and back up in
        # pairs so that every key moves something.
        down, up = [], []
        for _ in range(repeat):
            down.append(term.key("j"))
            up.append(term.key("k"))
        results.append(_row("reader: j", down))
        results.append(_row("reader: k", up))
        down, up = [], []
        for _ in range(repeat):
            down.append(term.key(" "))
            up.append(term.key("b"))
        results.append(_row("reader: space (page down)", down))
        results.append(_row("reader: b (page up)", up))
        samples = []
        for _ in range(max(3, repeat // 3)):
            samples.append(term.key("G"))
            term.key("g")
        results.append(_row("reader: G", samples))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default="/tmp/broadsheet-100k.sqlite3")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    path = Path(args.path)
    if not path.exists():
        from build_library import build

        build(path)
    results = measure(path, args.repeat)
    print(f"key -> end of repaint through a pty (40x120), ms; {args.repeat} samples per key\n")
    print(f"{'key':40} {'median':>8} {'p90':>8}  target")
    for name, median, p90 in results:
        verdict = "" if name.startswith("reference") or "enter" in name else (
            "PASS" if p90 <= TARGET_MS else ("median ok, p90 over" if median <= TARGET_MS else "FAIL"))
        print(f"{name:40} {median:8.1f} {p90:8.1f}  {verdict}")


if __name__ == "__main__":
    main()
