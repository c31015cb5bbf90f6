"""Fetcher against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
import time
import zlib

import pytest

from broadsheet import __version__
from broadsheet.net.fetch import Fetcher, FetchError, FetchResult, host_key


async def fetch(url, **kwargs):
    options = {k: kwargs.pop(k) for k in list(kwargs) if k not in ("etag", "last_modified")}
    async with Fetcher(**options) as fetcher:
        return await fetcher.fetch(url, **kwargs)


async def test_fetch_ok(http_server):
    http_server.add("/feed.xml", "<rss/>", content_type="application/rss+xml", etag='"abc"')
    result = await fetch(http_server.url("/feed.xml"))
    assert isinstance(result, FetchResult)
    assert result.status == 200
    assert result.content == b"<rss/>"
    assert result.content_type == "application/rss+xml"
    assert result.etag == '"abc"'
    assert result.not_modified is False
    assert result.url == result.final_url == http_server.url("/feed.xml")
    method, path, headers = http_server.requests[0]
    assert (method, path) == ("GET", "/feed.xml")
    assert headers["User-Agent"] == f"broadsheet/{__version__} (+terminal news reader)"
    assert "If-None-Match" not in headers


async def test_http_error_is_one_clean_line(http_server):
    http_server.add("/missing", "gone", status=404)
    with pytest.raises(FetchError) as info:
        await fetch(http_server.url("/missing"))
    assert str(info.value) == "HTTP 404 Not Found"
    assert info.value.status == 404


async def test_hostile_reason_phrase_is_sanitised(http_server):
    def handler(h):
        h.wfile.write(b"HTTP/1.1 500 Bad \x1b]52;c;aGk=\x07[@click=app.quit] thing\r\nContent-Length: 0\r\n\r\n")
        h.close_connection = True

    http_server.add_handler("/bad", handler)
    with pytest.raises(FetchError) as info:
        await fetch(http_server.url("/bad"))
    message = str(info.value)
    assert message.startswith("HTTP 500 ")
    assert "\x1b" not in message and "\x07" not in message and "\n" not in message


async def test_redirect_chain_followed(http_server):
    http_server.add("/a", "", status=301, headers={"Location": "/b"})
    http_server.add("/b", "", status=302, headers={"Location": http_server.url("/c")})
    http_server.add("/c", "", status=307, headers={"Location": "d"})
    http_server.add("/d", "final", content_type="text/plain")
    result = await fetch(http_server.url("/a"))
    assert result.content == b"final"
    assert result.url == http_server.url("/a")
    assert result.final_url == http_server.url("/d")
    assert http_server.paths() == ["/a", "/b", "/c", "/d"]


async def test_only_permanent_redirects_say_where_a_document_moved(http_server):
    http_server.add("/a", "", status=301, headers={"Location": "/b"})
    http_server.add("/b", "", status=308, headers={"Location": "/c"})
    http_server.add("/c", "here", content_type="text/plain")
    assert (await fetch(http_server.url("/a"))).moved_to == http_server.url("/c")
    assert (await fetch(http_server.url("/c"))).moved_to is None  # not moved
    http_server.add("/b", "", status=302, headers={"Location": "/c"})  # one temporary hop
    assert (await fetch(http_server.url("/a"))).moved_to is None
    http_server.add("/t", "", status=307, headers={"Location": "/c"})
    assert (await fetch(http_server.url("/t"))).moved_to is None


async def test_too_many_redirects(http_server):
    for i in range(10):
        http_server.add(f"/r{i}", "", status=302, headers={"Location": f"/r{i + 1}"})
    http_server.add("/r10", "end")
    with pytest.raises(FetchError, match="too many redirects"):
        await fetch(http_server.url("/r0"), max_redirects=5)
    assert len(http_server.requests) == 6  # the first request and five hops
    # Five hops are allowed.
    result = await fetch(http_server.url("/r5"), max_redirects=5)
    assert result.content == b"end"


async def test_redirect_loop_stops(http_server):
    http_server.add("/x", "", status=302, headers={"Location": "/y"})
    http_server.add("/y", "", status=302, headers={"Location": "/x"})
    started = time.monotonic()
    with pytest.raises(FetchError, match="redirect loop"):
        await fetch(http_server.url("/x"))
    assert time.monotonic() - started < 5
    assert len(http_server.requests) == 6


@pytest.mark.parametrize(
    "location",
    ["file:///etc/passwd", "ftp://example.com/x", "javascript:alert(1)", "data:text/plain,hi"],
)
async def test_redirect_to_non_http_refused(http_server, location):
    http_server.add("/evil", "", status=302, headers={"Location": location})
    with pytest.raises(FetchError, match=r"^redirect to an? (non-http|invalid) address$"):
        await fetch(http_server.url("/evil"))
    assert len(http_server.requests) == 1


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/", "about:blank", "/relative"])
async def test_only_http_urls_accepted(url):
    with pytest.raises(FetchError, match="address"):
        await fetch(url)


async def test_size_cap_stops_streaming(http_server):
    http_server.add("/big", b"x" * 20_000_000, content_type="application/octet-stream")
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        await fetch(http_server.url("/big"), max_bytes=1_000_000)
    assert str(info.value) == "response larger than 1 MB"
    assert time.monotonic() - started < 5


async def test_size_cap_without_content_length(http_server):
    def handler(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        try:
            for _ in range(400):  # 400 * 64 kB = 25 MB if nobody stops reading
                h.wfile.write(b"y" * 65536)
        except OSError:
            pass

    http_server.add_handler("/stream", handler)
    with pytest.raises(FetchError, match="response larger than 1 MB"):
        await fetch(http_server.url("/stream"), max_bytes=1_000_000)


async def test_exactly_max_bytes_is_fine(http_server):
    http_server.add("/edge", b"z" * 1000, content_type="text/plain")
    assert len((await fetch(http_server.url("/edge"), max_bytes=1000)).content) == 1000
    with pytest.raises(FetchError, match="larger than 999 bytes"):
        await fetch(http_server.url("/edge"), max_bytes=999)


async def test_gzip_is_decompressed(http_server):
    body = "<p>héllo</p>".encode() * 1000
    http_server.add("/gz", gzip.compress(body), headers={"Content-Encoding": "gzip"})
    http_server.add("/df", zlib.compress(body), headers={"Content-Encoding": "deflate"})
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    http_server.add("/raw", raw.compress(body) + raw.flush(), headers={"Content-Encoding": "deflate"})
    for path in ("/gz", "/df", "/raw"):
        assert (await fetch(http_server.url(path))).content == body, path
    assert http_server.requests[0][2]["Accept-Encoding"] == "gzip, deflate"


async def test_gzip_bomb_stops_at_cap(http_server):
    bomb = gzip.compress(b"\0" * 50_000_000)
    assert len(bomb) < 1_000_000  # small on the wire …
    http_server.add("/bomb", bomb, content_type="text/html", headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="response larger than 1 MB"):
        await fetch(http_server.url("/bomb"), max_bytes=1_000_000)  # … too big once expanded


async def test_corrupt_gzip(http_server):
    http_server.add("/broken", b"this is not gzip at all", headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="could not decompress"):
        await fetch(http_server.url("/broken"))


def _trickle(h, count=20, pause=0.5):
    h.send_response(200)
    h.send_header("Content-Type", "text/plain")
    h.send_header("Content-Length", str(count))
    h.end_headers()
    try:
        for _ in range(count):
            h.wfile.write(b".")
            h.wfile.flush()
            time.sleep(pause)
    except OSError:
        pass


async def test_total_deadline(http_server):
    http_server.add_handler("/slow", _trickle)
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        await fetch(http_server.url("/slow"), deadline=1, timeout=5)
    elapsed = time.monotonic() - started
    assert str(info.value) == "timed out after 1 s"
    assert 0.9 < elapsed < 2.5


async def test_read_timeout(http_server):
    def silent(h):
        time.sleep(3)

    http_server.add_handler("/silent", silent)
    with pytest.raises(FetchError) as info:
        await fetch(http_server.url("/silent"), timeout=0.5, deadline=10)
    assert str(info.value) == "timed out after 0.5 s"


async def test_connection_refused():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError) as info:
        await fetch(f"http://127.0.0.1:{port}/")
    assert str(info.value) == "connection refused"


async def test_name_not_resolved():
    with pytest.raises(FetchError) as info:
        await fetch("http://no-such-host.invalid/feed")
    assert str(info.value) == "name not resolved"


async def test_garbage_response_is_one_line(http_server):
    def garbage(h):
        h.wfile.write(b"\x00\x1b[2J not http\r\n\r\n")
        h.close_connection = True

    http_server.add_handler("/garbage", garbage)
    with pytest.raises(FetchError) as info:
        await fetch(http_server.url("/garbage"))
    assert "\n" not in str(info.value) and "\x1b" not in str(info.value)


async def test_conditional_get_etag(http_server):
    http_server.add("/f", "<rss/>", etag='"v1"')
    first = await fetch(http_server.url("/f"))
    assert first.etag == '"v1"' and not first.not_modified
    second = await fetch(http_server.url("/f"), etag=first.etag)
    assert second.not_modified is True
    assert second.status == 304
    assert second.content == b""
    assert second.etag == '"v1"'
    assert http_server.requests[1][2]["If-None-Match"] == '"v1"'
    # The resource changed: a new body and a new validator.
    http_server.add("/f", "<rss>new</rss>", etag='"v2"')
    third = await fetch(http_server.url("/f"), etag='"v1"')
    assert not third.not_modified and third.content == b"<rss>new</rss>" and third.etag == '"v2"'


async def test_conditional_get_last_modified(http_server):
    stamp = "Wed, 21 Oct 2015 07:28:00 GMT"
    http_server.add("/f", "<rss/>", last_modified=stamp)
    first = await fetch(http_server.url("/f"))
    assert first.last_modified == stamp and first.etag is None
    second = await fetch(http_server.url("/f"), last_modified=first.last_modified)
    assert second.not_modified and second.last_modified == stamp
    assert http_server.requests[1][2]["If-Modified-Since"] == stamp


async def test_unsendable_validators_are_dropped(http_server):
    http_server.add("/f", "<rss/>", etag='"v1"')
    result = await fetch(http_server.url("/f"), etag='"v1\u00e9\n"', last_modified="\x00bad")
    assert not result.not_modified and result.content == b"<rss/>"
    headers = http_server.requests[0][2]
    assert "If-None-Match" not in headers and "If-Modified-Since" not in headers


async def test_conditional_headers_kept_across_redirects(http_server):
    http_server.add("/old", "", status=301, headers={"Location": "/new"})
    http_server.add("/new", "<rss/>", etag='"e"')
    result = await fetch(http_server.url("/old"), etag='"e"')
    assert result.not_modified and result.final_url == http_server.url("/new")


class _Gauge:
    """A handler that answers ``status`` after ``delay`` seconds and counts
    the requests it holds at once (``peak``) and in all (``requests``)."""

    def __init__(self, delay=0.15, status=200):
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0
        self.requests = 0
        self.delay = delay
        self.status = status

    def handler(self, h):
        with self.lock:
            self.now += 1
            self.requests += 1
            self.peak = max(self.peak, self.now)
        try:
            time.sleep(self.delay)
            h.send_response(self.status)
            h.send_header("Content-Length", "2")
            h.end_headers()
            h.wfile.write(b"ok")
        finally:
            with self.lock:
                self.now -= 1


async def test_per_host_concurrency_limit(http_server):
    gauge = _Gauge()
    http_server.add_handler("/busy", gauge.handler)
    async with Fetcher(concurrency=16, per_host=3) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(http_server.url("/busy")) for _ in range(12)))
    assert all(r.content == b"ok" for r in results)
    assert gauge.peak == 3


async def test_a_prompt_host_is_given_more_slots_up_to_the_most(http_server):
    gauge = _Gauge(delay=0.08)
    http_server.add_handler("/prompt", gauge.handler)
    async with Fetcher(concurrency=32, per_host=2, per_host_most=6) as fetcher:
        started = time.monotonic()
        results = await asyncio.gather(*(fetcher.fetch(http_server.url("/prompt")) for _ in range(40)))
        took = time.monotonic() - started
        slots = fetcher.host_slots(http_server.url("/"))
    assert all(r.content == b"ok" for r in results)
    assert gauge.peak == 6  # grew from 2, never past the most
    assert slots.limit == 6 and slots.busy == 0
    # Two at a time would take 20 rounds of 0.08 s.
    assert took < 20 * 0.08


async def test_without_a_most_the_host_limit_stays_fixed(http_server):
    gauge = _Gauge(delay=0.05)
    http_server.add_handler("/fixed", gauge.handler)
    async with Fetcher(concurrency=32, per_host=3) as fetcher:
        await asyncio.gather(*(fetcher.fetch(http_server.url("/fixed")) for _ in range(30)))
        assert fetcher.host_slots(http_server.url("/")).limit == 3
    assert gauge.peak == 3


async def test_a_strained_host_is_given_fewer_slots(http_server):
    gauge = _Gauge(delay=0.02, status=503)  # no Retry-After: no retry either
    http_server.add_handler("/strained", gauge.handler)
    async with Fetcher(concurrency=32, per_host=8, per_host_most=32) as fetcher:
        outcomes = await asyncio.gather(
            *(fetcher.fetch(http_server.url("/strained")) for _ in range(24)), return_exceptions=True
        )
        slots = fetcher.host_slots(http_server.url("/"))
        assert slots.limit == 1 and slots.busy == 0
    assert all(isinstance(o, FetchError) and o.status == 503 for o in outcomes)
    assert gauge.requests == 24
    assert gauge.peak <= 8


async def test_a_host_that_coped_with_more_last_time_starts_there(http_server):
    gauge = _Gauge(delay=0.08)
    http_server.add_handler("/coped", gauge.handler)
    async with Fetcher(concurrency=32, per_host=2, per_host_most=8) as fetcher:
        await asyncio.gather(*(fetcher.fetch(http_server.url("/coped")) for _ in range(30)))
        shares = fetcher.host_shares()
    assert shares == {host_key(http_server.url("/")): 1.0}  # it ended at the most
    # (Answers slow enough now that every request of a wave overlaps.)
    slower = _Gauge(delay=0.4)
    http_server.add_handler("/coped-again", slower.handler)
    async with Fetcher(concurrency=32, per_host=2, per_host_most=8, remembered=shares) as fetcher:
        # All at once, from the first request: no growing from two.
        await asyncio.gather(*(fetcher.fetch(http_server.url("/coped-again")) for _ in range(8)))
    assert slower.peak == 8
    half = {host_key(http_server.url("/")): 0.5}
    async with Fetcher(concurrency=32, per_host=2, per_host_most=8, remembered=half) as fetcher:
        assert fetcher.host_slots(http_server.url("/")).limit == 4
        assert fetcher.host_slots("http://elsewhere.test/").limit == 2


async def test_a_host_that_ended_strained_or_at_the_start_is_not_remembered(http_server):
    http_server.add_handler("/strained-again", _Gauge(delay=0.02, status=503).handler)
    http_server.add_handler("/few", _Gauge().handler)
    shares = {host_key(http_server.url("/")): 1.0}
    async with Fetcher(concurrency=32, per_host=2, per_host_most=8, remembered=shares) as fetcher:
        await asyncio.gather(*(fetcher.fetch(http_server.url("/strained-again")) for _ in range(8)),
                             return_exceptions=True)
        assert fetcher.host_shares() == {host_key(http_server.url("/")): None}
    async with Fetcher(concurrency=32, per_host=2, per_host_most=8) as fetcher:
        await fetcher.fetch(http_server.url("/few"))
        assert fetcher.host_shares() == {host_key(http_server.url("/")): None}


async def test_a_slow_answer_does_not_open_more_slots(http_server, monkeypatch):
    from broadsheet.net import fetch as fetch_module

    monkeypatch.setattr(fetch_module.HostSlots, "PROMPT", 0.01)
    gauge = _Gauge(delay=0.05)
    http_server.add_handler("/slow-ish", gauge.handler)
    async with Fetcher(concurrency=32, per_host=2, per_host_most=8) as fetcher:
        await asyncio.gather(*(fetcher.fetch(http_server.url("/slow-ish")) for _ in range(12)))
        assert fetcher.host_slots(http_server.url("/")).limit == 2
    assert gauge.peak == 2


async def test_a_refused_connection_counts_as_strain():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/feed"
    async with Fetcher(per_host=4, per_host_most=16) as fetcher:
        outcomes = await asyncio.gather(*(fetcher.fetch(url) for _ in range(3)), return_exceptions=True)
        assert fetcher.host_slots(url).limit == 1
    assert all(str(o) == "connection refused" for o in outcomes)


async def test_waiting_for_a_host_slot_can_be_cancelled(http_server):
    gauge = _Gauge(delay=0.3)
    http_server.add_handler("/held", gauge.handler)
    async with Fetcher(per_host=1) as fetcher:
        first = asyncio.ensure_future(fetcher.fetch(http_server.url("/held")))
        await asyncio.sleep(0.05)
        second = asyncio.ensure_future(fetcher.fetch(http_server.url("/held")))
        await asyncio.sleep(0.05)
        second.cancel()
        result = await first
        with pytest.raises(asyncio.CancelledError):
            await second
        slots = fetcher.host_slots(http_server.url("/"))
        assert slots.busy == 0
        # The slot is free again: another fetch goes through.
        assert (await fetcher.fetch(http_server.url("/held"))).content == b"ok"
    assert result.content == b"ok"
    assert gauge.requests == 2


async def test_global_concurrency_limit(http_server):
    # 127.0.0.1 and localhost are two hosts for the per-host limit.
    gauge = _Gauge()
    http_server.add_handler("/busy", gauge.handler)
    other = http_server.url("/busy").replace("127.0.0.1", "localhost")
    async with Fetcher(concurrency=2, per_host=4) as fetcher:
        urls = [http_server.url("/busy"), other] * 4
        results = await asyncio.gather(*(fetcher.fetch(u) for u in urls))
    assert len(results) == 8
    assert gauge.peak == 2


async def test_deadline_starts_when_a_slot_is_free(http_server):
    def slowish(h):
        time.sleep(0.6)
        h.send_response(200)
        h.send_header("Content-Length", "2")
        h.end_headers()
        h.wfile.write(b"ok")

    http_server.add_handler("/slowish", slowish)
    started = time.monotonic()
    async with Fetcher(concurrency=1, deadline=1) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(http_server.url("/slowish")) for _ in range(3)))
    # Three requests one after the other take longer than one deadline; none timed out.
    assert time.monotonic() - started > 1.5
    assert [r.content for r in results] == [b"ok"] * 3


async def test_one_failure_does_not_stop_others(http_server):
    http_server.add("/ok", "fine")
    http_server.add("/bad", "no", status=500)
    async with Fetcher() as fetcher:
        results = await asyncio.gather(
            fetcher.fetch(http_server.url("/ok")),
            fetcher.fetch(http_server.url("/bad")),
            fetcher.fetch(http_server.url("/ok")),
            return_exceptions=True,
        )
    assert results[0].content == b"fine" and results[2].content == b"fine"
    assert isinstance(results[1], FetchError) and str(results[1]) == "HTTP 500 Internal Server Error"


async def test_retry_after_429(http_server):
    calls = []

    def limited(h):
        calls.append(time.monotonic())
        if len(calls) == 1:
            h.send_response(429)
            h.send_header("Retry-After", "1")
            h.send_header("Content-Length", "0")
            h.end_headers()
        else:
            h.send_response(200)
            h.send_header("Content-Length", "4")
            h.end_headers()
            h.wfile.write(b"done")

    http_server.add_handler("/limited", limited)
    result = await fetch(http_server.url("/limited"))
    assert result.content == b"done"
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.9


async def test_retry_after_too_long_gives_up(http_server):
    http_server.add("/later", "", status=503, headers={"Retry-After": "3600"})
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        await fetch(http_server.url("/later"))
    assert str(info.value) == "HTTP 503 Service Unavailable"
    assert time.monotonic() - started < 2
    assert len(http_server.requests) == 1


async def test_the_environment_proxy_is_used_unless_no_proxy_names_the_host(http_server, monkeypatch):
    # The test server plays the proxy: a request through it names the whole
    # address (the server answers by the path alone).
    http_server.add("/feed.xml", "<rss/>", content_type="application/rss+xml")
    http_server.add("/direct.xml", "<rss/>", content_type="application/rss+xml")
    for name in ("all_proxy", "ALL_PROXY", "https_proxy", "HTTPS_PROXY", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", http_server.base)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    async with Fetcher() as fetcher:
        through = await fetcher.fetch("http://feeds.example.test/feed.xml")
        direct = await fetcher.fetch(http_server.url("/direct.xml"))
    assert through.content == direct.content == b"<rss/>"
    assert http_server.paths() == ["http://feeds.example.test/feed.xml", "/direct.xml"]


@pytest.fixture
def tls_server():
    """A TLS server on 127.0.0.1 whose self-signed certificate nobody trusts."""
    import http.server
    import ssl
    from pathlib import Path

    data = Path(__file__).parent / "data"

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "6")
            self.end_headers()
            self.wfile.write(b"<rss/>")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(data / "selfsigned-cert.pem", data / "selfsigned-key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_https_certificates_are_checked_also_after_plain_http(http_server, tls_server):
    # The plain-http connections never load the trusted certificates; an
    # https address, also one reached by a redirect, gets a checking pool.
    http_server.add("/plain.xml", "<rss/>", content_type="application/rss+xml")
    http_server.add("/to-tls", status=302, headers={"Location": tls_server + "/feed.xml"})
    async with Fetcher() as fetcher:
        assert (await fetcher.fetch(http_server.url("/plain.xml"))).content == b"<rss/>"
        with pytest.raises(FetchError, match="certificate not trusted"):
            await fetcher.fetch(tls_server + "/feed.xml")
        with pytest.raises(FetchError, match="certificate not trusted"):
            await fetcher.fetch(http_server.url("/to-tls"))


@pytest.mark.parametrize("encoding", ["gzip", "identity"])
async def test_a_body_known_by_its_fingerprint_is_not_decoded_again(http_server, monkeypatch, encoding):
    from broadsheet.net import fetch as fetch_module

    body = b"<rss>" + b"<item>same old story</item>" * 500 + b"</rss>"
    sent = gzip.compress(body, mtime=0) if encoding == "gzip" else body
    headers = {"Content-Encoding": "gzip"} if encoding == "gzip" else {}
    http_server.add("/same.xml", sent, content_type="application/rss+xml", headers=headers)
    decoded = []
    real = fetch_module._decompress
    monkeypatch.setattr(fetch_module, "_decompress", lambda *a: decoded.append(1) or real(*a))
    async with Fetcher() as fetcher:
        first = await fetcher.fetch(http_server.url("/same.xml"))
        again = await fetcher.fetch(http_server.url("/same.xml"), known=first.fingerprint)
        other = await fetcher.fetch(http_server.url("/same.xml"), known="0" * 32)
    assert first.content == other.content == body and not first.unchanged and not other.unchanged
    assert first.fingerprint == other.fingerprint == fetch_module.fingerprint(sent)
    assert again.unchanged and again.content == b"" and again.fingerprint == first.fingerprint
    assert again.status == 200 and not again.not_modified
    assert len(decoded) == (2 if encoding == "gzip" else 0)  # first and other, never again
