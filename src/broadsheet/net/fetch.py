"""Fetching over HTTP: one shared client, with limits on everything.

:class:`Fetcher` owns one :class:`httpx.AsyncClient`.  Every request

* accepts only ``http`` and ``https`` addresses, on every redirect hop;
* follows at most ``max_redirects`` redirects itself;
* has a total ``deadline`` and a per-read ``timeout``;
* stops as soon as more than ``max_bytes`` of *decompressed* data arrived
  (gzip and deflate are decompressed here, in bounded steps, so a small
  compressed bomb cannot blow up in memory);
* sends conditional GET headers when given an ETag / Last-Modified;
* waits for a slot overall and one for its host (see :class:`HostSlots`:
  a host that keeps answering promptly is given more, up to ``per_host_most``,
  and one showing strain fewer; a host that coped with more last time,
  ``remembered``, starts there);
* retries once after a 429 or 503 whose ``Retry-After`` fits in the deadline.

Every failure is a :class:`FetchError` whose text is one short, clean line.
"""

from __future__ import annotations

import asyncio
import email.utils
import errno
import hashlib
import socket
import ssl
import sys
import time
import urllib.request
import zlib
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from contextlib import asynccontextmanager
from typing import AsyncIterator, Iterator

# httpx imports its own command-line tool (click, pygments, rich: a tenth
# of a second) whenever those are installed; broadsheet never uses it.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

import httpx  # noqa: E402

from broadsheet import __version__
from broadsheet.sanitize import clean_line

USER_AGENT = f"broadsheet/{__version__} (+terminal news reader)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, "
    "text/html;q=0.8, application/xhtml+xml;q=0.8, */*;q=0.5"
)
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
RETRY_CODES = frozenset({429, 503})
_HEADERS = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
_CHUNK = 64 * 1024


class FetchError(Exception):
    """A fetch failed; ``str(error)`` is one short line safe to show.

    ``status`` is the HTTP status when the server answered with an error.
    """

    def __init__(self, message: str, *, status: int | None = None, strained: bool = False) -> None:
        message = clean_line(message, limit=300) or "network error"
        super().__init__(message)
        self.status = status
        self.strained = strained  # the server seemed overwhelmed (see HostSlots)


@dataclass(slots=True)
class FetchResult:
    url: str
    final_url: str
    status: int
    content: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    not_modified: bool = False
    # The body's fingerprint as it was sent (compressed or not; see
    # fingerprint()), and whether it matched the one the caller knew: then
    # the body was not decompressed and ``content`` is empty.
    fingerprint: str = ""
    unchanged: bool = False
    # The address reached when every redirect on the way was permanent (301,
    # 308): where the document now lives, for the caller to ask there next time.
    moved_to: str | None = None


def preload() -> None:
    """Import now what the first request would: httpx builds its transport
    module by module on first use (httpcore, h11), a few hundredths of a
    second.  A process about to fork calls this first, so that its child
    starts with them loaded too."""
    import httpcore  # noqa: F401

    import broadsheet.net.pool  # noqa: F401


def host_key(url: httpx.URL | str) -> str:
    """The host whose slots a request to ``url`` takes (scheme, host and
    port); an address that does not parse stands for itself."""
    try:
        url = httpx.URL(url) if isinstance(url, str) else url
    except (httpx.InvalidURL, TypeError, ValueError):
        return str(url)
    return f"{url.scheme}://{url.host}:{url.port or ''}".lower()


def fingerprint(body: bytes) -> str:
    """A short fingerprint of a body (SHA-256: processors hash it in
    hardware, about three times as fast as BLAKE2 here)."""
    return hashlib.sha256(body).hexdigest()[:32]


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _size(value: int) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g} MB"
    if value >= 1_000:
        return f"{value / 1_000:g} kB"
    return f"{value} bytes"


def _check_url(url: str | httpx.URL, message: str) -> httpx.URL:
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(str(url).strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        raise FetchError("invalid address") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError(message)
    return parsed


def _header_safe(value: str) -> bool:
    """Printable ASCII only: anything else cannot be sent back as a header."""
    return value.isascii() and value.isprintable() and len(value) < 1000


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the chain of exceptions behind it, each once."""
    seen = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        yield cause
        cause = cause.__cause__ or cause.__context__


def _strained(exc: BaseException) -> bool:
    """Whether a transport error suggests an overwhelmed server: a timeout, or
    a connection refused, reset or dropped (not a name or certificate problem)."""
    if isinstance(exc, (httpx.TimeoutException, httpx.RemoteProtocolError)):
        return True
    return any(isinstance(cause, (ConnectionRefusedError, ConnectionResetError, TimeoutError))
               for cause in _causes(exc))


def _describe(exc: BaseException, timeout: float) -> str:
    """One line for a transport error; never the raw multi-line text."""
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out after {_seconds(timeout)}"
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return "invalid address"
    if isinstance(exc, httpx.DecodingError):
        return "could not decode the response"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server sent an invalid response or closed the connection"
    if isinstance(exc, httpx.ProxyError):
        return "proxy error"
    # Look at the chain of causes for the underlying OS error.
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror):
            return "name not resolved"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ConnectionResetError):
            return "connection reset"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return "certificate not trusted"
        if isinstance(cause, ssl.SSLError):
            return "TLS error"
        if isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "network unreachable"
    text = str(exc).lower()
    if "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "name not resolved"
    if "connection refused" in text or "connect call failed" in text:
        return "connection refused"
    if "certificate" in text:
        return "certificate not trusted"
    if "ssl" in text or "tls" in text:
        return "TLS error"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect"
    if isinstance(exc, httpx.ReadError):
        return "connection lost while reading"
    if isinstance(exc, httpx.WriteError):
        return "connection lost while sending"
    return "network error"


class _BoundedDecoder:
    """Decompress gzip/deflate in steps, never producing more than asked."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        if encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        else:  # deflate: zlib-wrapped normally, raw in the wild
            self._z = zlib.decompressobj(zlib.MAX_WBITS)
        self._first = True

    def decode(self, data: bytes, limit: int) -> tuple[bytes, bool]:
        """Decompress ``data``; returns (output, more_pending)."""
        try:
            out = self._z.decompress(data, max(1, limit))
        except zlib.error:
            if self._first and self.encoding == "deflate":
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                self._first = False
                return self.decode(data, limit)
            raise FetchError("could not decompress the response") from None
        self._first = False
        return out, bool(self._z.unconsumed_tail)

    def more(self, limit: int) -> tuple[bytes, bool]:
        return self.decode(self._z.unconsumed_tail, limit)

    def flush(self) -> bytes:
        try:
            return self._z.flush()
        except zlib.error:
            raise FetchError("could not decompress the response") from None


class _Clock:
    """The deadline of one fetch, started once the first slot is held."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.scope: asyncio.Timeout | None = None
        self.started: float | None = None

    def start(self) -> None:
        if self.started is None:
            self.started = time.monotonic()
            if self.scope is not None:
                self.scope.reschedule(asyncio.get_running_loop().time() + self.deadline)

    def left(self) -> float:
        if self.started is None:
            return self.deadline
        return self.deadline - (time.monotonic() - self.started)


class HostSlots:
    """How many requests may be open to one host at a time.

    It starts at ``start``.  Each prompt answer (any status but 429 and 503,
    within :attr:`PROMPT` seconds) while every slot is in use opens one more,
    up to ``most``, so a host that copes is asked faster, the slots doubling
    roughly once per round of answers; a sign of strain (429, 503, a timeout,
    a refused or dropped connection) halves the slots, down to one.  With
    ``most == start`` it is a plain semaphore."""

    PROMPT = 1.0

    def __init__(self, start: int, most: int) -> None:
        self.limit = max(1, start)
        self.most = max(self.limit, most)
        self.busy = 0
        self._waiting: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> None:
        if self.busy < self.limit and not self._waiting:
            self.busy += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            await waiter  # the slot is counted in busy by whoever woke us
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release(None)  # woken, then cancelled: hand the slot on
            else:
                self._waiting.remove(waiter)
            raise

    def release(self, outcome: bool | None) -> None:
        """Give a slot back; ``outcome``: True for a prompt answer, False for
        strain, None when it tells nothing (a slow answer, a cancellation)."""
        full = self.busy >= self.limit
        self.busy -= 1
        if outcome is True and full:  # only a window in use is known to be enough
            self.limit = min(self.most, self.limit + 1)
        elif outcome is False:
            self.limit = max(1, self.limit // 2)
        while self._waiting and self.busy < self.limit:
            waiter = self._waiting.popleft()
            if not waiter.done():
                self.busy += 1
                waiter.set_result(None)


class Fetcher:
    """An async context manager owning one HTTP client; see the module doc."""

    retry_limit = 1
    max_retry_wait = 30.0

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        deadline: float = 30.0,
        max_bytes: int = 10_000_000,
        max_redirects: int = 5,
        concurrency: int = 16,
        per_host: int = 4,
        per_host_most: int | None = None,
        remembered: dict[str, float] | None = None,
    ) -> None:
        self.timeout = timeout
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.concurrency = max(1, concurrency)
        self.per_host = max(1, per_host)
        self.per_host_most = max(self.per_host, per_host_most or self.per_host)
        # host key -> the share of per_host_most it coped with last time
        self.remembered = dict(remembered or {})
        # (proxy, may speak TLS) -> its pool; None outside "async with"
        self._transports: dict[tuple[str | None, bool], httpx.AsyncHTTPTransport] | None = None
        self._proxies: dict[str, str] = {}
        self._global = asyncio.Semaphore(self.concurrency)
        self._hosts: dict[str, HostSlots] = {}

    async def __aenter__(self) -> Fetcher:
        # Requests go straight to httpx's transport: redirects, decoding and
        # limits are done here, and the client's own layers (cookies, auth,
        # event hooks) cost more CPU per request than the transport itself.
        self._proxies = urllib.request.getproxies_environment()
        self._transports = {}
        return self

    def _transport(self, proxy: str | None, *, tls: bool) -> httpx.AsyncHTTPTransport:
        """A pool of connections, direct or through ``proxy``.  Only one that
        may speak TLS loads the trusted certificates (a twentieth of a second);
        the others get a TLS context that trusts nothing, never used."""
        assert self._transports is not None
        transport = self._transports.get((proxy, tls))
        if transport is None:
            context = httpx.create_ssl_context() if tls else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            transport = self._transports[proxy, tls] = httpx.AsyncHTTPTransport(
                proxy=proxy,
                verify=context,
                limits=httpx.Limits(
                    max_connections=self.concurrency,
                    max_keepalive_connections=self.concurrency,
                ),
            )
            if proxy is None:
                _on_asyncio(transport, context, self.concurrency)
        return transport

    def _transport_for(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        """The direct transport, or one through the proxy the environment
        names for this address (``http_proxy``, ``https_proxy``,
        ``all_proxy``, ``no_proxy``), as httpx's client would choose."""
        proxies = self._proxies
        proxy = proxies.get(url.scheme) or proxies.get("all")
        if proxy and not urllib.request.proxy_bypass_environment(url.host, proxies):
            if "://" not in proxy:
                proxy = "http://" + proxy
        else:
            proxy = None
        tls = url.scheme == "https" or (proxy is not None and proxy.startswith("https:"))
        return self._transport(proxy, tls=tls)

    async def __aexit__(self, *exc_info) -> None:
        transports, self._transports = self._transports or {}, None
        for transport in transports.values():
            await transport.aclose()

    def host_slots(self, url: httpx.URL | str) -> HostSlots:
        key = host_key(url)
        slots = self._hosts.get(key)
        if slots is None:
            start = self.per_host
            share = self.remembered.get(key)
            if share is not None:
                start = max(start, min(self.per_host_most, round(share * self.per_host_most)))
            slots = self._hosts[key] = HostSlots(start, self.per_host_most)
        return slots

    def host_shares(self) -> dict[str, float | None]:
        """For each host asked this time, the share of ``per_host_most`` it
        ended with, when that is more than ``per_host`` (None otherwise: it
        starts as any host next time)."""
        return {
            key: slots.limit / self.per_host_most if slots.limit > self.per_host else None
            for key, slots in self._hosts.items()
        }

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None,
        known: str | None = None,
    ) -> FetchResult:
        """Fetch ``url``; ``etag`` and ``last_modified`` make it a conditional
        request, and ``known`` is the fingerprint of the body received last
        time: a body that matches it is not decompressed (``unchanged``)."""
        if self._transports is None:
            raise RuntimeError("Fetcher used outside 'async with'")
        start_url = _check_url(url, "not an http or https address")
        # The deadline starts when the request gets its first slot, so that
        # waiting in the queue behind other requests does not eat into it.
        clock = _Clock(self.deadline)
        try:
            async with asyncio.timeout(None) as scope:
                clock.scope = scope
                return await self._fetch(
                    str(url).strip(), start_url, etag, last_modified, known, clock
                )
        except TimeoutError:
            raise FetchError(f"timed out after {_seconds(self.deadline)}") from None

    async def _fetch(
        self,
        original: str,
        current: httpx.URL,
        etag: str | None,
        last_modified: str | None,
        known: str | None,
        clock: _Clock,
    ) -> FetchResult:
        headers: dict[str, str] = {}
        if etag and _header_safe(etag):
            headers["If-None-Match"] = etag
        if last_modified and _header_safe(last_modified):
            headers["If-Modified-Since"] = last_modified
        hops = 0
        retries = 0
        visited = {str(current)}
        looped = False
        permanent = True  # every redirect so far was 301 or 308
        while True:
            outcome = await self._one(current, headers, known, clock)
            kind = outcome[0]
            if kind == "done":
                status, content, response_headers, final, digest, same = outcome[1:]
                moved_to = final if hops and permanent and final != original else None
                if status == 304:
                    return FetchResult(
                        url=original,
                        final_url=final,
                        status=304,
                        content=b"",
                        content_type=response_headers.get("content-type"),
                        etag=response_headers.get("etag") or etag,
                        last_modified=response_headers.get("last-modified") or last_modified,
                        not_modified=True,
                        moved_to=moved_to,
                    )
                return FetchResult(
                    url=original,
                    final_url=final,
                    status=status,
                    content=content,
                    content_type=response_headers.get("content-type"),
                    etag=response_headers.get("etag"),
                    last_modified=response_headers.get("last-modified"),
                    not_modified=False,
                    fingerprint=digest,
                    unchanged=same,
                    moved_to=moved_to,
                )
            if kind == "redirect":
                location, redirect_status = outcome[1:]
                permanent = permanent and redirect_status in PERMANENT_REDIRECTS
                try:
                    target = current.join(location.strip())
                except (httpx.InvalidURL, TypeError, ValueError):
                    raise FetchError("redirect to an invalid address") from None
                target = _check_url(target, "redirect to a non-http address")
                hops += 1
                looped = looped or str(target) in visited
                if hops > self.max_redirects:
                    if looped:
                        raise FetchError("redirect loop")
                    raise FetchError(f"too many redirects (more than {self.max_redirects})")
                visited.add(str(target))
                current = target
                continue
            # kind == "retry": 429 / 503
            status, reason, wait = outcome[1:]
            left = clock.left()
            if retries >= self.retry_limit or wait is None or wait > min(self.max_retry_wait, left - 1):
                raise FetchError(f"HTTP {status} {reason}".strip(), status=status)
            retries += 1
            await asyncio.sleep(wait)

    async def _one(
        self, url: httpx.URL, headers: dict[str, str], known: str | None, clock: _Clock
    ):
        """One request, holding a slot; returns a tagged tuple."""
        slots = self.host_slots(url)
        await slots.acquire()
        outcome: bool | None = None
        try:
            async with self._global:
                clock.start()
                began = time.monotonic()
                result = await self._request(url, headers, known)
                if result[0] == "retry":
                    outcome = False
                elif time.monotonic() - began < HostSlots.PROMPT:
                    outcome = True
                return result
        except FetchError as error:
            if error.strained:
                outcome = False
            raise
        except asyncio.CancelledError:
            if clock.left() <= 0:
                outcome = False  # the deadline passed
            raise
        finally:
            slots.release(outcome)

    async def _request(self, url: httpx.URL, headers: dict[str, str], known: str | None):
        """One request and its answer, as a tagged tuple."""
        timeout = self.timeout
        request = httpx.Request(
            "GET", url, headers={**_HEADERS, **headers},
            extensions={"timeout": {"connect": timeout, "read": timeout,
                                    "write": timeout, "pool": timeout}},
        )
        try:
            async with _answer(self._transport_for(url), request) as response:
                status = response.status_code
                if status in REDIRECT_CODES:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(f"HTTP {status} redirect without a Location", status=status)
                    return ("redirect", location, status)
                if status == 304:
                    return ("done", 304, b"", response.headers, str(url), "", False)
                reason = clean_line(response.reason_phrase, limit=80)
                if status in RETRY_CODES:
                    wait = _retry_after(response.headers.get("retry-after"))
                    return ("retry", status, reason, wait)
                if not 200 <= status < 300:
                    raise FetchError(f"HTTP {status} {reason}".strip(), status=status)
                content, digest, same = await self._read(response, known)
                return ("done", status, content, response.headers, str(url), digest, same)
        except FetchError:
            raise
        except httpx.InvalidURL:
            # The address was checked before sending; httpx parses a
            # redirect's Location while receiving, and that one was bad.
            raise FetchError("redirect to an invalid address") from None
        except (httpx.HTTPError, OSError, ssl.SSLError) as exc:
            raise FetchError(_describe(exc, self.timeout), strained=_strained(exc)) from None

    async def _read(
        self, response: httpx.Response, known: str | None
    ) -> tuple[bytes, str, bool]:
        """(the body, decompressed; its fingerprint as sent; whether that
        fingerprint is ``known``, in which case the body is not decompressed
        and comes back empty)."""
        limit = self.max_bytes
        too_big = f"response larger than {_size(limit)}"
        encoding = response.headers.get("content-encoding", "").strip().lower()
        compressed = encoding in ("gzip", "x-gzip", "deflate")
        if encoding in ("", "identity"):
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > limit:
                raise FetchError(too_big)
            body = await _capped(response.aiter_raw(_CHUNK), limit, too_big)
        elif compressed:
            # The compressed body is read whole first (it is no bigger than
            # what it stands for, give or take a little framing), so that one
            # unchanged since last time need not be decompressed at all.
            body = await _capped(response.aiter_raw(_CHUNK), limit + limit // 100 + 1024, too_big)
        else:
            # Some other encoding (br, zstd…) we did not ask for: let httpx decode.
            body = await _capped(response.aiter_bytes(_CHUNK), limit, too_big)
        digest = fingerprint(body)
        if digest == known:
            return b"", digest, True
        if compressed:
            body = _decompress(body, encoding, limit, too_big)
        return body, digest, False


def _decompress(raw: bytes, encoding: str, limit: int, too_big: str) -> bytes:
    """``raw`` decompressed in bounded steps: a small bomb stops at ``limit``."""
    decoder = _BoundedDecoder(encoding)
    parts: list[bytes] = []
    total = 0
    for at in range(0, len(raw), _CHUNK):
        out, pending = decoder.decode(raw[at : at + _CHUNK], limit - total + 1)
        while True:
            total += len(out)
            if total > limit:
                raise FetchError(too_big)
            parts.append(out)
            if not pending:
                break
            out, pending = decoder.more(limit - total + 1)
    tail = decoder.flush()
    total += len(tail)
    if total > limit:
        raise FetchError(too_big)
    parts.append(tail)
    return b"".join(parts)


def _on_asyncio(transport: httpx.AsyncHTTPTransport, context: ssl.SSLContext,
                connections: int) -> None:
    """Give a direct transport broadsheet's own pool (:mod:`broadsheet.net.pool`):
    connections straight on asyncio, kept alive per origin (1.4-1.6 ms of
    CPU a request here, against 1.7-1.8 ms for httpcore's pool on the same
    connections).  Proxied transports keep httpx's own.  Should httpx's
    transport ever hold its pool otherwise, it is left as it is."""
    import httpcore

    from broadsheet.net.pool import Pool

    if type(getattr(transport, "_pool", None)) is not httpcore.AsyncConnectionPool:
        return
    transport._pool = Pool(
        context,
        max_connections=connections,
        max_idle=connections,
        keepalive_expiry=5.0,  # httpx's own default
    )


@asynccontextmanager
async def _answer(
    transport: httpx.AsyncHTTPTransport, request: httpx.Request
) -> AsyncIterator[httpx.Response]:
    """The response to ``request``, its body still to be read; closed after."""
    response = await transport.handle_async_request(request)
    response.request = request
    try:
        yield response
    finally:
        await response.aclose()


async def _capped(chunks: AsyncIterator[bytes], limit: int, message: str) -> bytes:
    parts: list[bytes] = []
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise FetchError(message)
        parts.append(chunk)
    return b"".join(parts)
