"""Feed autodiscovery from <link rel="alternate"> tags."""

from pathlib import Path

import pytest

from broadsheet.net import Fetcher, discover_feeds, sniff_kind

PAGES = Path("/work/shared/interop/feeds/Ranchero-Software--RSParser/discovery-html")


def page(name: str) -> bytes:
    path = PAGES / name
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path.read_bytes()


def test_daring_fireball_relative_atom_link():
    assert discover_feeds(page("DaringFireball.html"), "https://daringfireball.net/") == [
        "https://daringfireball.net/feeds/main"
    ]


def test_furbo_ignores_stylesheets_with_capital_rel():
    assert discover_feeds(page("furbo.html"), "http://furbo.org/") == ["http://furbo.org/feed/"]


def test_inessential():
    assert discover_feeds(page("inessential.html").decode("utf-8", "replace"), "http://inessential.com/") == [
        "http://inessential.com/xml/rss.xml"
    ]


def test_rel_tokens_types_dedup_order_and_schemes():
    html = """<html><head>
    <link rel="stylesheet" type="text/css" href="/style.css">
    <LINK REL="Alternate Home" TYPE="Application/RSS+XML; charset=utf-8" HREF=" /rss.xml ">
    <link rel="alternate" type="application/atom+xml" href="atom.xml"/>
    <link rel="alternate" type="application/feed+json" href="https://cdn.example.com/feed.json">
    <link rel="alternate" type="application/json" href="/feed.json">
    <link rel="alternate" type="application/rss+xml" href="/rss.xml">
    <link rel="alternate" type="text/html" href="/fr/">
    <link rel="alternate" hreflang="de" href="/de/">
    <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
    <link rel="alternate" type="application/rss+xml" href="ftp://example.com/rss">
    <link rel="alternate" type="application/rss+xml">
    <link rel="alternatefeed" type="application/rss+xml" href="/not-this.xml">
    </head><body><link rel="alternate" type="application/atom+xml" href="/body.xml"></body></html>"""
    assert discover_feeds(html, "https://example.com/blog/post.html") == [
        "https://example.com/rss.xml",
        "https://example.com/blog/atom.xml",
        "https://cdn.example.com/feed.json",
        "https://example.com/feed.json",
        "https://example.com/body.xml",
    ]


def test_base_href_is_respected():
    html = '<head><base href="https://static.example.org/site/"><link rel="alternate" type="application/rss+xml" href="feed.xml"></head>'
    assert discover_feeds(html, "https://example.org/page") == ["https://static.example.org/site/feed.xml"]


def test_nothing_to_discover():
    assert discover_feeds("", "https://example.com/") == []
    assert discover_feeds(b"\x00\xff not html at all <<<<", "https://example.com/") == []
    assert discover_feeds("<html><body>No feeds</body></html>", "https://example.com/") == []


async def test_discover_over_http(http_server):
    http_server.add("/", page("DaringFireball.html"))
    async with Fetcher() as fetcher:
        result = await fetcher.fetch(http_server.url("/"))
    assert sniff_kind(result.content, result.content_type) == "html"
    assert discover_feeds(result.content, result.final_url) == [http_server.url("/feeds/main")]
