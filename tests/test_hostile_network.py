"""broadsheet against misbehaving HTTP servers (a real server on 127.0.0.1).

Every case: the fetch fails with one short line (or succeeds safely), within
its deadline, without unbounded memory, and other sources keep working.
"""

from __future__ import annotations

import resource
import socket
import time
import zlib

import pytest

from broadsheet.net.fetch import FetchError, Fetcher
from broadsheet.services import Services

RSS = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
    "<link>http://example.org/</link>{items}</channel></rss>"
)


def rss(title: str, n: int = 2, prefix: str = "g") -> str:
    items = "".join(
        f"<item><title>{title} {i}</title><guid>{prefix}{i}</guid>"
        f"<link>http://example.org/{prefix}{i}</link><description>d{i}</description></item>"
        for i in range(n)
    )
    return RSS.format(title=title, items=items)


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_line(text: str) -> bool:
    return bool(text) and "\n" not in text and "\r" not in text and len(text) <= 300


def raw(data: bytes):
    """A handler that writes ``data`` as the whole answer and hangs up."""

    def handler(h):
        h.wfile.write(data)
        h.wfile.flush()
        h.close_connection = True

    return handler


def stream_forever(chunk: bytes, *, chunked: bool, length: int | None = None, pause: float = 0.0):
    def handler(h):
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        if chunked:
            h.send_header("Transfer-Encoding", "chunked")
        elif length is not None:
            h.send_header("Content-Length", str(length))
        h.end_headers()
        h.close_connection = True
        started = time.monotonic()
        try:
            while time.monotonic() - started < 60:
                if chunked:
                    h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                else:
                    h.wfile.write(chunk)
                h.wfile.flush()
                if pause:
                    time.sleep(pause)
        except OSError:
            pass

    return handler


def silent(seconds: float):
    def handler(h):
        time.sleep(seconds)
        h.close_connection = True

    return handler


async def fetch_error(url: str, **options) -> tuple[str, float]:
    started = time.monotonic()
    async with Fetcher(**options) as fetcher:
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(url)
    return str(info.value), time.monotonic() - started


# ---------------------------------------------------------------- sizes


@pytest.mark.parametrize("chunked", [False, True])
async def test_hundreds_of_megabytes_stop_at_the_cap(http_server, chunked):
    before = maxrss_mb()
    url = http_server.add_handler(
        "/huge", stream_forever(b"x" * 65536, chunked=chunked, length=None if chunked else 400_000_000)
    )
    message, elapsed = await fetch_error(url, max_bytes=5_000_000, deadline=10)
    assert message == "response larger than 5 MB"
    assert elapsed < 10
    assert maxrss_mb() - before < 256


async def test_declared_huge_length_refused_before_reading(http_server):
    url = http_server.add_handler("/big", stream_forever(b"x" * 65536, chunked=False, length=300_000_000))
    message, elapsed = await fetch_error(url, max_bytes=1_000_000)
    assert message == "response larger than 1 MB" and elapsed < 5


async def test_gzip_bomb_is_capped_after_decompression(http_server):
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * (1 << 20)
    bomb = b"".join(packer.compress(zeros) for _ in range(500)) + packer.flush()  # 500 MB inflated
    assert len(bomb) < 1_000_000
    http_server.add("/bomb", bomb, "application/rss+xml", headers={"Content-Encoding": "gzip"})
    before = maxrss_mb()
    message, elapsed = await fetch_error(http_server.url("/bomb"), max_bytes=10_000_000)
    assert message == "response larger than 10 MB"
    assert maxrss_mb() - before < 256
    assert elapsed < 10


async def test_endless_chunked_body_is_capped(http_server):
    url = http_server.add_handler("/endless", stream_forever(b"<item>" * 1000, chunked=True))
    message, _ = await fetch_error(url, max_bytes=2_000_000, deadline=10)
    assert message == "response larger than 2 MB"


# ---------------------------------------------------------------- time


async def test_a_byte_a_second_hits_the_total_deadline(http_server):
    url = http_server.add_handler("/drip", stream_forever(b"x", chunked=False, length=1000, pause=0.5))
    message, elapsed = await fetch_error(url, deadline=2, timeout=5)
    assert message == "timed out after 2 s"
    assert elapsed < 3.5


async def test_server_that_never_answers(http_server):
    url = http_server.add_handler("/mute", silent(30))
    message, elapsed = await fetch_error(url, deadline=1.5, timeout=10)
    assert message == "timed out after 1.5 s"
    assert elapsed < 3


async def test_accepting_socket_that_never_reads():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # never accept()ed: the connection sits in the backlog
    try:
        message, elapsed = await fetch_error(
            f"http://127.0.0.1:{listener.getsockname()[1]}/", deadline=1.5, timeout=10
        )
    finally:
        listener.close()
    assert message.startswith("timed out") and elapsed < 3


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-Pad-%d: %s\r\n" % (i, b"a" * 8000) for i in range(200)),
        b"HTTP/1.1 200 OK\r\nX-Huge: " + b"a" * 2_000_000 + b"\r\n",
    ],
    ids=["many-headers", "one-huge-header"],
)
async def test_huge_headers(http_server, head):
    url = http_server.add_handler("/headers", raw(head + b"Content-Length: 2\r\n\r\nok"))
    before = maxrss_mb()
    message, elapsed = await fetch_error(url, deadline=5)
    assert one_line(message) and elapsed < 5
    assert maxrss_mb() - before < 256


# ---------------------------------------------------------------- redirects


async def test_redirect_loop_and_long_chain(http_server):
    http_server.add("/a", "", status=302, headers={"Location": "/b"})
    http_server.add("/b", "", status=302, headers={"Location": "/a"})
    for i in range(50):
        http_server.add(f"/c{i}", "", status=301, headers={"Location": f"/c{i + 1}"})
    http_server.add("/c50", rss("end"), "application/rss+xml")
    assert (await fetch_error(http_server.url("/a"), max_redirects=5))[0] == "redirect loop"
    message, _ = await fetch_error(http_server.url("/c0"), max_redirects=5)
    assert message == "too many redirects (more than 5)"
    assert len([p for p in http_server.paths() if p.startswith("/c")]) == 6


@pytest.mark.parametrize(
    "location",
    ["file:///etc/passwd", "data:text/html,<b>x</b>", "javascript:alert(1)", "ftp://127.0.0.1/x",
     "gopher://127.0.0.1:70/", "view-source:http://127.0.0.1/"],
)
async def test_redirect_to_other_schemes_is_refused(http_server, location):
    url = http_server.add("/r", "", status=302, headers={"Location": location})
    message, _ = await fetch_error(url)
    assert message in ("redirect to a non-http address", "redirect to an invalid address")
    assert http_server.paths() == ["/r"]


async def test_redirect_to_a_closed_port(http_server):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    url = http_server.add("/r", "", status=302, headers={"Location": f"http://127.0.0.1:{port}/x"})
    message, elapsed = await fetch_error(url)
    assert message == "connection refused" and elapsed < 5


# ---------------------------------------------------------------- statuses and broken HTTP


@pytest.mark.parametrize("status", [404, 410, 500])
async def test_error_statuses(http_server, status):
    url = http_server.add("/s", "<h1>\x1b[31mno</h1>", status=status)
    async with Fetcher() as fetcher:
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(url)
    assert info.value.status == status
    assert str(info.value).startswith(f"HTTP {status} ") and one_line(str(info.value))


async def test_retry_after_is_honoured_once(http_server):
    calls = []

    def busy(h):
        calls.append(time.monotonic())
        if len(calls) == 1:
            h._send(503, b"busy", "text/plain", {"Retry-After": "1"})
        else:
            h._send(200, rss("back").encode(), "application/rss+xml", {})

    url = http_server.add_handler("/busy", busy)
    async with Fetcher(deadline=10) as fetcher:
        result = await fetcher.fetch(url)
    assert result.status == 200 and len(calls) == 2
    assert calls[1] - calls[0] >= 0.9


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("retry_after", ["3600", "Wed, 21 Oct 2099 07:28:00 GMT", "soon", "-5"])
async def test_long_or_bad_retry_after_gives_up_at_once(http_server, status, retry_after):
    url = http_server.add("/busy", "busy", status=status, headers={"Retry-After": retry_after})
    async with Fetcher(deadline=5) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(url)
    assert time.monotonic() - started < 2
    assert info.value.status == status and str(info.value).startswith(f"HTTP {status}")


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 abc Nope\r\n\r\n",
        b"HTTZ 200 OK\r\n\r\n",
        b"\x00\x01\x02garbage\r\n\r\n",
        b"",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a little",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nbroken\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcdefg",
    ],
    ids=["bad-status", "bad-protocol", "binary", "empty", "short-body", "bad-chunk-size",
         "cut-chunk", "two-lengths"],
)
async def test_broken_http_is_one_line(http_server, answer):
    url = http_server.add_handler("/broken", raw(answer))
    message, elapsed = await fetch_error(url, deadline=5)
    assert one_line(message) and elapsed < 5


async def test_content_length_shorter_than_body_keeps_only_declared_bytes(http_server):
    url = http_server.add_handler(
        "/long", raw(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcdeEXTRA-GARBAGE")
    )
    async with Fetcher() as fetcher:
        result = await fetcher.fetch(url)
    assert result.content == b"abcde"


# ---------------------------------------------------------------- end to end through services


def _stories(services: Services) -> list:
    return services.stories_page("", 0, 100_000)


async def test_refresh_with_hostile_sources_keeps_the_good_ones(http_server, tmp_path):
    http_server.add("/good.xml", rss("Good", 3), "application/rss+xml")
    for name in ("slow", "huge", "bomb", "err", "gone", "broken", "mute"):
        http_server.add(f"/{name}.xml", rss(name.title(), 1, prefix=name), "application/rss+xml")
    services = Services.open(tmp_path / "lib.sqlite", deadline=3, timeout=2, max_bytes=2_000_000)
    try:
        report = await services.add([http_server.url(f"/{n}.xml") for n in
                                     ("good", "slow", "huge", "bomb", "err", "gone", "broken", "mute")])
        assert not report.failed
        before = {(s.source_id, s.guid) for s in _stories(services)}
        assert len(before) == 3 + 7
        # Now every feed but the good one turns hostile.
        http_server.add_handler("/slow.xml", stream_forever(b"x", chunked=False, length=100, pause=0.5))
        http_server.add_handler("/huge.xml", stream_forever(b"x" * 65536, chunked=True))
        packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        bomb = b"".join(packer.compress(b"\0" * (1 << 20)) for _ in range(100)) + packer.flush()
        http_server.add("/bomb.xml", bomb, "application/rss+xml", headers={"Content-Encoding": "gzip"})
        http_server.add("/err.xml", "oops", status=500)
        http_server.add("/gone.xml", "gone", status=404)
        http_server.add_handler("/broken.xml", raw(b"HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\n<rss>"))
        http_server.add_handler("/mute.xml", silent(20))
        http_server.add("/good.xml", rss("Good", 5), "application/rss+xml")
        started = time.monotonic()
        before_mem = maxrss_mb()
        refresh = await services.refresh()
        assert time.monotonic() - started < 6
        assert maxrss_mb() - before_mem < 256
        assert refresh.new_stories == 2
        reasons = dict(refresh.failed)
        assert len(reasons) == 7
        assert all(one_line(r) for r in reasons.values())
        assert reasons["Err"] == "HTTP 500 Internal Server Error"
        assert reasons["Gone"] == "HTTP 404 Not Found"
        assert reasons["Huge"] == reasons["Bomb"] == "response larger than 2 MB"
        assert reasons["Slow"] == "timed out after 3 s"  # the total deadline
        # silent: whichever comes first, the per-read timeout or the deadline
        assert reasons["Mute"] in ("timed out after 2 s", "timed out after 3 s")
        after = [(s.source_id, s.guid) for s in _stories(services)]
        assert len(after) == len(set(after)) == 12  # nothing lost, nothing doubled
        assert before <= set(after)
        errors = {s.title: s.last_error for s in services.sources() if s.kind == "feed"}
        assert errors["Good"] is None and errors["Err"] == "HTTP 500 Internal Server Error"
    finally:
        services.close()


@pytest.mark.parametrize("status", [410, 404])
async def test_gone_feed_is_marked_and_no_longer_polled(http_server, tmp_path, status):
    http_server.add("/f.xml", rss("Soon gone", 2), "application/rss+xml")
    services = Services.open(tmp_path / "lib.sqlite", deadline=3)
    try:
        await services.add([http_server.url("/f.xml")])
        http_server.add("/f.xml", "gone", status=status)
        for _ in range(4):  # a 404 may be a passing mistake: gone after several in a row
            await services.refresh()
        http_server.requests.clear()
        await services.refresh()
        assert "/f.xml" not in http_server.paths()
        assert len(_stories(services)) == 2  # stories of a gone feed are kept
    finally:
        services.close()


async def test_add_pdf_served_as_html_and_image_served_as_feed(http_server, tmp_path):
    http_server.add("/doc", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog>> endobj\n" + bytes(range(256)) * 200,
                    "text/html; charset=utf-8")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40 + b"<rss"
    http_server.add("/img.xml", png, "application/rss+xml")
    http_server.add("/ok.xml", rss("Fine", 2), "application/rss+xml")
    services = Services.open(tmp_path / "lib.sqlite", deadline=5)
    try:
        report = await services.add(
            [http_server.url("/doc"), http_server.url("/img.xml"), http_server.url("/ok.xml")]
        )
        kinds = [o.kind for o in report.outcomes]
        assert kinds == ["error", "error", "feed"]
        assert all(one_line(o.message) for o in report.failed)
        assert len(_stories(services)) == 2
    finally:
        services.close()


async def test_add_html_page_autodiscovers_its_feed(http_server, tmp_path):
    http_server.add("/feed.xml", rss("Found", 2), "application/rss+xml")
    http_server.add("/", '<html><head><link rel="alternate" type="application/rss+xml" '
                         'href="/feed.xml"></head><body><p>home</p></body></html>')
    services = Services.open(tmp_path / "lib.sqlite", deadline=5)
    try:
        report = await services.add([http_server.url("/")])
        assert [o.kind for o in report.outcomes] == ["feed"]
        assert [s.url for s in services.sources() if s.kind == "feed"] == [http_server.url("/feed.xml")]
    finally:
        services.close()


async def test_autodiscovery_to_itself_and_in_a_loop_ends(http_server, tmp_path):
    body = "<p>" + "Some article text that is long enough to be read. " * 40 + "</p>"
    http_server.add("/self", '<html><head><title>Self</title><link rel="alternate" type="application/rss+xml" '
                             f'href="/self"></head><body><article>{body}</article></body></html>')
    http_server.add("/a", '<html><head><link rel="alternate" type="application/atom+xml" href="/b">'
                          f'</head><body>{body}</body></html>')
    http_server.add("/b", '<html><head><link rel="alternate" type="application/atom+xml" href="/a">'
                          "</head><body>b</body></html>")
    services = Services.open(tmp_path / "lib.sqlite", deadline=5)
    try:
        started = time.monotonic()
        report = await services.add([http_server.url("/self"), http_server.url("/a")])
        assert time.monotonic() - started < 10
        # Neither advertises a real feed: both are saved as articles, once each.
        assert [o.kind for o in report.outcomes] == ["saved", "saved"]
        assert http_server.paths().count("/self") == 1
        assert http_server.paths().count("/a") == 1 and http_server.paths().count("/b") == 1
    finally:
        services.close()
