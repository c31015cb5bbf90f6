"""The command line, end to end, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import pytest

from broadsheet import __version__
from broadsheet.cli import main

ARTICLE_WORDS = (
    "The harbour commission voted on Tuesday to rebuild the old sea wall. "
    "Engineers said the work would take three years and cost less than feared. "
)


def rss(items, title="Harbour News", link="http://example.test/"):
    entries = "".join(
        f"<item><title>{t}</title><link>{u}</link><guid>{g}</guid>"
        f"<pubDate>Sun, 0{i + 1} Nov 2026 10:00:00 GMT</pubDate>"
        f"<description>{d}</description></item>"
        for i, (g, t, u, d) in enumerate(items)
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>{link}</link>{entries}</channel></rss>")


def article_page(title, paragraphs=8, extra=""):
    body = "".join(f"<p>{ARTICLE_WORDS} Paragraph {n}.</p>" for n in range(paragraphs))
    return (f"<html><head><title>{title}</title>{extra}</head><body>"
            "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
            f"<article><h1>{title}</h1>{body}</article>"
            "<footer>Copyright 2026 Example Media</footer></body></html>")


@pytest.fixture
def run(tmp_path, capsys, monkeypatch):
    """Run the CLI in-process on a library in tmp_path: returns (code, out, err)."""
    library = tmp_path / "lib.sqlite3"
    monkeypatch.delenv("BROADSHEET_LIBRARY", raising=False)

    def _run(*args):
        code = main(["--library", str(library), *args])
        out, err = capsys.readouterr()
        return code, out, err

    _run.library = library
    return _run


def listed(run, *args):
    code, out, err = run("list", "--json", *args)
    assert code == 0, err
    return json.loads(out)


def test_help_and_version_in_a_real_process():
    out = subprocess.run([sys.executable, "-m", "broadsheet", "--help"],
                         capture_output=True, text=True, check=True).stdout
    for command in ("add", "refresh", "list", "read", "extract", "tag", "annotate", "export"):
        assert command in out
    assert "--library" in out
    version = subprocess.run([sys.executable, "-m", "broadsheet", "--version"],
                             capture_output=True, text=True, check=True).stdout
    assert version.strip() == f"broadsheet {__version__}"


def test_errors_are_one_line_without_traceback(tmp_path):
    not_library = tmp_path / "notes.txt"
    not_library.write_text("my notes\n")
    before = not_library.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "broadsheet", "--library", str(not_library), "list"],
        capture_output=True, text=True,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "not a broadsheet library" in result.stderr
    assert not_library.read_bytes() == before
    missing = subprocess.run(
        [sys.executable, "-m", "broadsheet", "--library", str(tmp_path / "l.sqlite3"),
         "read", "42"], capture_output=True, text=True,
    )
    assert missing.returncode == 1 and missing.stderr.strip() == "broadsheet: There is no story 42."
    usage = subprocess.run([sys.executable, "-m", "broadsheet", "frobnicate"],
                           capture_output=True, text=True)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr
    assert usage.stderr.count("\n") == 1


def test_library_from_environment(tmp_path, monkeypatch, capsys):
    path = tmp_path / "env-lib.sqlite3"
    monkeypatch.setenv("BROADSHEET_LIBRARY", str(path))
    assert main(["list"]) == 0
    assert path.exists()


def test_add_feed_with_tags_then_list(run, http_server):
    http_server.add("/feed.xml", rss([
        ("a1", "Sea wall vote", http_server.url("/a1"), "The vote."),
        ("a2", "Budget [/] review [@click=app.quit]now[/]", http_server.url("/a2"), "Money."),
    ]), content_type="application/rss+xml")
    code, out, err = run("add", http_server.url("/feed.xml"), "--tag", "harbour", "--tag", "local")
    assert code == 0, err
    assert "Subscribed to 1 feed (2 new stories)" in out
    stories = listed(run)
    assert [s["title"] for s in stories] == ["Budget [/] review [@click=app.quit]now[/]",
                                             "Sea wall vote"]
    first = stories[0]
    assert first["source"] == "Harbour News"
    assert first["published"] == "2026-11-02T10:00:00Z"
    assert first["read"] is False and first["tags"] == ["harbour", "local"]
    assert first["url"] == http_server.url("/a2")
    assert {"id", "source", "title", "url", "published", "read", "tags"} <= set(first)
    assert [s["title"] for s in listed(run, "--search", "wall")] == ["Sea wall vote"]
    assert len(listed(run, "--tag", "harbour", "--unread")) == 2
    # Adding again subscribes nothing twice.
    run("add", http_server.url("/feed.xml"))
    assert len(listed(run)) == 2


def test_add_reads_addresses_from_standard_input_with_a_dash(run, http_server, monkeypatch):
    import io

    http_server.add("/feed.xml", rss([("s1", "From a pipe", http_server.url("/s1"), "x")]),
                    content_type="application/rss+xml")
    http_server.add("/page.html", "<html><head><title>Kept page</title></head><body><article><p>"
                    + "Words worth keeping for later. " * 30 + "</p></article></body></html>")
    monkeypatch.setattr("sys.stdin", io.StringIO(
        f"# my list\n{http_server.url('/feed.xml')}   # the feed\n\n{http_server.url('/page.html#top')}\n"))
    code, out, err = run("add", "-")
    assert code == 0, err
    assert sorted(s["title"] for s in listed(run)) == ["From a pipe", "Kept page"]
    assert http_server.paths().count("/page.html") == 1  # "#top" stayed part of its address
    monkeypatch.setattr("sys.stdin", io.StringIO("# nothing but a comment\n"))
    code, out, err = run("add", "-")
    assert code != 0 and err.strip() == "broadsheet: no address to add (standard input held none)."


def test_add_page_that_advertises_a_feed_subscribes(run, http_server):
    http_server.add("/feed.xml", rss([("b1", "Found by discovery", http_server.url("/b1"), "x")]),
                    content_type="application/rss+xml")
    http_server.add("/", article_page(
        "Home", 2, '<link rel="alternate" type="application/rss+xml" href="/feed.xml">'))
    code, out, err = run("add", http_server.url("/"))
    assert code == 0, err
    assert "Subscribed to 1 feed" in out
    assert [s["title"] for s in listed(run)] == ["Found by discovery"]


def test_add_article_saves_it_and_reads_offline(run, http_server):
    http_server.add("/story", article_page("The sea wall, explained"))
    code, out, err = run("add", http_server.url("/story"), "--tag", "later")
    assert code == 0, err
    assert "Saved 1 article" in out
    (story,) = listed(run)
    assert story["source"] == "Saved" and story["tags"] == ["later"]
    assert story["title"] == "The sea wall, explained"
    requests_before = len(http_server.requests)
    code, text, err = run("read", str(story["id"]))
    assert code == 0, err
    assert "harbour commission voted" in text
    assert "Copyright 2026" not in text and "Home" not in text.split("\n\n", 1)[1]
    assert len(http_server.requests) == requests_before  # extracted once, at add


def test_mark_by_id_or_by_search(run, http_server):
    http_server.add("/feed.xml", rss([(f"m{n}", f"Story {n}", http_server.url(f"/m{n}"), "Text.")
                                      for n in range(4)], title="Marks"), content_type="application/rss+xml")
    run("add", http_server.url("/feed.xml"))
    ids = sorted(s["id"] for s in listed(run))
    code, out, err = run("mark", str(ids[0]), str(ids[1]))
    assert (code, out.strip()) == (0, "Marked 2 stories read."), err
    code, out, err = run("mark", str(ids[1]), "--unread", "--star")
    assert (code, out.strip()) == (0, "Marked 1 story unread and starred."), err
    state = {s["id"]: (s["read"], s["starred"]) for s in listed(run)}
    assert state == {ids[0]: (True, False), ids[1]: (False, True), ids[2]: (False, False), ids[3]: (False, False)}
    code, out, err = run("mark", "--search", "is:unread -is:starred")
    assert (code, out.strip()) == (0, "Marked 2 stories read."), err
    code, out, err = run("mark", "--search", "", "--unstar")  # every story; only the one starred changes
    assert (code, out.strip()) == (0, "Marked 1 story unstarred."), err
    assert {s["id"]: (s["read"], s["starred"]) for s in listed(run)} == {
        ids[0]: (True, False), ids[1]: (False, False), ids[2]: (True, False), ids[3]: (True, False)}
    code, out, err = run("mark", str(ids[1]), "999")
    assert code == 1 and err.strip() == "broadsheet: There is no story 999."
    assert {s["id"]: s["read"] for s in listed(run)}[ids[1]] is False  # nothing was changed
    code, out, err = run("mark")
    assert code == 1 and "give story ids, or --search QUERY" in err


def test_read_as_markdown_or_json(run, http_server):
    http_server.add("/story", article_page("The sea wall [/] *explained*"))
    run("add", http_server.url("/story"))
    (story,) = listed(run)
    code, text, err = run("read", str(story["id"]), "--format", "markdown")
    assert code == 0, err
    lines = text.splitlines()
    assert lines[0] == r"# The sea wall \[/\] \*explained\*"  # markdown's own characters escaped
    assert lines[2] == "*Saved* · [original][1]"  # where it is from, and the page
    assert "harbour commission voted" in text
    assert f"[1]: {http_server.url('/story')}" in lines
    code, out, err = run("read", str(story["id"]), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["story"]["id"] == story["id"] and data["story"]["url"] == http_server.url("/story")
    assert "harbour commission voted" in json.dumps(data["document"]["blocks"])
    # An address that is not in the library is read the same way, and not saved.
    http_server.add("/other", article_page("Another page"))
    code, text, err = run("read", http_server.url("/other"), "--format", "markdown")
    assert code == 0 and text.startswith("# Another page\n") and len(listed(run)) == 1


def test_refresh_names_a_few_failures_in_its_summary_and_lists_each_below(run, http_server):
    urls = []
    for n in range(5):
        path = f"/down{n}.xml"
        http_server.add(path, rss([(f"z{n}", "Item", f"http://z.test/{n}", "x")],
                                  title=f"Feed {n}"), content_type="application/rss+xml")
        urls.append(http_server.url(path))
    code, out, err = run("add", *urls)
    assert code == 0, err
    for n in range(5):
        http_server.add(f"/down{n}.xml", "gone", status=404)
    code, out, err = run("refresh")
    assert code == 1  # every feed failed
    summary, *rest = out.strip().splitlines()
    assert summary.startswith("0 new stories from 5 sources, 5 failed (")
    assert summary.endswith("; and 2 more).")
    assert summary.count("HTTP 404 Not Found") == 3
    assert sorted(rest) == [f"  Feed {n}: HTTP 404 Not Found" for n in range(5)]
    # A single failure is named in the summary alone.
    http_server.add("/down0.xml", rss([("z0", "Item", "http://z.test/0", "x")], title="Feed 0"),
                    content_type="application/rss+xml")
    code, out, err = run("refresh", "--quiet")
    assert out.strip().splitlines()[0].endswith("; and 1 more).")
    assert len(out.strip().splitlines()) == 5


def test_read_fetches_full_text_once_then_offline(run, http_server):
    http_server.add("/feed.xml", rss([("c1", "Summary only", http_server.url("/c1"),
                                       "Just a teaser.")]), content_type="application/rss+xml")
    http_server.add("/c1", article_page("Summary only", 6))
    run("add", http_server.url("/feed.xml"))
    (story,) = listed(run)
    code, text, err = run("read", str(story["id"]))
    assert code == 0, err
    assert "three years" in text
    fetched = [r for r in http_server.requests if r[1] == "/c1"]
    assert len(fetched) == 1
    http_server.add("/c1", "gone", status=500)
    code, again, err = run("read", str(story["id"]))
    assert code == 0 and again == text
    assert len([r for r in http_server.requests if r[1] == "/c1"]) == 1


def test_refresh_stores_new_stories_once_and_reports_failures(run, http_server):
    good = http_server.url("/good.xml")
    http_server.add("/good.xml", rss([("d1", "First", good + "#1", "x")]),
                    content_type="application/rss+xml", etag='"v1"')
    http_server.add("/bad.xml", rss([("e1", "Other", "http://e.test/1", "x")], title="Flaky"),
                    content_type="application/rss+xml")
    code, out, err = run("add", good, http_server.url("/bad.xml"))
    assert code == 0, err
    http_server.add("/bad.xml", "down", status=503)
    http_server.add("/good.xml", rss([("d1", "First", good + "#1", "x"),
                                      ("d2", "Second", good + "#2", "y")]),
                    content_type="application/rss+xml", etag='"v2"')
    code, out, err = run("refresh")
    assert code == 0, err
    assert out.strip() == "1 new story from 2 sources, 1 failed (Flaky: HTTP 503 Service Unavailable)."
    assert sorted(s["title"] for s in listed(run)) == ["First", "Other", "Second"]
    # Next refresh: conditional GET, nothing new, nothing duplicated.
    code, out, err = run("refresh")
    assert out.startswith("0 new stories from 2 sources")
    last_good = [r for r in http_server.requests if r[1] == "/good.xml"][-1]
    assert last_good[2].get("If-None-Match") == '"v2"'
    assert len(listed(run)) == 3


def test_tag_annotate_and_export(run, http_server, tmp_path):
    http_server.add("/story", article_page("Tides"))
    run("add", http_server.url("/story"))
    (story,) = listed(run)
    sid = str(story["id"])
    code, out, err = run("tag", sid, "policing", "follow-up")
    assert code == 0 and out.strip() == f"Story {sid}: follow-up, policing"
    code, out, err = run("tag", sid, "follow-up", "--remove")
    assert out.strip() == f"Story {sid}: policing"
    code, out, err = run("annotate", sid, "--quote", "cost less than feared", "--note", "Check.")
    assert code == 0, err
    assert "with a note" in out
    code, out, err = run("annotate", sid, "--quote", "words that are not there")
    assert code == 1 and err.strip() == "broadsheet: That quote is not in the story's text."
    target = tmp_path / "export.json"
    code, out, err = run("export", "--format", "json", "-o", str(target))
    assert code == 0, err
    data = json.loads(target.read_text())
    (exported,) = data["stories"]
    assert exported["tags"] == ["policing"]
    (annotation,) = exported["annotations"]
    assert annotation["exact"] == "cost less than feared" and annotation["note"] == "Check."
    text = "\n\n".join(b["spans"][0] if isinstance(b["spans"][0], str) else b["spans"][0]["text"]
                       for b in exported["document"]["blocks"])
    assert annotation["prefix"] and annotation["suffix"]
    assert [s["title"] for s in listed(run, "--search", "tag:policing")] == ["Tides"]
    assert listed(run, "--search", "feared") and text


def test_extract_file_in_three_formats(tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_text(article_page("Extracted <em>page</em>"), encoding="utf-8")
    assert main(["extract", str(page)]) == 0
    text = capsys.readouterr().out
    assert "harbour commission voted" in text and "Copyright" not in text
    assert main(["extract", str(page), "--format", "markdown"]) == 0
    assert "harbour commission" in capsys.readouterr().out
    assert main(["extract", str(page), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["blocks"] and "title" in data
    assert main(["extract", str(tmp_path / "missing.html")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_extract_url(http_server, capsys):
    http_server.add("/page", article_page("Over the wire"))
    assert main(["extract", http_server.url("/page")]) == 0
    assert "three years" in capsys.readouterr().out
    http_server.add("/missing", "no", status=404)
    assert main(["extract", http_server.url("/missing")]) == 1
    assert capsys.readouterr().err.strip() == "broadsheet: HTTP 404 Not Found."


def test_add_reports_bad_urls_and_keeps_going(run, http_server):
    http_server.add("/story", article_page("Still saved"))
    code, out, err = run("add", "ftp://example.test/x", http_server.url("/nothing"),
                         http_server.url("/story"))
    assert code == 1
    assert "Saved 1 article" in out and "2 failures" in out
    assert [s["title"] for s in listed(run)] == ["Still saved"]


def test_tui_refuses_without_a_terminal(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "broadsheet", "--library", str(tmp_path / "l.sqlite3")],
        capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1 and "needs a terminal" in result.stderr
    assert not (tmp_path / "l.sqlite3").exists()


def _teaser_behind_a_failing_page(run, http_server, teaser):
    """A feed of one story with only a teaser, whose page answers 503."""
    http_server.add("/feed.xml", rss([("f1", "Teaser", http_server.url("/f1"), teaser)]),
                    content_type="application/rss+xml")
    http_server.add("/f1", "down for maintenance", status=503)
    run("add", http_server.url("/feed.xml"))
    (story,) = listed(run)
    return story


def test_read_falls_back_to_the_summary_when_the_page_fails(run, http_server):
    story = _teaser_behind_a_failing_page(run, http_server, "Only the teaser survives.")
    code, text, err = run("read", str(story["id"]))
    assert code == 0
    assert "Only the teaser survives." in text
    assert err.strip() == ("broadsheet: Could not fetch the full text: "
                           "HTTP 503 Service Unavailable; showing the feed's summary.")
    # Kept as the feed's text only: once the page is back, reading fetches it.
    http_server.add("/f1", article_page("Teaser", 4))
    code, text, err = run("read", str(story["id"]))
    assert code == 0 and "harbour commission" in text and err == ""


def test_annotate_quotes_the_feeds_summary_when_the_page_fails(run, http_server):
    story = _teaser_behind_a_failing_page(run, http_server, "Only the teaser survives the outage.")
    code, out, err = run("annotate", str(story["id"]), "--quote", "teaser survives", "--note", "n")
    assert code == 0, err
    assert err.strip() == ("broadsheet: Could not fetch the full text: "
                           "HTTP 503 Service Unavailable; quoting the feed's summary.")
    assert out.strip() == f"Highlighted characters 9–24 of story {story['id']} with a note."
    code, out, err = run("annotate", str(story["id"]), "--quote", "not in the teaser")
    assert code == 1 and err.strip() == "broadsheet: That quote is not in the story's text."


def test_tags_story_notes_and_annotations_on_the_command_line(run, http_server):
    http_server.add("/story", article_page("Tides"))
    run("add", http_server.url("/story"), "--tag", "harbor")
    (story,) = listed(run)
    sid = str(story["id"])
    run("tag", sid, "Harbour")
    code, out, err = run("tags")
    assert code == 0 and [line.split()[-1] for line in out.splitlines()] == ["harbor", "Harbour"]
    code, out, err = run("tags", "--rename", "harbor", "Harbour")
    assert out.strip() == "Renamed harbor to Harbour on 1 story."
    assert listed(run)[0]["tags"] == ["Harbour"]
    code, out, err = run("annotate", sid, "--note", "Follow up with the engineers.")
    assert code == 0 and out.strip() == f"Noted story {sid}."
    assert [s["id"] for s in listed(run, "--search", "has:notes")] == [story["id"]]
    run("annotate", sid, "--quote", "three years", "--note", "Too slow?", "--color", "pink")
    code, out, err = run("annotations", "--json")
    (annotation,) = json.loads(out)
    assert annotation["quote"] == "three years" and annotation["color"] == "pink"
    assert annotation["note"] == "Too slow?" and annotation["story"] == story["id"]
    code, out, err = run("annotations", "--search", "slow")
    assert "> three years" in out and "Too slow?" in out
    code, out, err = run("annotations", "--search", "nothing-like-it")
    assert out == ""
    code, out, err = run("tags", "--delete", "Harbour")
    assert out.strip() == "Removed Harbour from 1 story."
    assert listed(run)[0]["tags"] == []
    code, out, err = run("tags", "--delete", "Harbour")
    assert code == 1 and err.startswith("broadsheet: ")
    code, out, err = run("annotate", sid)
    assert code == 1 and "--quote" in err


def test_extract_of_a_page_without_an_article_is_one_line_and_fails(tmp_path, capsys):
    page = tmp_path / "wall.html"
    page.write_text(
        "<html><body><div id='onetrust-banner-sdk'><p>We value your privacy. We and our 842 partners "
        "store and/or access information on a device, such as cookies, and process personal data.</p>"
        "<button>Accept all</button><button>Reject all</button></div></body></html>", encoding="utf-8")
    assert main(["extract", str(page)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "no readable article text" in err


def test_refresh_only_the_feeds_named(run, http_server):
    for name in ("harbour", "river"):
        http_server.add(f"/{name}.xml", rss([(f"{name}0", f"{name.title()} story",
                                               http_server.url(f"/{name}/0"), "A summary.")],
                                            title=f"{name.title()} News"), content_type="application/rss+xml")
        run("add", http_server.url(f"/{name}.xml"))
    ids = {s["title"]: s["id"] for s in json.loads(run("sources", "--json")[1])}
    before = len(http_server.paths())
    code, out, err = run("refresh", str(ids["River News"]))
    assert code == 0, err
    assert out.strip() == "0 new stories from 1 source." and http_server.paths()[before:] == ["/river.xml"]
    code, out, err = run("refresh", http_server.url("/harbour.xml"), "--quiet")
    assert code == 0 and out == "" and http_server.paths()[-1] == "/harbour.xml"
    code, out, err = run("refresh", "999")
    assert code == 1 and err.strip() == "broadsheet: No source has the id or address 999."
    river = [s for s in listed(run) if s["source"] == "River News"]
    run("tag", str(river[0]["id"]), "keep")  # kept: the feed stays, unsubscribed
    run("unsubscribe", str(ids["River News"]))
    code, out, err = run("refresh", str(ids["River News"]))
    assert code == 1 and err.strip() == (f"broadsheet: River News is no longer followed; 'broadsheet add "
                                         f"{http_server.url('/river.xml')}' follows it again.")


def test_sources_and_unsubscribe(run, http_server, tmp_path, capsys):
    for name in ("harbour", "river"):
        http_server.add(f"/{name}.xml", rss([(f"{name}{n}", f"{name.title()} story {n}",
                                               http_server.url(f"/{name}/{n}"), "A summary.")
                                              for n in range(3)], title=f"{name.title()} News"),
                        content_type="application/rss+xml")
        run("add", http_server.url(f"/{name}.xml"))
    harbour = [s for s in listed(run) if s["source"] == "Harbour News"]
    run("tag", str(harbour[0]["id"]), "keep")
    code, out, err = run("sources", "--json")
    assert code == 0, err
    rows = {s["title"]: s for s in json.loads(out)}
    assert {t: (s["stories"], s["unread"], s["polled"], s["state"]) for t, s in rows.items()} == {
        "Harbour News": (3, 3, True, None), "River News": (3, 3, True, None)}
    harbour_id, river_id = rows["Harbour News"]["id"], rows["River News"]["id"]
    code, out, err = run("unsubscribe", str(harbour_id), http_server.url("/river.xml"), "999")
    assert code == 1
    assert out.splitlines() == [
        "Unsubscribed from Harbour News: 2 stories deleted, 1 kept (starred, tagged, "
        "highlighted or noted).",
        "Unsubscribed from River News: 3 stories deleted.",
    ]
    assert err.strip() == "broadsheet: No source has the id or address 999."
    assert [s["id"] for s in listed(run)] == [harbour[0]["id"]]
    code, out, err = run("sources")
    assert code == 0 and "(unsubscribed)" in out and "River News" not in out
    assert "     1 story    Harbour News" in out
    code, out, err = run("unsubscribe", str(harbour_id))
    assert code == 1 and err.strip() == "broadsheet: Harbour News is already unsubscribed."
    # Not polled, not in the OPML export; kept as unsubscribed through the JSON export.
    asked = len(http_server.paths())
    code, out, err = run("refresh")
    assert code == 0 and len(http_server.paths()) == asked
    code, out, err = run("export", "--format", "opml")
    assert "harbour.xml" not in out
    run("export", "--format", "json", "-o", str(tmp_path / "all.json"))
    other = tmp_path / "other.sqlite3"
    assert main(["--library", str(other), "import", str(tmp_path / "all.json")]) == 0
    capsys.readouterr()
    assert main(["--library", str(other), "sources", "--json"]) == 0
    copied = json.loads(capsys.readouterr().out)
    assert [(s["title"], s["stories"], s["state"]) for s in copied] == [
        ("Harbour News", 1, "unsubscribed")]
    code, out, err = run("add", http_server.url("/harbour.xml"))
    assert code == 0 and out.strip() == "Subscribed to 1 feed (2 new stories)."
    assert {s["title"]: s["polled"] for s in json.loads(run("sources", "--json")[1])} == {
        "Harbour News": True}


def test_an_older_library_is_upgraded_with_a_note(run):
    import sqlite3

    code, _, err = run("list")
    assert code == 0 and err == ""
    old = sqlite3.connect(run.library)
    old.executescript("DROP TABLE reading_positions; PRAGMA user_version = 3;")
    old.close()
    code, _, err = run("list")
    assert code == 0
    assert err == ("broadsheet: Upgrading lib.sqlite3 from schema 3 to 4; "
                   "the old file is kept as lib.sqlite3.schema-3.bak.\n")
    assert (run.library.parent / "lib.sqlite3.schema-3.bak").exists()
    code, _, err = run("list")
    assert code == 0 and err == ""


def test_read_by_address_in_the_library_or_not(run, http_server):
    http_server.add("/story", article_page("Tides"))
    http_server.add("/elsewhere", article_page("Currents"))
    run("add", http_server.url("/story"))
    (story,) = listed(run)
    code, by_id, err = run("read", str(story["id"]))
    assert code == 0 and by_id.startswith("Tides\n")
    code, by_url, err = run("read", http_server.url("/story"))
    assert code == 0 and by_url == by_id
    asked = len(http_server.paths())
    code, text, err = run("read", http_server.url("/elsewhere"))  # read, not saved
    assert code == 0 and "harbour commission" in text and err == ""
    assert len(http_server.paths()) == asked + 1 and len(listed(run)) == 1
    code, text, err = run("read", "tides")
    assert code == 1 and err.strip() == ("broadsheet: give a story's id (see 'broadsheet list') "
                                         "or an http(s) address, not 'tides'.")


def test_refresh_with_no_feeds_says_how_to_add_one(run):
    code, out, err = run("refresh")
    assert code == 0 and out.strip() == "No feeds to refresh; 'broadsheet add URL' subscribes to one."
    assert run("refresh", "--quiet") == (0, "", "")  # --quiet prints only failures
