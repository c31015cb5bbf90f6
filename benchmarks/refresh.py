"""Refreshing many feeds, beside newsboat, with the shared feeds benchmark.

    python benchmarks/refresh.py [--bench /work/shared/bench/feeds_bench.py]
                                 [--feeds 200] [--items 50] [--latency-ms 50]
                                 [--repeats 3] [--phases cold,warm,steady]

Runs feeds_bench.py (it serves synthetic feeds on 127.0.0.1 with added latency
and times each command with GNU time; needs ``apt-get install -y newsboat time``)
with newsboat at ``reload-threads 8`` and broadsheet, interleaved:

  cold   = from an empty library: ``broadsheet import FEEDS.opml --format opml``
           then ``broadsheet refresh`` (both counted);
  warm   = ``broadsheet refresh`` again after some feeds got new items;
  steady = ``broadsheet refresh`` again, nothing changed (feeds that send
           ETag/Last-Modified answer 304 to conditional requests).

Then prints, per phase, the medians side by side with the targets:
broadsheet wall <= 0.15 x newsboat wall, broadsheet CPU < newsboat CPU.
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

WALL_RATIO = 0.15


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", default="/work/shared/bench/feeds_bench.py")
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--phases", default="cold,warm,steady")
    parser.add_argument("--threads", default="8", help="newsboat reload-threads")
    args = parser.parse_args()
    python = shlex.quote(sys.executable)
    library = "{datadir}/library.sqlite3"
    refresh = (f"test -f {library} || {python} -m broadsheet --library {library} import {{opml}} "
               f"--format opml >/dev/null && {python} -m broadsheet --library {library} refresh --quiet")
    count = (f"{python} -c \"import sqlite3,sys; print(sqlite3.connect(sys.argv[1])"
             f".execute('SELECT COUNT(*) FROM stories').fetchone()[0])\" {library}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results.json"
        command = [sys.executable, args.bench, "--feeds", str(args.feeds), "--items", str(args.items),
                   "--latency-ms", str(args.latency_ms), "--threads", args.threads,
                   "--phases", args.phases, "--repeats", str(args.repeats),
                   "--cmd", f"broadsheet={refresh}", "--count", f"broadsheet={count}",
                   "--json", str(out)]
        subprocess.run(command, check=True)
        results = json.loads(out.read_text())
    runs = results["runs"]
    names = list(dict.fromkeys(r["name"] for r in runs))
    newsboat = next(n for n in names if n.startswith("newsboat"))
    print(f"\n{args.feeds} feeds x {args.items} items, {args.latency_ms:.0f} ms per request, "
          f"{args.repeats} interleaved repeats; medians\n")
    # load1: the machine's 1-minute load before each run (median); other work
    # on the machine slows both programs, not always alike.
    print(f"{'phase':7} {'command':22} {'wall s':>8} {'cpu s':>7} {'RSS MB':>7} {'items':>7}"
          f" {'load1':>6}  {'wall ratio':>10}  verdict")
    for phase in [p.strip() for p in args.phases.split(",")]:
        med = {}
        for name in names:
            rs = [r for r in runs if r["name"] == name and r["phase"] == phase]
            med[name] = (statistics.median(r["wall_s"] for r in rs),
                         statistics.median(r["cpu_s"] or 0 for r in rs),
                         statistics.median(r["maxrss_mb"] or 0 for r in rs), rs[-1]["items"],
                         statistics.median(r.get("load1_before") or 0 for r in rs))
        ref_wall, ref_cpu = med[newsboat][0], med[newsboat][1]
        for name, (wall, cpu, rss, items, load) in med.items():
            if name == newsboat:
                print(f"{phase:7} {name:22} {wall:8.2f} {cpu:7.2f} {rss:7.0f} {items!s:>7} "
                      f"{load:6.2f}  {'(ref)':>10}")
                continue
            ratio = wall / ref_wall
            ok = ratio <= WALL_RATIO and cpu < ref_cpu
            print(f"{phase:7} {name:22} {wall:8.2f} {cpu:7.2f} {rss:7.0f} {items!s:>7} "
                  f"{load:6.2f}  {ratio:9.2f}x  "
                  f"{'PASS' if ok else 'FAIL'} (wall <= {WALL_RATIO}x: {ratio <= WALL_RATIO}, "
                  f"cpu < newsboat: {cpu < ref_cpu})")


if __name__ == "__main__":
    main()
