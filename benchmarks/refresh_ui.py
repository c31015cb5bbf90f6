"""Does the reader stay responsive while it refreshes 500 feeds?

    python benchmarks/refresh_ui.py [--feeds 500] [--items 50] [--latency-ms 50] [--repeat 40]

A loopback server (a thread of this process) serves ``--feeds`` RSS feeds of
``--items`` items each, every answer delayed by ``--latency-ms``.  A fresh
library subscribes to all of them (``broadsheet import`` of an OPML file, no
network).  broadsheet then runs under a 40x120 pty:

1. idle: ``j``/``k`` in the list, key -> end of the repaint burst;
2. ``r`` starts the refresh; the same keys are timed while it runs, until the
   refresh's summary notification arrives.

Both rows come from the same process in the same run, so the idle row is the
reference.  A responsive UI keeps the "during refresh" median and p90 near the
idle ones (and under the 30 ms key budget); a UI that parses or writes on the
event loop shows keys stuck for hundreds of ms.  The refresh wall time from
``r`` to the summary is printed as well.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from terminal import Terminal, broadsheet_argv  # noqa: E402

TARGET_MS = 30.0


def feed_xml(number: int, items: int) -> bytes:
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
             f"<title>Feed {number}</title><link>http://example.org/{number}/</link>"
             f"<description>Synthetic feed {number}</description>"]
    for item in range(items):
        when = format_datetime(now - timedelta(minutes=number * items + item))
        parts.append(
            f"<item><title>Feed {number} story {item}: a headline of ordinary length</title>"
            f"<link>http://example.org/{number}/{item}</link><guid>f{number}-i{item}</guid>"
            f"<pubDate>{when}</pubDate><description>&lt;p&gt;Paragraph one of story {item} "
            f"in feed {number}, long enough to look like a summary of a news story.&lt;/p&gt;"
            "</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def serve(feeds: int, items: int, latency: float) -> ThreadingHTTPServer:
    bodies = {f"/feed/{n}.xml": feed_xml(n, items) for n in range(feeds)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            time.sleep(latency)
            body = bodies.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _row(name: str, samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    if not ms:
        return f"{name:<34} {'-':>8} {'-':>8} {0:>6}"
    p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
    return f"{name:<34} {statistics.median(ms):>8.1f} {p90:>8.1f} {len(ms):>6}  max {ms[-1]:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--repeat", type=int, default=40, help="idle key samples")
    args = parser.parse_args()

    server = serve(args.feeds, args.items, args.latency_ms / 1000)
    port = server.server_address[1]
    with tempfile.TemporaryDirectory() as tmp:
        library = Path(tmp) / "lib.sqlite3"
        opml = Path(tmp) / "feeds.opml"
        outlines = "".join(f'<outline type="rss" text="Feed {n}" xmlUrl="http://127.0.0.1:{port}/feed/{n}.xml"/>'
                           for n in range(args.feeds))
        opml.write_text(f'<?xml version="1.0"?><opml version="2.0"><body>{outlines}</body></opml>')
        # The Welcome stories first, so the list has rows to move over before the refresh.
        from broadsheet.services import Services

        services = Services.open(library)
        services.ensure_welcome()
        services.close()
        subprocess.run([*broadsheet_argv(library), "import", str(opml), "--format", "opml"],
                       check=True, capture_output=True)
        with Terminal(broadsheet_argv(library), env={"XDG_CONFIG_HOME": tmp}) as term:
            term.expect("Welcome", timeout=60)
            term.settle(0.5)
            idle = []
            for index in range(args.repeat):
                idle.append(term.key("j" if index % 2 == 0 else "k"))
            start_mark = len(term.text)
            started = time.perf_counter()
            term.key("r")
            during = []
            finished = None
            while time.perf_counter() - started < 600:
                if b"new stor" in term.text[start_mark:]:  # the summary: "N new stories from …"
                    finished = time.perf_counter()
                    break
                during.append(term.key("j" if len(during) % 2 == 0 else "k", quiet=0.05))
            wall = (finished or time.perf_counter()) - started
    server.shutdown()
    print(f"\nrefresh of {args.feeds} feeds x {args.items} items, {args.latency_ms:.0f} ms per request")
    print(f"{'key -> repaint (ms)':<34} {'median':>8} {'p90':>8} {'keys':>6}")
    print(_row("idle list (reference)", idle))
    print(_row("list during the refresh", during))
    print(f"refresh wall time in the TUI: {wall:.1f} s" + ("" if finished else " (did not finish)"))
    if during:
        ms = sorted(s * 1000 for s in during)
        p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
        print(f"target: keys <= {TARGET_MS:.0f} ms during the refresh -> "
              f"{'holds' if p90 <= TARGET_MS else 'misses'} (p90 {p90:.1f} ms)")


if __name__ == "__main__":
    main()
