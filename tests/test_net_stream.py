"""The fetcher's connections on asyncio (broadsheet.net.stream), against real
servers on 127.0.0.1: kept-alive connections, servers that close or reset,
bodies bigger than the read buffer, slow readers, and TLS."""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
from pathlib import Path

import httpcore
import pytest

from broadsheet.net.fetch import Fetcher, FetchError
from broadsheet.net.pool import Pool
from broadsheet.net.stream import AsyncioBackend

DATA = Path(__file__).parent / "data"


class RawServer:
    """An asyncio server on 127.0.0.1 whose answer to each request is written
    by ``answer(request_number, reader, writer)``; it counts connections."""

    def __init__(self, answer) -> None:
        self.answer = answer
        self.connections = 0
        self.requests = 0
        self.server: asyncio.base_events.Server | None = None

    async def __aenter__(self) -> RawServer:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc) -> None:
        assert self.server is not None
        self.server.close()

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.sockets[0].getsockname()[1]

    def url(self, path: str = "/feed.xml") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if not head:
                    break
                self.requests += 1
                keep = await self.answer(self.requests, reader, writer)
                if not keep:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def ok(body: bytes, *, close: bool = False) -> bytes:
    extra = b"Connection: close\r\n" if close else b""
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
            + extra + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


async def test_a_kept_alive_connection_serves_the_next_request():
    async def answer(n, reader, writer):
        writer.write(ok(b"<rss>%d</rss>" % n))
        await writer.drain()
        return True

    async with RawServer(answer) as server, Fetcher() as fetcher:
        first = await fetcher.fetch(server.url())
        second = await fetcher.fetch(server.url())
    assert (first.content, second.content) == (b"<rss>1</rss>", b"<rss>2</rss>")
    assert server.connections == 1


async def test_a_connection_the_server_closed_while_idle_is_not_used_again():
    async def answer(n, reader, writer):
        writer.write(ok(b"<rss>%d</rss>" % n))
        await writer.drain()
        return False  # closes after each answer, without saying so

    async with RawServer(answer) as server, Fetcher() as fetcher:
        first = await fetcher.fetch(server.url())
        await asyncio.sleep(0.1)  # the close has arrived: the connection reads as ended
        second = await fetcher.fetch(server.url())
    assert (first.content, second.content) == (b"<rss>1</rss>", b"<rss>2</rss>")
    assert server.connections == 2


async def test_a_body_much_bigger_than_the_read_buffer_arrives_whole():
    body = bytes(range(256)) * (3 * 4096 + 7)  # about 3 MB, every byte value

    async def answer(n, reader, writer):
        writer.write(ok(body))
        await writer.drain()
        return False

    async with RawServer(answer) as server, Fetcher(max_bytes=10_000_000) as fetcher:
        result = await fetcher.fetch(server.url())
    assert result.content == body


async def test_a_body_sent_in_small_pieces_slowly_arrives_whole():
    body = b"<rss>" + b"x" * 5000 + b"</rss>"

    async def answer(n, reader, writer):
        data = ok(body)
        for at in range(0, len(data), 700):
            writer.write(data[at:at + 700])
            await writer.drain()
            await asyncio.sleep(0.005)
        return False

    async with RawServer(answer) as server, Fetcher() as fetcher:
        result = await fetcher.fetch(server.url())
    assert result.content == body


async def test_a_connection_reset_in_the_middle_of_a_body_is_one_line():
    async def answer(n, reader, writer):
        writer.write(ok(b"x" * 100_000)[:20_000])
        await writer.drain()
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()  # RST, not FIN
        return False

    async with RawServer(answer) as server, Fetcher() as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(server.url())
    assert str(caught.value) in ("connection reset", "connection lost while reading")
    assert caught.value.strained


async def test_a_body_cut_short_by_a_close_is_one_line():
    async def answer(n, reader, writer):
        writer.write(ok(b"x" * 100_000)[:20_000])
        await writer.drain()
        return False

    async with RawServer(answer) as server, Fetcher() as fetcher:
        with pytest.raises(FetchError,
                           match="^the server sent an invalid response or closed the connection$"):
            await fetcher.fetch(server.url())


async def test_a_server_that_stops_answering_times_out():
    async def answer(n, reader, writer):
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc")
        await writer.drain()
        await asyncio.sleep(5)
        return False

    async with RawServer(answer) as server, Fetcher(timeout=0.3) as fetcher:
        began = asyncio.get_running_loop().time()
        with pytest.raises(FetchError, match="^timed out after"):
            await fetcher.fetch(server.url())
    assert asyncio.get_running_loop().time() - began < 2


async def test_reading_stops_while_a_big_answer_waits_to_be_read():
    # The server writes far more than the client asks for; the connection
    # pauses reading (the buffer stays bounded) and resumes as it is read.
    backend = AsyncioBackend()
    body = b"y" * 4_000_000

    async def answer(n, reader, writer):
        writer.write(ok(body))
        await writer.drain()
        return False

    async with RawServer(answer) as server:
        stream = await backend.connect_tcp("127.0.0.1", server.port, timeout=5)
        await stream.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5)
        await asyncio.sleep(0.3)  # let the server fill what it can
        connection = stream._connection
        assert connection.reading_paused
        assert len(connection.buffer) < 1_000_000
        received = bytearray()
        while True:
            chunk = await stream.read(65536, timeout=5)
            if not chunk:
                break
            received += chunk
        await stream.aclose()
    assert received.endswith(body) and not connection.reading_paused


async def test_refused_and_timed_out_connections_raise_httpcores_errors():
    backend = AsyncioBackend()
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(httpcore.ConnectError) as caught:
        await backend.connect_tcp("127.0.0.1", port, timeout=5)
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)
    # A listener that never accepts: its backlog fills, then connects hang.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(0)
        port = silent.getsockname()[1]
        hanging = []
        try:
            for _ in range(8):
                extra = socket.socket()
                extra.setblocking(False)
                extra.connect_ex(("127.0.0.1", port))
                hanging.append(extra)
            with pytest.raises((httpcore.ConnectTimeout, httpcore.ConnectError)):
                await backend.connect_tcp("127.0.0.1", port, timeout=0.3)
        finally:
            for extra in hanging:
                extra.close()


@pytest.fixture
def tls_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(DATA / "selfsigned-cert.pem", DATA / "selfsigned-key.pem")
    return context


async def test_https_works_with_a_trusted_certificate(tls_context, monkeypatch):
    # httpx reads SSL_CERT_FILE: the test's own certificate becomes trusted.
    monkeypatch.setenv("SSL_CERT_FILE", str(DATA / "selfsigned-cert.pem"))

    async def serve(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(ok(b"<rss>secret</rss>", close=True))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=tls_context)
    port = server.sockets[0].getsockname()[1]
    try:
        async with Fetcher() as fetcher:
            result = await fetcher.fetch(f"https://127.0.0.1:{port}/feed.xml")
            assert result.content == b"<rss>secret</rss>"
            pool = fetcher._transport_for(__import__("httpx").URL(f"https://127.0.0.1:{port}/"))
            assert isinstance(pool._pool, Pool)
            assert isinstance(pool._pool._backend, AsyncioBackend)
    finally:
        server.close()


async def test_https_refuses_a_certificate_for_another_name(tls_context, monkeypatch):
    # Trusted, but issued to 127.0.0.1, not to "localhost".
    monkeypatch.setenv("SSL_CERT_FILE", str(DATA / "selfsigned-cert.pem"))

    async def serve(reader, writer):
        try:
            await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=tls_context)
    port = server.sockets[0].getsockname()[1]
    try:
        async with Fetcher() as fetcher:
            with pytest.raises(FetchError, match="^certificate not trusted$"):
                await fetcher.fetch(f"https://localhost:{port}/feed.xml")
    finally:
        server.close()


@pytest.mark.parametrize(("host", "literal"), [
    ("127.0.0.1", True), ("::1", True), ("2001:db8::7", True),
    ("localhost", False), ("example.com", False), ("127.0.0.1.example", False), ("", False),
])
def test_only_names_are_raced_between_their_addresses(host, literal):
    # An address written out has nothing to race against (see connect_tcp).
    from broadsheet.net.stream import _literal

    assert _literal(host) is literal


async def test_a_name_with_several_addresses_still_connects():
    # "localhost" may stand for ::1 and 127.0.0.1; the server listens on the
    # second only, so the first may be refused on the way.
    async def answer(n, reader, writer):
        writer.write(ok(b"<rss/>"))
        await writer.drain()
        return True

    async with RawServer(answer) as server, Fetcher() as fetcher:
        result = await fetcher.fetch(f"http://localhost:{server.port}/feed.xml")
    assert result.content == b"<rss/>"
