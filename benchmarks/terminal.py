"""Run a program in a real pseudo-terminal and time what it paints.

Used by first_screen.py, keys.py and memory.py.  The program gets a pty of a
fixed size as its stdin/stdout/stderr (so Textual sees a real terminal); every
chunk it writes is kept with the time it arrived.  Text is searched with the
escape sequences stripped, so "wait until this title is on screen" works
whatever styles and cursor moves surround it.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ROWS, COLS = 40, 120
ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_].*?\x1b\\|\x1b[@-Z\\-_]",
                     re.S)

HERE = Path(__file__).resolve().parent

REFERENCE_APP = '''
from textual.app import App
from textual.widgets import Static


class Reference(App):
    BINDINGS = [("j", "press", "Press")]

    def compose(self):
        yield Static("reference ready", id="s")

    def action_press(self):
        self.presses = getattr(self, "presses", 0) + 1
        self.query_one("#s", Static).update(f"reference pressed {self.presses}")


Reference().run()
'''


def reference_script(directory: Path) -> Path:
    path = directory / "reference_app.py"
    path.write_text(REFERENCE_APP, encoding="utf-8")
    return path


class Terminal:
    """One child process on a pty; ``expect`` waits for text, ``key`` times a key."""

    def __init__(self, argv: list[str], rows: int = ROWS, cols: int = COLS,
                 env: dict[str, str] | None = None) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full_env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor",
                        LINES=str(rows), COLUMNS=str(cols))
        full_env.pop("TEXTUAL", None)
        # Let the warm-up runs leave compiled bytecode behind, as an installed
        # package has: otherwise every run compiles broadsheet's modules from
        # source while Textual's come precompiled from site-packages.
        full_env.pop("PYTHONDONTWRITEBYTECODE", None)
        full_env.update(env or {})
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=full_env,
            start_new_session=True, close_fds=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(slave)
        self.master = master
        self.chunks: list[tuple[float, bytes]] = []
        self.text = b""  # everything received, escapes stripped
        self._raw_tail = b""

    # -- reading -----------------------------------------------------------
    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], max(0.0, timeout))
        if not ready:
            return False
        try:
            data = os.read(self.master, 1 << 16)
        except OSError:
            data = b""
        if not data:
            raise EOFError("the program closed the terminal:\n" + self.screen_tail())
        now = time.perf_counter()
        self.chunks.append((now, data))
        # Keep a partial escape sequence for the next chunk before stripping.
        raw = self._raw_tail + data
        cut = raw.rfind(b"\x1b")
        if cut != -1 and len(raw) - cut < 64 and not ESCAPES.match(raw, cut):
            raw, self._raw_tail = raw[:cut], raw[cut:]
        else:
            self._raw_tail = b""
        self.text += ESCAPES.sub(b"", raw)
        return True

    def expect(self, needle: str, since: int = 0, timeout: float = 30.0) -> float:
        """Wait until ``needle`` appears in the text after offset ``since``; the arrival time."""
        wanted = needle.encode()
        deadline = time.perf_counter() + timeout
        while self.text.find(wanted, since) == -1:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"{needle!r} did not appear:\n" + self.screen_tail())
            self._read(left)
        return self.chunks[-1][0]

    def settle(self, quiet: float = 0.15, timeout: float = 10.0) -> float:
        """Read until nothing arrives for ``quiet`` seconds; time of the last chunk."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if not self._read(quiet):
                break
        return self.chunks[-1][0] if self.chunks else time.perf_counter()

    def key(self, data: str, wait_for: str | None = None, quiet: float = 0.08,
            timeout: float = 10.0) -> float:
        """Send a key; seconds from the write to the end of the burst of output it caused.

        With ``wait_for``, the burst must contain that text (proof the repaint happened).
        """
        self.settle(quiet=0.05)
        mark = len(self.text)
        count = len(self.chunks)
        sent = time.perf_counter()
        os.write(self.master, data.encode())
        if wait_for is not None:
            self.expect(wait_for, since=mark, timeout=timeout)
        deadline = sent + timeout
        while len(self.chunks) == count:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no output after key {data!r}")
            self._read(deadline - time.perf_counter())
        end = self.settle(quiet=quiet)
        return end - sent

    def screen_tail(self, size: int = 600) -> str:
        return self.text[-size:].decode("utf-8", "replace")

    # -- the process -------------------------------------------------------
    def status(self) -> dict[str, int]:
        """VmRSS / VmHWM of the child, kB."""
        values = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
        return values

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                end = time.perf_counter() + 3
                while self.process.poll() is None and time.perf_counter() < end:
                    try:
                        self._read(0.05)
                    except EOFError:
                        break
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        os.close(self.master)

    def __enter__(self) -> "Terminal":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def broadsheet_argv(library: Path) -> list[str]:
    return [sys.executable, "-m", "broadsheet", "--library", str(library)]


def list_titles(library: Path, count: int = 60) -> list[tuple[int, str, bool]]:
    """(id, title, has a stored document) of the first ``count`` stories as the list shows them."""
    from broadsheet.library import Library

    lib = Library.open(library)
    try:
        stories = lib.stories("", 0, count)
        ids = ",".join(str(s.id) for s in stories) or "0"
        with_doc = {row[0] for row in lib._db.execute(
            f"SELECT id FROM stories WHERE document IS NOT NULL AND id IN ({ids})")}
        return [(s.id, s.title, s.id in with_doc) for s in stories]
    finally:
        lib.close()


COUNTED = "stories · "  # the list's header, once it shows the unread count: "100000 stories · 29791 unread"


def needle(title: str, length: int = 24) -> str:
    """A piece of a title that survives truncation in a row."""
    return " ".join(title.split())[:length]


def median_ms(samples: list[float]) -> float:
    import statistics

    return statistics.median(samples) * 1000
