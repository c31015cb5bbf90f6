"""Highlights out as the CSV Readwise imports, and that CSV back in.

A real library file; the CSV is read back with the csv module and with
broadsheet's own Readwise importer."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest

from broadsheet.cli import main
from broadsheet.exchange.importers import guess_format
from broadsheet.model import PARAGRAPH, Block, Document, Span
from broadsheet.services import Services

P1 = "=SUM(A1) is what the council's spreadsheet said about the harbour budget."
P2 = "Engineers say the wall needs repair before the spring tides arrive."
P3 = "[bold]Fishermen[/] want the work done \u202equickly\u202c, before the herring season."


@pytest.fixture
def services(tmp_path):
    opened = Services.open(tmp_path / "lib.sqlite3")
    yield opened
    opened.close()


def _story(services: Services, url: str, title: str, paragraphs: list[str], author: str = "") -> int:
    document = Document(blocks=[Block(PARAGRAPH, (Span(text),)) for text in paragraphs], title=title,
                        byline=author)
    story_id, _ = services.library.add_story(services.library.saved_source_id(), url=url, title=title,
                                             document=document, author=author)
    return story_id


def _highlight(services: Services, story_id: int, words: str, note: str = "") -> None:
    text = services.plain_text(story_id)
    start = text.index(words)
    services.annotate_range(story_id, start, start + len(words), note=note)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_one_row_per_highlight_in_reading_order(services):
    wall = _story(services, "https://gazette.example/wall", "Harbour wall needs repair", [P1, P2, P3],
                  author="Ana Reyes")
    _highlight(services, wall, "before the herring season")
    _highlight(services, wall, "=SUM(A1) is what", note="-1 for the budget")
    _highlight(services, wall, "the wall needs repair", note="Check the minutes.")
    services.set_tags(wall, ["policing", "follow up"])
    other = _story(services, "https://gazette.example/crane", "Old crane", ["The old crane will be restored."])
    _highlight(services, other, "old crane")
    services.set_story_note(other, "A note of the story's own has no row.")
    _story(services, "https://gazette.example/none", "Nothing highlighted", ["Nothing here."])
    text, _ = services.export_to("readwise", None)
    assert text.startswith("Highlight,Title,Author,URL,Note,Location,Date\r\n")
    rows = _rows(text)
    plain = services.plain_text(wall)
    assert [(r["Highlight"], r["Note"], r["Location"]) for r in rows] == [
        ("'=SUM(A1) is what", ".follow-up .policing -1 for the budget", "0"),  # never a formula
        ("the wall needs repair", ".follow-up .policing Check the minutes.", str(plain.index("the wall"))),
        ("before the herring season", ".follow-up .policing", str(plain.index("before the herring"))),
        ("old crane", "", str(services.plain_text(other).index("old crane"))),
    ]
    assert {(r["Title"], r["Author"], r["URL"]) for r in rows} == {
        ("Harbour wall needs repair", "Ana Reyes", "https://gazette.example/wall"),
        ("Old crane", "Saved", "https://gazette.example/crane"),  # no author: the source's name
    }
    made = services.annotations(wall)[0].created.astimezone(timezone.utc)
    assert rows[0]["Date"] == made.strftime("%Y-%m-%d %H:%M:%S")
    assert datetime.strptime(rows[0]["Date"], "%Y-%m-%d %H:%M:%S")


def test_hostile_text_leaves_as_plain_text(services):
    story = _story(services, "https://gazette.example/fish", "Fish \x1b]52;c;ZWNobw==\x07[/]", [P3])
    _highlight(services, story, "want the work done")
    text, summary = services.export_to("readwise", None)
    assert summary == "Exported 1 highlight."
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert _rows(text)[0]["Title"] == "Fish [/]"  # the escape sequence goes whole


def test_the_csv_comes_back_in_through_the_readwise_import(services, tmp_path):
    wall = _story(services, "https://gazette.example/wall", "Harbour wall needs repair", [P1, P2],
                  author="Ana Reyes")
    _highlight(services, wall, "=SUM(A1) is what", note="-1 for the budget")
    _highlight(services, wall, "the wall needs repair", note="Check the minutes.")
    services.set_tags(wall, ["policing", "follow-up"])
    out = tmp_path / "readwise.csv"
    assert services.export_to("readwise", out) == (None, f"Exported 2 highlights to {out}.")
    assert guess_format(out.read_bytes(), out.name) == "readwise"
    other = Services.open(tmp_path / "other.sqlite3")
    try:
        report = other.import_file(out)
        assert (report.stories_added, report.highlights_added, report.problems) == (1, 2, [])
        story = other.stories_page("", 0, 10)[0]
        assert (story.title, story.url, sorted(story.tags)) == (
            "Harbour wall needs repair", "https://gazette.example/wall", ["follow-up", "policing"])
        assert other.story(story.id).author == "Ana Reyes"
        back = sorted((a.quote.exact, a.note, a.created.replace(microsecond=0))
                      for a in other.annotations(story.id))
        made = sorted((a.quote.exact, a.note, a.created.replace(microsecond=0))
                      for a in services.annotations(wall))
        assert back == made
    finally:
        other.close()


def test_the_command_line_writes_it(tmp_path, capsys):
    library = tmp_path / "lib.sqlite3"
    services = Services.open(library)
    story = _story(services, "https://gazette.example/wall", "Harbour wall", [P2])
    _highlight(services, story, "the wall needs repair")
    services.close()
    out = tmp_path / "out.csv"
    assert main(["--library", str(library), "export", "--format", "readwise", "-o", str(out)]) == 0
    assert capsys.readouterr().err == f"Exported 1 highlight to {out}.\n"
    assert [r["Highlight"] for r in _rows(out.read_text(encoding="utf-8"))] == ["the wall needs repair"]
