"""Peak memory of broadsheet with a large library open and scrolled end to end.

    python benchmarks/memory.py [/tmp/broadsheet-100k.sqlite3] [--pages all|N]

broadsheet runs under a pty of 40x120.  After the first screen it is sent
``G`` (to the last story), ``g`` (back), then page-down keys in batches until
the cursor has gone through the whole list (``--pages all``, the default; the
last batch ends on the last story), then ``G`` again.  VmHWM (peak resident
set) and VmRSS of the broadsheet process are read from /proc at each stage.
The reference is an empty Textual app (one Static) read the same way.
Target: peak <= 150 MB.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from terminal import COUNTED, ROWS, Terminal, broadsheet_argv, list_titles, needle, reference_script  # noqa: E402

PAGEDOWN = "\x1b[6~"
TARGET_MB = 150.0
BATCH = 50


def mb(kb: int) -> float:
    return kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default="/tmp/broadsheet-100k.sqlite3")
    parser.add_argument("--pages", default="all", help="page-down keys to send, or 'all'")
    args = parser.parse_args()
    path = Path(args.path)
    if not path.exists():
        from build_library import build

        build(path)
    from broadsheet.library import Library

    lib = Library.open(path)
    try:
        total = lib.count_stories("")
        last = lib.stories("", total - 1, 1)[0].title
    finally:
        lib.close()
    first = needle(list_titles(path, 1)[0][1])
    page_rows = ROWS - 6  # about what one page-down moves; only used to count keys
    pages = (total // page_rows + 1) if args.pages == "all" else int(args.pages)

    with tempfile.TemporaryDirectory() as tmp:
        with Terminal([sys.executable, str(reference_script(Path(tmp)))]) as term:
            term.expect("reference ready")
            term.key("j", wait_for="reference pressed 1")
            reference = term.status()

    stages = []
    with Terminal(broadsheet_argv(path)) as term:
        term.expect(first, timeout=60)
        term.expect(COUNTED, timeout=60)  # the counts made after the first screen are in
        term.settle(0.3)
        stages.append(("first screen", term.status()))
        term.key("G", wait_for=needle(last))
        stages.append(("after G", term.status()))
        term.key("g", wait_for=first)
        began = time.perf_counter()
        sent = 0
        while sent < pages:
            batch = min(BATCH, pages - sent)
            term.key(PAGEDOWN * batch, quiet=0.3, timeout=120)
            sent += batch
        term.key("G", wait_for=needle(last))
        stages.append((f"after {sent} page-downs + G ({time.perf_counter() - began:.0f} s)",
                       term.status()))
    print(f"memory of broadsheet on {total} stories, pty 40x120 (MB)\n")
    print(f"{'stage':44} {'VmRSS':>8} {'VmHWM (peak)':>13}")
    print(f"{'reference: empty Textual app':44} {mb(reference['VmRSS']):8.1f} "
          f"{mb(reference['VmHWM']):13.1f}")
    for name, status in stages:
        print(f"{'broadsheet: ' + name:44} {mb(status['VmRSS']):8.1f} {mb(status['VmHWM']):13.1f}")
    peak = mb(stages[-1][1]["VmHWM"])
    print(f"\npeak {peak:.1f} MB (target <= {TARGET_MB:.0f} MB) -> "
          f"{'PASS' if peak <= TARGET_MB else 'FAIL'}")


if __name__ == "__main__":
    main()
