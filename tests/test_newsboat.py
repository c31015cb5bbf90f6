"""Importing newsboat's urls file, its cache.db, or the folder holding both.

tests/data/newsboat holds real files: ``cache.db`` was written by newsboat
2.21.0 refreshing ``urls`` against ``harbour.rss`` and ``gazette.atom``
(served on 127.0.0.1:8766), then, in newsboat, one story was marked read,
one flagged ``s`` and one deleted (see its README).
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from broadsheet.cli import main
from broadsheet.exchange.importers import guess_format, parse_import
from broadsheet.exchange.newsboat import NewsboatCache, html_text, looks_like_urls
from broadsheet.services import ServiceError, Services

DATA = Path(__file__).parent / "data" / "newsboat"
SERVED = "http://127.0.0.1:8766"
HARBOUR, GAZETTE = f"{SERVED}/harbour.rss", f"{SERVED}/gazette.atom"


@pytest.fixture
def services(tmp_path):
    opened = Services.open(tmp_path / "lib.sqlite3")
    yield opened
    opened.close()


def stories_by_title(services: Services) -> dict:
    return {s.title: s for s in services.stories_page("", 0, 100)}


def test_the_urls_file_gives_feeds_with_their_names_and_tags():
    text = (DATA / "urls").read_text()
    assert looks_like_urls(text) and guess_format(text.encode(), "urls") == "newsboat"
    batch = parse_import(text.encode(), "newsboat")
    assert [(f.url, f.title, f.tags) for f in batch.feeds] == [
        (HARBOUR, "Harbour News", ["local", "long reads"]),
        (GAZETTE, "", ["news"]),  # hidden in newsboat (!): followed here
        (f"{SERVED}/missing.xml", "", []),
    ]
    assert batch.problems == [
        "line 5: the query feed 'Local unread' is a saved search in newsboat; search with / instead (skipped)",
        "line 6: an exec: feed runs a command, which broadsheet never does (skipped)",
        "line 7: a filter: feed runs a command, which broadsheet never does (skipped)",
    ]


def test_urls_lines_are_split_as_newsboat_splits_them():
    text = ('https://a.example/feed "two words" "~A \\"quoted\\" name" plain\n'
            "  # a comment\n"
            "https://a.example/feed again\n"  # the same feed twice: once
            "ftp://b.example/feed\n"
            '"https://c.example/feed" !hidden "[bold]x[/]"\n')
    batch = parse_import(text.encode(), "newsboat")
    assert [(f.url, f.title, f.tags) for f in batch.feeds] == [
        ("https://a.example/feed", 'A "quoted" name', ["two words", "plain"]),
        ("https://c.example/feed", "", ["[bold]x[/]"]),
    ]
    assert batch.problems == ["line 4: 'ftp://b.example/feed' is not a web address (skipped)"]


def test_other_files_do_not_pass_for_a_urls_file():
    assert not looks_like_urls("")
    assert not looks_like_urls("# only a comment\n")
    assert not looks_like_urls("url,title\nhttps://a.example/,A\n")
    assert not looks_like_urls("<opml version='2.0'></opml>")
    assert not looks_like_urls("https://a.example/feed\nsome words\n")
    assert guess_format((DATA / "cache.db").read_bytes()[:100]) == "newsboat"


def test_the_cache_brings_every_story_with_its_state(services):
    report = services.import_file(DATA / "cache.db")
    assert (report.feeds_added, report.stories_added, report.problems) == (2, 7, [])
    sources = {s.url: s for s in services.sources()}
    assert sources[HARBOUR].title == "Harbour Town News" and sources[GAZETTE].title == "Coast Gazette"
    assert sources[HARBOUR].site_url == f"{SERVED}/harbour/" and sources[GAZETTE].site_url is None
    found = stories_by_title(services)
    assert set(found) == {
        "Herring season opens early", "[bold]Council[/] votes on the [@click=app.quit]promenade[/]",
        "Ferry timetable changes for winter", "Harbour wall needs repair", "Old crane to be restored",
        "Café on the quay wins a prize", "Lighthouse keeper retires after forty years"}
    # Read in newsboat, and deleted there (kept, read: the feed still lists it).
    assert {t for t, s in found.items() if s.read} == {"Herring season opens early",
                                                         "Ferry timetable changes for winter"}
    promenade = found["[bold]Council[/] votes on the [@click=app.quit]promenade[/]"]
    assert promenade.tags == ("flag-s",) and promenade.url == f"{SERVED}/harbour/promenade"
    wall = services.story(found["Harbour wall needs repair"].id)
    assert wall.author == "Ana Reyes"
    assert wall.published == datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)
    assert wall.summary.startswith("The harbour wall was built in 1820") and "\n\nEngineers now say" in wall.summary
    # The text is searchable at once, without opening the story.
    assert services.count_stories("centuries") == 1 and services.count_stories("shoals fortnight") == 1
    # A second import adds nothing.
    again = services.import_file(DATA / "cache.db")
    assert (again.feeds_added, again.stories_added, again.stories_known) == (0, 0, 7)


def test_the_folder_brings_the_urls_files_feeds_and_the_caches_stories(services, tmp_path):
    folder = tmp_path / ".newsboat"
    folder.mkdir()
    shutil.copy(DATA / "urls", folder / "urls")
    shutil.copy(DATA / "cache.db", folder / "cache.db")
    with sqlite3.connect(folder / "cache.db") as db:  # a feed since dropped from the urls file
        db.execute("INSERT INTO rss_feed (rssurl, url, title) VALUES (?, ?, ?)",
                   ("https://old.example/feed", "https://old.example/", "Old Feed"))
        db.execute("INSERT INTO rss_item (guid, title, author, url, feedurl, pubDate, content, unread) "
                   "VALUES ('old-1', 'An old story', '', 'https://old.example/1', 'https://old.example/feed', "
                   "1700000000, '<p>Old.</p>', 1)")
    report = services.import_file(folder)
    assert (report.feeds_added, report.stories_added) == (4, 8)
    assert report.problems[0].startswith("urls: line 5: the query feed")
    sources = {s.url: s for s in services.sources()}
    assert sources[HARBOUR].title == "Harbour News"  # the urls file's name for it
    assert sources[GAZETTE].title == "Coast Gazette"  # unnamed there: the cache's
    assert sources["https://old.example/feed"].state == "unsubscribed"
    assert sources[HARBOUR].state == "" and sources[GAZETTE].state == ""
    found = stories_by_title(services)
    assert found["Harbour wall needs repair"].tags == ("local", "long reads")  # the feed's tags
    assert sorted(found["[bold]Council[/] votes on the [@click=app.quit]promenade[/]"].tags) == [
        "flag-s", "local", "long reads"]
    assert found["Old crane to be restored"].tags == ("news",)
    assert found["An old story"].tags == ()


def _served_copy(tmp_path: Path, http_server) -> Path:
    """The fixture folder with its feeds served by the test server."""
    folder = tmp_path / "newsboat"
    folder.mkdir()
    base = http_server.base
    for name in ("harbour.rss", "gazette.atom"):
        http_server.add(f"/{name}", (DATA / name).read_text().replace(SERVED, base),
                        content_type="application/xml")
    (folder / "urls").write_text((DATA / "urls").read_text().replace(SERVED, base))
    shutil.copy(DATA / "cache.db", folder / "cache.db")
    with sqlite3.connect(folder / "cache.db") as db:
        db.execute("UPDATE rss_feed SET rssurl = replace(rssurl, ?, ?), url = replace(url, ?, ?)",
                   (SERVED, base, SERVED, base))
        db.execute("UPDATE rss_item SET feedurl = replace(feedurl, ?, ?), url = replace(url, ?, ?), "
                   "guid = replace(guid, ?, ?)", (SERVED, base, SERVED, base, SERVED, base))
    return folder


async def test_a_refresh_after_the_import_brings_nothing_twice(services, tmp_path, http_server):
    folder = _served_copy(tmp_path, http_server)
    services.import_file(folder)
    report = await services.refresh()
    assert report.new_stories == 0, [s.title for s in services.stories_page("", 0, 100)]
    assert [what for what, _ in report.failed] == [f"{http_server.base}/missing.xml"]
    assert len(services.stories_page("", 0, 100)) == 7
    # The deleted story is back in no form: it came in read, and stays so.
    assert stories_by_title(services)["Ferry timetable changes for winter"].read


def test_hostile_text_in_the_cache_is_cleaned_on_the_way_in(services, tmp_path):
    cache = tmp_path / "cache.db"
    shutil.copy(DATA / "cache.db", cache)
    with sqlite3.connect(cache) as db:
        db.execute("UPDATE rss_item SET title = ?, author = ?, content = ? WHERE guid = 'harbour-wall-2026'",
                   ("Wall \x1b]52;c;ZWNobyBwd25lZA==\x07grab \x1b[31mred\u202e", "A\x9bB",
                    "<p>Text \x1b[2J<script>alert(1)</script>after</p>"))
    services.import_file(cache)
    wall = next(s for s in services.stories_page("", 0, 100) if s.title.startswith("Wall"))
    stored = services.story(wall.id)
    for text in (stored.title, stored.author, stored.summary):
        assert not any(ord(c) < 32 and c != "\n" or 0x7F <= ord(c) <= 0x9F or c == "\u202e" for c in text), text
    assert "alert" not in stored.summary and stored.summary.replace(" ", "").startswith("Text")


def test_html_text_keeps_paragraphs_apart():
    assert html_text("<p>One <b>two</b></p><p>Three<br>four</p>") == "One two\n\nThree\n\nfour"
    assert html_text("plain  text\n\n\nand more") == "plain text\n\nand more"
    assert html_text("a &amp; b <i>c</i>") == "a & b c"
    assert html_text("") == ""


def test_not_a_newsboat_cache_is_one_clear_error(services, tmp_path):
    other = Services.open(tmp_path / "other.sqlite3")  # an SQLite file of another kind
    other.close()
    with pytest.raises(ServiceError, match=r"other.sqlite3: an SQLite file, but not a newsboat cache.db"):
        services.import_file(tmp_path / "other.sqlite3")
    with pytest.raises(ServiceError, match="is an SQLite file, not a pocket export"):
        services.import_file(DATA / "cache.db", "pocket")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ServiceError, match="holds neither a newsboat urls file nor a cache.db"):
        services.import_file(empty)


def test_the_cache_is_read_a_batch_at_a_time_with_progress(services, tmp_path, monkeypatch):
    from broadsheet.exchange import newsboat

    monkeypatch.setattr(newsboat, "BATCH", 3)
    with NewsboatCache(DATA / "cache.db") as cache:
        assert [len(b.stories) for b in cache.batches(3)] == [3, 3, 1]
    seen: list[tuple[int, int]] = []
    services.import_file(DATA / "cache.db", progress=lambda done, total, _: seen.append((done, total)))
    assert seen == [(0, 7), (3, 7), (6, 7), (7, 7)]


def test_the_command_line_imports_the_folder(tmp_path, capsys):
    folder = tmp_path / "nb"
    shutil.copytree(DATA, folder)
    code = main(["--library", str(tmp_path / "lib.sqlite3"), "import", str(folder)])
    out, err = capsys.readouterr()
    assert code == 0
    assert out == "Imported 3 new feeds, 7 new stories, 0 new highlights; 3 skipped.\n"
    assert err.splitlines()[0] == ("broadsheet: nb: urls: line 5: the query feed 'Local unread' is a saved "
                                   "search in newsboat; search with / instead (skipped)")
