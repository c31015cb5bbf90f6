"""A refresh of many feeds fetches every other feed from a forked process.

The feeds are served by an asyncio server on the test's own event loop (a
fork is only made by a process without other threads, so no server thread
may run here).  Which process fetched what is told by a fetch wrapped to note
its process id in a file: the forked child inherits the wrapper.
"""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

import broadsheet.services as services_module
from broadsheet.net import fetch as fetch_module
from broadsheet.config import usable_cpus
from broadsheet.services import Services

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or usable_cpus() < 2,
    reason="fetching is shared out only with fork and two CPUs",
)


def rss(n: int, generation: int = 0) -> bytes:
    items = "".join(
        f"<item><title>Feed {n} story {i}</title><guid>f{n}-{i}</guid>"
        f"<link>http://stories.test/{n}/{i}</link><description>Text {i}.</description></item>"
        for i in range(3 + generation)
    )
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Feed {n}</title>"
            f"{items}</channel></rss>").encode()


class FeedServer:
    """``/feed/N.xml`` for N in 0..count-1; ``/missing/N.xml`` answers 404.
    Each answer waits ``delay`` seconds; it counts requests in flight."""

    def __init__(self, count: int, delay: float = 0.0) -> None:
        self.count = count
        self.delay = delay
        self.generation = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self.first_wave: int | None = None  # requests in flight when the first is answered
        self.requests = 0
        self.server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    def url(self, path: str) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}{path}"

    async def _serve(self, reader, writer) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            self.requests += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                await asyncio.sleep(self.delay)
                if self.first_wave is None:
                    self.first_wave = self.in_flight
            finally:
                self.in_flight -= 1
            path = head.split(b" ", 2)[1].decode()
            if path.startswith("/feed/"):
                body = rss(int(path[6:].split(".")[0]), self.generation)
                status = b"200 OK"
            else:
                body, status = b"gone", b"404 Not Found"
            writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: application/rss+xml\r\n"
                         b"Connection: close\r\nContent-Length: " + str(len(body)).encode()
                         + b"\r\n\r\n" + body)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # a client gone, or the server closing
        finally:
            writer.close()


@pytest.fixture
async def feeds():
    server = FeedServer(services_module.SHARE_FROM + 6)
    await server.start()
    yield server
    server.server.close()


@pytest.fixture
def who_fetched(tmp_path, monkeypatch):
    """Notes ``pid url`` for every fetch, from either process."""
    log = tmp_path / "fetches.log"
    log.touch()
    real = fetch_module.Fetcher.fetch

    async def noted(self, url, **kwargs):
        with open(log, "a") as out:
            out.write(f"{os.getpid()} {url}\n")
        return await real(self, url, **kwargs)

    monkeypatch.setattr(fetch_module.Fetcher, "fetch", noted)

    class Fetches:
        def __call__(self) -> dict[int, list[str]]:
            by_pid: dict[int, list[str]] = {}
            for line in log.read_text().splitlines():
                pid, url = line.split(" ", 1)
                by_pid.setdefault(int(pid), []).append(url)
            return by_pid

        def forget(self) -> None:
            log.write_text("")

    return Fetches()


async def subscribed(path, server: FeedServer, missing: int = 0) -> Services:
    """A library with the server's feeds, read once already.  (A first
    refresh parses every feed in full: the second CPU goes to a parsing
    process then, not to fetching.)"""
    services = Services.open(path)
    for n in range(server.count - missing):
        services.library.add_feed(server.url(f"/feed/{n}.xml"), f"Feed {n}", None)
    for n in range(missing):
        services.library.add_feed(server.url(f"/missing/{n}.xml"), f"Missing {n}", None)
    await services.refresh()
    server.generation += 1  # and now every feed has one more story
    return services


def stored(services: Services) -> list[tuple[str, str]]:
    return sorted((s.source_title, s.title) for s in services.stories_page("", 0, 10_000))


async def test_a_first_refresh_fetches_alone_and_parses_in_a_forked_process(
        tmp_path, feeds, who_fetched, monkeypatch):
    from broadsheet.net import feeds as feeds_module

    parsed_by = tmp_path / "parsed.log"
    parsed_by.touch()
    real = feeds_module.parse_new_items

    def noted(*args):
        with open(parsed_by, "a") as out:  # the forked worker inherits this wrapper
            out.write(f"{os.getpid()} {os.getppid()}\n")
        return real(*args)

    # (What the worker's job calls: the job itself must be found by name.)
    monkeypatch.setattr(feeds_module, "parse_new_items", noted)
    services = Services.open(tmp_path / "lib.sqlite3")
    for n in range(feeds.count):
        services.library.add_feed(feeds.url(f"/feed/{n}.xml"), f"Feed {n}", None)
    report = await services.refresh()
    assert report.new_stories == 3 * feeds.count
    assert list(who_fetched()) == [os.getpid()]
    # Parsed by one process forked from this one (no other thread here), gone now.
    workers = {tuple(map(int, line.split())) for line in parsed_by.read_text().splitlines()}
    assert len(workers) == 1
    (worker, parent), = workers
    assert worker != os.getpid() and parent == os.getpid()
    assert len(parsed_by.read_text().splitlines()) == feeds.count
    with pytest.raises(ChildProcessError):
        os.waitpid(worker, os.WNOHANG)  # reaped
    assert len(stored(services)) == 3 * feeds.count
    services.close()


async def test_half_the_feeds_are_fetched_by_a_forked_process_with_the_same_result(
        tmp_path, feeds, who_fetched, monkeypatch):
    shared = await subscribed(tmp_path / "shared.sqlite3", feeds, missing=2)
    feeds.generation -= 1
    alone = await subscribed(tmp_path / "alone.sqlite3", feeds, missing=2)
    who_fetched.forget()
    report = await shared.refresh()
    by_pid = who_fetched()
    assert set(by_pid) >= {os.getpid()} and len(by_pid) == 2
    child = next(pid for pid in by_pid if pid != os.getpid())
    # Every feed fetched once, about half by each process.
    urls = [url for fetched in by_pid.values() for url in fetched]
    assert sorted(urls) == sorted(set(urls)) and len(urls) == feeds.count
    assert abs(len(by_pid[child]) - len(by_pid[os.getpid()])) <= 1
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # reaped
    # The same as one process alone.
    monkeypatch.setattr(services_module, "SHARE_FROM", 10**9)
    single = await alone.refresh()
    assert stored(shared) == stored(alone) and len(stored(shared)) == 4 * (feeds.count - 2)
    assert report.new_stories == feeds.count - 2
    assert (report.sources, report.new_stories, sorted(report.failed)) == (
        single.sources, single.new_stories, sorted(single.failed))
    assert sorted(report.failed) == [("Missing 0", "HTTP 404 Not Found"),
                                     ("Missing 1", "HTTP 404 Not Found")]
    # Nothing new: nothing stored twice.
    again = await shared.refresh()
    assert again.new_stories == 0 and len(stored(shared)) == 4 * (feeds.count - 2)
    shared.close()
    alone.close()


async def test_what_a_stopped_child_did_not_fetch_is_fetched_here(tmp_path, feeds, who_fetched,
                                                                  monkeypatch):
    parent = os.getpid()
    real = fetch_module.Fetcher.fetch
    fetched_here = [0]

    async def dies_in_the_child(self, url, **kwargs):
        if os.getpid() != parent:
            fetched_here[0] += 1
            if fetched_here[0] > 5:
                os._exit(3)  # killed, out of memory …
        return await real(self, url, **kwargs)

    services = await subscribed(tmp_path / "lib.sqlite3", feeds)
    who_fetched.forget()
    monkeypatch.setattr(fetch_module.Fetcher, "fetch", dies_in_the_child)
    report = await services.refresh()
    assert not report.failed and report.new_stories == feeds.count
    assert len(stored(services)) == 4 * feeds.count
    by_pid = who_fetched()
    child = next(pid for pid in by_pid if pid != parent)
    assert len(by_pid[child]) == 5  # then it died, perhaps before answering for any
    # Its own half, and whatever the child did not answer for.
    assert feeds.count - 5 <= len(by_pid[parent]) <= feeds.count
    assert len(by_pid[parent]) > feeds.count // 2 + 1
    services.close()


async def test_the_two_processes_keep_to_one_fetchers_limits(tmp_path, feeds, who_fetched):
    services = await subscribed(tmp_path / "lib.sqlite3", feeds)
    services.library.remember_host_shares(dict.fromkeys(services.library.host_shares()))
    who_fetched.forget()
    feeds.delay = 0.2
    feeds.first_wave, feeds.most_in_flight = None, 0
    report = await services.refresh()
    assert not report.failed and len(who_fetched()) == 2
    # Eight requests at a time to one host to start with (four from each),
    # more while it answers promptly, never more than 32.
    assert feeds.first_wave is not None and 0 < feeds.first_wave <= 8
    assert 8 < feeds.most_in_flight <= 32
    # It coped: the next refresh starts where this one ended, still within 32.
    assert list(services.library.host_shares().values()) == [1.0]
    feeds.first_wave, feeds.most_in_flight = None, 0
    await services.refresh()
    assert 16 < feeds.first_wave <= 32 and feeds.most_in_flight <= 32
    services.close()


def test_the_limits_are_shared_out_exactly():
    split = services_module._FetchShare.split
    assert split({"per_host": 8, "per_host_most": 32, "concurrency": 48}) == (
        {"per_host": 4, "per_host_most": 16, "concurrency": 24},
        {"per_host": 4, "per_host_most": 16, "concurrency": 24})
    assert split({"per_host": 5, "per_host_most": 5, "concurrency": 7}) == (
        {"per_host": 3, "per_host_most": 3, "concurrency": 4},
        {"per_host": 2, "per_host_most": 2, "concurrency": 3})
    assert split({"per_host": 1, "concurrency": 16}) is None
    assert split({"per_host": 4, "concurrency": 1}) is None


async def test_with_another_thread_running_nothing_is_forked(tmp_path, feeds, who_fetched):
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    services = await subscribed(tmp_path / "lib.sqlite3", feeds)
    who_fetched.forget()
    try:
        report = await services.refresh()
    finally:
        stop.set()
        thread.join()
    assert not report.failed
    assert list(who_fetched()) == [os.getpid()]
    services.close()


async def test_a_cancelled_refresh_stops_and_reaps_the_child(tmp_path, feeds, monkeypatch):
    services = await subscribed(tmp_path / "lib.sqlite3", feeds)
    feeds.delay = 0.5
    started = []
    real_start = services_module._FetchShare.start.__func__

    def noting_start(cls, *args):
        share, options = real_start(cls, *args)
        started.append(share)
        return share, options

    monkeypatch.setattr(services_module._FetchShare, "start", classmethod(noting_start))
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):  # cancels the refresh (in this very task)
            await services.refresh()
    (share,) = started
    assert share is not None
    with pytest.raises(ChildProcessError):
        os.waitpid(share.pid, os.WNOHANG)
    services.close()


def _drain(messages, until_ended=True, tries=1000):
    received = []
    for _ in range(tries):
        received += messages.receive()
        if messages.ended or not until_ended:
            break
        threading.Event().wait(0.005)
    return received


def test_messages_arrive_whole_in_order_small_and_big():
    messages = services_module._Messages()
    sent = [(1, ("ok", b"x" * 10)), (2, ("error", "timed out", None)), (3, ("ok", b"y" * 300_000))]

    def write():
        for message in sent:
            messages.send(message)  # the big one blocks until read
        messages.close_writing()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert _drain(messages) == sent and messages.ended
    finally:
        writer.join()
        messages.close_reading()


def test_a_message_cut_short_waits_for_its_end_and_is_dropped_at_the_pipes_end():
    import pickle

    messages = services_module._Messages()
    data = pickle.dumps((7, ("ok", "whole")))
    frame = len(data).to_bytes(4, "big") + data
    os.write(messages.writing_end, frame[:6])
    assert messages.receive() == [] and not messages.ended
    os.write(messages.writing_end, frame[6:] + frame[:5])  # the first whole, a second begun
    assert messages.receive() == [(7, ("ok", "whole"))]
    messages.close_writing()  # the child died in the middle of the second
    assert messages.receive() == [] and messages.ended
    messages.close_reading()


def test_closing_a_pipe_end_twice_never_closes_another_file(tmp_path):
    messages = services_module._Messages()
    messages.close_reading()
    messages.close_writing()
    with open(tmp_path / "other", "wb") as other:  # may take a number the pipe had
        messages.close_reading()
        messages.close_writing()
        other.write(b"still open")
    assert (tmp_path / "other").read_bytes() == b"still open"
