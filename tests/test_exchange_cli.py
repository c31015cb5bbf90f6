"""Import and export through the command line, on real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from broadsheet.cli import main

INTEROP = Path(__file__).resolve().parents[2] / "shared" / "interop"
needs_interop = pytest.mark.skipif(not INTEROP.is_dir(), reason="interop fixtures not present")

PAGE = """<html><head><title>Sea wall plans</title></head><body><article><h1>Sea wall plans</h1>
<p>The harbour commission voted on Tuesday to rebuild the old sea wall before winter.</p>
<p>Engineers said the work would take three years and cost less than feared by many.</p>
<p>Residents asked for a public meeting, which the commission agreed to hold in March.</p>
</article></body></html>"""


@pytest.fixture
def cli(tmp_path, capsys):
    def run(library, *args):
        code = main(["--library", str(tmp_path / library), *args])
        out, err = capsys.readouterr()
        return code, out, err
    return run


def _comparable(data):
    """The library's content, without row ids (an import numbers rows anew)."""
    sources = {s["id"]: {k: v for k, v in s.items() if k != "id"} for s in data["sources"]}
    return {
        "format": data["format"],
        "schema_version": data["schema_version"],
        "sources": sorted(sources.values(), key=lambda s: (s["kind"], s["url"] or "")),
        "stories": sorted(
            ({**{k: v for k, v in story.items() if k not in ("id", "source_id")},
              "source": (sources[story["source_id"]]["kind"], sources[story["source_id"]]["url"])}
             for story in data["stories"]),
            key=lambda s: (s["source"][0], s["source"][1] or "", s["guid"]),
        ),
    }


def test_json_export_imports_back_into_the_same_library(cli, http_server, tmp_path):
    http_server.add("/story", PAGE)
    http_server.add("/feed.xml", "<rss version='2.0'><channel><title>Harbour</title>"
                    "<item><title>Wall news</title><guid>w1</guid>"
                    "<description>Short.</description></item></channel></rss>",
                    content_type="application/rss+xml")
    assert cli("a.sqlite3", "add", http_server.url("/story"), http_server.url("/feed.xml"),
               "--tag", "harbour")[0] == 0
    stories = json.loads(cli("a.sqlite3", "list", "--json")[1])
    saved = next(s for s in stories if s["source"] == "Saved")
    cli("a.sqlite3", "tag", str(saved["id"]), "follow-up")
    assert cli("a.sqlite3", "annotate", str(saved["id"]), "--quote", "three years",
               "--note", "Check the estimate.")[0] == 0
    first = tmp_path / "first.json"
    assert cli("a.sqlite3", "export", "--format", "json", "-o", str(first))[0] == 0

    code, out, err = cli("b.sqlite3", "import", str(first))
    assert code == 0, err
    assert out.strip() == "Imported 1 new feed, 2 new stories, 1 new highlight."
    second = tmp_path / "second.json"
    cli("b.sqlite3", "export", "--format", "json", "-o", str(second))
    assert _comparable(json.loads(second.read_text())) == _comparable(json.loads(first.read_text()))

    # Twice adds nothing twice.
    code, out, err = cli("b.sqlite3", "import", str(first), "--format", "json")
    assert out.strip() == ("Imported 0 new feeds, 0 new stories, 0 new highlights "
                           "(3 already in the library).")
    third = tmp_path / "third.json"
    cli("b.sqlite3", "export", "-o", str(third))
    assert _comparable(json.loads(third.read_text())) == _comparable(json.loads(first.read_text()))


def test_w3c_and_markdown_exports(cli, http_server, tmp_path):
    http_server.add("/story", PAGE)
    cli("l.sqlite3", "add", http_server.url("/story"), "--tag", "harbour")
    (story,) = json.loads(cli("l.sqlite3", "list", "--json")[1])
    cli("l.sqlite3", "annotate", str(story["id"]), "--quote", "public meeting", "--note", "Go.")
    code, out, err = cli("l.sqlite3", "export", "--format", "w3c")
    assert code == 0, err
    collection = json.loads(out)
    assert collection["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert collection["type"] == "AnnotationCollection" and collection["total"] == 1
    (annotation,) = collection["first"]["items"]
    assert annotation["motivation"] == "commenting"
    (target,) = annotation["target"]
    assert target["source"] == http_server.url("/story")
    assert annotation["body"] == [{"type": "TextualBody", "value": "Go.", "format": "text/markdown"},
                                  {"type": "TextualBody", "purpose": "tagging", "value": "harbour"}]
    quote, position = target["selector"]
    assert quote["exact"] == "public meeting" and position["end"] - position["start"] == len("public meeting")
    vault = tmp_path / "vault"
    code, out, err = cli("l.sqlite3", "export", "--format", "markdown", "-o", str(vault))
    assert code == 0 and "Wrote 1 Markdown file" in err
    (note,) = vault.glob("*.md")
    text = note.read_text()
    assert "> public meeting" in text and "Go." in text and "harbour" in text
    code, out, err = cli("l.sqlite3", "export", "--format", "markdown")
    assert code == 1 and "-o DIR" in err


@needs_interop
def test_opml_import_subscribes_offline_and_exports_back(cli, tmp_path):
    source = INTEROP / "opml" / "newsboat--newsboat" / "example.opml"
    code, out, err = cli("o.sqlite3", "import", str(source))
    assert code == 0, err
    assert out.startswith("Imported ") and "new feed" in out
    exported = tmp_path / "feeds.opml"
    assert cli("o.sqlite3", "export", "--format", "opml", "-o", str(exported))[0] == 0
    tree = etree.parse(str(exported))  # strict XML
    ours = {o.get("xmlUrl") for o in tree.iter("outline") if o.get("xmlUrl")}
    theirs = {o.get("xmlUrl") for o in etree.parse(str(source)).iter("outline") if o.get("xmlUrl")}
    assert ours == {u for u in theirs if u.startswith(("http://", "https://"))}
    assert any(o.get("category") for o in tree.iter("outline") if o.get("xmlUrl"))
    again = cli("o.sqlite3", "import", str(source))[1]
    assert "Imported 0 new feeds" in again


@needs_interop
def test_pocket_import_twice_adds_nothing_twice(cli):
    source = INTEROP / "readlater" / "wallabag--wallabag" / "pocket.csv"
    code, out, err = cli("p.sqlite3", "import", str(source), "--format", "pocket")
    assert code == 0, err
    stories = json.loads(cli("p.sqlite3", "list", "--json")[1])
    assert stories and all(s["source"] == "Saved" for s in stories)
    assert any(s["read"] for s in stories) and any(not s["read"] for s in stories)
    cli("p.sqlite3", "import", str(source))
    assert len(json.loads(cli("p.sqlite3", "list", "--json")[1])) == len(stories)


def test_import_errors_are_one_line(cli, tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01 nothing anyone exports")
    code, out, err = cli("e.sqlite3", "import", str(junk))
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    code, out, err = cli("e.sqlite3", "import", str(tmp_path / "missing.opml"))
    assert code == 1 and "Cannot read" in err


def test_opml_folders_tag_the_stories_that_refresh_brings(cli, http_server, tmp_path):
    http_server.add("/a.xml", "<rss version='2.0'><channel><title>A</title><item><title>From A"
                    "</title><guid>a1</guid></item></channel></rss>",
                    content_type="application/rss+xml")
    http_server.add("/b.xml", "<rss version='2.0'><channel><title>B</title><item><title>From B"
                    "</title><guid>b1</guid></item></channel></rss>",
                    content_type="application/rss+xml")
    opml = tmp_path / "subs.opml"
    opml.write_text(f"""<?xml version="1.0"?><opml version="2.0"><head><title>s</title></head>
<body><outline text="Local &amp; Coast">
  <outline type="rss" text="A" xmlUrl="{http_server.url('/a.xml')}"/>
</outline><outline type="rss" text="B" xmlUrl="{http_server.url('/b.xml')}" category="tech"/>
</body></opml>""")
    code, out, err = cli("t.sqlite3", "import", str(opml))
    assert out.strip() == "Imported 2 new feeds, 0 new stories, 0 new highlights."
    assert http_server.requests == []  # importing needs no network
    code, out, err = cli("t.sqlite3", "refresh")
    assert code == 0, err
    stories = {s["title"]: s["tags"] for s in json.loads(cli("t.sqlite3", "list", "--json")[1])}
    assert stories == {"From A": ["Local & Coast"], "From B": ["tech"]}
