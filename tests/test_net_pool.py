"""broadsheet's pool of direct connections (broadsheet.net.pool), against
real servers on 127.0.0.1: which connection a request gets, how many stay
open, and what is left after answers cut short, errors and cancellations."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import sys

import httpcore
import httpx
import pytest

from broadsheet.net.fetch import Fetcher, FetchError
from broadsheet.net.pool import Pool
from tests.test_net_stream import RawServer, ok


def request(url: str, *, timeout: float = 5.0) -> httpcore.Request:
    host = url.split("/")[2].encode()
    return httpcore.Request(
        "GET", url, headers=[(b"Host", host)],
        extensions={"timeout": {"connect": timeout, "read": timeout, "write": timeout}},
    )


async def get(pool: Pool, url: str) -> bytes:
    response = await pool.handle_async_request(request(url))
    try:
        return b"".join([part async for part in response.stream])
    finally:
        await response.stream.aclose()


def new_pool(**options) -> Pool:
    options = {"max_connections": 8, "max_idle": 8, **options}
    return Pool(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), **options)


async def keep_alive(n, reader, writer):
    writer.write(ok(b"%d" % n))
    await writer.drain()
    return True


async def test_requests_at_once_get_a_connection_each_and_then_share_them():
    gate = asyncio.Event()

    async def answer(n, reader, writer):
        await gate.wait()
        return await keep_alive(n, reader, writer)

    async with RawServer(answer) as server, new_pool() as pool:
        waiting = [asyncio.ensure_future(get(pool, server.url())) for _ in range(3)]
        await asyncio.sleep(0.1)
        assert pool.connections == 3 and pool.idle == 0
        gate.set()
        assert sorted(await asyncio.gather(*waiting)) == [b"1", b"2", b"3"]
        assert pool.idle == 3
        assert [await get(pool, server.url()) for _ in range(3)] == [b"4", b"5", b"6"]
    assert server.connections == 3


async def test_each_origin_has_its_own_connections():
    async with RawServer(keep_alive) as one, RawServer(keep_alive) as two, new_pool() as pool:
        for _ in range(2):
            await get(pool, one.url())
            await get(pool, two.url())
        assert pool.connections == 2
    assert (one.connections, two.connections) == (1, 1)


async def test_at_most_max_idle_connections_wait():
    gate = asyncio.Event()

    async def answer(n, reader, writer):
        await gate.wait()
        return await keep_alive(n, reader, writer)

    async with RawServer(answer) as server, new_pool(max_idle=2) as pool:
        waiting = [asyncio.ensure_future(get(pool, server.url())) for _ in range(4)]
        await asyncio.sleep(0.1)
        gate.set()
        await asyncio.gather(*waiting)
        assert (pool.connections, pool.idle) == (2, 2)


async def test_an_idle_connection_is_closed_to_make_room_for_another_origin():
    async with RawServer(keep_alive) as one, RawServer(keep_alive) as two, \
            new_pool(max_connections=1) as pool:
        await get(pool, one.url())
        await get(pool, two.url())
        await get(pool, one.url())
        assert pool.connections == 1
    assert (one.connections, two.connections) == (2, 1)


async def test_a_connection_idle_longer_than_keepalive_expiry_is_not_used_again():
    async with RawServer(keep_alive) as server, new_pool(keepalive_expiry=0.05) as pool:
        await get(pool, server.url())
        await asyncio.sleep(0.15)
        await get(pool, server.url())
        assert pool.connections == 1
    assert server.connections == 2


async def test_an_answer_with_connection_close_leaves_nothing_open():
    async def answer(n, reader, writer):
        writer.write(ok(b"bye", close=True))
        await writer.drain()
        return False

    async with RawServer(answer) as server, new_pool() as pool:
        assert await get(pool, server.url()) == b"bye"
        assert pool.connections == 0
        await get(pool, server.url())
    assert server.connections == 2


async def test_an_answer_closed_before_its_end_closes_its_connection():
    async def answer(n, reader, writer):
        writer.write(ok(b"x" * 200_000))
        await writer.drain()
        return True

    async with RawServer(answer) as server, new_pool() as pool:
        response = await pool.handle_async_request(request(server.url()))
        async for _ in response.stream:
            break  # the first piece only
        await response.stream.aclose()
        assert pool.connections == 0
        assert len(await get(pool, server.url())) == 200_000
        assert pool.idle == 1
    assert server.connections == 2


async def test_a_cancelled_request_closes_its_connection():
    async def answer(n, reader, writer):
        await asyncio.sleep(10)
        return False

    async with RawServer(answer) as server, new_pool() as pool:
        task = asyncio.ensure_future(get(pool, server.url()))
        await asyncio.sleep(0.1)
        assert pool.connections == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert pool.connections == 0


async def test_a_reset_leaves_nothing_open_and_the_next_request_gets_a_new_connection():
    async def answer(n, reader, writer):
        if n == 1:
            writer.transport.abort()  # a reset, no answer
            return False
        return await keep_alive(n, reader, writer)

    async with RawServer(answer) as server, new_pool() as pool:
        with pytest.raises((httpcore.NetworkError, httpcore.RemoteProtocolError)):
            await get(pool, server.url())
        assert pool.connections == 0
        assert await get(pool, server.url()) == b"2"
    assert server.connections == 2


async def test_closing_the_pool_closes_its_idle_connections():
    ended = asyncio.Event()

    async def answer(n, reader, writer):
        await keep_alive(n, reader, writer)
        await reader.read()  # until the client closes
        ended.set()
        return False

    async with RawServer(answer) as server:
        pool = new_pool()
        await get(pool, server.url())
        assert pool.idle == 1
        await pool.aclose()
        await asyncio.wait_for(ended.wait(), 2)
        assert pool.connections == 0


async def test_only_http_and_https_are_sent():
    async with new_pool() as pool:
        with pytest.raises(httpcore.UnsupportedProtocol):
            await pool.handle_async_request(httpcore.Request("GET", "ftp://127.0.0.1:21/x"))


async def test_the_fetcher_uses_it_for_direct_connections():
    async def answer(n, reader, writer):
        writer.write(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n" if n == 1 else ok(b"<rss/>"))
        await writer.drain()
        return True

    async with RawServer(answer) as server, Fetcher() as fetcher:
        pool = fetcher._transport_for(httpx.URL(server.url()))._pool
        assert isinstance(pool, Pool)
        with pytest.raises(FetchError, match="HTTP 500"):
            await fetcher.fetch(server.url())
        assert pool.connections == 0  # an answer not read to its end: its connection closed
        assert (await fetcher.fetch(server.url())).content == b"<rss/>"
        assert (pool.connections, pool.idle) == (1, 1)


def test_a_refresh_that_meets_no_error_never_loads_anyio(tmp_path):
    # anyio's asyncio backend costs about 45 ms of a command's start; the
    # pool's locks are asyncio's own.
    script = (
        "import asyncio, sys\n"
        "from broadsheet.net.fetch import Fetcher\n"
        "async def serve(reader, writer):\n"
        "    await reader.readuntil(b'\\r\\n\\r\\n')\n"
        "    writer.write(b'HTTP/1.1 200 OK\\r\\nContent-Length: 6\\r\\n\\r\\n<rss/>')\n"
        "    await writer.drain(); writer.close()\n"
        "async def main():\n"
        "    server = await asyncio.start_server(serve, '127.0.0.1', 0)\n"
        "    port = server.sockets[0].getsockname()[1]\n"
        "    async with Fetcher() as fetcher:\n"
        "        result = await fetcher.fetch(f'http://127.0.0.1:{port}/feed')\n"
        "    server.close()\n"
        "    print(result.content.decode(), 'anyio._backends._asyncio' in sys.modules)\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.split() == ["<rss/>", "False"]
