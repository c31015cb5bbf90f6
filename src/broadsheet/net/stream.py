"""Connections straight on asyncio, for the pool under httpx's transport
(:mod:`broadsheet.net.pool`).

httpcore reaches the network through a *network backend*.  The default one
goes through anyio, whose cancel scopes, task-group checks and stream layers
cost about as much CPU per request as the HTTP itself: a refresh of 200
feeds spent a fifth of its time there.  This backend does the same work with
one asyncio protocol per connection: bytes in a buffer, a future to wait on,
and a timer for each timeout.

Errors are raised as httpcore's (``ConnectError``, ``ReadTimeout`` …) chained
to the OS error behind them, as the default backend does, so httpx maps them
to its own and :func:`broadsheet.net.fetch._describe` reads the cause.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from typing import Any, Iterable

import httpcore

# Reading pauses while this much has arrived and not been asked for (a
# client reads in 64 KiB steps, as fast as it can parse).
_HIGH_WATER = 256 * 1024


def _lost(kind: type[httpcore.NetworkError], message: str,
          cause: BaseException | None) -> httpcore.NetworkError:
    """``kind`` for a connection lost to ``cause``.  The cause is kept as the
    error's context too: httpcore's pool re-raises its errors ``from None``,
    which drops the cause but not the context."""
    error = kind(str(cause) if cause is not None else message)
    error.__cause__ = error.__context__ = cause
    return error


def _literal(host: str) -> bool:
    """Whether ``host`` is an IP address rather than a name."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class _Connection(asyncio.Protocol):
    """One connection's state: what arrived, and who waits for what."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.error: BaseException | None = None
        self.reading_paused = False
        self.writing_paused = False
        self._read_waiter: asyncio.Future[None] | None = None
        self._drain_waiter: asyncio.Future[None] | None = None

    # -- asyncio.Protocol ----------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > _HIGH_WATER and not self.reading_paused and self.transport:
            self.transport.pause_reading()
            self.reading_paused = True
        self._wake_reader()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake_reader()
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        if exc is not None and self.error is None:
            self.error = exc
        self._wake_reader()
        self._wake_writer()

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        self._wake_writer()

    def _wake_reader(self) -> None:
        waiter, self._read_waiter = self._read_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _wake_writer(self) -> None:
        waiter, self._drain_waiter = self._drain_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- waiting -------------------------------------------------------------

    async def _wait(self, writing: bool, timeout: float | None) -> None:
        waiter = self.loop.create_future()
        if writing:
            self._drain_waiter = waiter
        else:
            self._read_waiter = waiter
        timer = self.loop.call_later(timeout, _expire, waiter) if timeout is not None else None
        try:
            await waiter
        finally:
            if timer is not None:
                timer.cancel()

    async def read(self, max_bytes: int, timeout: float | None) -> bytes:
        while not self.buffer and not self.eof:
            try:
                await self._wait(False, timeout)
            except TimeoutError as error:
                raise httpcore.ReadTimeout("timed out while reading") from error
        if not self.buffer:
            if self.error is not None:
                raise _lost(httpcore.ReadError, "", self.error)
            return b""
        data = bytes(self.buffer[:max_bytes])
        del self.buffer[:max_bytes]
        if self.reading_paused and len(self.buffer) <= _HIGH_WATER // 4 and self.transport:
            self.reading_paused = False
            self.transport.resume_reading()
        return data

    async def write(self, data: bytes, timeout: float | None) -> None:
        if self.transport is None or self.transport.is_closing():
            raise _lost(httpcore.WriteError, "the connection is closed", self.error)
        self.transport.write(data)
        while self.writing_paused:
            if self.transport.is_closing():
                raise _lost(httpcore.WriteError, "the connection is closed", self.error)
            try:
                await self._wait(True, timeout)
            except TimeoutError as error:
                raise httpcore.WriteTimeout("timed out while sending") from error


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection, as httpcore's HTTP/1.1 connection uses it."""

    def __init__(self, connection: _Connection) -> None:
        self._connection = connection

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._connection.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if buffer:
            await self._connection.write(buffer, timeout)

    async def aclose(self) -> None:
        transport = self._connection.transport
        if transport is not None:
            transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        connection = self._connection
        assert connection.transport is not None
        try:
            transport = await connection.loop.start_tls(
                connection.transport, connection, ssl_context,
                server_hostname=server_hostname, ssl_handshake_timeout=timeout,
            )
        except TimeoutError as error:
            connection.transport.close()
            raise httpcore.ConnectTimeout("timed out in the TLS handshake") from error
        except (OSError, ssl.SSLError, ConnectionError) as error:
            connection.transport.close()
            raise httpcore.ConnectError(str(error)) from error
        if transport is None:  # the connection was closed meanwhile
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        connection.transport = transport  # type: ignore[assignment]
        return self

    def get_extra_info(self, info: str) -> Any:
        connection = self._connection
        transport = connection.transport
        if info == "is_readable":
            # An idle kept-alive connection that has something to read (or an
            # end) was closed or spoilt by the server: the pool drops it.
            return bool(connection.buffer) or connection.eof
        if transport is None:
            return None
        if info == "ssl_object":
            return transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return transport.get_extra_info("sockname")
        if info == "server_addr":
            return transport.get_extra_info("peername")
        if info == "socket":
            return transport.get_extra_info("socket")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Opens :class:`AsyncioStream` connections (TCP only)."""

    # As anyio does: when a name has several addresses, the next is tried
    # this long after the last one if it has not connected yet.  (Not for
    # an address written out: asyncio would race it against nothing, at the
    # cost of a task or two.)
    happy_eyeballs_delay = 0.25

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        connection = _Connection(loop)
        try:
            async with asyncio.timeout(timeout):
                await loop.create_connection(
                    lambda: connection, host, port,
                    local_addr=(local_address, 0) if local_address else None,
                    happy_eyeballs_delay=None if _literal(host) else self.happy_eyeballs_delay,
                )
        except TimeoutError as error:
            raise httpcore.ConnectTimeout("timed out while connecting") from error
        except OSError as error:
            raise httpcore.ConnectError(str(error)) from error
        sock = connection.transport.get_extra_info("socket") if connection.transport else None
        if sock is not None:
            for option in socket_options or ():
                sock.setsockopt(*option)
        return AsyncioStream(connection)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:  # pragma: no cover - broadsheet fetches over TCP
        raise httpcore.ConnectError("unix sockets are not used")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


__all__ = ["AsyncioBackend", "AsyncioStream"]
