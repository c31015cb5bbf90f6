"""The pool of direct HTTP/1.1 connections under httpx's transport.

httpx's transport hands every request to a pool.  httpcore's own pool keeps
one list of connections and one of requests, and walks both at every
request and every answer (and, for each idle connection, all of them
again): with a few dozen requests open, that bookkeeping costs more CPU than
the HTTP itself.  :class:`~broadsheet.net.fetch.Fetcher` already bounds how
many requests are open, overall and per host, so this pool never queues a
request: it reuses the newest idle connection to the same origin that is
still usable, and otherwise opens one (on asyncio, see
:mod:`broadsheet.net.stream`).

The HTTP exchange on each connection is httpcore's own
(``AsyncHTTP11Connection``, over h11), given an asyncio lock in place of
httpcore's, which would load anyio's asyncio backend (about 45 ms of a
command's start) for a lock that is never contended.  httpcore still uses
anyio to shield its clean-up after an error.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any, AsyncIterator

import httpcore

from broadsheet.net.stream import AsyncioBackend


class _Lock:
    """An asyncio lock with the interface of httpcore's ``AsyncLock``."""

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> _Lock:
        await self._lock.acquire()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self._lock.release()


_Key = tuple[bytes, bytes, int]


def _key(origin: httpcore.Origin) -> _Key:
    return (origin.scheme, origin.host, origin.port)


class _Body:
    """An answer's body; closing it hands its connection back to the pool."""

    def __init__(self, stream: Any, connection: httpcore.AsyncHTTP11Connection,
                 key: _Key, pool: Pool) -> None:
        self._stream = stream
        self._connection = connection
        self._key = key
        self._pool = pool
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._stream:
                yield part
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._stream.aclose()
        finally:
            await self._pool._returned(self._connection, self._key)


class Pool:
    """Direct HTTP/1.1 connections, kept alive per origin; see the module doc.

    At most ``max_connections`` are open at a time when the caller keeps to
    that many requests at once (an idle connection is closed to make room
    for a new one); at most ``max_idle`` wait idle, each for at most
    ``keepalive_expiry`` seconds."""

    def __init__(self, ssl_context: ssl.SSLContext, *, max_connections: int,
                 max_idle: int, keepalive_expiry: float = 5.0) -> None:
        ssl_context.set_alpn_protocols(["http/1.1"])
        self._ssl_context = ssl_context
        self._backend = AsyncioBackend()
        self._max_connections = max(1, max_connections)
        self._max_idle = max(0, max_idle)
        self._keepalive_expiry = keepalive_expiry
        self._idle: dict[_Key, list[httpcore.AsyncHTTP11Connection]] = {}
        self._idle_count = 0
        self._busy = 0

    @property
    def connections(self) -> int:
        """How many connections are open (busy or idle)."""
        return self._busy + self._idle_count

    @property
    def idle(self) -> int:
        return self._idle_count

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        scheme = request.url.scheme
        if scheme not in (b"http", b"https"):
            raise httpcore.UnsupportedProtocol(
                f"Request URL has an unsupported protocol '{scheme.decode()}://'.")
        origin = request.url.origin
        key = _key(origin)
        connection = await self._reuse(key)
        if connection is None:
            await self._make_room()
            connection = await self._open(origin, request)
        self._busy += 1
        try:
            response = await connection.handle_async_request(request)
        except BaseException:
            self._busy -= 1
            await connection.aclose()
            raise
        return httpcore.Response(
            status=response.status,
            headers=response.headers,
            content=_Body(response.stream, connection, key, self),
            extensions=response.extensions,
        )

    async def _reuse(self, key: _Key) -> httpcore.AsyncHTTP11Connection | None:
        """The newest idle connection to ``key`` that can take a request;
        those found closed, spoilt or too old on the way are closed."""
        idle = self._idle.get(key)
        while idle:
            connection = idle.pop()
            self._idle_count -= 1
            if connection.is_idle() and not connection.has_expired():
                return connection
            await connection.aclose()
        return None

    async def _make_room(self) -> None:
        while self.connections >= self._max_connections and self._idle_count:
            for idle in self._idle.values():
                if idle:
                    self._idle_count -= 1
                    await idle.pop(0).aclose()  # the oldest of that origin
                    break

    async def _open(self, origin: httpcore.Origin,
                    request: httpcore.Request) -> httpcore.AsyncHTTP11Connection:
        timeout = request.extensions.get("timeout", {}).get("connect")
        host = origin.host.decode("ascii")
        stream = await self._backend.connect_tcp(host, origin.port, timeout=timeout)
        if origin.scheme == b"https":
            try:
                stream = await stream.start_tls(
                    self._ssl_context,
                    server_hostname=request.extensions.get("sni_hostname") or host,
                    timeout=timeout,
                )
            except BaseException:
                await stream.aclose()
                raise
        connection = httpcore.AsyncHTTP11Connection(
            origin=origin, stream=stream, keepalive_expiry=self._keepalive_expiry)
        # Never contended: one request at a time holds a connection.
        connection._state_lock = _Lock()  # type: ignore[assignment]
        return connection

    async def _returned(self, connection: httpcore.AsyncHTTP11Connection, key: _Key) -> None:
        self._busy -= 1
        if not connection.is_idle():
            return  # closed with its answer (Connection: close, an error…)
        if self._idle_count >= self._max_idle:
            await connection.aclose()
            return
        self._idle.setdefault(key, []).append(connection)
        self._idle_count += 1

    async def aclose(self) -> None:
        idle, self._idle, self._idle_count = self._idle, {}, 0
        for connections in idle.values():
            for connection in connections:
                await connection.aclose()

    async def __aenter__(self) -> Pool:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()


__all__ = ["Pool"]
