"""Exporters: Markdown notes, W3C Web Annotations and OPML, from a real library.

Every test builds a real SQLite library with the library's public methods,
fills it from real feeds (tests material under /work/shared/interop/) and
exports ``Library.export_all()``.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from broadsheet.anchoring import build_selectors
from broadsheet.exchange.exporters import (
    dumps_w3c,
    export_markdown,
    export_opml,
    export_w3c,
    slugify,
)
from broadsheet.extract import document_from_fragment
from broadsheet.library import Library
from broadsheet.model import Block, Document, Span, parse_iso
from broadsheet.net.feeds import parse_feed

INTEROP = Path("/work/shared/interop")
FEEDS = INTEROP / "feeds"
SAMPLES = INTEROP / "annotations/w3c--web-annotation-tests/tools/samples/correct"
OPML = INTEROP / "opml"

DARING = FEEDS / "Ranchero-Software--RSParser/DaringFireball.rss"
AKTUALITY = FEEDS / "Ranchero-Software--RSParser/aktuality.rss"
UNTITLED = FEEDS / "newsboat--newsboat/items_without_titles.xml"

HOSTILE_TITLES = [
    "a: b",
    '"quote" and \'single\'',
    "[/] [@click=app.quit] [bold]x[/bold]",
    "../../etc/passwd",
    "first line\nsecond: line",
    "- [ ] #tag *bold* `code` {braces} & % @ !",
    "CON",
    ".hidden",
    "a<b>c|d?e*f\\g",
    "…",
    "Ünïcödé — Škoda: zvýšili odhad",
    "x" * 300,
]


# -- building the library --------------------------------------------------------


def _subscribe(lib: Library, path: Path, url: str, tags: tuple[str, ...] = ()) -> list[int]:
    parsed = parse_feed(path.read_bytes(), url)
    source_id, _ = lib.add_feed(url, parsed.title, parsed.site_url)
    return lib.add_items(source_id, parsed.items, tags, feed_title=parsed.title,
                         site_url=parsed.site_url)


def _annotate_sentence(lib: Library, story_id: int, note: str = "") -> tuple[str, Any]:
    """Highlight the first sentence-ish run of the story's real text."""
    text = lib.document(story_id).plain_text()
    match = re.search(r"\w[^.!?\n]{20,}[.!?]", text)
    assert match, text[:200]
    quote, position = build_selectors(text, match.start(), match.end())
    return text, lib.add_annotation(story_id, quote, position, note=note)


@pytest.fixture
def library(tmp_path: Path):
    lib = Library.open(tmp_path / "library.sqlite")
    yield lib
    lib.close()


@pytest.fixture
def filled(library: Library):
    """Daring Fireball and aktuality.sk feeds, real articles, highlights and notes."""
    daring = _subscribe(library, DARING, "https://daringfireball.net/feeds/main")
    slovak = _subscribe(library, AKTUALITY, "https://www.aktuality.sk/rss/", ("správy",))
    parsed = {i.guid: i for i in parse_feed(DARING.read_bytes(), "https://daringfireball.net/feeds/main").items}
    for story_id in daring[:3]:
        story = library.story(story_id)
        item = parsed[story.guid]
        library.set_document(story_id, document_from_fragment(item.content_html, item.url, item.title))
    _annotate_sentence(library, daring[0], note="Worth re-reading.\nSecond line: with a colon.")
    _annotate_sentence(library, daring[1])
    library.set_tags(daring[1], ["apple", "law & order", "#hash"])
    library.set_tags(daring[2], ["only tagged"])
    return library, daring, slovak


def _saved_story(lib: Library, title: str, text: str = "", url: str | None = None) -> int:
    saved = lib.saved_source_id()
    document = Document(blocks=[Block("paragraph", (Span(text),))], title=title) if text else None
    story_id, _ = lib.add_story(saved, url=url, title=title, document=document,
                                guid=f"test:{title}:{url}")
    return story_id


# -- a strict reader for the front matter this exporter writes ----------------------

_ESCAPES = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r", "0": "\0",
            "N": "\x85", "L": "\u2028", "P": "\u2029", "/": "/", " ": " ", "a": "\a",
            "b": "\b", "e": "\x1b", "f": "\f", "v": "\v", "_": "\xa0"}


def _double_quoted(raw: str) -> str:
    """A YAML double-quoted scalar on one line -> its value; raises on anything else."""
    if len(raw) < 2 or raw[0] != '"' or raw[-1] != '"':
        raise ValueError(f"not a double-quoted scalar: {raw!r}")
    body, out, i = raw[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char == '"':
            raise ValueError(f"unescaped quote in {raw!r}")
        if ord(char) < 0x20 or char in "\x7f\x85\u2028\u2029":
            raise ValueError(f"raw control or line break in {raw!r}")
        if char != "\\":
            out.append(char)
            i += 1
            continue
        code = body[i + 1]
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            i += 2
        elif code in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[code]
            digits = body[i + 2 : i + 2 + width]
            if not re.fullmatch(r"[0-9A-Fa-f]+", digits) or len(digits) != width:
                raise ValueError(f"bad escape in {raw!r}")
            out.append(chr(int(digits, 16)))
            i += 2 + width
        else:
            raise ValueError(f"unknown escape \\{code} in {raw!r}")
    return "".join(out)


def parse_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """The subset of YAML the exporter writes, read strictly: ``key: "str"``,
    ``key: 12``, ``key: []`` and ``key:`` followed by ``  - "str"`` items."""
    if not text.startswith("---\n"):
        raise ValueError("no front matter")
    end = text.index("\n---\n", 3)
    lines = text[4:end].split("\n")
    data: dict[str, Any] = {}
    current: list[str] | None = None
    for line in lines:
        if line.startswith("  - ") and current is not None:
            current.append(_double_quoted(line[4:]))
            continue
        match = re.fullmatch(r"([a-z_]+):(?: (.*))?", line)
        if not match:
            raise ValueError(f"not a front-matter line: {line!r}")
        key, value = match.groups()
        if key in data:
            raise ValueError(f"duplicate key {key}")
        current = None
        if value is None:
            current = data[key] = []
        elif value == "[]":
            data[key] = []
        elif re.fullmatch(r"-?\d+", value):
            data[key] = int(value)
        else:
            data[key] = _double_quoted(value)
    return data, text[end + 5 :]


def test_front_matter_reader_is_strict():
    good = '---\ntitle: "a: b"\ntags:\n  - "x"\nbroadsheet_id: 3\n---\nbody'
    assert parse_front_matter(good) == ({"title": "a: b", "tags": ["x"], "broadsheet_id": 3}, "body")
    for bad in ['title: a: b', 'title: "a"b"', 'title: "a\nb"', "title: 'a'", 'title: "\\q"',
                'tags:\n- "x"', 'title: "a"\ntitle: "b"']:
        with pytest.raises(ValueError):
            parse_front_matter(f"---\n{bad}\n---\n")


# -- Markdown ------------------------------------------------------------------------


def _by_id(paths: list[Path]) -> dict[int, tuple[dict[str, Any], str, Path]]:
    out = {}
    for path in paths:
        meta, body = parse_front_matter(path.read_text(encoding="utf-8"))
        out[meta["broadsheet_id"]] = (meta, body, path)
    return out


def test_markdown_one_note_per_story_with_highlights_or_tags(filled, tmp_path):
    lib, daring, slovak = filled
    data = lib.export_all()
    paths = export_markdown(data, tmp_path / "vault")
    notes = _by_id(paths)
    # daring[0..2] have a highlight, a highlight+tags, tags; every aktuality story has a tag.
    expected = {daring[0], daring[1], daring[2], *slovak}
    assert set(notes) == expected
    assert sorted(p.name for p in (tmp_path / "vault").iterdir()) == sorted(p.name for p in paths)
    everything = export_markdown(data, tmp_path / "all", all_stories=True)
    assert len(everything) == len(data["stories"]) > len(paths)


def test_markdown_front_matter_and_body(filled, tmp_path):
    lib, daring, _ = filled
    data = lib.export_all()
    stories = {s["id"]: s for s in data["stories"]}
    notes = _by_id(export_markdown(data, tmp_path))

    meta, body, _ = notes[daring[1]]
    story = stories[daring[1]]
    assert meta["title"] == story["title"]
    assert meta["url"] == story["url"]
    assert meta["source"] == "Daring Fireball"
    assert meta["tags"] == ["#hash", "apple", "law & order"]
    assert meta["fetched"] == story["fetched"]
    assert meta.get("published") == story["published"]
    lines = body.strip("\n").split("\n")
    assert lines[0].startswith("# ") and "Manuscripts and Findings" in lines[0]
    assert lines[2] == f"<{story['url']}>"
    assert "## Highlights" in lines
    quote = story["annotations"][0]["exact"]
    assert any(line.startswith("> ") and quote[:15] in line.replace("\\", "") for line in lines)

    meta, body, _ = notes[daring[0]]
    note_lines = ["Worth re-reading.", "Second line: with a colon."]
    quote_at = next(i for i, line in enumerate(body.split("\n")) if line.startswith("> "))
    after = body.split("\n")[quote_at + 1 : quote_at + 4]
    assert after == [""] + note_lines

    meta, body, _ = notes[daring[2]]
    assert meta["tags"] == ["only tagged"]
    assert "## Highlights" not in body
    assert not any(line.startswith(">") for line in body.split("\n"))


def test_markdown_multiline_quote_and_orphans(library, tmp_path):
    text = "Opening words.\n\n- a list-looking line\n1. numbered *stars* [[wiki]] $5 ==mark==\n\nEnd."
    story_id = _saved_story(library, "Multi", text, "https://example.org/multi")
    plain = library.document(story_id).plain_text()
    start = plain.index("- a list")
    quote, position = build_selectors(plain, start, plain.index("\n\nEnd."))
    library.add_annotation(story_id, quote, position, note="kept note")
    quote2, position2 = build_selectors(plain, 0, 8)
    library.add_annotation(story_id, quote2, position2, note="lost note")
    data = library.export_all()
    # An annotation that no longer anchors is stored with orphaned = true.
    data["stories"][0]["annotations"][0]["orphaned"] = True
    (path,) = export_markdown(data, tmp_path)
    body = parse_front_matter(path.read_text(encoding="utf-8"))[1]
    placed, orphaned = body.split("## Orphaned highlights")
    assert "> Opening" in orphaned and "lost note" in orphaned and "lost note" not in placed
    quote_lines = [line for line in placed.split("\n") if line.startswith(">")]
    assert quote_lines == [
        r"> \- a list-looking line",
        r"> 1\. numbered \*stars\* \[\[wiki\]\] \$5 \=\=mark\=\=",
    ]
    assert "\nkept note\n" in placed


def test_markdown_hostile_titles(library, tmp_path):
    ids = [_saved_story(library, title, "Some text to highlight here.",
                        f"https://example.org/{n}") for n, title in enumerate(HOSTILE_TITLES)]
    # A URL with a line break and a YAML-looking tail goes through the library unchanged.
    ids.append(_saved_story(library, "url attack", "Text.", "https://example.org/x\nurl: evil"))
    for story_id in ids:
        library.set_tags(story_id, ["t: x", '"q"', "- dash"])
    data = library.export_all()
    out = tmp_path / "vault"
    paths = export_markdown(data, out)
    assert len(paths) == len(ids)
    names = [p.name for p in paths]
    assert len({n.casefold() for n in names}) == len(names)
    for path in paths:
        stem = path.name[:-3]
        assert path.parent == out and path.resolve().parent == out.resolve()
        assert path.suffix == ".md" and 0 < len(stem) <= 80
        assert not stem.startswith((".", "-")) and not stem.endswith((".", " "))
        assert not re.search(r'[<>:"/\\|?*\x00-\x1f]', stem)
        assert stem.upper() not in {"CON", "PRN", "AUX", "NUL"}
    notes = _by_id(paths)
    stories = {s["id"]: s for s in data["stories"]}
    for story_id in ids:
        meta, body, _ = notes[story_id]
        assert meta["title"] == stories[story_id]["title"]
        assert meta["url"] == stories[story_id]["url"]
        assert meta["tags"] == list(stories[story_id]["tags"])
        assert body.lstrip("\n").startswith("# ")
    assert notes[ids[-1]][0]["url"] == "https://example.org/x\nurl: evil"
    # An address that is not a plain http(s) link is not turned into one.
    assert "<https://example.org/x" not in notes[ids[-1]][1]


def test_markdown_front_matter_with_a_real_yaml_parser(library, tmp_path):
    yaml = pytest.importorskip("yaml")
    for n, title in enumerate(HOSTILE_TITLES):
        _saved_story(library, title, "Text here.", f"https://example.org/{n}?a=1&b='2'")
    data = library.export_all()
    data["stories"][0]["title"] = "raw\nline break\u2028and\x85more\ttab \"q\" \\ \ufeff"
    for path in export_markdown(data, tmp_path, all_stories=True):
        text = path.read_text(encoding="utf-8")
        loaded = yaml.safe_load(text.split("\n---\n", 1)[0][4:])
        assert loaded == parse_front_matter(text)[0]


def test_markdown_hostile_title_inside_the_dict(library, tmp_path):
    # The library collapses line breaks in titles; a hand-edited export may not.
    _saved_story(library, "placeholder", "Text.")
    data = library.export_all()
    data["stories"][0]["title"] = 'line one\nline two: "x"\r\n---\nbroadsheet_id: 999\u2028#'
    (path,) = export_markdown(data, tmp_path, all_stories=True)
    meta, body = parse_front_matter(path.read_text(encoding="utf-8"))
    assert meta["broadsheet_id"] == data["stories"][0]["id"]
    # A title is one line: its line breaks become spaces, the rest is kept.
    assert meta["title"] == 'line one line two: "x" --- broadsheet_id: 999 #'
    assert "\n" not in path.name and len(path.name) <= 83
    assert body.lstrip("\n").split("\n")[0].startswith("# line one")


def test_markdown_duplicate_and_long_titles_get_numbered(library, tmp_path):
    untitled = _subscribe(library, UNTITLED, "http://example.com/feed.atom", ("t",))
    long_a = _saved_story(library, "word " * 40 + "alpha", "x")
    long_b = _saved_story(library, "word " * 40 + "beta", "x")
    library.set_tags(long_a, ["t"])
    library.set_tags(long_b, ["t"])
    paths = export_markdown(library.export_all(), tmp_path)
    names = [p.name for p in paths]
    # Five real feed items all called "some content".
    assert names[: len(untitled)] == ["some-content.md"] + [
        f"some-content-{n}.md" for n in range(2, len(untitled) + 1)
    ]
    long_names = names[len(untitled) :]
    assert len(set(long_names)) == 2 and all(len(n) - 3 <= 80 for n in long_names)
    assert long_names[1].endswith("-2.md")


def test_markdown_rerun_is_idempotent_and_spares_other_files(filled, tmp_path):
    lib, daring, _ = filled
    out = tmp_path / "vault"
    data = lib.export_all()
    first = export_markdown(data, out)
    contents = {p: p.read_bytes() for p in first}
    stamps = {p: p.stat().st_mtime_ns for p in first}
    # Someone's own note with the name the next story would want.
    mine = out / f"{slugify('A story of mine')}.md"
    mine.write_text("# my own note\n", encoding="utf-8")
    second = export_markdown(data, out)
    assert second == first
    assert {p: p.read_bytes() for p in second} == contents
    assert {p: p.stat().st_mtime_ns for p in second} == stamps
    # A new story whose title collides with that file gets another name.
    story_id = _saved_story(lib, "A story of mine", "Text of mine.")
    lib.set_tags(story_id, ["x"])
    third = export_markdown(lib.export_all(), out)
    assert mine.read_text(encoding="utf-8") == "# my own note\n"
    assert third[:-1] == first and third[-1].name == "a-story-of-mine-2.md"
    assert sorted(out.iterdir()) == sorted([*third, mine])


def test_slugify_rules():
    assert slugify("a: b") == "a-b"
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify(".hidden") == "hidden"
    assert slugify("CON") == "con-note"
    assert slugify("Škoda: zvýšili") == "škoda-zvýšili"
    assert slugify("[/]") == ""
    assert len(slugify("y" * 500)) == 80


# -- W3C Web Annotation ------------------------------------------------------------

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
MOTIVATIONS = {"assessing", "bookmarking", "classifying", "commenting", "describing",
               "editing", "highlighting", "identifying", "linking", "moderating",
               "questioning", "replying", "tagging"}
SELECTORS = {"FragmentSelector", "CssSelector", "XPathSelector", "TextQuoteSelector",
             "TextPositionSelector", "DataPositionSelector", "SvgSelector", "RangeSelector"}


def _many(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _one(value: Any) -> Any:
    """JSON-LD lets a single value be written bare or as a one-item list."""
    if isinstance(value, list):
        return value[0] if len(value) == 1 else _Many()
    return value


class _Many:
    pass


def _is_iri(value: Any) -> bool:
    return isinstance(value, str) and bool(_IRI.match(value))


def _check_context(obj: dict, problems: list[str]) -> None:
    context = obj.get("@context")
    if isinstance(context, list):
        if CONTEXT not in context:
            problems.append("@context lacks anno.jsonld")
        if len(context) == 1:
            problems.append("a single @context must be a string")
    elif context != CONTEXT:
        problems.append("@context must be anno.jsonld")


def _check_dates(obj: dict, where: str, problems: list[str]) -> None:
    for key in ("created", "modified", "generated"):
        if key in obj:
            value = _one(obj[key])
            if not (isinstance(value, str) and _DATETIME.match(value) and parse_iso(value)):
                problems.append(f"{where}.{key} is not one xsd:dateTime")


def _check_selector(selector: Any, where: str, problems: list[str]) -> None:
    if _is_iri(selector):
        return
    if not isinstance(selector, dict):
        problems.append(f"{where} is neither an IRI nor an object")
        return
    kind = selector.get("type")
    if kind not in SELECTORS and not _is_iri(kind):
        problems.append(f"{where}.type {kind!r} is not a selector class")
    if kind == "TextQuoteSelector":
        if not isinstance(_one(selector.get("exact")), str):
            problems.append(f"{where}: TextQuoteSelector needs exactly 1 exact string")
        for key in ("prefix", "suffix"):
            if key in selector and not isinstance(_one(selector[key]), str):
                problems.append(f"{where}.{key} must be at most 1 string")
    if kind in ("TextPositionSelector", "DataPositionSelector"):
        for key in ("start", "end"):
            value = _one(selector.get(key))
            if not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
                problems.append(f"{where}.{key} must be exactly 1 non-negative integer")
    if kind in ("FragmentSelector", "CssSelector", "XPathSelector", "SvgSelector"):
        if kind != "SvgSelector" and not isinstance(_one(selector.get("value")), str):
            problems.append(f"{where}: {kind} needs exactly 1 value")
    if kind == "RangeSelector":
        for key in ("startSelector", "endSelector"):
            if not isinstance(_one(selector.get(key)), dict):
                problems.append(f"{where}.{key} must be exactly 1 selector")
            else:
                _check_selector(_one(selector[key]), f"{where}.{key}", problems)
    if "refinedBy" in selector:
        for n, inner in enumerate(_many(selector["refinedBy"])):
            _check_selector(inner, f"{where}.refinedBy[{n}]", problems)


def _check_resource(resource: Any, where: str, problems: list[str]) -> None:
    """A body or target: an IRI, or an object (External, Textual, Specific resource)."""
    if _is_iri(resource):
        return
    if not isinstance(resource, dict):
        problems.append(f"{where} is neither an IRI nor an object")
        return
    if "id" in resource and not _is_iri(_one(resource["id"])):
        problems.append(f"{where}.id must be exactly 1 IRI")
    kinds = _many(resource.get("type", []))
    if "TextualBody" in kinds and not isinstance(_one(resource.get("value")), str):
        problems.append(f"{where}: a TextualBody needs exactly 1 value")
    if "TextualBody" not in kinds and "source" not in resource and "value" not in resource \
            and "id" not in resource and "items" not in resource:
        problems.append(f"{where} has no id, value, source or items")
    if "source" in resource:
        source = _one(resource["source"])
        if not (_is_iri(source) or (isinstance(source, dict) and _is_iri(source.get("id")))):
            problems.append(f"{where}.source must be exactly 1 resource")
    if "purpose" in resource:
        for purpose in _many(resource["purpose"]):
            if purpose not in MOTIVATIONS and not _is_iri(purpose):
                problems.append(f"{where}.purpose {purpose!r} is not a motivation")
    if "format" in resource:
        for value in _many(resource["format"]):
            if not (isinstance(value, str) and re.fullmatch(r"[\w.+-]+/[\w.+-]+", value)):
                problems.append(f"{where}.format {value!r} is not a media type")
    if "selector" in resource:
        for n, selector in enumerate(_many(resource["selector"])):
            _check_selector(selector, f"{where}.selector[{n}]", problems)
    _check_dates(resource, where, problems)


def annotation_must_problems(anno: Any, *, embedded: bool = False) -> list[str]:
    """Breaches of the MUSTs of the Web Annotation Data Model (sections 3 and 4)
    by one Annotation.  ``embedded``: it sits in a Page whose context covers it."""
    problems: list[str] = []
    if not isinstance(anno, dict):
        return ["an annotation must be a JSON object"]
    if not embedded:
        _check_context(anno, problems)
    if not _is_iri(_one(anno.get("id"))):
        problems.append("id must be exactly 1 IRI")
    if "Annotation" not in _many(anno.get("type", [])):
        problems.append("type must include Annotation")
    if "target" not in anno or _many(anno["target"]) == []:
        problems.append("there must be 1 or more targets")
    else:
        for n, target in enumerate(_many(anno["target"])):
            _check_resource(target, f"target[{n}]", problems)
    if "body" in anno and "bodyValue" in anno:
        problems.append("body and bodyValue must not both be present")
    if "bodyValue" in anno and not isinstance(_one(anno["bodyValue"]), str):
        problems.append("bodyValue must be exactly 1 string")
    for n, body in enumerate(_many(anno.get("body", []))):
        _check_resource(body, f"body[{n}]", problems)
    for motivation in _many(anno.get("motivation", [])):
        if motivation not in MOTIVATIONS and not _is_iri(motivation):
            problems.append(f"motivation {motivation!r} is not a motivation")
    _check_dates(anno, "annotation", problems)
    return problems


def page_must_problems(page: Any, *, embedded: bool = False) -> list[str]:
    """Breaches of the MUSTs for an AnnotationPage (section 5.2)."""
    problems: list[str] = []
    if not isinstance(page, dict):
        return ["a page must be a JSON object"]
    if not embedded:
        _check_context(page, problems)
    if not _is_iri(_one(page.get("id"))):
        problems.append("page id must be exactly 1 IRI")
    if "AnnotationPage" not in _many(page.get("type", [])):
        problems.append("page type must include AnnotationPage")
    items = page.get("items")
    if not isinstance(items, list) or not items:
        problems.append("a page must have 1 or more items")
    else:
        for n, item in enumerate(items):
            problems += [f"items[{n}]: {p}" for p in annotation_must_problems(item, embedded=True)]
    for key in ("partOf", "next", "prev"):
        if key in page:
            value = _one(page[key])
            if not (_is_iri(value) or (isinstance(value, dict) and _is_iri(value.get("id")))):
                problems.append(f"page {key} must be exactly 1 IRI")
    if "startIndex" in page:
        value = _one(page["startIndex"])
        if not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
            problems.append("startIndex must be a non-negative integer")
    return problems


def collection_must_problems(collection: Any) -> list[str]:
    """Breaches of the MUSTs for an AnnotationCollection (section 5.1)."""
    problems: list[str] = []
    if not isinstance(collection, dict):
        return ["a collection must be a JSON object"]
    _check_context(collection, problems)
    if not _is_iri(_one(collection.get("id"))):
        problems.append("collection id must be exactly 1 IRI")
    if "AnnotationCollection" not in _many(collection.get("type", [])):
        problems.append("type must include AnnotationCollection")
    if "label" in collection and not all(isinstance(v, str) for v in _many(collection["label"])):
        problems.append("label values must be strings")
    total = _one(collection.get("total", 0))
    if not (isinstance(total, int) and not isinstance(total, bool) and total >= 0):
        problems.append("total must be a non-negative integer")
    elif total > 0 and "first" not in collection:
        problems.append("a collection with annotations must have first")
    if "first" in collection:
        first = _one(collection["first"])
        if isinstance(first, dict):
            problems += [f"first: {p}" for p in page_must_problems(first, embedded=True)]
        elif not _is_iri(first):
            problems.append("first must be exactly 1 IRI or page")
    if "last" in collection and not _is_iri(_one(collection["last"])):
        problems.append("last must be exactly 1 IRI")
    return problems


def _samples() -> dict[str, Any]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(SAMPLES.glob("*.json"))}


def test_must_checker_accepts_every_w3c_sample():
    samples = _samples()
    assert len(samples) == 10
    for name, sample in samples.items():
        if sample["type"] == "AnnotationPage":
            assert page_must_problems(sample) == [], name
        else:
            assert annotation_must_problems(sample) == [], name


@pytest.mark.parametrize(
    "name, breakage, expected",
    [
        ("anno1.json", lambda a: a.pop("target"), "targets"),
        ("anno1.json", lambda a: a.update(id="not an iri"), "id must"),
        ("anno1.json", lambda a: a.update({"@context": "http://example.org/ctx"}), "@context"),
        ("anno1.json", lambda a: a.update(type="Note"), "type must"),
        ("anno6.json", lambda a: a.update(body="http://example.org/b"), "bodyValue must not"),
        ("anno7.json", lambda a: a["body"].pop("value"), "TextualBody needs"),
        ("anno14.json", lambda a: a.update(created="yesterday"), "xsd:dateTime"),
        ("anno18.json", lambda a: a.update(motivation="liking"), "not a motivation"),
        ("anno26.json", lambda a: a["target"]["selector"].pop("exact"), "exact"),
        ("anno26.json", lambda a: a["target"]["selector"].update(
            type="TextPositionSelector", start=-1, end=3), "non-negative"),
        ("anno31.json", lambda a: a["target"]["selector"].pop("endSelector"), "endSelector"),
        ("example42.json", lambda a: a.update(items=[]), "1 or more items"),
        ("example42.json", lambda a: a.update(startIndex=-2), "startIndex"),
    ],
)
def test_must_checker_rejects_broken_samples(name, breakage, expected):
    sample = _samples()[name]
    breakage(sample)
    check = page_must_problems if sample["type"] == "AnnotationPage" else annotation_must_problems
    problems = check(sample)
    assert any(expected in p for p in problems), problems


def test_w3c_collection_meets_the_musts(filled):
    lib, daring, _ = filled
    data = lib.export_all()
    collection = export_w3c(data)
    assert collection_must_problems(collection) == []
    assert collection["@context"] == CONTEXT
    assert collection["type"] == "AnnotationCollection"
    assert collection["id"].startswith("urn:uuid:")
    assert isinstance(collection["label"], str) and collection["label"]
    annotations = [a for s in data["stories"] for a in s["annotations"]]
    assert collection["total"] == len(annotations) == 2
    page = collection["first"]
    assert page["type"] == "AnnotationPage" and page["startIndex"] == 0
    assert page["partOf"] == collection["id"] and collection["last"] == page["id"]
    assert [item["id"] for item in page["items"]] == [f"urn:uuid:{a['uuid']}" for a in annotations]
    for item in page["items"]:
        assert annotation_must_problems(item, embedded=True) == []
        # Each one also stands alone once given the context.
        assert annotation_must_problems({"@context": CONTEXT, **item}) == []


def test_w3c_annotation_fields(filled):
    lib, daring, _ = filled
    data = lib.export_all()
    stories = {s["id"]: s for s in data["stories"]}
    items = {item["id"]: item for item in export_w3c(data)["first"]["items"]}
    noted = stories[daring[0]]["annotations"][0]
    tagged = stories[daring[1]]["annotations"][0]

    item = items[f"urn:uuid:{noted['uuid']}"]
    assert item["type"] == "Annotation" and item["motivation"] == "commenting"
    # the note: exactly one TextualBody, Markdown as in Hypothesis
    assert item["body"] == [{"type": "TextualBody", "value": noted["note"], "format": "text/markdown"}]
    assert "creator" not in item  # no accounts: the W3C SHOULD is left out
    assert item["created"].endswith("Z") and item["modified"].endswith("Z")
    assert parse_iso(item["created"]) == parse_iso(noted["created"]).replace(microsecond=0)
    (target,) = item["target"]
    assert target["type"] == "SpecificResource"
    assert target["source"] == stories[daring[0]]["url"]
    quote, position = target["selector"]
    assert quote == {"type": "TextQuoteSelector", "exact": noted["exact"],
                     "prefix": noted["prefix"], "suffix": noted["suffix"]}
    assert position == {"type": "TextPositionSelector", "start": noted["start"], "end": noted["end"]}
    text = lib.document(daring[0]).plain_text()
    assert text[position["start"] : position["end"]] == quote["exact"]

    item = items[f"urn:uuid:{tagged['uuid']}"]
    assert item["motivation"] == "highlighting"
    assert item["body"] == [{"type": "TextualBody", "purpose": "tagging", "value": tag}
                            for tag in stories[daring[1]]["tags"]]


def test_w3c_highlight_without_note_or_tags_has_no_body(library):
    story_id = _saved_story(library, "Plain", "Some plain words in a row.", None)
    text = library.document(story_id).plain_text()
    library.add_annotation(story_id, *build_selectors(text, 5, 10))
    data = library.export_all()
    (item,) = export_w3c(data)["first"]["items"]
    assert "body" not in item and item["motivation"] == "highlighting"
    # A story without an address is named by a stable URN.
    source = item["target"][0]["source"]
    assert source.startswith("urn:uuid:") and source == export_w3c(data)["first"]["items"][0]["target"][0]["source"]
    assert annotation_must_problems(item, embedded=True) == []


def test_w3c_orphaned_highlight_keeps_only_its_quote(filled):
    lib, daring, _ = filled
    data = lib.export_all()
    story = next(s for s in data["stories"] if s["id"] == daring[0])
    story["annotations"][0]["orphaned"] = True
    item = next(i for i in export_w3c(data)["first"]["items"]
                if i["id"] == f"urn:uuid:{story['annotations'][0]['uuid']}")
    (target,) = item["target"]
    assert [s["type"] for s in target["selector"]] == ["TextQuoteSelector"]


def test_w3c_json_round_trip_is_stable(filled):
    lib, _, _ = filled
    data = lib.export_all()
    text = dumps_w3c(data)
    assert json.loads(text) == export_w3c(data)
    assert dumps_w3c(lib.export_all()) == text  # same library, same document


def test_w3c_empty_library(library):
    collection = export_w3c(library.export_all())
    assert collection["total"] == 0 and "first" not in collection
    assert collection_must_problems(collection) == []


def test_w3c_shapes_match_the_w3c_samples(filled):
    """Our objects use the keys the specification's own examples use."""
    lib, _, _ = filled
    samples = _samples()
    collection = export_w3c(lib.export_all())
    page = collection["first"]
    assert set(page) - {"items"} <= set(samples["example42.json"]) - {"@context", "next"} | {"partOf"}
    sample_quote = samples["anno26.json"]["target"]["selector"]
    sample_tag = samples["anno18.json"]["body"][0]
    textual_keys = set(samples["anno5.json"]["body"]) | set(samples["anno7.json"]["body"]) | {"purpose"}
    for item in page["items"]:
        for target in item["target"]:
            assert set(target) - {"type"} == set(samples["anno26.json"]["target"])
            assert set(target["selector"][0]) <= set(sample_quote)
            # Hypothesis reads a list of typed selectors under the target's "selector".
            assert all("type" in s for s in target["selector"])
        for body in item.get("body", []):
            assert set(body) <= textual_keys
            if body.get("purpose") == "tagging":
                assert set(body) == set(sample_tag)


# -- Hypothesis ----------------------------------------------------------------------
#
# Transcriptions of the Hypothesis server's (hypothesis/h) own schemas, as
# Python dicts in JSON Schema form:
#
# * H_SELECTOR_SCHEMAS: docs/_extra/api-reference/schemas/annotation.yaml,
#   ``Annotation.properties.target.items.properties.selector.items.oneOf``.
#   The YAML writes properties in shorthand (``exact: string``), written out
#   here as ``{"type": "string"}``; its branches are told apart only by their
#   ``description`` (several have the same shape, so ``oneOf`` can't tell
#   Text Position from Data Position), so here they are keyed by the selector
#   type each describes.
# * H_TARGET_SCHEMA: the same file, ``Annotation.properties.target``.
# * H_CREATE_SCHEMA: h/schemas/annotation.py, ``AnnotationSchema.schema`` (the
#   JSON schema ``CreateAnnotationSchema.validate`` applies to a POSTed
#   annotation; its selector schema is ``SELECTOR_SCHEMA``), the fields a
#   create payload of ours uses.  ``CreateAnnotationSchema.validate`` then
#   also requires a non-blank ``uri`` and keeps only the first target's
#   selectors (``_target_selectors``).
# * H_BODY_SHAPES: h/presenters/annotation_jsonld.py,
#   ``AnnotationJSONLDPresenter._bodies`` — the bodies Hypothesis itself emits.

_STR = {"type": "string"}
_NUM = {"type": "number"}
H_SELECTOR_SCHEMAS: dict[str, dict] = {
    "FragmentSelector": {"type": "object", "required": ["type", "value", "conformsTo"],
                         "properties": {"type": _STR, "value": _STR, "conformsTo": _STR}},
    "CssSelector": {"type": "object", "required": ["type", "value"],
                    "properties": {"type": _STR, "value": _STR}},
    "XPathSelector": {"type": "object", "required": ["type", "value"],
                      "properties": {"type": _STR, "value": _STR}},
    "TextQuoteSelector": {"type": "object", "required": ["type", "exact"],
                          "properties": {"type": _STR, "exact": _STR, "prefix": _STR, "suffix": _STR}},
    "TextPositionSelector": {"type": "object", "required": ["type", "start", "end"],
                             "properties": {"type": _STR, "start": _NUM, "end": _NUM}},
    "DataPositionSelector": {"type": "object", "required": ["type", "start", "end"],
                             "properties": {"type": _STR, "start": _NUM, "end": _NUM}},
    "SvgSelector": {"type": "object", "required": ["type", "value"],
                    "properties": {"type": _STR, "value": _STR}},
    "RangeSelector": {"type": "object",
                      "required": ["type", "startContainer", "endContainer", "startOffset", "endOffset"],
                      "properties": {"type": _STR, "startContainer": _STR, "endContainer": _STR,
                                     "startOffset": _NUM, "endOffset": _NUM}},
    "EPUBContentSelector": {"type": "object", "required": ["type", "url"],
                            "properties": {"type": _STR, "url": _STR, "cfi": _STR, "title": _STR}},
    "PageSelector": {"type": "object", "required": ["type", "index"],
                     "properties": {"type": _STR, "index": _NUM, "label": _STR}},
}
H_TARGET_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "source": {"type": "string", "format": "uri"},
            "selector": {"type": "array", "items": {"selectorByType": H_SELECTOR_SCHEMAS}},
        },
    },
}
_H_SELECTOR_SCHEMA = {  # h/schemas/annotation.py SELECTOR_SCHEMA
    "type": "array",
    "items": {"type": "object", "properties": {"type": {"type": "string"}}, "required": ["type"]},
}
H_CREATE_SCHEMA = {
    "type": "object",
    "properties": {
        "references": {"type": "array", "items": {"type": "string"}},
        "tags": {"type": "array", "items": {"type": "string"}},
        "target": {
            "type": "array",
            "items": {"type": "object", "properties": {"selector": _H_SELECTOR_SCHEMA}},
        },
        "text": {"type": "string"},
        "uri": {"type": "string"},
    },
}
H_BODY_SHAPES = {
    "text": {"type": "object", "required": ["type", "value", "format"], "additionalProperties": False,
             "properties": {"type": {"enum": ["TextualBody"]}, "value": _STR,
                            "format": {"enum": ["text/markdown"]}}},
    "tag": {"type": "object", "required": ["type", "value", "purpose"], "additionalProperties": False,
            "properties": {"type": {"enum": ["TextualBody"]}, "value": _STR,
                           "purpose": {"enum": ["tagging"]}}},
}

_JSON_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}


def schema_problems(value: Any, schema: dict, where: str = "$") -> list[str]:
    """The JSON Schema subset the schemas above use: type, enum, format uri,
    required, properties, additionalProperties false, items, and
    ``selectorByType`` (pick the schema by the object's ``type``)."""
    problems: list[str] = []
    if "type" in schema and not _JSON_TYPES[schema["type"]](value):
        return [f"{where}: {value!r} is not of type {schema['type']}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if schema.get("format") == "uri" and not _is_iri(value):
        problems.append(f"{where}: {value!r} is not a URI")
    if "selectorByType" in schema:
        by_type = schema["selectorByType"]
        kind = value.get("type") if isinstance(value, dict) else None
        if kind not in by_type:
            return [f"{where}: {kind!r} is not a selector type Hypothesis knows"]
        return schema_problems(value, by_type[kind], f"{where}<{kind}>")
    if isinstance(value, dict):
        for key in schema.get("required", ()):
            if key not in value:
                problems.append(f"{where}: {key!r} is a required property")
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                problems += schema_problems(item, properties[key], f"{where}.{key}")
            elif schema.get("additionalProperties") is False:
                problems.append(f"{where}: additional property {key!r}")
    if isinstance(value, list) and "items" in schema:
        for n, item in enumerate(value):
            problems += schema_problems(item, schema["items"], f"{where}[{n}]")
    return problems


def test_hypothesis_schema_transcription_rejects_what_h_rejects():
    good = [{"source": "https://example.org/a", "selector": [
        {"type": "TextQuoteSelector", "exact": "x", "prefix": "", "suffix": "y"},
        {"type": "TextPositionSelector", "start": 3, "end": 4}]}]
    assert schema_problems(good, H_TARGET_SCHEMA) == []
    broken = {
        "no exact": [{"source": "https://e.org/", "selector": [{"type": "TextQuoteSelector"}]}],
        "string start": [{"source": "https://e.org/", "selector": [
            {"type": "TextPositionSelector", "start": "3", "end": 4}]}],
        "no end": [{"source": "https://e.org/", "selector": [{"type": "TextPositionSelector", "start": 3}]}],
        "numeric prefix": [{"source": "https://e.org/", "selector": [
            {"type": "TextQuoteSelector", "exact": "x", "prefix": 5}]}],
        "W3C range": [{"source": "https://e.org/", "selector": [
            {"type": "RangeSelector", "startSelector": {}, "endSelector": {}}]}],
        "untyped": [{"source": "https://e.org/", "selector": [{"exact": "x"}]}],
        "one target": {"source": "https://e.org/", "selector": []},
        "source": [{"source": "not a uri", "selector": []}],
    }
    for name, target in broken.items():
        assert schema_problems(target, H_TARGET_SCHEMA), name
    assert schema_problems({"uri": "u", "tags": "a,b"}, H_CREATE_SCHEMA)
    assert schema_problems({"uri": "u", "target": [{"selector": [{"exact": "x"}]}]}, H_CREATE_SCHEMA)
    assert schema_problems({"type": "TextualBody", "value": "v", "format": "text/plain"}, H_BODY_SHAPES["text"])
    assert schema_problems({"type": "TextualBody", "value": "v", "format": "text/markdown",
                            "purpose": "commenting"}, H_BODY_SHAPES["text"])


@pytest.fixture
def for_hypothesis(filled):
    """The filled library plus a saved story without an address, highlighted
    at the very start of its text (an empty prefix) with a Markdown note."""
    lib, daring, slovak = filled
    story_id = _saved_story(lib, "No address", "Opening words of a saved story, and then more.", None)
    text = lib.document(story_id).plain_text()
    lib.add_annotation(story_id, *build_selectors(text, 0, len("Opening words")),
                       note="*Markdown* stays as typed:\n- one\n- two")
    lib.set_tags(story_id, ["saved", "ünïcode tag"])
    return lib, daring, story_id


def _stored_annotations(lib: Library) -> dict[str, tuple[dict, dict]]:
    data = lib.export_all()
    return {f"urn:uuid:{a['uuid']}": (a, s) for s in data["stories"] for a in s["annotations"]}


def test_w3c_items_meet_hypothesis_schemas(for_hypothesis):
    lib, _, _ = for_hypothesis
    stored = _stored_annotations(lib)
    items = export_w3c(lib.export_all())["first"]["items"]
    assert len(items) == len(stored) == 3
    for item in items:
        annotation, story = stored[item["id"]]
        assert annotation_must_problems(item, embedded=True) == []
        # one target (h keeps only the first), meeting h's target and selector schemas
        assert len(item["target"]) == 1
        assert schema_problems(item["target"], H_TARGET_SCHEMA) == [], item["target"]
        selectors = {s["type"]: s for s in item["target"][0]["selector"]}
        assert set(selectors) == {"TextQuoteSelector", "TextPositionSelector"}
        quote, position = selectors["TextQuoteSelector"], selectors["TextPositionSelector"]
        assert all(isinstance(quote[k], str) for k in ("exact", "prefix", "suffix"))
        assert all(type(position[k]) is int for k in ("start", "end"))
        # bodies as Hypothesis presents them: at most one Markdown text body, first, then tags
        bodies = item.get("body", [])
        texts = [b for b in bodies if b.get("purpose") != "tagging"]
        tags = [b for b in bodies if b.get("purpose") == "tagging"]
        assert bodies == texts + tags and len(texts) == (1 if annotation["note"] else 0)
        for body in texts:
            assert schema_problems(body, H_BODY_SHAPES["text"]) == []
        for body in tags:
            assert schema_problems(body, H_BODY_SHAPES["tag"]) == []
        assert item["motivation"] == ("commenting" if annotation["note"] else "highlighting")
    # the story without an address: a URN, with the empty prefix kept as a string
    start = next(i for i in items if i["target"][0]["selector"][0]["exact"] == "Opening words")
    assert start["target"][0]["source"].startswith("urn:uuid:")
    assert start["target"][0]["selector"][0]["prefix"] == ""


def to_hypothesis_create(item: dict) -> dict:
    """An exported annotation as the payload of Hypothesis's create call
    (POST /api/annotations): uri, text, tags, target: [{source, selector}]."""
    (target,) = item["target"]
    bodies = item.get("body", [])
    texts = [b["value"] for b in bodies if b.get("purpose") != "tagging"]
    return {
        "uri": target["source"],
        "text": texts[0] if texts else "",
        "tags": [b["value"] for b in bodies if b.get("purpose") == "tagging"],
        "target": [{"source": target["source"], "selector": target["selector"]}],
    }


def h_create_appstruct(payload: dict) -> dict:
    """What h/schemas/annotation.py ``CreateAnnotationSchema.validate`` keeps
    of a payload (after its JSON schema check), as a test oracle."""
    problems = schema_problems(payload, H_CREATE_SCHEMA)
    if problems:
        raise ValueError(problems)
    uri = payload.get("uri", "").strip()
    if not uri:
        raise ValueError("uri: 'uri' is a required property")
    targets = payload.get("target") or []
    return {
        "target_uri": uri,
        "text": payload.get("text", ""),
        "tags": payload.get("tags", []),
        "target_selectors": targets[0]["selector"] if targets and "selector" in targets[0] else [],
    }


def test_w3c_to_hypothesis_create_payload_loses_nothing(for_hypothesis):
    lib, daring, saved = for_hypothesis
    stored = _stored_annotations(lib)
    for item in export_w3c(lib.export_all())["first"]["items"]:
        annotation, story = stored[item["id"]]
        kept = h_create_appstruct(to_hypothesis_create(item))
        assert kept["target_uri"] == item["target"][0]["source"]
        if story["url"]:
            assert kept["target_uri"] == story["url"]
        assert kept["text"] == annotation["note"]
        assert kept["tags"] == story["tags"]
        quote = next(s for s in kept["target_selectors"] if s["type"] == "TextQuoteSelector")
        position = next(s for s in kept["target_selectors"] if s["type"] == "TextPositionSelector")
        assert (quote["exact"], quote["prefix"], quote["suffix"]) == (
            annotation["exact"], annotation["prefix"], annotation["suffix"])
        assert (position["start"], position["end"]) == (annotation["start"], annotation["end"])
        text = lib.document(story["id"]).plain_text()
        assert text[position["start"]:position["end"]] == quote["exact"]
        assert text[:position["start"]].endswith(quote["prefix"])
        assert text[position["end"]:].startswith(quote["suffix"])
    # the library had what the checks above need: notes (one of them
    # Markdown on several lines), a highlight without a note, tags
    notes = {a["note"] for a, _ in stored.values()}
    assert "*Markdown* stays as typed:\n- one\n- two" in notes and "" in notes
    assert any(s["tags"] and not a["note"] for a, s in stored.values())


# -- OPML ------------------------------------------------------------------------------


def _strict(text: str):
    # lxml without recovery, then the standard library's parser too.
    root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(recover=False, resolve_entities=False))
    ET.fromstring(text.encode("utf-8"))
    return root


def test_opml_of_a_real_subscription_list(library):
    tree = ET.parse(OPML / "Ranchero-Software--RSParser/Subs.opml")
    feeds = [o for o in tree.iter("outline") if o.get("xmlUrl")]
    for outline in feeds:
        library.add_feed(outline.get("xmlUrl"), outline.get("title") or outline.get("text") or "",
                         outline.get("htmlUrl") or None)
    _saved_story(library, "a saved story", "text")  # the "saved" source is not a feed
    data = library.export_all()
    text = export_opml(data)
    root = _strict(text)
    assert root.tag == "opml" and root.get("version") == "2.0"
    head = root.find("head")
    assert head.findtext("docs") == "http://opml.org/spec2.opml"
    assert head.findtext("title")
    created = parsedate_to_datetime(head.findtext("dateCreated"))
    assert created == parse_iso(data["exported"]).replace(microsecond=0)
    outlines = root.find("body").findall("outline")
    expected = {s["url"]: s for s in data["sources"] if s["kind"] == "feed"}
    assert len(outlines) == len(expected) == len({o.get("xmlUrl") for o in feeds})
    for outline in outlines:
        source = expected[outline.get("xmlUrl")]
        assert outline.get("type") == "rss"
        assert outline.get("text") == outline.get("title") == source["title"]
        assert outline.get("htmlUrl") == source["site_url"]
        assert outline.get("category") is None


def test_opml_escaping(library):
    library.add_feed("https://example.org/feed?a=1&b=2&c=<3>", 'News & "Views" <b> \'x\' ]]>',
                     "https://example.org/?q=\"1\"&r=2")
    library.add_feed("https://example.org/no-title")
    data = library.export_all()
    text = export_opml(data)
    assert "a=1&amp;b=2" in text and "<b>" not in text
    first, second = _strict(text).find("body").findall("outline")
    assert first.get("xmlUrl") == "https://example.org/feed?a=1&b=2&c=<3>"
    assert first.get("text") == 'News & "Views" <b> \'x\' ]]>'
    assert first.get("htmlUrl") == 'https://example.org/?q="1"&r=2'
    assert second.get("text") == "https://example.org/no-title" and second.get("htmlUrl") is None


def test_opml_categories_come_from_the_source_tags(library):
    # Tags as newsboat writes them in its own export (spaces, underscores, slashes).
    outline = next(o for o in ET.parse(OPML / "newsboat--newsboat/category.opml").iter("outline"))
    library.add_feed(outline.get("xmlUrl"), "BBC business")
    library.add_feed("https://example.org/untagged", "Untagged")
    data = library.export_all()
    data["sources"][0]["tags"] = outline.get("category").split(",") + ["tag one", "a,b & <c>"]
    tagged, untagged = _strict(export_opml(data)).find("body").findall("outline")
    assert tagged.get("category") == "tag one,tag_two,tag/three,a b & <c>"
    assert untagged.get("category") is None


def test_opml_drops_what_xml_cannot_carry(library):
    library.add_feed("https://example.org/f", "ok")
    data = library.export_all()
    data["sources"][0]["title"] = "bell\x07 and \ufffe noncharacter\nnewline"
    outline = _strict(export_opml(data)).find("body/outline")
    assert outline.get("text") == "bell and noncharacter newline"


def test_exported_dates_are_valid(filled):
    lib, _, _ = filled
    data = lib.export_all()
    for item in export_w3c(data)["first"]["items"]:
        for key in ("created", "modified"):
            assert datetime.strptime(item[key], "%Y-%m-%dT%H:%M:%SZ")
