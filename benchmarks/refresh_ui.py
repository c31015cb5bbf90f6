"""Does the reader stay responsive while it refreshes 500 feeds?

    python benchmarks/refresh_ui.py [--feeds 500] [--items 50] [--latency-ms 50] [--repeat 40]

A loopback server (a process of its own, a little below normal priority)
serves ``--feeds`` RSS feeds of ``--items`` items each, every answer delayed
by ``--latency-ms``.  A fresh library with the Welcome stories subscribes to
all of them (``broadsheet import`` of an OPML file, no network).  broadsheet
then runs under a 40x120 pty.

One sample is a key and the repaint that proves it was handled: ``?`` until
the keys panel is on screen, then ``escape`` until the list is back; and in
the list, ``j`` until the second row is repainted under the cursor (its title
arrives again), then ``k`` until the first row is.
The time runs from writing the key to the arrival of that text (the progress
bar keeps the terminal busy during a refresh, so "until the output goes quiet"
would measure the progress bar, not the key).

``?`` and ``escape`` are also shown apart: a lone escape byte reaches a Textual
app only once its input parser has waited for the rest of a possible escape
sequence (ESCDELAY, 100 ms), so ``escape`` cannot come in under about 100 ms
whatever the screens do (an empty Textual app: 103-117 ms); ``?`` shows what
the screens cost.

1. idle: samples with nothing else going on (the reference, same process);
2. ``r`` starts the refresh; samples are taken while it runs, until its
   summary notification arrives.

A responsive UI keeps the "during the refresh" figures near the idle ones and
under the 30 ms key budget.  The refresh's wall time in the TUI is printed too.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from terminal import Terminal, broadsheet_argv, list_titles, needle  # noqa: E402

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


def _serve_forever(feeds: int, items: int, latency: float, port_out) -> None:
    """The feed server, in a process of its own (see serve())."""
    try:
        os.nice(5)
    except OSError:
        pass
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
    port_out.send(server.server_address[1])
    server.serve_forever()


def serve(feeds: int, items: int, latency: float) -> tuple[multiprocessing.Process, int]:
    """Start the loopback feed server; returns (its process, its port).

    It runs in a process of its own, so that answering 500 requests does not
    hold up this process's reading of the terminal (which times the keys),
    and a little below normal priority: it stands in for servers on other
    machines, and should not take a core from the reader it is measuring
    more than it must."""
    receiver, sender = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.Process(target=_serve_forever, args=(feeds, items, latency, sender),
                                      daemon=True)
    process.start()
    return process, receiver.recv()


OPEN_NEEDLE = "(list.up)"
LIST_NEEDLE = "Subscribing to feeds"


def timed(term: Terminal, key: str, needle: str, timeout: float = 30.0) -> float:
    """Seconds from writing ``key`` to the arrival of ``needle`` on screen."""
    mark = len(term.text)
    sent = time.perf_counter()
    os.write(term.master, key.encode())
    arrived = term.expect(needle, since=mark, timeout=timeout)
    return arrived - sent


def help_and_back(term: Terminal) -> list[float]:
    return [timed(term, "?", OPEN_NEEDLE), timed(term, "\x1b", LIST_NEEDLE)]


def down_and_up(term: Terminal, first: str, second: str) -> list[float]:
    """``j`` until the second row is repainted (its title arrives again, now
    under the cursor), then ``k`` until the first row is."""
    return [timed(term, "j", second), timed(term, "k", first)]


def _p90(samples: list[float]) -> float:
    ms = sorted(s * 1000 for s in samples)
    return ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]


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
    parser.add_argument("--repeat", type=int, default=20, help="idle help-and-back pairs")
    args = parser.parse_args()

    server, port = serve(args.feeds, args.items, args.latency_ms / 1000)
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
        first, second = (needle(title) for _, title, _ in list_titles(library, 2))
        with Terminal(broadsheet_argv(library), env={"XDG_CONFIG_HOME": tmp}) as term:
            term.expect("Welcome", timeout=60)
            term.settle(0.5)
            idle, idle_keys = [], []
            for _ in range(args.repeat):
                idle += help_and_back(term)
                idle_keys += down_and_up(term, first, second)
                term.settle(0.05)
            start_mark = len(term.text)
            started = time.perf_counter()
            os.write(term.master, b"r")
            during, during_keys = [], []
            finished = None
            while time.perf_counter() - started < 600:
                if b"new stor" in term.text[start_mark:]:  # the summary: "N new stories from …"
                    finished = time.perf_counter()
                    break
                during += help_and_back(term)
                during_keys += down_and_up(term, first, second)
            wall = (finished or time.perf_counter()) - started
    server.terminate()
    print(f"\nrefresh of {args.feeds} feeds x {args.items} items, {args.latency_ms:.0f} ms per request")
    print(f"{'? / escape -> shown (ms)':<34} {'median':>8} {'p90':>8} {'keys':>6}")
    print(_row("idle (reference)", idle))
    print(_row("during the refresh", during))
    for name, samples in (("  ? alone, idle", idle[0::2]), ("  ? alone, during", during[0::2]),
                          ("  escape alone, idle", idle[1::2]), ("  escape alone, during", during[1::2])):
        print(_row(name, samples))
    print(f"{'j / k -> row repainted (ms)':<34} {'median':>8} {'p90':>8} {'keys':>6}")
    print(_row("idle (reference)", idle_keys))
    print(_row("during the refresh", during_keys))
    print(f"refresh wall time in the TUI: {wall:.1f} s" + ("" if finished else " (did not finish)"))
    for name, quiet, busy in (("? / escape", idle, during), ("? alone", idle[0::2], during[0::2]),
                              ("j / k", idle_keys, during_keys)):
        if busy:
            p90, idle_p90 = _p90(busy), _p90(quiet)
            print(f"{name}: during / idle p90 {p90 / idle_p90:.2f}x; added by the refresh at p90: "
                  f"{p90 - idle_p90:.0f} ms (budget {TARGET_MS:.0f} ms); during p90 "
                  f"{'within' if p90 <= TARGET_MS else 'over'} the {TARGET_MS:.0f} ms key budget")


if __name__ == "__main__":
    main()
