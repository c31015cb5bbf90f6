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
