"""The reader shows an article's structure: headings, lists, quotes, code,
tables as rows, images by their description and numbered links."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from broadsheet.config import Config
from broadsheet.extract import extract_document
from broadsheet.services import Services
from broadsheet.ui.app import BroadsheetApp
from broadsheet.ui.widgets.reader_view import ReaderView

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)

PAGE = """<html lang="en"><head><title>Tide tables, explained | Coast Gazette</title>
<meta property="og:site_name" content="Coast Gazette">
<meta name="author" content="Ada Marsh">
<meta property="article:published_time" content="2026-11-30T08:00:00Z">
</head><body><nav><a href="/">Home</a></nav><article>
<h1>Tide tables, explained</h1>
<p>Tide tables tell you when the water is high and when it is low, and the
<a href="https://coast.example/tables">printed tables</a> are still the most trusted source
for sailors who work the estuary every day of the year.</p>
<h2>Reading a table</h2>
<p>Each row of the table gives a time and a height. The heights are measured from chart
datum, which is roughly the lowest tide you can expect in a normal year.</p>
<ul><li>High water comes about twice a day.</li><li>Springs follow the full and new moon.</li></ul>
<ol><li>Find the date.</li><li>Read the time.</li></ol>
<blockquote><p>Never trust a table from another harbour.</p></blockquote>
<pre>HW 06:12  4.8 m
LW 12:30  0.9 m</pre>
<table><tr><th>Date</th><th>Time</th><th>Height</th></tr><tr><td>1 December, morning high water</td><td>06:12</td><td>4.6 m, springs</td></tr><tr><td>2 December, morning high water</td><td>07:12</td><td>4.7 m, springs</td></tr><tr><td>3 December, morning high water</td><td>08:12</td><td>4.8 m, springs</td></tr><tr><td>4 December, morning high water</td><td>09:12</td><td>4.9 m, springs</td></tr></table>
<img src="https://coast.example/chart.png" alt="A chart of the estuary at low water">
<p>When in doubt, ask the harbour master, whose office keeps the
<a href="https://coast.example/almanac">almanac</a> open on the desk all year round.</p>
</article><footer>Copyright Coast Gazette</footer></body></html>"""


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


async def test_reader_shows_the_structure(tmp_path):
    services = Services.open(tmp_path / "lib.sqlite3")
    document = extract_document(PAGE, "https://coast.example/tides")
    library = services.library
    library.add_story(library.saved_source_id(), url="https://coast.example/tides",
                      title=document.title, document=document, author=document.byline,
                      published=document.published)
    app = BroadsheetApp(services, Config(), clock=lambda: NOW)
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        lines = [line.rstrip() for line in app.screen.query_one(ReaderView).line_texts()]
    services.close()
    text = "\n".join(lines)
    assert "Tide tables, explained" in text
    header = " ".join(line.strip() for line in lines[: lines.index("")])
    assert "Coast Gazette" in header and "min read" in header and "2026" in header
    assert any(line.strip() == "Reading a table" for line in lines)
    assert any(line.strip().startswith("• High water comes") for line in lines)
    assert any(line.strip().startswith("1. Find the date.") for line in lines)
    assert any(line.strip().startswith("2. Read the time.") for line in lines)
    assert any("▌ Never trust a table" in line for line in lines)
    assert any(line.strip() == "HW 06:12  4.8 m" for line in lines)  # kept as written
    assert any("1 December, morning high water | 06:12 | 4.6 m, springs" in line for line in lines)
    assert "[image: A chart of the estuary at low water]" in text
    flat = " ".join(line.lstrip("▌ ").strip() for line in lines)
    assert "printed tables[1]" in flat and "almanac[2]" in flat
    assert any(line.strip() == "[1] https://coast.example/tables" for line in lines)
    assert any(line.strip() == "[2] https://coast.example/almanac" for line in lines)
    assert "Copyright" not in text and "Home" not in text


def _long_document():
    """Every kind of block, many times over: links, emphasis, long words, wide
    characters, tabs, nested and numbered lists."""
    from broadsheet.model import (CODE, EMPHASIS, HEADING, IMAGE, LIST_ITEM, PARAGRAPH, PRE, QUOTE,
                                  STRONG, TABLE_ROW, Block, Document, Span)

    words = ("tide harbour wall council storm gull net pier lamp chart survey stone ferry quay "
             "breakwater almanac").split()
    blocks, links = [], []
    for n in range(60):
        sentence = " ".join(words[(n * 7 + i) % len(words)] for i in range(9 + n % 23))
        links.append(f"https://coast.example/story/{n}")
        kind = n % 9
        if kind == 0:
            blocks.append(Block(HEADING, (Span(f"Section {n}: {sentence[:40]}"),), level=2))
        elif kind in (1, 2):
            blocks.append(Block(PARAGRAPH, (
                Span(f"{sentence.capitalize()}. "), Span("the printed tables", link=len(links)),
                Span(" and "), Span("emphasis", (EMPHASIS,)), Span(" with "), Span("bold", (STRONG,)),
                Span(" and "), Span("code()", (CODE,)), Span(f" then {sentence} again."))))
        elif kind == 3:
            blocks.append(Block(PARAGRAPH, (Span(
                f"A word longer than any line: {'x' * 130} and 港の防波堤は二百年の嵐に耐えてきた。{sentence}."),)))
        elif kind == 4:
            blocks.append(Block(QUOTE, (Span(f"{sentence.capitalize()}, said the harbour master. " * 2),)))
        elif kind == 5:
            blocks += [Block(LIST_ITEM, (Span(f"{sentence} item {i}"),), level=i % 3,
                             ordinal=i + 1 if n % 2 else None) for i in range(4)]
        elif kind == 6:
            blocks.append(Block(PRE, (Span(f"HW\t06:12\t4.8 m\n\nLW\t12:30  {'=' * 120}\n  {sentence}"),)))
        elif kind == 7:
            blocks.append(Block(IMAGE, (Span(f"A chart of the estuary, plate {n}"),), src="https://coast.example/c.png"))
        else:
            blocks.append(Block(TABLE_ROW, (Span(f"{n} December | 06:12 | {sentence}"),)))
    return Document(blocks=blocks, links=links, title="Tide tables, explained at length")


def _check_layout(view: ReaderView) -> None:
    """What was counted (rows, block lines) is what is drawn, and nothing of a
    block's text is lost or cut."""
    from rich.cells import cell_len

    from broadsheet.model import IMAGE, PRE
    from broadsheet.ui.widgets.reader_view import NOTE_MARK

    lines = view.line_texts()
    assert len(lines) == view.virtual_size.height
    column = view._column
    starts = {a.position.end for a in view.annotations if a.note}
    for index, block in enumerate(view.document.blocks):
        rows = [lines[row][2:] for row in view.block_lines(index)]
        assert rows, index
        assert all(cell_len(row) <= column for row in rows), (index, rows)
        if block.kind in (PRE, IMAGE):
            continue
        assert all(row.strip() for row in rows), (index, rows)  # no empty row inside a block
        drawn = "".join("".join(rows).split()).replace("▌", "").replace("•", "")
        if block.ordinal is not None:
            drawn = drawn.replace(f"{block.ordinal}.", "", 1)
        expected = "".join(
            part.text + (f"[{part.link}]" if part.link is not None else "") for part in block.spans)
        start, end = view.document.block_offsets()[index]
        marks = sum(1 for position in starts if start < position <= end)
        assert drawn.count(NOTE_MARK) == marks
        assert drawn.replace(NOTE_MARK, "") == "".join(expected.split()), index


async def test_a_long_article_draws_what_it_counted(tmp_path):
    services = Services.open(tmp_path / "lib.sqlite3")
    document = _long_document()
    library = services.library
    story_id, _ = library.add_story(library.saved_source_id(), url="https://coast.example/long",
                                    title=document.title, document=document)
    offsets = document.block_offsets()
    # Highlights, two of them with notes (a note mark is drawn where they end).
    services.annotate_range(story_id, offsets[1][0] + 5, offsets[1][1], note="check")
    services.annotate_range(story_id, offsets[2][0], offsets[3][0] + 40, note="across")
    services.annotate_range(story_id, offsets[4][0] + 2, offsets[4][0] + 30)
    app = BroadsheetApp(services, Config(), clock=lambda: NOW)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        view = app.screen.query_one(ReaderView)
        assert len(view.annotations) == 3
        _check_layout(view)
        first = view.line_texts()
        # Narrower: everything is wrapped again to the new column.
        await pilot.resize_terminal(52, 30)
        await pilot.pause()
        await pilot.pause()
        assert view._column < 50
        _check_layout(view)
        assert view.line_texts() != first
        # Back to the first width, and a second opening: the same lines.
        await pilot.resize_terminal(100, 40)
        await pilot.pause()
        await pilot.pause()
        assert view.line_texts() == first
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        view = app.screen.query_one(ReaderView)
        assert view.line_texts() == first
        # The end of the article (links listed after the text) is painted as counted.
        await pilot.press("G")
        await pilot.pause()
        height = view.scrollable_content_region.height
        top = int(view.scroll_offset.y)
        painted = [view.render_line(y).text.strip() for y in range(height)]
        assert painted == [line.strip() for line in first[top:top + height]]
        assert any(line.startswith(f"[{len(document.links)}] https://coast.example/") for line in painted)
    services.close()


@pytest.mark.parametrize("width", [50, 100])
async def test_reading_width_from_config_caps_the_column(tmp_path, width):
    services = Services.open(tmp_path / "lib.sqlite3")
    document = extract_document(PAGE, "https://coast.example/tides")
    library = services.library
    library.add_story(library.saved_source_id(), url="https://coast.example/tides",
                      title=document.title, document=document)
    app = BroadsheetApp(services, Config(reading_width=width), clock=lambda: NOW)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        lines = [line[2:].rstrip() for line in app.screen.query_one(ReaderView).line_texts()]
    services.close()
    longest = max(len(line) for line in lines)
    assert width - 12 <= longest <= width
