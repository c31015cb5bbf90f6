"""Importers: real exports from other programs (tests/data and ../shared/interop)."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from broadsheet.exchange.importers import (
    FORMATS,
    ImportFormatError,
    guess_format,
    parse_import,
)
from broadsheet.library.store import Library
from broadsheet.model import (
    PARAGRAPH,
    Block,
    Document,
    FeedItem,
    Span,
    TextPositionSelector,
    TextQuoteSelector,
)

INTEROP = Path(__file__).resolve().parents[2] / "shared" / "interop"
OPML_DIR = INTEROP / "opml"
READLATER = INTEROP / "readlater" / "wallabag--wallabag"
DATA = Path(__file__).parent / "data" / "readwise"

needs_opml = pytest.mark.skipif(not OPML_DIR.is_dir(), reason="interop OPML files not present")
needs_readlater = pytest.mark.skipif(not READLATER.is_dir(), reason="interop read-later files not present")

ALL_OPML = sorted(OPML_DIR.rglob("*.opml")) if OPML_DIR.is_dir() else []

HOSTILE = "\x1b]52;c;cGF5bG9hZA==\x07Evil\x1b[31m [@click=app.quit]title\u202e\x9b2J"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def assert_clean(text: str) -> None:
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text), repr(text)


# ---------------------------------------------------------------------------
# OPML


def raw_feed_urls(data: bytes) -> list[str]:
    """xmlUrl values as a person reading the file sees them (a plain regex count)."""
    return [html.unescape(u.decode("utf-8", "replace")) for u in re.findall(rb'xmlUrl="([^"]*)"', data)]


@needs_opml
@pytest.mark.parametrize("path", ALL_OPML, ids=lambda p: str(p.relative_to(OPML_DIR)))
def test_every_real_opml_file_yields_every_visible_feed(path: Path) -> None:
    data = path.read_bytes()
    raw = raw_feed_urls(data)
    try:
        batch = parse_import(data, "opml", filename=path.name)
    except ImportFormatError as error:
        # Only a file that is not OPML at all may be refused, and then by a one-line error.
        assert not raw and b"<opml" not in data
        assert "\n" not in str(error)
        return
    web = {u for u in raw if re.match(r"https?://", u.strip())}
    assert {feed.url for feed in batch.feeds} == web
    assert len(batch.feeds) == len(web)
    skipped = [p for p in batch.problems if re.match(r"line \d+: .*xmlUrl", p)]
    assert len(skipped) == len(raw) - len(web)
    for feed in batch.feeds:
        assert feed.url.startswith(("http://", "https://"))
        assert_clean(feed.title)
        for tag in feed.tags:
            assert tag and "," not in tag
    for problem in batch.problems:
        assert "\n" not in problem


@needs_opml
def test_opml_count_matches_on_the_whole_collection() -> None:
    assert len(ALL_OPML) == 76
    total = sum(len(parse_import(p.read_bytes(), "opml").feeds)
                for p in ALL_OPML if p.name != "invalid_xml.opml")
    expected = sum(len({u for u in raw_feed_urls(p.read_bytes()) if u.startswith("http")})
                   for p in ALL_OPML)
    assert total == expected > 1000


@needs_opml
def test_broken_plenary_export_keeps_all_23_startups_feeds() -> None:
    path = OPML_DIR / "plenaryapp--awesome-rss-feeds/recommended/with_category/Startups.opml"
    batch = parse_import(path.read_bytes(), filename=path.name)
    assert batch.format == "opml"
    assert len(batch.feeds) == 23
    by_url = {feed.url: feed for feed in batch.feeds}
    # The two outlines lxml's recovering parser drops (quotes inside description).
    assert by_url["https://feeds2.feedburner.com/SmallBusinessTrends"].title == "Small Business Trends"
    assert by_url["https://rss.art19.com/tim-ferriss-show"].title == "The Tim Ferriss Show"
    assert all(feed.tags == ["Startups"] for feed in batch.feeds)
    assert batch.problems and batch.problems[0].startswith("line ")
    assert "not well-formed XML" in batch.problems[0]


@needs_opml
def test_bare_ampersands_and_quotes_survive_in_broken_opml() -> None:
    base = OPML_DIR / "plenaryapp--awesome-rss-feeds"
    australia = parse_import((base / "countries/with_category/Australia.opml").read_bytes())
    assert "http://rssfeeds.9news.com/kusa/home&x=1" in {f.url for f in australia.feeds}
    italy = parse_import((base / "countries/without_category/Italy.opml").read_bytes())
    assert ("https://www.ilmattino.it/?sez=XML&args&p=search&args[box]=Home&limit=20&layout=rss"
            in {f.url for f in italy.feeds})
    assert all(f.tags == [] for f in italy.feeds)
    russia = parse_import((base / "countries/with_category/Russia.opml").read_bytes())
    titles = {f.url: f.title for f in russia.feeds}
    assert titles["https://www.kommersant.ru/RSS/main.xml"] == 'Газета "Коммерсантъ". Главное'
    android = parse_import(
        (base / "recommended/with_category/Android Development.opml").read_bytes()
    )
    titles = {f.url: f.title for f in android.feeds}
    assert titles["https://saket.me/feed/"] == "Saket Narayan"  # raw HTML in its description


@needs_opml
def test_newsboat_three_level_folders_become_tags() -> None:
    batch = parse_import((OPML_DIR / "newsboat--newsboat/example.opml").read_bytes())
    tags = {feed.url: feed.tags for feed in batch.feeds}
    assert len(tags) == 7
    assert tags["https://example.com/feed.xml"] == []
    assert tags["https://blogs.example.com/~john/posts.rss"] == ["Blogs"]  # text wins over title
    assert tags["https://blogs.example.com/~mike/.rss"] == ["Blogs", "friends"]
    assert tags["https://fred.example.com/writing/index.php?type=rss"] == ["eloquent"]
    titles = {feed.url: feed.title for feed in batch.feeds}
    assert titles["https://blogs.example.com/~mike/.rss"] == "Notes by Mike"
    assert batch.problems == []


@needs_opml
def test_newsboat_category_attribute() -> None:
    batch = parse_import((OPML_DIR / "newsboat--newsboat/category.opml").read_bytes())
    assert len(batch.feeds) == 1
    feed = batch.feeds[0]
    assert feed.url == "http://feeds.bbci.co.uk/news/business/rss.xml?edition=int"
    assert feed.tags == ["tag one", "tag_two", "tag/three"]
    assert feed.site_url is None  # htmlUrl=""


def test_category_slash_paths_give_their_last_segment() -> None:
    data = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<opml version="2.0"><head><title>t</title></head><body>
<outline text="Caf\xe9s">
  <outline text="Mets" xmlUrl="https://example.org/mets.xml"
           category="/Philosophy/Baseball/Mets,/Tourism/New York, plain"/>
</outline></body></opml>"""
    batch = parse_import(data)
    assert [f.tags for f in batch.feeds] == [["Cafés", "Mets", "New York", "plain"]]


@needs_opml
def test_piped_commands_and_placeholder_urls_are_reported_not_imported() -> None:
    piped = parse_import((OPML_DIR / "newsboat--newsboat/piped.opml").read_bytes())
    assert [(f.url, f.tags) for f in piped.feeds] == [("https://example.com/feed.atom", ["tagged"])]
    assert len(piped.problems) == 1
    assert piped.problems[0].startswith("line 8: ") and "|~/fetch_tweets.py" in piped.problems[0]
    everything = parse_import((OPML_DIR / "Holllo--opml/valid_opml_with_everything.opml").read_bytes())
    assert everything.feeds == []
    assert len(everything.problems) == 2


@needs_opml
def test_opml_without_body_or_feeds_is_a_problem_not_a_crash() -> None:
    missing = parse_import((OPML_DIR / "newsboat--newsboat/body-element-missing.opml").read_bytes())
    assert missing.feeds == [] and any("<body>" in p for p in missing.problems)
    for name in ("Holllo--opml/minimum_valid_opml.opml", "Holllo--opml/spec_samples/directory.opml",
                 "danmactough--node-opmlparser/outline.opml"):
        batch = parse_import((OPML_DIR / name).read_bytes(), "opml")
        assert batch.feeds == [] and batch.problems == ["no feeds in this file (no outline has an xmlUrl)"]
    with pytest.raises(ImportFormatError, match="not an OPML file"):
        parse_import((OPML_DIR / "Holllo--opml/invalid_xml.opml").read_bytes(), "opml")


@needs_opml
def test_latin1_opml_and_subs_export() -> None:
    subs = parse_import((OPML_DIR / "Ranchero-Software--RSParser/Subs.opml").read_bytes())
    assert len(subs.feeds) == 207
    first = subs.feeds[0]
    assert (first.url, first.title, first.site_url) == (
        "http://daringfireball.net/feeds/main", "Daring Fireball", "http://daringfireball.net/")
    titles = {f.title for f in subs.feeds}
    assert "chat & code" in titles
    assert {t for f in subs.feeds for t in f.tags} == {"Macintosh", "Programming", "Weblogs", "Writers"}


def test_hostile_opml_text_is_sanitised_and_html_names_flattened() -> None:
    data = (
        '<opml version="2.0"><body><outline text="&lt;b&gt;News&lt;/b&gt; &#x1b;[2J">'
        f'<outline title="{html.escape(HOSTILE)}" xmlUrl="https://e.example/f" '
        'htmlUrl="javascript:alert(1)" category="[red]x[/red]"/>'
        '<outline title="old" xmlUrl="feed://old.example/rss"/>'
        '<outline title="dup" xmlUrl="https://e.example/f" category="again"/>'
        "</outline></body></opml>"
    ).encode()
    batch = parse_import(data)
    assert [f.url for f in batch.feeds] == ["https://e.example/f", "http://old.example/rss"]
    feed = batch.feeds[0]
    assert_clean(feed.title)
    assert "Evil" in feed.title and "[@click=app.quit]title" in feed.title
    assert feed.site_url is None
    assert feed.tags == ["News", "[red]x[/red]", "again"]


def test_broken_opml_outline_scan_keeps_nesting_and_line_numbers() -> None:
    data = b"""<?xml version="1.0"?>
<opml version="1.0"><head><title>Mine & yours</title></head>
<body>
  <!-- <outline xmlUrl="https://commented.example/out"/> -->
  <outline text="Tech & Science" title="Tech & Science">
    <outline text="A" description="say "hi" <a href="https://x.example/">here</a>" xmlUrl="https://a.example/feed?x=1&y=2" type="rss"/>
    <outline text='Single' xmlUrl='https://single.example/rss'/>
  </outline>
  <outline text="Loose" xmlUrl="https://loose.example/rss"/>
  <outline text="Cmd" xmlUrl="|curl evil"/>
</body></opml>"""
    batch = parse_import(data, "opml")
    assert [(f.url, f.title, f.tags) for f in batch.feeds] == [
        ("https://a.example/feed?x=1&y=2", "A", ["Tech & Science"]),
        ("https://single.example/rss", "Single", ["Tech & Science"]),
        ("https://loose.example/rss", "Loose", []),
    ]
    assert batch.problems[0].startswith("line 2: not well-formed XML")
    assert batch.problems[1].startswith("line 10: ")


# ---------------------------------------------------------------------------
# Pocket


@needs_readlater
def test_pocket_csv() -> None:
    data = (READLATER / "pocket.csv").read_bytes()
    assert guess_format(data, "pocket.csv") == "pocket"
    batch = parse_import(data)
    assert batch.format == "pocket" and batch.problems == []
    assert len(batch.stories) == 7
    first = batch.stories[0]
    assert (first.url, first.title, first.read) == (
        "http://youmightnotneedjquery.com/", "You Might Not Need jQuery", False)
    assert first.added == utc(2020, 9, 17, 6, 6, 28)
    assert [s.read for s in batch.stories] == [False, False, False, True, False, True, False]
    bees = batch.stories[6]
    assert bees.title == "Des abeilles pour résoudre les « conflits » entre les humains et les élépha"
    assert bees.url == "https://reporterre.net/Des-abeilles-pour-resoudre-les-conflits-entre-les-humains-et-les-elephants"
    assert all(s.tags == [] for s in batch.stories)


@needs_readlater
def test_pocket_html() -> None:
    data = (READLATER / "ril_export.html").read_bytes()
    assert guess_format(data) == "pocket"
    batch = parse_import(data)
    assert len(batch.stories) == 2 and batch.problems == []
    story = batch.stories[0]
    assert story.title == "Tarn : Des lapins ravagent le terrain, le match de rugby doit être annulé"
    assert story.tags == ["ifttt", "new_entry_simple"]
    assert story.added == datetime.fromtimestamp(1688628695, timezone.utc)
    assert story.read is False


def test_pocket_html_read_archive_and_bad_links() -> None:
    data = b"""<!DOCTYPE html><html><head><title>Pocket Export</title></head><body>
<h1>Unread</h1>
<ul>
<li><a href="https://u.example/1" time_added="1600000000" tags="a,b">One</a></li>
<li><a href="javascript:alert(1)" time_added="1600000000">Bad</a></li>
</ul>
<h1>Read Archive</h1>
<ul>
<li><a href="https://r.example/2" time_added="soon" tags="">Two</a></li>
</ul></body></html>"""
    batch = parse_import(data, "pocket")
    assert [(s.url, s.read, s.tags) for s in batch.stories] == [
        ("https://u.example/1", False, ["a", "b"]), ("https://r.example/2", True, [])]
    assert batch.problems == [
        "line 5: URL 'javascript:alert(1)' is not an http(s) URL, skipped",
        "line 9: unreadable time_added 'soon', ignored",
    ]


def test_pocket_csv_bad_rows_report_their_starting_line() -> None:
    data = (
        "title,url,time_added,tags,status\n"
        '"two\nline title",https://ok.example/a,1600000000,x|y,archive\n'
        "no url,,1600000000,,unread\n"
        f"{HOSTILE},ftp://files.example/x,1,,unread\n"
        "\n"
        f'"{HOSTILE}",https://ok.example/b,1600000001,{HOSTILE}|ok,unread\n'
    ).encode()
    batch = parse_import(data, "pocket")
    assert [s.url for s in batch.stories] == ["https://ok.example/a", "https://ok.example/b"]
    assert batch.stories[0].title == "two line title" and batch.stories[0].tags == ["x", "y"]
    assert batch.stories[0].read is True
    assert batch.problems[0] == "line 4: no URL, skipped"
    assert batch.problems[1].startswith("line 5: URL 'ftp://files.example/x'")
    hostile = batch.stories[1]
    assert_clean(hostile.title)
    assert hostile.title.startswith("Evil")
    for tag in hostile.tags:
        assert_clean(tag)


# ---------------------------------------------------------------------------
# Instapaper


@needs_readlater
def test_instapaper_csv() -> None:
    data = (READLATER / "instapaper-export.csv").read_bytes()
    assert guess_format(data) == "instapaper"
    batch = parse_import(data)
    assert batch.problems == []
    assert [(s.read, s.starred, s.tags) for s in batch.stories] == [
        (False, False, []), (True, False, []), (False, True, []), (False, False, ["test_tag"])]
    assert batch.stories[3].title == "Dis donc Donald Trump, c'est quoi exactement «covfefe»?"
    assert batch.stories[1].url == "https://redditblog.com/2016/09/20/amp-and-reactredux/"
    assert all(s.highlights == [] and s.added is None for s in batch.stories)


def test_instapaper_six_columns_with_tags_selection_and_bad_rows() -> None:
    data = (
        "URL,Title,Selection,Folder,Timestamp,Tags\n"
        'https://a.example/1,First,"A chosen\nsentence.",Archive,1700000001,"[""react"",""js""]"\n'
        "not a url,Broken,,Unread,1700000002,[]\n"
        "https://a.example/3,Third,,Reading List,1700000003,not json\n"
        f'https://a.example/4,"{HOSTILE}",{HOSTILE},Starred,1700000004,"[""{HOSTILE}""]"\n'
    ).encode()
    assert guess_format(data) == "instapaper"
    batch = parse_import(data)
    first, third, fourth = batch.stories
    assert first.read and first.tags == ["react", "js"]
    assert first.added == datetime.fromtimestamp(1700000001, timezone.utc)
    assert [h.quote for h in first.highlights] == ["A chosen\nsentence."]
    assert third.tags == ["Reading List", "not json"]
    assert fourth.starred and not fourth.read
    assert_clean(fourth.title)
    assert_clean(fourth.highlights[0].quote)
    assert all(not re.search(r"[\x00-\x1f]", t) for t in fourth.tags)
    assert batch.problems == [
        "line 4: URL 'not a url' is not an http(s) URL, skipped",
        "line 5: Tags 'not json' is not a JSON list, read as comma-separated",
    ]


# ---------------------------------------------------------------------------
# Omnivore


@needs_readlater
def test_omnivore_json() -> None:
    data = (READLATER / "omnivore.json").read_bytes()
    assert guess_format(data, "metadata_0_to_20.json") == "omnivore"
    batch = parse_import(data)
    assert batch.problems == [] and len(batch.stories) == 20
    first = batch.stories[0]
    assert first.title.startswith("Malgré la crise du marché des montres, Breitling")
    assert first.author == "Juliette Garnier"
    assert first.read is True and first.tags == ["RSS"]
    assert first.added == utc(2024, 10, 29, 16, 30, 11)
    assert first.summary.startswith("La marque suisse")
    assert sum(s.read for s in batch.stories) == sum(
        1 for item in json.loads(data) if item["state"].lower() == "archived")
    assert batch.stories[2].tags == ["RSS", "TEST"]


def test_omnivore_variants_and_bad_items() -> None:
    items = [
        {"url": "https://o.example/1", "title": "One", "state": "ARCHIVED",
         "labels": [{"name": "News"}, {"name": "news"}, "Later"], "savedAt": "2024-01-01T10:00:00+02:00",
         "publishedAt": None, "author": HOSTILE, "description": f"line\n{HOSTILE}"},
        {"url": None, "title": "No url"},
        "not an object",
        {"url": "https://o.example/4", "state": "Deleted"},
        {"url": "https://o.example/5", "state": "succeeded"},
    ]
    batch = parse_import(json.dumps(items).encode(), "omnivore")
    one, five = batch.stories
    assert one.read and one.tags == ["News", "Later"]
    assert one.added == utc(2024, 1, 1, 8, 0, 0)
    assert_clean(one.author)
    assert_clean(one.summary.replace("\n", " "))
    assert five.read is False
    assert batch.problems == [
        "item 2: no URL, skipped",
        "item 3: not an object, skipped",
        "item 4: deleted in Omnivore, skipped",
    ]


# ---------------------------------------------------------------------------
# wallabag


@needs_readlater
def test_wallabag_v2_json() -> None:
    data = (READLATER / "wallabag-v2-read.json").read_bytes()
    assert guess_format(data) == "wallabag"
    batch = parse_import(data)
    assert batch.problems == [] and len(batch.stories) == 2
    anne, tails = batch.stories
    assert anne.url == "https://blog.wikimedia.org/2016/02/10/anne-frank-diary-removal/"
    assert anne.read is True and tails.read is False
    assert anne.starred is False
    assert anne.added == utc(2016, 9, 8, 9, 55, 58)
    assert tails.title == "Tails - Tails 2.0.1 is out"
    assert anne.content_html.startswith("<p>") and len(tails.content_html) > 1000


def test_wallabag_v1_tags_annotations_and_bad_items() -> None:
    entries = [
        {"id": "3", "title": "Features - wallabag", "url": "https://www.wallabag.org/features/",
         "is_read": "0", "is_fav": "1", "content": "<p>Here</p>", "user_id": "1",
         "tags": "a, b ,a"},
        {"id": "4", "title": "v2", "url": "https://w.example/2", "is_archived": 1, "is_starred": 0,
         "tags": [{"label": "x"}, {"slug": "y"}, "z"], "created_at": "2024-01-01T10:00:00+0000",
         "annotations": [
             {"quote": "quoted", "text": "my note", "created_at": "2024-01-02T09:00:00+0000"},
             {"quote": "", "text": "nothing quoted"},
             {"quote": HOSTILE},
         ]},
        {"id": "5", "title": "bad", "url": "file:///etc/passwd", "is_archived": 0},
    ]
    data = json.dumps(entries).encode()
    assert guess_format(data) == "wallabag"
    batch = parse_import(data)
    v1, v2 = batch.stories
    assert (v1.read, v1.starred, v1.tags) == (False, True, ["a", "b"])
    assert (v2.read, v2.starred, v2.tags) == (True, False, ["x", "y", "z"])
    assert [(h.quote, h.note, h.created) for h in v2.highlights[:1]] == [
        ("quoted", "my note", utc(2024, 1, 2, 9))]
    assert len(v2.highlights) == 2
    assert_clean(v2.highlights[1].quote)
    assert batch.problems == [
        "item 2: annotation 2 has no quote, skipped",
        "item 3: URL 'file:///etc/passwd' is not an http(s) URL, skipped",
    ]


# ---------------------------------------------------------------------------
# Readwise


def test_readwise_highlights_grouped_by_book() -> None:
    data = (DATA / "highlights.csv").read_bytes()
    assert guess_format(data, "readwise-data.csv") == "readwise"
    batch = parse_import(data)
    habits, plain = batch.stories
    assert habits.title == "The Seven Habits of Highly Effective People"
    assert habits.author == "Stephen R. Covey"
    assert habits.url is None and habits.guid == "readwise:amazon:B01069X4H0"
    assert habits.tags == ["self-help", "classics"]
    assert [h.color for h in habits.highlights] == ["yellow", "blue"]
    assert habits.highlights[1].note == "Habit 2 — write the eulogy exercise\ndown this week."
    assert habits.highlights[1].created == utc(2021, 3, 15, 21, 40)
    assert plain.url is None and plain.guid.startswith("readwise:") and plain.guid != habits.guid
    assert [h.quote for h in plain.highlights] == [
        "Plain text won't go away.", "Files outlive the programs that wrote them."]
    assert [h.color for h in plain.highlights] == ["yellow", "pink"]  # orange has no slot
    assert plain.highlights[1].created is None
    assert batch.problems == [
        "line 6: empty highlight, skipped",
        "line 7: unreadable date 'not a date', ignored",
    ]


def test_readwise_highlights_with_urls_group_by_url() -> None:
    data = (
        "Highlight,Book Title,Book Author,Amazon Book ID,Note,Color,Tags,Location Type,"
        "Location,Highlighted at,Document tags,URL\n"
        "one,Same title,A,,,,,,,2024-01-01 10:00:00+00:00,,https://a.example/x\n"
        "two,Same title,A,,,,,,,2024-01-01 10:00:00+00:00,,https://a.example/y\n"
        "three,Same title,A,,,,,,,2024-01-01 10:00:00+00:00,,https://a.example/x\n"
    ).encode()
    batch = parse_import(data, "readwise")
    assert [(s.url, [h.quote for h in s.highlights]) for s in batch.stories] == [
        ("https://a.example/x", ["one", "three"]), ("https://a.example/y", ["two"])]


def test_readwise_library_export() -> None:
    data = (DATA / "library.csv").read_bytes()
    assert guess_format(data) == "readwise"
    batch = parse_import(data)
    assert [s.url for s in batch.stories] == [
        "https://web.stanford.edu/class/ee384m/Handouts/HowtoReadPaper.pdf",
        "https://example.org/falsehoods-time",
        "https://blog.example.net/posts/42",
    ]
    paper, falsehoods, feed_item = batch.stories
    assert (paper.read, paper.tags, paper.author) == (True, ["research", "reading"], "S. Keshav")
    assert paper.added == utc(2024, 2, 3, 10, 15, 42)
    assert falsehoods.title == "Falsehoods programmers believe about time, collected"
    assert (falsehoods.read, falsehoods.tags) == (False, [])
    assert feed_item.tags == ["rss"] and feed_item.added == utc(2024, 6, 1, 12)
    assert batch.problems == ["line 4: URL 'javascript:alert(1)' is not an http(s) URL, skipped"]


# ---------------------------------------------------------------------------
# broadsheet's own JSON


def test_broadsheet_json_round_trip_from_a_real_library(tmp_path: Path) -> None:
    library = Library.open(tmp_path / "library.sqlite")
    try:
        feed_id, _ = library.add_feed("https://feed.example/rss.xml", "Example feed",
                                      "https://feed.example/")
        library.add_items(feed_id, [FeedItem(guid="item-1", url="https://feed.example/1",
                                             title="Feed story", author="Ann")])
        saved_id = library.saved_source_id()
        document = Document(blocks=[Block(PARAGRAPH, (Span("Hello wide world."),))],
                            title="Saved story")
        story_id, _ = library.add_story(saved_id, url="https://saved.example/a", title="Saved story",
                                        document=document, tags=["keep", "later"])
        library.set_read(story_id, True)
        library.set_starred(story_id, True)
        library.add_annotation(story_id, TextQuoteSelector("wide", "Hello ", " world."),
                               TextPositionSelector(6, 10), note="a note", color="green")
        exported = library.export_all()
    finally:
        library.close()
    data = json.dumps(exported).encode()
    assert guess_format(data, "broadsheet.json") == "json"
    batch = parse_import(data)
    assert batch.format == "json" and batch.problems == []
    assert [(f.url, f.title, f.site_url) for f in batch.feeds] == [
        ("https://feed.example/rss.xml", "Example feed", "https://feed.example/")]
    by_url = {s.url: s for s in batch.stories}
    feed_story = by_url["https://feed.example/1"]
    assert (feed_story.feed_url, feed_story.source_kind, feed_story.guid) == (
        "https://feed.example/rss.xml", "feed", "item-1")
    assert feed_story.source_title == "Example feed" and feed_story.author == "Ann"
    assert feed_story.fetched is not None and feed_story.fetched.tzinfo is not None
    saved = by_url["https://saved.example/a"]
    assert saved.feed_url is None and saved.source_kind == "saved"
    assert (saved.read, saved.starred, sorted(saved.tags)) == (True, True, ["keep", "later"])
    assert Document.from_json(saved.document).plain_text() == "Hello wide world."
    [mark] = saved.highlights
    original = exported["stories"][[s["url"] for s in exported["stories"]].index(
        "https://saved.example/a")]["annotations"][0]
    assert (mark.quote, mark.prefix, mark.suffix, mark.start, mark.end) == (
        "wide", "Hello ", " world.", 6, 10)
    assert (mark.note, mark.color, mark.uuid, mark.orphaned) == ("a note", "green", original["uuid"], False)
    assert mark.created is not None and mark.created.tzinfo is not None


def test_broadsheet_json_bad_items_and_versions() -> None:
    export = {
        "format": "broadsheet-library", "version": 1,
        "sources": [
            {"id": 1, "kind": "feed", "url": "https://f.example/rss", "title": HOSTILE},
            {"id": 2, "kind": "saved", "url": None, "title": "Saved"},
            {"id": 3, "kind": "feed", "url": "gopher://old.example/", "title": "Old"},
        ],
        "stories": [
            {"source_id": 1, "guid": "g1", "url": "https://f.example/1", "title": HOSTILE,
             "tags": [HOSTILE], "annotations": [{"exact": "", "start": 0, "end": 0}]},
            {"source_id": 9, "guid": "g2", "url": "https://f.example/2"},
            {"source_id": 2, "guid": "g3", "url": "javascript:alert(1)"},
            {"source_id": 2, "guid": "", "url": None},
            {"source_id": 2, "guid": "g5", "url": None, "title": "no url, but a guid",
             "document": {"blocks": "nonsense"}},
            {"source_id": 3, "guid": "g6", "url": "https://old.example/6"},
        ],
    }
    batch = parse_import(json.dumps(export).encode(), "json")
    assert [f.url for f in batch.feeds] == ["https://f.example/rss"]
    assert_clean(batch.feeds[0].title)
    assert [s.guid for s in batch.stories] == ["g1", "g5"]
    assert_clean(batch.stories[0].title)
    assert_clean(batch.stories[0].tags[0])
    assert batch.stories[1].document is None
    assert batch.problems == [
        "source 3: feed URL 'gopher://old.example/' is not an http(s) URL, skipped with its stories",
        "item 1: annotation 1 has no quote, skipped",
        "item 2: unknown source_id, skipped",
        "item 3: URL 'javascript:alert(1)' is not an http(s) URL, skipped",
        "item 4: neither URL nor guid, skipped",
        "item 5: unreadable document, dropped",
    ]
    export["version"] = 2
    with pytest.raises(ImportFormatError, match="unsupported broadsheet export version 2"):
        parse_import(json.dumps(export).encode(), "json")


# ---------------------------------------------------------------------------
# Guessing and errors


@needs_readlater
@pytest.mark.parametrize("name, expected", [
    ("pocket.csv", "pocket"), ("ril_export.html", "pocket"),
    ("instapaper-export.csv", "instapaper"), ("omnivore.json", "omnivore"),
    ("wallabag-v2-read.json", "wallabag"),
])
def test_guess_ignores_misleading_names(name: str, expected: str) -> None:
    data = (READLATER / name).read_bytes()
    assert guess_format(data, "export.opml") == expected
    assert guess_format(data) == expected


@needs_opml
def test_guess_opml_by_content_and_name_as_hint() -> None:
    example = (OPML_DIR / "newsboat--newsboat/example.opml").read_bytes()
    assert guess_format(example, "subscriptions.txt") == "opml"
    broken = (OPML_DIR / "plenaryapp--awesome-rss-feeds/recommended/with_category/News.opml").read_bytes()
    assert guess_format(broken) == "opml"
    invalid = (OPML_DIR / "Holllo--opml/invalid_xml.opml").read_bytes()
    assert guess_format(invalid, "invalid_xml.opml") == "opml"  # only the name says so
    with pytest.raises(ImportFormatError):
        guess_format(invalid)


def test_unknown_and_mismatched_formats_raise_one_line_errors() -> None:
    with pytest.raises(ImportFormatError, match="unknown import format 'evernote'"):
        parse_import(b"x", "evernote")
    with pytest.raises(ImportFormatError, match="cannot tell the format"):
        guess_format(b"just some\ntext\n", "notes.txt")
    with pytest.raises(ImportFormatError, match="invalid JSON at line 1"):
        parse_import(b"[{", "omnivore")
    with pytest.raises(ImportFormatError, match="not a broadsheet export"):
        parse_import(b'{"format": "other"}', "json")
    with pytest.raises(ImportFormatError, match="not a Pocket CSV export"):
        parse_import(b"a,b\n1,2\n", "pocket")
    with pytest.raises(ImportFormatError, match="not an OPML file: the root element is <rss>"):
        parse_import(b"<rss version='2.0'><channel/></rss>", "opml")
    with pytest.raises(ImportFormatError, match="empty"):
        parse_import(b"  \n", "pocket")
    for error in (ImportFormatError("a\nb"),):
        assert "\n" not in str(error)
    with pytest.raises(ImportFormatError, match="not a newsboat urls file"):
        parse_import(b"Title\tURL\nA story\tnot-a-link\n", "newsboat")
    assert FORMATS == ("opml", "json", "pocket", "instapaper", "omnivore", "wallabag", "readwise", "newsboat")


def test_csv_with_bom_and_windows_line_endings() -> None:
    data = "\ufeffURL,Title,Selection,Folder\r\nhttps://a.example/1,Caf\u00e9,,Unread\r\n".encode("utf-8")
    assert guess_format(data) == "instapaper"
    [story] = parse_import(data).stories
    assert story.title == "Café"
    latin = "URL,Title,Selection,Folder\nhttps://a.example/1,Caf\u00e9,,Unread\n".encode("cp1252")
    assert parse_import(latin, "instapaper").stories[0].title == "Café"


@needs_readlater
@pytest.mark.parametrize("name", ["pocket.csv", "ril_export.html", "instapaper-export.csv",
                                  "omnivore.json", "wallabag-v2-read.json"])
def test_truncated_real_exports_never_crash(name: str) -> None:
    data = (READLATER / name).read_bytes()
    outcomes = set()
    for cut in [*range(0, len(data), max(1, len(data) // 40)), len(data)]:
        for format in (None, *FORMATS):
            try:
                batch = parse_import(data[:cut], format, filename=name)
            except ImportFormatError as error:
                assert "\n" not in str(error)
                outcomes.add("refused")
            else:
                assert all("\n" not in p for p in batch.problems)
                outcomes.add("read")
    assert outcomes == {"read", "refused"}
