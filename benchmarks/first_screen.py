"""Time to the first screen through a real terminal, beside an empty Textual app.

    python benchmarks/first_screen.py [/tmp/broadsheet-100k.sqlite3] [--repeat 7]

Both programs run under a pty of 40x120.  For each run:
  paint  = from spawning the process until a row of the list is in its output
           (for the reference: its Static's text);
  ready  = paint, then ``j`` is sent at once, until the repaint it causes
           (the second row painted again as the cursor row; for the reference
           the Static's new text) -- "shows its list and takes keys".
Runs alternate between the two programs; medians are printed side by side with
the ratio (target: broadsheet ready <= 1.2 x reference ready).  The library is
built with build_library.py when the file does not exist.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from terminal import Terminal, broadsheet_argv, list_titles, needle, reference_script  # noqa: E402


def run_once(argv: list[str], first: str, after_key: str) -> tuple[float, float]:
    with Terminal(argv) as term:
        painted = term.expect(first, timeout=60)
        mark = len(term.text)
        os.write(term.master, b"j")
        term.expect(after_key, since=mark, timeout=30)
        ready = term.settle(quiet=0.08)
        return painted - term.started, ready - term.started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default="/tmp/broadsheet-100k.sqlite3")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    path = Path(args.path)
    if not path.exists():
        from build_library import build

        began = time.perf_counter()
        build(path)
        print(f"built {path} in {time.perf_counter() - began:.1f} s")
    rows = list_titles(path, 2)
    with tempfile.TemporaryDirectory() as tmp:
        reference = [sys.executable, str(reference_script(Path(tmp)))]
        programs = {
            "reference (empty Textual app)": (reference, "reference ready", "reference pressed 1"),
            "broadsheet (100k library)": (broadsheet_argv(path), needle(rows[0][1]), needle(rows[1][1])),
        }
        # One unmeasured run each: imports and the library file in the OS cache.
        for argv, first, after in programs.values():
            run_once(argv, first, after)
        results: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in programs}
        for _ in range(args.repeat):
            for name, (argv, first, after) in programs.items():
                paint, ready = run_once(argv, first, after)
                results[name][0].append(paint)
                results[name][1].append(ready)
    print(f"{args.repeat} interleaved runs each, pty 40x120; medians (min-max) in ms\n")
    print(f"{'program':32} {'first paint':>22} {'list shown + key done':>24}")
    for name, (paint, ready) in results.items():
        print(f"{name:32} {statistics.median(paint) * 1000:8.0f} ({min(paint) * 1000:4.0f}-{max(paint) * 1000:4.0f})"
              f"   {statistics.median(ready) * 1000:10.0f} ({min(ready) * 1000:4.0f}-{max(ready) * 1000:4.0f})")
    ref_paint, ref_ready = (statistics.median(v) for v in results["reference (empty Textual app)"])
    bs_paint, bs_ready = (statistics.median(v) for v in results["broadsheet (100k library)"])
    ratio = bs_ready / ref_ready
    print(f"\nratio broadsheet / reference: paint {bs_paint / ref_paint:.2f}x, "
          f"ready {ratio:.2f}x (target <= 1.20x) -> {'PASS' if ratio <= 1.2 else 'FAIL'}")


if __name__ == "__main__":
    main()
