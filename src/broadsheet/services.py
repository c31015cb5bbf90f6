"""The one API that both the TUI and the command line call.

It ties the library file, the network and the extractor together.  Nothing
here knows about terminals; long work reports progress through a callback
``progress(done, total, label)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from broadsheet import anchoring, config
from broadsheet.library import FeedState, FeedUpdate, Library, LibraryError
from broadsheet.model import (
    BUNDLED, FEED, SAVED, Annotation, Document, FeedItem, ParsedFeed, Source, Story, parse_iso,
)
from broadsheet.sanitize import clean_line, error_line

if TYPE_CHECKING:
    from broadsheet.net import Fetcher, FetchResult

# The network and extraction layers (httpx, feedparser, lxml, readability) are
# imported where they are used, so that opening the reader does not wait for them.

Progress = Callable[[int, int, str], None]

WELCOME_TITLE = "Welcome"
HIGHLIGHT_COLORS = ("yellow", "green", "blue", "pink")
# A feed's own content counts as the full article from this many words on.
FULL_CONTENT_WORDS = 120

__all__ = [
    "AddOutcome",
    "AddReport",
    "FullTextUnavailable",
    "LibraryError",
    "RefreshReport",
    "ServiceError",
    "Services",
]


class ServiceError(Exception):
    """Something the user asked for could not be done; one line, safe to show."""


class FullTextUnavailable(ServiceError):
    """The article page could not be fetched; ``fallback`` is what the feed
    gave (its summary or short content), stored as a partial document, so
    that it can be highlighted and a later open tries the page again."""

    def __init__(self, message: str, fallback: Document) -> None:
        super().__init__(message)
        self.fallback = fallback


@dataclass(slots=True)
class AddOutcome:
    url: str
    kind: str  # "feed", "saved" or "error"
    title: str = ""
    new_stories: int = 0
    message: str = ""
    story_ids: list[int] = field(default_factory=list)


@dataclass(slots=True)
class AddReport:
    outcomes: list[AddOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[AddOutcome]:
        return [o for o in self.outcomes if o.kind == "error"]

    def summary(self) -> str:
        feeds = [o for o in self.outcomes if o.kind == "feed"]
        saved = [o for o in self.outcomes if o.kind == "saved"]
        parts = []
        if feeds:
            stories = sum(o.new_stories for o in feeds)
            parts.append(
                f"subscribed to {_plural(len(feeds), 'feed')} ({_plural(stories, 'new story', 'new stories')})"
            )
        if saved:
            parts.append(f"saved {_plural(len(saved), 'article')}")
        if self.failed:
            reasons = _named([(o.url, o.message) for o in self.failed])
            parts.append(f"{_plural(len(self.failed), 'failure')} ({reasons})")
        text = ", ".join(parts) or "nothing added"
        return text[0].upper() + text[1:] + "."


@dataclass(slots=True)
class RefreshReport:
    sources: int = 0
    new_stories: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{_plural(self.new_stories, 'new story', 'new stories')} "
            f"from {_plural(self.sources, 'source')}"
        )
        if self.failed:
            text += f", {len(self.failed)} failed ({_named(self.failed)})"
        return text + "."


# A summary names this many failures; the rest are counted ("and 9 more").
NAMED_FAILURES = 3


def _named(failures: list[tuple[str, str]]) -> str:
    """The first few failures as "what: why", the others counted, so that a
    summary stays one readable line when every feed failed."""
    named = "; ".join(f"{what}: {why}" for what, why in failures[:NAMED_FAILURES])
    more = len(failures) - NAMED_FAILURES
    return named + (f"; and {more} more" if more > 0 else "")


# A refresh of at least this many feeds parses in a worker process: parsing
# is pure Python, and beside the event loop it would take turns with it (and
# with the reader's screen on it) for the GIL.  Starting a process costs
# about what parsing a dozen feeds does.  A second worker finished a
# 200-feed refresh about 10% sooner on two busy CPUs but cost about half as
# much CPU time again (the CPUs' own threads compete), so one it is.
PARSE_PROCESSES_FROM = 50
PARSE_PROCESSES = 1


class _Parsers:
    """Where feeds are parsed.

    Many feeds: in worker processes (started on first use), beside the
    event loop.  Few: on the event loop itself when the refresh has it to
    itself (the command line) — the cheapest way, nothing else waits — else
    (the reader's screen shares the loop), or when no process can be
    started, in a thread.  Items already stored are skipped by the parser
    (see :func:`broadsheet.net.feeds.parse_new_items`)."""

    def __init__(self, *, inline: bool, processes: bool) -> None:
        self._want_processes = processes and (os.cpu_count() or 1) > 1
        self._inline = inline
        self._pool: Any = None

    async def parse(
        self, content: bytes, url: str, content_type: str | None, known: frozenset[str]
    ) -> tuple[ParsedFeed, set[str]]:
        from broadsheet.net.feeds import parse_new_items

        pool = self._processes()
        if pool is not None:
            from concurrent.futures.process import BrokenProcessPool

            try:
                from broadsheet.net.feeds import parse_new_items_as_tuples

                with _quiet_stderr():  # the first job starts the process
                    job = asyncio.get_running_loop().run_in_executor(
                        pool, parse_new_items_as_tuples, content, url, content_type, known
                    )
                title, site_url, items, seen = await job
                return ParsedFeed(title, site_url, [FeedItem(*item) for item in items]), seen
            except BrokenProcessPool:  # a worker died (out of memory…): carry on here
                self._want_processes = False
        if self._inline:
            return parse_new_items(content, url, content_type, known)
        return await asyncio.to_thread(parse_new_items, content, url, content_type, known)

    def start(self) -> None:
        """Start the worker processes now, while the first answers are on
        their way (for a refresh that will certainly parse a lot)."""
        pool = self._processes()
        if pool is not None:
            with _quiet_stderr():
                for _ in range(PARSE_PROCESSES):
                    pool.submit(abs, 0)  # a process starts with a job to do

    def _processes(self) -> Any:
        if self._pool is None and self._want_processes:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            try:
                # A fork starts at once, with everything imported, but only
                # from a process with no other thread (the command line,
                # the reader's refresh process, before the writer's thread
                # starts); otherwise (the screen's threads) a fresh
                # interpreter, "spawn".
                from broadsheet.net.feeds import quiet_worker

                fork = _may_fork()
                self._pool = ProcessPoolExecutor(
                    min(PARSE_PROCESSES, os.cpu_count() or 1),
                    mp_context=multiprocessing.get_context("fork" if fork else "spawn"),
                    initializer=_forked_child if fork else quiet_worker,
                )
            except (OSError, ValueError, ImportError, NotImplementedError):
                self._want_processes = False
        return self._pool if self._want_processes else None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """sys.stderr as a real file while a process is started: multiprocessing
    hands its descriptor to the helper process it starts first, and the
    reader's screen has put an object without one in its place (the start
    then fails with "bad value(s) in fds_to_keep").  A null device, so that
    nothing started here writes over the screen."""
    import sys

    saved = sys.stderr
    with open(os.devnull, "w") as null:
        sys.stderr = null
        try:
            yield
        finally:
            sys.stderr = saved


def _refresh_process(path: str, fetcher_options: dict[str, Any], pipe: Any) -> None:
    """The process behind :meth:`Services.refresh_elsewhere`: refresh, and
    send ("progress", done, total, label) as it goes, then ("done", report
    fields), or ("library" | "error", one line).  It shares the reader's
    terminal, so it prints nothing there."""
    import signal
    import sys

    # Not even a C library's message may reach the reader's terminal.
    null = os.open(os.devnull, os.O_RDWR)
    for descriptor in (0, 1, 2):
        os.dup2(null, descriptor)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the process's life
    try:
        # Below the screen's priority (its parsing process inherits this):
        # on a busy machine the keys are answered first, the refresh waits.
        os.nice(10)
    except (AttributeError, OSError):
        pass
    try:
        services = Services.open(path, **fetcher_options)
    except LibraryError as error:
        pipe.send(("library", str(error)))
        return
    try:
        def progress(done: int, total: int, label: str) -> None:
            pipe.send(("progress", done, total, label))

        async def run() -> RefreshReport:
            # Stopped from the reader (SIGTERM): cancelled like any refresh,
            # so that its own parsing process is shut down, not left behind.
            task = asyncio.current_task()
            assert task is not None
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
            return await services.refresh(progress)

        report = asyncio.run(run())
        pipe.send(("done", {"sources": report.sources, "new_stories": report.new_stories,
                            "unchanged": report.unchanged, "failed": report.failed}))
    except asyncio.CancelledError:
        pass
    except LibraryError as error:
        pipe.send(("library", str(error)))
    except Exception as error:  # noqa: BLE001 - said in one line, never a traceback
        pipe.send(("error", f"Refresh failed: {error_line(error)}"))
    finally:
        services.close()
        pipe.close()


# A refresh of at least this many feeds fetches every other one from a second
# process, where there are two CPUs or more: a request costs a couple of
# milliseconds of CPU (HTTP parsing, the connection pool), and on one CPU
# 200 answers arrive faster than they are read.  The process is forked, so
# it starts within milliseconds with everything imported; it only fetches,
# and sends each answer back.  Together the two keep to the same limits per
# host and overall as one fetcher would (each gets half).
SHARE_FROM = 64


class _Messages:
    """Pickled messages one way through a pipe, from a forked child to its
    parent: all a refresh needs of multiprocessing's pipes, without loading
    multiprocessing (a hundredth of a second of the start)."""

    def __init__(self) -> None:
        self.reading_end, self.writing_end = os.pipe()
        os.set_blocking(self.reading_end, False)  # (the writing end blocks)
        self._received = bytearray()
        self.ended = False

    def send(self, message: Any) -> None:
        """(The child.)  Blocks until the whole message is in the pipe."""
        import pickle

        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(len(data).to_bytes(4, "big") + data)
        while view:
            view = view[os.write(self.writing_end, view):]

    def receive(self) -> list[Any]:
        """(The parent.)  The messages complete so far, without waiting;
        :attr:`ended` once the child has closed its end (or died)."""
        import pickle

        while not self.ended:
            try:
                chunk = os.read(self.reading_end, 1 << 16)
            except BlockingIOError:
                break
            if not chunk:
                self.ended = True
            self._received += chunk
        messages = []
        while len(self._received) >= 4:
            size = int.from_bytes(self._received[:4], "big")
            if len(self._received) < 4 + size:
                break
            messages.append(pickle.loads(self._received[4:4 + size]))
            del self._received[:4 + size]
        return messages

    def close_reading(self) -> None:
        # Once only: the number may soon name another file.
        if self.reading_end >= 0:
            with contextlib.suppress(OSError):
                os.close(self.reading_end)
            self.reading_end = -1

    def close_writing(self) -> None:
        if self.writing_end >= 0:
            with contextlib.suppress(OSError):
                os.close(self.writing_end)
            self.writing_end = -1


class _FetchShare:
    """The feeds a forked process fetches beside this one.

    :meth:`start` forks only where that is safe and worth it: on Linux, with
    no other thread in this process (a fork copies only the calling thread,
    and a lock another thread held would stay locked), for many feeds and
    two CPUs.  The child fetches its share with its own event loop and
    sends ``(feed id, outcome)`` for each; ``outcome`` is ``("ok",
    FetchResult)`` or ``("error", line, status)``.  Should the child stop
    early, the feeds it did not answer for are fetched here
    (:meth:`outcome` gives None for them)."""

    def __init__(self, pid: int, messages: _Messages, feeds: list[FeedState]) -> None:
        self.pid = pid
        self._messages = messages
        self._loop = asyncio.get_running_loop()
        self._waiting: dict[int, asyncio.Future[tuple | None]] = {
            feed.id: self._loop.create_future() for feed in feeds
        }
        self._loop.add_reader(messages.reading_end, self._readable)
        self._reading = True

    @staticmethod
    def split(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The fetcher options for this process and for the child, which
        add up to ``options``; None when a limit of 1 cannot be shared."""
        per_host, most = options["per_host"], options.get("per_host_most") or options["per_host"]
        concurrency = options["concurrency"]
        if min(per_host, concurrency) < 2:
            return None
        ours = {**options, "per_host": per_host - per_host // 2,
                "per_host_most": most - most // 2, "concurrency": concurrency - concurrency // 2}
        theirs = {**options, "per_host": per_host // 2,
                  "per_host_most": max(per_host // 2, most // 2),
                  "concurrency": concurrency // 2}
        return ours, theirs

    @classmethod
    def start(cls, feeds: list[FeedState], options: dict[str, Any],
              ) -> tuple[_FetchShare | None, dict[str, Any]]:
        """Fork a child for every other feed (in order of host, so that each
        host's feeds are shared out too); the share (or None) and the
        fetcher options left for this process."""
        if len(feeds) < SHARE_FROM or config.usable_cpus() < 2 or not _may_fork():
            return None, options
        halves = cls.split(options)
        if halves is None:
            return None, options
        ours, theirs = halves
        from broadsheet.net.fetch import host_key, preload

        preload()  # once, for both processes

        ordered = sorted(feeds, key=lambda feed: (host_key(feed.url), feed.id))
        share = ordered[1::2]
        messages = _Messages()
        try:
            pid = os.fork()
        except OSError:
            messages.close_reading()
            messages.close_writing()
            return None, options
        if pid == 0:  # the child: fetch, answer, and leave without any cleanup of the parent's
            code = 1
            try:
                messages.close_reading()
                _fetch_share(share, theirs, messages)
                code = 0
            except BaseException:  # noqa: BLE001 - the parent fetches what is missing
                pass
            finally:
                os._exit(code)
        messages.close_writing()
        return cls(pid, messages, share), ours

    def __contains__(self, feed_id: int) -> bool:
        return feed_id in self._waiting

    async def outcome(self, feed_id: int) -> tuple | None:
        return await self._waiting[feed_id]

    def _readable(self) -> None:
        try:
            for feed_id, outcome in self._messages.receive():
                waiter = self._waiting.get(feed_id)
                if waiter is not None and not waiter.done():
                    waiter.set_result(outcome)
            ended = self._messages.ended
        except Exception:  # noqa: BLE001 - a broken pipe or message: the rest is fetched here
            ended = True
        if ended:
            self._stop_reading()
            for waiter in self._waiting.values():
                if not waiter.done():
                    waiter.set_result(None)  # fetched here instead

    def _stop_reading(self) -> None:
        if self._reading:
            self._reading = False
            self._loop.remove_reader(self._messages.reading_end)

    def close(self) -> None:
        """Stop the child if it is still at work, and reap it."""
        import signal

        self._stop_reading()
        self._messages.close_reading()
        try:
            if os.waitpid(self.pid, os.WNOHANG) == (0, 0):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        except (ChildProcessError, ProcessLookupError):
            pass


def _may_fork() -> bool:
    """Whether this process may fork a helper: on Linux, with no other
    thread (a fork copies only the calling thread; a lock another one held
    would stay locked in the child)."""
    import sys
    import threading

    return sys.platform.startswith("linux") and threading.active_count() == 1


def _forked_child() -> None:
    """The start of a forked helper (the fetching share, a parsing worker):
    signals as a fresh process has them (Ctrl-C ends it quietly), nothing
    printed, and nothing inherited ever finalised."""
    import gc
    import signal

    # A library connection the parent dropped, collected in the child,
    # would close (and checkpoint) the parent's file.
    gc.freeze()
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    asyncio.events._set_running_loop(None)  # the parent's, copied by the fork
    null = os.open(os.devnull, os.O_RDWR)
    for descriptor in (1, 2):  # the parent speaks for both (a warning would land mid-line)
        os.dup2(null, descriptor)


def _fetch_share(feeds: list[FeedState], options: dict[str, Any], sender: _Messages) -> None:
    """The forked child of :class:`_FetchShare`: its own event loop."""
    _forked_child()

    async def run() -> None:
        from broadsheet.net import Fetcher

        async with Fetcher(**options) as fetcher:
            async def one(feed: FeedState) -> None:
                sender.send((feed.id, await _fetch_outcome(fetcher, feed)))

            await asyncio.gather(*(one(feed) for feed in feeds))

    asyncio.run(run())
    sender.close_writing()


class _Writer:
    """Stores refresh results from one thread with its own connection to the
    library, so that the event loop (and the reader's screen on it) never
    waits for SQLite; each call is one transaction."""

    def __init__(self, path: Path) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._path = path
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="broadsheet-writer")
        self._library: Library | None = None

    def _apply(self, updates: list[FeedUpdate]) -> None:
        if self._library is None:
            self._library = Library.open(self._path)
        self._library.apply_updates(updates)

    async def apply(self, updates: list[FeedUpdate]) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._apply, updates)

    def _close(self) -> None:
        if self._library is not None:
            self._library.close()
            self._library = None

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, self._close)
        finally:
            # Its thread has nothing left to do; waiting for it to end leaves
            # the process without other threads (see _FetchShare.start).
            self._executor.shutdown(wait=True)


def _unexpected(error: Exception) -> str:
    """One line for an error nobody foresaw, naming its kind."""
    return clean_line(f"{type(error).__name__}: {error}", 300)


async def _fetch_outcome(fetcher: Fetcher, feed: FeedState) -> tuple:
    """Fetch ``feed`` (conditionally, and knowing last time's body):
    ``("ok", FetchResult)`` or ``("error", one line, HTTP status or None)``.
    The same in either process of a shared refresh (see _FetchShare)."""
    from broadsheet.net import FetchError

    try:
        return ("ok", await fetcher.fetch(
            feed.url, etag=feed.etag, last_modified=feed.last_modified, known=feed.content_hash,
        ))
    except FetchError as error:
        return ("error", error_line(error), error.status)
    except Exception as error:  # noqa: BLE001 - one bad feed never stops the others
        return ("error", _unexpected(error), None)


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _check_url(url: str) -> str:
    url = url.strip()
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        raise ServiceError("not an http or https address")  # said beside the address
    return url


class _EarlyList:
    """The count and first rows of a list, read ahead (see Services.read_list_early)."""

    def __init__(self, query: str, limit: int) -> None:
        self.query = query
        self.limit = limit
        self.count: int | None = None
        self.rows: list[Story] | None = None
        self.thread: Any = None


class Services:
    """One open library and everything that can be done with it."""

    def __init__(self, library: Library, fetcher_options: dict[str, Any] | None = None) -> None:
        self.library = library
        self.fetcher_options = fetcher_options or {}

    @classmethod
    def open(cls, path: str | Path | None = None,
             upgrading: Callable[[str], None] | None = None, **fetcher_options: Any) -> Services:
        """Open the library (see :meth:`Library.open` for ``upgrading``)."""
        return cls(Library.open(Path(path) if path else config.default_library_path(), upgrading),
                   fetcher_options)

    @property
    def library_path(self) -> Path:
        return self.library.path

    def close(self) -> None:
        self.library.close()

    def fetcher(self) -> Fetcher:
        from broadsheet.net import Fetcher

        return Fetcher(**self.fetcher_options)

    # -- first run -----------------------------------------------------------

    def ensure_welcome(self) -> bool:
        """Give an empty library the bundled Welcome stories; True if added."""
        if self.library.has_sources():
            return False
        from importlib import resources

        from broadsheet.extract import extract_document  # only now: it costs a first screen ~60 ms

        samples = resources.files("broadsheet.samples")
        index = json.loads(samples.joinpath("index.json").read_text(encoding="utf-8"))
        source_id = self.library.bundled_source_id(WELCOME_TITLE)
        for entry in index:
            html = samples.joinpath(entry["file"]).read_bytes()
            document = extract_document(html, entry["url"], "text/html; charset=utf-8")
            self.library.add_story(
                source_id,
                url=entry["url"],
                title=entry.get("title") or document.title,
                document=document,
                author=document.byline,
                published=parse_iso(entry.get("published")) or document.published,
                tags=entry.get("tags", ()),
            )
        return True

    # -- the list --------------------------------------------------------------

    def count_stories(self, query: str = "") -> int:
        early = self._early_list(query)
        if early is not None:
            if early.count is not None:
                count, early.count = early.count, None
                return count
            self._early = None  # counting again: what was read ahead is old now
        return self.library.count_stories(query)

    def stories_page(self, query: str, offset: int, limit: int) -> list[Story]:
        early = self._early_list(query)
        if early is not None and early.rows is not None:
            rows, early.rows = early.rows, None
            if offset == 0 and (limit <= len(rows) or len(rows) < early.limit):
                return rows[:limit]
        return self.library.stories(query, offset, limit)

    def read_list_early(self, query: str = "", limit: int = 50) -> None:
        """Count the stories ``query`` finds and read the first ``limit`` of
        them in a thread, on a connection of its own, while the caller goes on
        (the reader loads its screen meanwhile; SQLite works outside Python's
        lock): the next count_stories(query) and stories_page(query, 0, n <=
        limit) answer from there, once."""
        import threading

        early = _EarlyList(query, limit)
        path = self.library.path

        def read() -> None:
            try:
                library = Library.open(path)
                try:
                    early.count = library.count_stories(query)
                    early.rows = library.stories(query, 0, limit)
                finally:
                    library.close()
            except Exception:  # noqa: BLE001 - the list then reads for itself
                early.count = early.rows = None

        early.thread = threading.Thread(target=read, name="broadsheet-early-list", daemon=True)
        self._early = early
        early.thread.start()

    def _early_list(self, query: str) -> _EarlyList | None:
        """What read_list_early read for ``query`` and is not used yet, if anything."""
        early = self.__dict__.get("_early")
        if early is None:
            return None
        early.thread.join()
        if early.query != query or (early.count is None and early.rows is None):
            self._early = None  # asked for something else: the list has moved on
            return None
        return early

    def story(self, story_id: int) -> Story:
        return self.library.story(story_id)

    def all_tags(self) -> list[tuple[str, int]]:
        return self.library.all_tags()

    def set_read(self, story_id: int, read: bool) -> None:
        self.library.set_read(story_id, read)

    def set_tags(self, story_id: int, tags: Iterable[str]) -> tuple[str, ...]:
        return self.library.set_tags(story_id, tags)

    def add_tags(self, story_id: int, tags: Iterable[str]) -> tuple[str, ...]:
        return self.library.add_tags(story_id, tags)

    def remove_tags(self, story_id: int, tags: Iterable[str]) -> tuple[str, ...]:
        return self.library.remove_tags(story_id, tags)

    def set_starred(self, story_id: int, starred: bool) -> None:
        self.library.set_starred(story_id, starred)

    def mark_all_read(self, query: str = "") -> int:
        """Mark every story ``query`` finds read; returns how many were unread."""
        return self.library.mark_read(query)

    def mark(self, ids: Iterable[int] | None = None, query: str | None = None, *,
             read: bool | None = None, starred: bool | None = None) -> int:
        """Set read and/or starred on the stories ``ids``, or on every story
        ``query`` finds; returns how many changed.  An id with no story is an error."""
        if ids is not None:
            ids = list(ids)
            missing = set(ids).difference(self.library.existing_story_ids(ids))
            if missing:
                raise ServiceError(f"There is no story {min(missing)}.")
            return self.library.set_state(None, ids, read=read, starred=starred)
        return self.library.set_state(query or "", read=read, starred=starred)

    def tag_counts(self, query: str = "") -> list[tuple[str, int, int]]:
        """(tag, stories, unread stories) among the stories ``query`` finds."""
        return self.library.tag_counts(query)

    def rename_tag(self, old: str, new: str) -> int:
        """Rename a tag everywhere; into an existing tag, the two merge."""
        return self.library.rename_tag(old, new)

    def delete_tag(self, name: str) -> int:
        return self.library.delete_tag(name)

    def sources(self) -> list[Source]:
        return self.library.sources()

    def unsubscribe(self, feed: str | int) -> tuple[Source, int, int]:
        """Stop following a feed, named by its id (as ``broadsheet sources``
        lists it) or its address.  Its untouched stories are deleted; those
        starred, tagged, highlighted or noted stay.  Returns (the feed,
        stories deleted, stories kept)."""
        source = self.source_named(feed)
        self.check_unsubscribe(source)
        deleted, kept = self.library.unsubscribe(source.id)
        return source, deleted, kept

    def source_named(self, name: str | int) -> Source:
        """The source with this id (as ``broadsheet sources`` lists it) or address."""
        sources = self.library.sources()
        text = str(name).strip()
        found = [s for s in sources if str(s.id) == text] or [s for s in sources if s.url == text]
        if not found:
            raise ServiceError(f"No source has the id or address {clean_line(text, 200)}.")
        return found[0]

    def feeds_to_refresh(self, names: Iterable[str | int]) -> set[int]:
        """The ids of the feeds named (ids or addresses), for :meth:`refresh`;
        a source that is not a polled feed is one clear error."""
        ids = set()
        for name in names:
            source = self.source_named(name)
            title = clean_line(source.title or source.url or "", 200)
            if source.kind != FEED:
                raise ServiceError(f"{title} is not a feed; only feeds are refreshed.")
            if source.state:
                raise ServiceError(f"{title} is no longer followed; 'broadsheet add {clean_line(source.url, 300)}' "
                                   "follows it again.")
            ids.add(source.id)
        return ids

    @staticmethod
    def check_unsubscribe(source: Source) -> None:
        """Raise :class:`ServiceError` when ``source`` cannot be unsubscribed
        from: it is not a feed, or is unsubscribed already."""
        title = clean_line(source.title or source.url or "", 200)
        if source.kind != FEED:
            raise ServiceError(f"{title} is not a feed; only feeds can be unsubscribed from.")
        if source.state == "unsubscribed":
            raise ServiceError(f"{title} is already unsubscribed.")

    def story_note(self, story_id: int) -> str:
        return self.library.story_note(story_id)

    def set_story_note(self, story_id: int, note: str) -> None:
        self.library.set_story_note(story_id, note)

    # -- reading ---------------------------------------------------------------

    def story_at(self, url: str) -> int | None:
        """The id of the newest story at ``url`` (any source), if any."""
        return self.library.story_at(url.strip())

    def kept_story_at(self, url: str) -> Story | None:
        """The saved article or Welcome story at ``url`` (a link to it opens
        it in the reader)."""
        story_id = self.library.story_at(url, (SAVED, BUNDLED))
        return self.library.story(story_id) if story_id is not None else None

    def reading_position(self, story_id: int) -> int:
        """The paragraph of the story's text the reader was on when it was left."""
        return self.library.reading_position(story_id)

    def set_reading_position(self, story_id: int, block: int) -> None:
        self.library.set_reading_position(story_id, block)

    def cached_document(self, story_id: int) -> Document | None:
        return self.library.document(story_id)

    async def open_document(self, story_id: int, fetcher: Fetcher | None = None) -> Document:
        """The story's clean text: stored, from the feed's full content, or
        fetched and extracted now (and stored, so it reads offline later).

        When the page cannot be fetched or holds no article, what the feed
        gave is stored as a partial document (highlights can be made on it)
        and :class:`FullTextUnavailable` carries it; the next open tries the
        page again, and highlights follow onto the article's text."""
        from broadsheet.extract import document_from_fragment, extract_document
        from broadsheet.net import FetchError

        cached = self.library.document(story_id)
        if cached is not None and not cached.partial:
            return cached
        story = self.library.story(story_id)
        summary, content_html = self.library.story_content(story_id)
        document: Document | None = None
        if content_html:
            from_feed = document_from_fragment(content_html, story.url, story.title)
            if from_feed.word_count >= FULL_CONTENT_WORDS or not story.url:
                document = from_feed
        if document is None and story.url:
            try:
                result = await self._fetch(story.url, fetcher)
            except FetchError as error:
                self._fall_back(story, summary, content_html, cached,
                                f"Could not fetch the full text: {error}")
            document = await asyncio.to_thread(
                extract_document, result.content, result.final_url, result.content_type
            )
            if not document.blocks:
                self._fall_back(story, summary, content_html, cached,
                                "The page has no readable article text.")
        if document is None:
            document = self._feed_document(story, summary, content_html)
        if not document.title:
            document.title = story.title
        self.library.set_document(story_id, document)
        self._reanchor(story_id, document)
        return document

    def _fall_back(self, story: Story, summary: str, content_html: str,
                   kept: Document | None, message: str) -> NoReturn:
        """Raise :class:`FullTextUnavailable` with what the feed gave, stored
        as the story's partial document (``kept``, when it is stored already),
        or :class:`ServiceError` when the feed gave nothing either."""
        fallback = kept or self._feed_document(story, summary, content_html)
        if not fallback.blocks:
            raise ServiceError(message) from None
        if kept is None:
            fallback.partial = True
            self.library.set_document(story.id, fallback)
            self._reanchor(story.id, fallback)
        raise FullTextUnavailable(message, fallback) from None

    def _reanchor(self, story_id: int, document: Document) -> None:
        """Place the story's highlights on its (new) text: by position, by
        quote and context, or fuzzily; what cannot be placed stays, orphaned."""
        text = document.plain_text()
        for annotation in self.library.annotations(story_id):
            if not annotation.orphaned and (
                text[annotation.position.start:annotation.position.end] == annotation.quote.exact
            ):
                continue
            found = anchoring.reanchor(text, annotation.quote, annotation.position)
            if found is None:
                if not annotation.orphaned:
                    self.library.move_annotation(annotation.id, None, None)
                continue
            quote, position = anchoring.build_selectors(text, *found)
            self.library.move_annotation(annotation.id, quote, position)

    @staticmethod
    def _feed_document(story: Story, summary: str, content_html: str) -> Document:
        """What the feed itself said: its content, else its summary."""
        from broadsheet.extract import document_from_fragment

        document = document_from_fragment(content_html, story.url, story.title)
        if not document.blocks and summary:
            document = document_from_fragment(
                f"<p>{_escape_html(summary)}</p>", story.url, story.title
            )
        if not document.title:
            document.title = story.title
        return document

    async def _fetch(self, url: str, fetcher: Fetcher | None) -> FetchResult:
        if fetcher is not None:
            return await fetcher.fetch(url)
        async with self.fetcher() as own:
            return await own.fetch(url)

    def plain_text(self, story_id: int) -> str:
        document = self.library.document(story_id)
        if document is None:
            raise ServiceError(f"Story {story_id} has not been read yet, so it has no text.")
        return document.plain_text()

    # -- annotations -----------------------------------------------------------

    def annotations(self, story_id: int) -> list[Annotation]:
        return self.library.annotations(story_id)

    def annotate_range(
        self, story_id: int, start: int, end: int, note: str = "", color: str = "yellow"
    ) -> Annotation:
        text = self.plain_text(story_id)
        try:
            quote, position = anchoring.build_selectors(text, start, end)
        except ValueError as error:
            raise ServiceError(f"Cannot highlight that passage: {error}") from None
        return self.library.add_annotation(story_id, quote, position, note, color)

    def annotate_quote(
        self, story_id: int, quote: str, note: str = "", color: str = "yellow"
    ) -> Annotation:
        text = self.plain_text(story_id)
        found = anchoring.find_quote(text, quote.strip())
        if found is None:
            raise ServiceError("That quote is not in the story's text.")
        return self.annotate_range(story_id, found[0], found[1], note, color)

    def set_note(self, annotation_id: int, note: str) -> None:
        self.library.set_note(annotation_id, note)

    def delete_annotation(self, annotation_id: int) -> Annotation:
        """Delete a highlight; returns it, so that it can be restored (undo)."""
        annotation = self.library.annotation(annotation_id)
        self.library.delete_annotation(annotation_id)
        return annotation

    def restore_annotation(self, annotation: Annotation) -> Annotation:
        return self.library.restore_annotation(annotation)

    def set_annotation_color(self, annotation_id: int, color: str) -> None:
        if color not in HIGHLIGHT_COLORS:
            raise ServiceError(f"Highlights come in {', '.join(HIGHLIGHT_COLORS)}")
        self.library.set_annotation_color(annotation_id, color)

    def annotations_page(self, query: str = "", offset: int = 0,
                         limit: int = 200) -> list[tuple[Annotation, Story]]:
        """Every highlight and note in the library, newest first."""
        return self.library.annotations_page(query, offset, limit)

    # -- getting stories -------------------------------------------------------

    async def add(
        self, urls: Iterable[str], tags: Iterable[str] = (), progress: Progress | None = None
    ) -> AddReport:
        """Subscribe to feeds or save articles; one failing URL never stops the others."""
        from broadsheet.net import FeedError, FetchError

        urls = list(urls)
        tags = list(tags)
        report = AddReport()
        async with self.fetcher() as fetcher:
            for done, url in enumerate(urls):
                if progress:
                    progress(done, len(urls), url)
                try:
                    outcome = await self._add_one(fetcher, _check_url(url), tags)
                except (ServiceError, FetchError, FeedError, LibraryError) as error:
                    outcome = AddOutcome(url, "error", message=clean_line(str(error), 300))
                report.outcomes.append(outcome)
            if progress:
                progress(len(urls), len(urls), "")
        return report

    async def _add_one(self, fetcher: Fetcher, url: str, tags: list[str]) -> AddOutcome:
        from broadsheet.extract import extract_document
        from broadsheet.net import FeedError, FetchError, discover_feeds, parse_feed, sniff_kind

        result = await fetcher.fetch(url)
        kind = sniff_kind(result.content, result.content_type)
        if kind == "feed":
            parsed = await asyncio.to_thread(
                parse_feed, result.content, result.final_url, result.content_type
            )
            return self._subscribe(url, result, parsed, tags)
        if kind != "html":
            raise ServiceError("not a feed or a web page")
        for feed_url in discover_feeds(result.content, result.final_url):
            if feed_url in (url, result.final_url):
                continue
            try:
                feed_result = await fetcher.fetch(feed_url)
                parsed = await asyncio.to_thread(
                    parse_feed, feed_result.content, feed_result.final_url,
                    feed_result.content_type,
                )
            except (FetchError, FeedError):
                continue
            return self._subscribe(feed_url, feed_result, parsed, tags)
        document = await asyncio.to_thread(
            extract_document, result.content, result.final_url, result.content_type
        )
        if not document.blocks:
            raise ServiceError("the page has no readable article text")
        story_id, created = self.library.add_story(
            self.library.saved_source_id(),
            url=result.final_url,
            title=document.title or result.final_url,
            document=document,
            author=document.byline,
            published=document.published,
            tags=tags,
        )
        return AddOutcome(url, "saved", title=document.title, new_stories=int(created),
                          message="" if created else "already saved", story_ids=[story_id])

    def _subscribe(
        self, url: str, result: FetchResult, parsed: ParsedFeed, tags: list[str]
    ) -> AddOutcome:
        source_id, created = self.library.add_feed(url, parsed.title, parsed.site_url)
        new_ids = self.library.add_items(
            source_id, parsed.items, tags, etag=result.etag, last_modified=result.last_modified,
            feed_title=parsed.title, site_url=parsed.site_url,
            content_hash=result.fingerprint,
        )
        return AddOutcome(url, "feed", title=parsed.title or url, new_stories=len(new_ids),
                          message="" if created else "already subscribed", story_ids=new_ids)

    async def refresh(self, progress: Progress | None = None,
                      only: Collection[int] | None = None) -> RefreshReport:
        """Fetch every feed (or those whose ids are in ``only``) concurrently
        and store what is new.

        A feed that answers 304 Not Modified, or sends the very document it
        sent last time, is not parsed again: only its fetch state is noted.
        Documents are parsed (see :class:`_Parsers`: off the event loop when
        something else shares it), skipping the items stored already, and
        stored by one writer thread with its own connection, each batch of
        finished feeds in one transaction (see :class:`_Writer`).
        """
        feeds = self.library.feeds()
        if only is not None:
            feeds = [feed for feed in feeds if feed.id in only]
        report = RefreshReport(sources=len(feeds))
        if progress:
            progress(0, len(feeds), "")
        if not feeds:
            return report
        # Many feeds often live on one host (a blog platform, a news site):
        # eight at a time to start with, as many as newsboat opens overall,
        # and more (up to 32) only while that host keeps answering promptly.
        # A host that coped with more at the end of the last refresh starts
        # there (a sign of strain halves it, and a host that ends with no
        # more than eight is forgotten).
        options = {"per_host": 8, "per_host_most": 32, "concurrency": 48,
                   "remembered": self.library.host_shares(), **self.fetcher_options}
        from broadsheet.net import Fetcher

        done = 0
        alone = len(asyncio.all_tasks()) <= 1  # no screen (nor anything else) on this loop
        unread = sum(feed.content_hash is None for feed in feeds)
        # Alone, a worker process pays off only for many feeds never read
        # yet (just subscribed: every item is new); feeds read before mostly
        # come back unchanged, or with a few new items among known ones,
        # which parse quickly.  Beside a screen, many feeds are parsed away
        # from it in any case, so that keys are answered at once.
        many = unread if alone else len(feeds)
        share: _FetchShare | None = None
        parsers = _Parsers(inline=alone, processes=many >= PARSE_PROCESSES_FROM)
        writer = _Writer(self.library.path)  # (its thread starts with its first job)
        try:
            # The second CPU either parses (many feeds never read: a worker
            # process, started now) or fetches (a forked share of the feeds).
            # The fork comes before any thread or process of this refresh is
            # started: it copies only this thread.
            if unread >= PARSE_PROCESSES_FROM:
                parsers.start()
            elif alone:
                share, options = _FetchShare.start(feeds, options)
            async with Fetcher(**options) as fetcher:
                pending = {
                    asyncio.ensure_future(self._fetch_feed(fetcher, parsers, feed, share))
                    for feed in feeds
                }
                try:
                    while pending:
                        # Whatever finished meanwhile is stored in one go.
                        finished, pending = await asyncio.wait(
                            pending, return_when=asyncio.FIRST_COMPLETED
                        )
                        updates = [self._update(task.result(), report) for task in finished]
                        await writer.apply([update for update, _ in updates])
                        for update, feed in updates:
                            report.new_stories += len(update.new_ids)
                            done += 1
                            if progress:
                                progress(done, len(feeds), feed.title or feed.url)
                finally:
                    for task in pending:
                        task.cancel()
                    await asyncio.gather(*pending, return_exceptions=True)
                    shares = fetcher.host_shares()
        finally:
            if share is not None:
                share.close()
            parsers.close()
            await writer.close()
        # Only a hint for the next refresh: a library that cannot take it
        # (read-only, full, locked) loses nothing else.
        with contextlib.suppress(LibraryError, sqlite3.Error):
            self.library.remember_host_shares(shares)
        return report

    async def refresh_elsewhere(self, progress: Progress | None = None) -> RefreshReport:
        """:meth:`refresh` in a process of its own, for a caller with other
        work on its thread (the reader's screen): fetching, parsing and
        storing then never take turns with it for the interpreter.  Progress
        comes back over a pipe.  Cancelling stops that process (what it
        stored so far stays: each batch is one transaction).  Where no
        process can be started, the refresh runs here."""
        import multiprocessing

        try:
            context = multiprocessing.get_context("spawn")
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(
                target=_refresh_process, name="broadsheet-refresh",
                args=(str(self.library.path), self.fetcher_options, sender),
            )
            with _quiet_stderr():
                process.start()
        except (OSError, ValueError, ImportError, NotImplementedError):
            return await self.refresh(progress)
        sender.close()
        loop = asyncio.get_running_loop()
        messages: asyncio.Queue[tuple] = asyncio.Queue()
        descriptor = receiver.fileno()

        def readable() -> None:
            try:
                while receiver.poll():
                    messages.put_nowait(receiver.recv())
            except (EOFError, OSError):
                loop.remove_reader(descriptor)
                messages.put_nowait(("gone",))

        loop.add_reader(descriptor, readable)
        try:
            while True:
                message = await messages.get()
                if message[0] == "progress":
                    if progress:
                        progress(*message[1:])
                elif message[0] == "done":
                    return RefreshReport(**message[1])
                elif message[0] == "library":
                    raise LibraryError(message[1])
                elif message[0] == "error":
                    raise ServiceError(message[1])
                else:
                    raise ServiceError("The refresh stopped before it finished.")
        finally:
            loop.remove_reader(descriptor)
            receiver.close()
            if process.is_alive():
                process.terminate()
            await asyncio.to_thread(process.join, 10)

    @staticmethod
    def _update(outcome: tuple, report: RefreshReport) -> tuple[FeedUpdate, FeedState]:
        """What to store for one fetched feed; counts failures and unchanged feeds."""
        feed, result, parsed, error, status, digest = outcome
        if error is not None:
            report.failed.append((feed.title or feed.url, error))
            return FeedUpdate(feed.id, error=error, status=status), feed
        # A feed that moved for good (301, 308) and answered as this feed
        # (parsed, or the same document, or 304 to its conditional request)
        # is asked at its new address from now on.
        moved_to = result.moved_to
        if result.not_modified:
            report.unchanged += 1
            return FeedUpdate(feed.id, etag=result.etag or feed.etag,
                              last_modified=result.last_modified or feed.last_modified, moved_to=moved_to), feed
        if parsed is None:  # the same document as last time
            report.unchanged += 1
            return FeedUpdate(feed.id, etag=result.etag, last_modified=result.last_modified,
                              moved_to=moved_to), feed
        parsed, listed = parsed
        return FeedUpdate(
            feed.id, items=parsed.items, etag=result.etag, last_modified=result.last_modified,
            feed_title=parsed.title, site_url=parsed.site_url, content_hash=digest,
            listed=listed, moved_to=moved_to,
        ), feed

    async def _fetch_feed(
        self, fetcher: Fetcher, parsers: _Parsers, feed: FeedState,
        share: _FetchShare | None = None,
    ) -> tuple[FeedState, FetchResult | None, tuple[ParsedFeed, set[str]] | None, str | None,
               int | None, str | None]:
        """(feed, fetch result, (parsed new items, ids of known ones skipped),
        error, HTTP status of the error, fingerprint of the document).  A
        feed in ``share`` is fetched by its process (here if it stopped)."""
        try:
            fetched = await share.outcome(feed.id) if share and feed.id in share else None
            if fetched is None:
                fetched = await _fetch_outcome(fetcher, feed)
            if fetched[0] == "error":
                return feed, None, None, fetched[1], fetched[2], None
            result = fetched[1]
            if result.not_modified:
                return feed, result, None, None, None, None
            if result.unchanged:  # the very body of last time: not even decompressed
                return feed, result, None, None, None, result.fingerprint
            # The parser's modules (lxml …) are loaded by the first feed to parse.
            from broadsheet.net.feeds import FeedError

            try:
                parsed = await parsers.parse(
                    result.content, result.final_url, result.content_type,
                    self.library.known_guids(feed.id),
                )
            except FeedError as error:
                return feed, None, None, error_line(error), None, None
            return feed, result, parsed, None, None, result.fingerprint
        except Exception as error:  # noqa: BLE001 - one bad feed never stops the others
            return feed, None, None, _unexpected(error), None, None

    # -- everything --------------------------------------------------------------

    def export_json(self) -> dict[str, Any]:
        return self.library.export_all()

    def export_to(self, format: str, output: Path | None) -> tuple[str | None, str]:
        """Export in ``format`` (json, markdown, w3c, readwise, opml).  Returns the text
        to print when there is no output path, and a one-line summary."""
        from broadsheet.exchange import exporters

        data = self.library.export_all()
        stories = len(data["stories"])
        if format == "markdown":
            if output is None:
                raise ServiceError("The Markdown export writes a folder: give one with -o DIR")
            try:
                files = exporters.export_markdown(data, output)
            except OSError as error:
                raise ServiceError(f"Cannot write to {output}: {error.strerror or error}") from None
            return None, f"Wrote {_plural(len(files), 'Markdown file')} to {output}."
        if format == "json":
            text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
            summary = f"Exported {_plural(stories, 'story', 'stories')}"
        elif format == "w3c":
            collection = exporters.export_w3c(data)
            text = json.dumps(collection, ensure_ascii=False, indent=2) + "\n"
            summary = f"Exported {_plural(collection.get('total', 0), 'annotation')}"
        elif format == "readwise":
            text, rows = exporters.export_readwise(data)
            summary = f"Exported {_plural(rows, 'highlight')}"
        elif format == "opml":
            text = exporters.export_opml(data)
            feeds = sum(1 for source in data["sources"] if source["kind"] == "feed")
            summary = f"Exported {_plural(feeds, 'feed')}"
        else:
            raise ServiceError(f"Unknown export format {clean_line(format, 40)}")
        if output is None:
            return text, summary + "."
        _write_atomically(output, text)
        return None, f"{summary} to {output}."

    def import_file(self, path: Path, format: str | None = None,
                    progress: Progress | None = None) -> Any:
        """Import OPML, a read-later export, broadsheet's own JSON, or
        newsboat's urls file, cache.db or the folder holding them.
        ``progress(done, total, "")`` follows a newsboat cache's items."""
        from broadsheet.exchange.importers import ImportFormatError, parse_import
        from broadsheet.library.store import SQLITE_MAGIC

        path = Path(path)
        if path.is_dir():
            return self._import_newsboat_folder(path, format, progress)
        try:
            with path.open("rb") as file:
                head = file.read(len(SQLITE_MAGIC))
                data = head if head == SQLITE_MAGIC else head + file.read()
        except OSError as error:
            raise ServiceError(f"Cannot read {path}: {error.strerror or error}") from None
        if data == SQLITE_MAGIC:
            if format not in (None, "newsboat"):
                raise ServiceError(f"{clean_line(path.name, 80)} is an SQLite file, not a {clean_line(format, 20)} "
                                   "export.")
            return self._import_newsboat(None, path, progress)
        try:
            batch = parse_import(data, format, path.name)
        except ImportFormatError as error:
            raise ServiceError(str(error)) from None
        return self._import_batch(batch)

    def _import_batch(self, batch: Any) -> Any:
        from broadsheet.library.importing import import_batch

        for story in batch.stories:
            if not story.document or not story.highlights:
                continue
            try:
                text = Document.from_json(story.document).plain_text()
            except (KeyError, TypeError, ValueError):
                continue
            for highlight in story.highlights:
                if highlight.start is not None:
                    continue
                found = anchoring.find_quote(text, highlight.quote)
                if found is not None:
                    quote, position = anchoring.build_selectors(text, *found)
                    highlight.start, highlight.end = position.start, position.end
                    highlight.prefix, highlight.suffix = quote.prefix, quote.suffix
        return import_batch(self.library, batch)

    def _import_newsboat_folder(self, folder: Path, format: str | None, progress: Progress | None) -> Any:
        """newsboat's folder (``~/.newsboat``): its urls file and its cache.db."""
        if format not in (None, "newsboat"):
            raise ServiceError(f"{clean_line(str(folder), 200)} is a folder; only newsboat's folder "
                               "(with its urls file and cache.db) is imported as a whole.")
        urls, cache = folder / "urls", folder / "cache.db"
        if not urls.is_file() and not cache.is_file():
            raise ServiceError(f"{clean_line(str(folder), 200)} holds neither a newsboat urls file nor a cache.db.")
        return self._import_newsboat(urls if urls.is_file() else None, cache if cache.is_file() else None,
                                     progress)

    def _import_newsboat(self, urls: Path | None, cache_path: Path | None, progress: Progress | None) -> Any:
        """newsboat's urls file and its cache.db, either or both.  With both,
        the feeds are the urls file's (named from the cache when the urls file
        does not name them), and a feed only the cache still has keeps its
        stories without being followed.  The cache's items are stored a batch
        per transaction: an import stopped half way keeps what it stored, and
        running it again adds only what is missing."""
        from broadsheet.exchange.importers import ImportFormatError, parse_import
        from broadsheet.exchange.newsboat import NewsboatCache
        from broadsheet.exchange.records import ImportBatch
        from broadsheet.library.importing import ImportReport, import_batch

        report = ImportReport()
        listed: set[str] | None = None
        where = urls
        try:
            batch = parse_import(urls.read_bytes(), "newsboat", "urls") if urls is not None else None
            if cache_path is None:
                return self._import_batch(batch)
            where = cache_path
            with NewsboatCache(cache_path) as cache:
                if batch is not None:
                    batch.problems = [f"{urls.name}: {problem}" for problem in batch.problems]
                    cache.name_feeds(batch.feeds)
                    report.add(self._import_batch(batch))
                    listed = {feed.url for feed in batch.feeds}
                total = cache.count()
                report.add(import_batch(self.library, ImportBatch(
                    format="newsboat", feeds=cache.feeds(listed), problems=cache.take_problems())))
                if progress:
                    progress(0, total, "")
                for batch in cache.batches():
                    report.add(import_batch(self.library, batch))
                    if progress:
                        progress(cache.items_read, total, "")
        except OSError as error:
            raise ServiceError(f"Cannot read {where}: {error.strerror or error}") from None
        except ImportFormatError as error:
            raise ServiceError(f"{clean_line(where.name if where else '', 80)}: {error}") from None
        return report


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as error:
        raise ServiceError(f"Cannot write {path}: {error.strerror or error}") from None


def _escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        "\n\n", "</p><p>"
    )
