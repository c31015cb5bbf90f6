"""broadsheet.extract: pages in, clean Documents out (no network)."""

from __future__ import annotations

import codecs
import gzip
import json
import re
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from broadsheet.extract import (
    decode_html,
    document_from_fragment,
    extract_document,
    extract_text,
    to_markdown,
    to_text,
)
from broadsheet.model import EMPHASIS, HEADING, IMAGE, LIST_ITEM, PRE, QUOTE, STRONG, TABLE_ROW, Document

PAGES = Path(__file__).parent / "pages" / "extract"
BENCHMARK = Path(__file__).resolve().parents[2] / "shared" / "extraction-benchmark"
URL = "https://example.org/news/story.html"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b]")


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def hostile_page() -> bytes:
    raw = page("hostile.html")
    for marker, value in (
        (b"ESC_HERE", b"\x1b"),
        (b"OSC_HERE", b"\x1b"),
        (b"BEL_HERE", b"\x07"),
        (b"RLO_HERE", "\u202e".encode()),
        (b"ZWSP_HERE", "\u200b".encode()),
    ):
        assert marker in raw
        raw = raw.replace(marker, value)
    return raw


def all_text(doc: Document) -> str:
    return "\n".join([doc.title, doc.byline, doc.site_name, doc.plain_text(), *doc.links])


# -- chrome ------------------------------------------------------------------


def test_aggregator_page_keeps_the_article_and_drops_the_chrome():
    doc = extract_document(page("aggregator.html"), URL)
    text = doc.plain_text()
    for start in ("The council voted late on Tuesday", "Construction is expected",
                  "Opponents had argued", "The mayor called the decision historic"):
        assert start in text
    assert len(doc.blocks) == 4
    for chrome in ("#transport", "#trams", "Explore what", "Personalised news", "Alerts about",
                   "Comments", "No comments yet", "Related articles", "Harbour Herald", "19 hours ago",
                   "Bus drivers warn", "Union leaders", "River Times", "Students protest", "Campus Voice"):
        assert chrome not in text, chrome
    # the title is metadata, not repeated as the first block
    assert doc.title == "City council approves new tram line"
    assert not text.startswith("City council")
    assert doc.site_name == "Daily Aggregator"
    assert doc.links == []  # every link was in the chrome


def _aggregator_part(start: str, end: str) -> str:
    html = page("aggregator.html").decode("utf-8")
    return html[html.index(start):html.index(end)]


ARTICLE_STARTS = ("The council voted late on Tuesday", "Construction is expected",
                  "Opponents had argued", "The mayor called the decision historic")


def test_aggregator_chrome_goes_from_feed_content_too():
    # the same chrome inside a feed's full content, where no article finder runs
    fragment = _aggregator_part('<div class="q1w2e3">', "</body>")
    doc = document_from_fragment(fragment, title="City council approves new tram line")
    assert [b.text[: len(s)] for b, s in zip(doc.blocks, ARTICLE_STARTS)] == list(ARTICLE_STARTS)
    assert len(doc.blocks) == 4


def test_teaser_cards_go_by_their_age_lines_without_any_heading():
    article = _aggregator_part('<p class="p0o9i8">', '<p class="t5r4e3">')
    cards = _aggregator_part('<div class="k1l2m3">', "</body>")
    doc = document_from_fragment(article + cards)
    text = doc.plain_text()
    assert all(start in text for start in ARTICLE_STARTS)
    for chrome in ("Harbour Herald", "19 hours ago", "2 days ago", "Bus drivers", "Union leaders",
                   "River Times", "Engineers found", "Campus Voice", "Hundreds marched"):
        assert chrome not in text, chrome
    assert doc.links == []


def test_an_age_line_at_the_top_is_only_a_time_stamp():
    doc = document_from_fragment(
        "<div><p>3 hours ago</p><p>The harbour reopened this morning after a week of storms, and the first "
        "ferries left on time.</p><p>Fishermen said the damage to the quays was lighter than they had "
        "feared, though two boats sank at their moorings.</p><p>The storm began 9 days ago</p>"
        "<p>Copyright law says nothing about who owns a sunken boat</p>"
        "<p>By the evening most of the boats were back in the water and the market had reopened.</p></div>"
    )
    assert [b.text[:12] for b in doc.blocks] == [
        "The harbour ", "Fishermen sa", "The storm be", "Copyright la", "By the eveni"
    ]


def test_blog_page_drops_share_rows_promos_and_footers():
    doc = extract_document(page("blog.html"), URL)
    text = doc.plain_text()
    assert text.startswith("A sourdough starter is a small ecosystem")
    assert "deep, sour flavour" in text
    for chrome in ("Facebook", "Twitter", "Email", "newsletter", "Share this", "Like this",
                   "Loading", "Read more", "Rye bread", "Spelt", "©", "All rights reserved", "By Jo Baker"):
        assert chrome not in text, chrome
    assert doc.byline == "Jo Baker"
    assert doc.title == "Why sourdough needs patience"


def test_title_heading_and_duplicate_blocks_are_dropped():
    html = """<html><head><title>A quiet week at the observatory | Star Gazette</title>
    <meta property="og:site_name" content="Star Gazette"></head><body><article>
    <h1>A quiet week at the observatory</h1>
    <p>Clouds covered the mountain for six nights in a row, and the telescopes stayed closed while the staff repaired the dome motors.</p>
    <p>Clouds covered the mountain for six nights in a row, and the telescopes stayed closed while the staff repaired the dome motors.</p>
    <p>On the seventh night the sky cleared and the team recorded the spectra of three faint galaxies before dawn broke over the ridge.</p>
    </article></body></html>"""
    doc = extract_document(html, URL)
    assert doc.title == "A quiet week at the observatory"
    assert [b.text[:14] for b in doc.blocks] == ["Clouds covered", "On the seventh"]


# -- safety ------------------------------------------------------------------


def test_hostile_text_is_sanitised_and_markup_stays_plain_text():
    doc = extract_document(hostile_page(), URL)
    text = all_text(doc)
    assert not CONTROL.search(text)
    assert "\x1b" not in to_markdown(doc) and "\x1b" not in to_text(doc, with_links=True)
    # markup-looking text is kept verbatim as text (the UI never parses it)
    assert "[/]" in doc.plain_text()
    assert "[@click=app.quit]" in doc.plain_text()
    assert "red text" in doc.plain_text() and "[31m" not in doc.plain_text()
    assert "52;c;" not in doc.plain_text()
    assert "sdrawkcab" in doc.plain_text()
    assert doc.byline == "Mallory [@click=app.quit]"


def test_scripts_styles_and_frames_never_appear():
    text = extract_text(hostile_page(), URL)
    for never in ("script text", "style text", "color: red", "noscript text", "iframe text"):
        assert never not in text


def test_only_http_https_and_mailto_links_are_offered():
    doc = extract_document(hostile_page(), URL)
    assert doc.links == ["https://example.org/safe/page", "mailto:desk@example.org"]
    for link in doc.links:
        assert not link.lower().startswith(("javascript:", "data:"))
    paragraph = next(b for b in doc.blocks if "dangerous link" in b.text)
    linked = {s.text: s.link for s in paragraph.spans if s.link is not None}
    assert linked == {"safe relative link": 1, "mail link": 2}
    unlinked = "".join(s.text for s in paragraph.spans if s.link is None)
    assert "dangerous link" in unlinked and "data link" in unlinked


def test_fragment_is_converted_without_an_article_finder_and_sanitised():
    html = ("<h2>Intro\x1b]52;c;ZXZpbA==\x07</h2><p>Short <b>bold</b> note with "
            "<a href='javascript:evil()'>bad</a> and <a href='/ok'>good</a> links.\u202e</p>")
    doc = document_from_fragment(html, url="https://feed.example/post/1", title="Post \x1b[2Jtitle")
    assert doc.title == "Post title"
    assert [b.kind for b in doc.blocks] == [HEADING, "paragraph"]
    assert doc.blocks[0].text == "Intro"
    assert doc.blocks[1].text == "Short bold note with bad and good links."
    assert doc.links == ["https://feed.example/ok"]
    assert not CONTROL.search(all_text(doc))


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=80))
def test_any_paragraph_text_comes_out_without_controls(noise):
    escaped = noise.replace("&", "&amp;").replace("<", "&lt;")
    # each text node is cleaned on its own: an unterminated escape sequence in
    # the noise cannot swallow the text of the next node
    doc = document_from_fragment(f"<p><span>{escaped}</span> and the rest of a sentence.</p>", title=noise)
    assert not CONTROL.search(all_text(doc))
    assert "and the rest of a sentence." in doc.plain_text()


# -- charsets ----------------------------------------------------------------


def test_latin1_meta_charset():
    assert "Le café était crème, naïve et très bon" in extract_text(page("latin1.html"))
    assert extract_document(page("latin1.html")).title == "Café"


def test_byte_order_marks_win():
    html = "<html><head><meta charset='iso-8859-1'></head><body><p>Grüße aus Köln – naïve café</p></body></html>"
    assert decode_html(codecs.BOM_UTF8 + html.encode("utf-8")).endswith("naïve café</p></body></html>")
    assert "Grüße aus Köln" in decode_html(codecs.BOM_UTF16_LE + html.encode("utf-16-le"))
    assert "Grüße aus Köln" in decode_html(codecs.BOM_UTF16_BE + html.encode("utf-16-be"))
    assert not decode_html(codecs.BOM_UTF8 + b"<p>x</p>").startswith("\ufeff")


def test_http_header_charset_beats_meta():
    html = "<html><head><meta charset='utf-8'></head><body><p>Привет, мир</p></body></html>"
    data = html.encode("koi8-r")
    assert "Привет, мир" in decode_html(data, "text/html; charset=KOI8-R")
    assert "Привет, мир" in decode_html(data, 'text/html; charset="koi8-r"')
    assert "Привет" not in decode_html(data)  # without the header the meta (wrongly) says UTF-8


def test_http_equiv_meta_and_undeclared_encodings():
    legacy = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251"><p>Привет</p>'
    assert "Привет" in decode_html(legacy.encode("cp1251"))
    assert decode_html("naïve".encode("utf-8")) == "naïve"
    assert decode_html("naïve".encode("cp1252")) == "naïve"


def test_bad_bytes_nul_and_unknown_labels_never_crash():
    text = decode_html(b"<p>ok \xff\xfe\x00 bad \xc3</p>", "text/html; charset=utf-8")
    assert "\x00" not in text and "ok" in text and "\ufffd" in text
    assert "caf" in decode_html(b"<p>caf\xe9</p>", "text/html; charset=no-such-charset")
    assert decode_html(b"") == ""
    doc = extract_document(b"\x00\xff\xfe\x00<p>\x00</p>", URL)
    assert isinstance(doc, Document)
    assert extract_text(b"") == ""
    assert extract_text("   ") == ""


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([None, "text/html", "text/html; charset=utf-16",
                                                  "text/html; charset=shift_jis", "text/html; charset=bogus"]))
def test_random_bytes_never_crash(data, content_type):
    text = decode_html(data, content_type)
    assert "\x00" not in text
    doc = extract_document(b"<p>" + data + b"</p>", URL, content_type)
    assert not CONTROL.search(all_text(doc))


# -- metadata ----------------------------------------------------------------


def test_metadata_from_meta_json_ld_and_canonical():
    doc = extract_document(page("metadata.html"), "https://example.org/a/b.html")
    assert doc.title == "Glaciers retreat faster than expected"
    assert doc.byline == "Ana Lima, Ben Okafor"
    assert doc.site_name == "The Example Post"
    assert doc.published == datetime(2024, 3, 5, 8, 30, tzinfo=timezone.utc)
    assert doc.published.utcoffset().total_seconds() == 0
    assert doc.updated == datetime(2024, 3, 6, 17, 15, tzinfo=timezone.utc)
    assert doc.lead_image == "https://example.org/images/glacier.jpg"
    assert doc.language == "en-GB"
    assert doc.url == "https://news.example.org/science/glaciers"


def test_metadata_fallbacks_title_suffix_time_element_and_rel_author():
    html = """<html><head><title>Harbour seals return to the estuary | Coast News</title>
    <meta property="og:site_name" content="Coast News"></head><body><article>
    <p>Written by <a rel="author" href="/staff/kim">Kim Park</a></p>
    <p><time datetime="2023-07-01T06:00:00-07:00">July 1</time></p>
    <p>After an absence of almost twenty years, a colony of harbour seals has returned to the sandbanks of the estuary, volunteers reported this week.</p>
    <p>The counts began in spring, when a handful of animals were seen resting at low tide; by June more than forty had been recorded on a single day.</p>
    </article></body></html>"""
    doc = extract_document(html, "https://coast.example/seals")
    assert doc.title == "Harbour seals return to the estuary"
    assert doc.byline == "Kim Park"
    assert doc.published == datetime(2023, 7, 1, 13, 0, tzinfo=timezone.utc)
    assert doc.updated is None
    assert doc.url == "https://coast.example/seals"
    assert doc.language is None
    assert doc.plain_text().startswith("After an absence")


# -- structure and markdown ----------------------------------------------------


def test_blocks_have_kinds_levels_ordinals_and_styles():
    doc = extract_document(page("metadata.html"), "https://example.org/a/b.html")
    kinds = [b.kind for b in doc.blocks]
    assert HEADING in kinds and QUOTE in kinds and PRE in kinds and IMAGE in kinds and TABLE_ROW in kinds
    heading = next(b for b in doc.blocks if b.kind == HEADING)
    assert (heading.text, heading.level) == ("Measurements", 2)
    items = [b for b in doc.blocks if b.kind == LIST_ITEM]
    assert [(b.level, b.ordinal) for b in items] == [(0, 3), (0, 4), (1, None)]
    pre = next(b for b in doc.blocks if b.kind == PRE)
    assert pre.text == "year  loss\n2022   4.1\n2023   5.3"
    image = next(b for b in doc.blocks if b.kind == IMAGE)
    assert image.src == "https://example.org/images/stake.jpg"
    assert image.text == "[image: A measuring stake in the ice]"
    rows = [b.text for b in doc.blocks if b.kind == TABLE_ROW]
    assert rows == ["Measurement site | Ice lost in metres", "North glacier, upper basin | 3.2",
                    "South glacier, tongue | 4.7"]
    styled = next(b for b in doc.blocks if "satellite images" in b.text)
    styles = {s.text: s.styles for s in styled.spans if s.styles}
    assert styles["satellite images"] == (EMPHASIS,)
    assert styles["field stakes"] == (STRONG,)
    assert "Photo:" not in doc.plain_text()  # the figcaption


def test_small_data_tables_in_the_article_are_kept_in_place():
    html = page("small-tables.html")
    # readability on its own drops both tables: their text is under its 25-character minimum
    from readability import Document as Readability

    plain = lxml.html.fragment_fromstring(Readability(html).summary(html_partial=True)).text_content()
    assert "The home side went ahead" in plain and "Ridge" in plain
    assert "Port" not in plain and "38 mm" not in plain

    doc = extract_document(html, "https://valley.example/sport/harbour")
    rows = [b.text for b in doc.blocks if b.kind == TABLE_ROW]
    assert rows == ["Club | Pts", "Port | 31", "Ridge | 29", "Day | Rain", "Fri | 38 mm", "Sat | 9 mm"]
    # each table stays between the paragraphs around it on the page
    starts = [b.text[:20] for b in doc.blocks]
    assert starts[starts.index("Club | Pts") - 1] == "The home side went a"
    assert starts[starts.index("Ridge | 29") + 1] == "Ridge Rovers stay tw"
    assert starts[starts.index("Day | Rain") - 1] == "The league's grounds"
    assert starts[starts.index("Sat | 9 mm") + 1] == "Clubs whose grounds "
    # tables of links beside and below the article stay out
    text = doc.plain_text()
    for chrome in ("Ridge win again", "Cup draw", "About", "Privacy"):
        assert chrome not in text


def test_layout_and_data_tables_are_told_apart():
    from broadsheet.extract.blocks import is_layout_table

    def table(html: str):
        return lxml.html.fragment_fromstring(html)

    assert is_layout_table(table("<table><tr><td><p>a paragraph</p></td></tr></table>"))
    assert is_layout_table(table("<table><tr><td>x</td><td><span><div>deep</div></span></td></tr></table>"))
    assert is_layout_table(table("<table><tr><td><table><tr><td>1</td></tr></table></td></tr></table>"))
    assert not is_layout_table(table("<table><caption><p>Figures</p></caption><tr><td>1</td><td>2</td></tr></table>"))
    assert not is_layout_table(table("<table><tr><th>a</th><td><b>1</b> <a href='/x'>2</a></td></tr></table>"))


def test_whitespace_collapsed_and_adjacent_spans_merged():
    doc = document_from_fragment("<p>  one\n\t two <em>three</em><em> four</em>\n five  </p><pre>  a\n    b</pre>")
    para = doc.blocks[0]
    assert para.text == "one two three four five"
    assert [s.text for s in para.spans] == ["one two ", "three four", " five"]
    assert doc.blocks[1].text == "  a\n    b"


def test_markdown_output():
    doc = extract_document(page("metadata.html"), "https://example.org/a/b.html")
    md = to_markdown(doc)
    lines = md.splitlines()
    assert lines[0] == "# Glaciers retreat faster than expected"
    assert "## Measurements" in lines
    assert "The team used *satellite images*, **field stakes** and the `gpr-scan` tool" in md
    assert "3. First finding: the [mass balance][1] was negative everywhere." in lines
    assert "4. Second finding: small glaciers suffered most." in lines
    assert "    - Some of the smallest glaciers vanished entirely, leaving bare rock behind." in lines
    assert "> We did not expect the losses to be this large." in lines
    assert "```\nyear  loss\n2022   4.1\n2023   5.3\n```" in md
    assert "![A measuring stake in the ice](https://example.org/images/stake.jpg)" in lines
    assert "| North glacier, upper basin | 3.2 |" in lines
    assert lines[-2:] == ["[1]: https://example.org/data/mass", "[2]: https://data.example.org/glaciers"]
    assert "[an interactive map][2]" in md


def test_markdown_without_title_and_escaping():
    doc = document_from_fragment("<p>Use *stars* and [brackets] freely.</p>")
    assert to_markdown(doc) == "Use \\*stars\\* and \\[brackets\\] freely.\n"


def test_to_text_with_and_without_links():
    doc = extract_document(page("metadata.html"), "https://example.org/a/b.html")
    assert to_text(doc) == doc.plain_text()
    with_links = to_text(doc, with_links=True)
    assert with_links == doc.plain_text() + "\n\n[1] https://example.org/data/mass\n[2] https://data.example.org/glaciers"


# -- finding the article ------------------------------------------------------------


def test_page_of_divs_without_paragraphs_still_gives_text():
    text = extract_text(page("divs.html"), URL)
    assert "The apple trees flowered two weeks early" in text
    assert "fruit that did grow was larger and sweeter" in text
    assert "Home" not in text and "About" not in text


def test_text_outside_any_paragraph_is_not_lost():
    html = ("<html><body><table><tr><td><font>The river flooded the lower town overnight and the "
            "firefighters spent the morning pumping water out of the cellars of the old market hall."
            "<br><br>By noon the water had gone down, but the mud it left behind will take days to clear "
            "from the streets and the square.</font></td></tr></table>"
            "<div class='comments'>Nice!</div></body></html>")
    text = extract_text(html, URL)
    assert "The river flooded the lower town overnight" in text
    assert "will take days to clear" in text


def test_text_after_a_long_link_list_is_found():
    links = "".join(f"<li><a href='/s/{i}'>Story number {i} about something</a></li>" for i in range(40))
    html = (f"<html><body><ul class='content article'>{links}</ul>"
            "<div><span>The committee published its report on Monday after eighteen months of hearings, "
            "and its conclusions are sharper than many had expected.</span> <span>It says the agency "
            "ignored repeated warnings, failed to keep records and misled the minister about the risks "
            "of the project, which has since been cancelled.</span></div></body></html>")
    text = extract_text(html, URL)
    assert "The committee published its report on Monday" in text
    assert "misled the minister" in text


def test_a_poor_first_answer_gets_a_second_opinion():
    from broadsheet.extract.readable import readability_node

    paragraphs = "".join(
        f"<p>Paragraph {i}: the survey team walked the length of the valley, counting nests, measuring "
        "the water and noting every change since the last visit in spring.</p>" for i in range(5)
    )
    filler = "x" * 200
    html = (f"<html><body><div class='sidebar-wide'>{paragraphs}</div>"
            f"<div class='notice' data-tracking='{filler}'><p>This site is run by volunteers, with thanks "
            "to all of our donors.</p></div></body></html>")
    # readability alone takes the notice for the article…
    first = readability_node(lxml.html.document_fromstring(html))
    assert "volunteers" in first.text_content() and "survey team" not in first.text_content()
    # …the second opinion finds the real text
    text = extract_text(html, URL)
    assert text.count("the survey team walked") == 5
    assert "volunteers" not in text


def test_extraction_from_several_threads_at_once():
    from concurrent.futures import ThreadPoolExecutor

    pages = [page(name) for name in ("aggregator.html", "blog.html", "metadata.html", "divs.html")] * 4
    expected = [extract_text(p, URL) for p in pages]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(lambda p: extract_text(p, URL), pages)) == expected


# -- the real pages ------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


@pytest.mark.skipif(not (BENCHMARK / "ground-truth.json").is_file(), reason="extraction benchmark not present")
def test_real_pages_give_text_close_to_the_ground_truth():
    truth = json.loads((BENCHMARK / "ground-truth.json").read_text("utf-8"))
    ids = sorted(truth)[:3]
    for page_id in ids:
        html = gzip.decompress((BENCHMARK / "html" / f"{page_id}.html.gz").read_bytes())
        text = extract_text(html, url=truth[page_id].get("url"))
        assert text.strip(), page_id
        ours, theirs = _tokens(text), _tokens(truth[page_id]["articleBody"])
        common = sum((Counter(ours) & Counter(theirs)).values())
        precision, recall = common / len(ours), common / len(theirs)
        assert precision > 0.8 and recall > 0.8, (page_id, precision, recall)


# -- the fast paths give the same answers as the slow ones -------------------------

_WHITESPACE_ALPHABET = [" ", " ", "\n", "\t", "\r", "\xa0", "\u2009", "\x0b", "\x1c", "\u3000", "a", "b", ","]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_WHITESPACE_ALPHABET), max_size=60), st.integers(0, 600))
def test_clean_len_is_the_length_readability_measures(text, run):
    from readability.readability import clean

    from broadsheet.extract.readable import clean_len

    assert clean_len(text) == len(clean(text))
    long_run = "a" + text[:10] + " \t\n" * (run // 3) + "\t" * (run % 3) + "b" + text[10:]
    assert clean_len(long_run) == len(clean(long_run))
    long_text = "word " * 250 + text + long_run  # over 1000 characters: the other search for odd spaces
    assert clean_len(long_text) == len(clean(long_text))


def _block_test_pages() -> list[bytes]:
    pages = [page(name) for name in ("aggregator.html", "blog.html", "divs.html", "hostile.html", "small-tables.html")]
    if (BENCHMARK / "html").is_dir():
        pages += [gzip.decompress(p.read_bytes()) for p in sorted((BENCHMARK / "html").glob("*.html.gz"))[:12]]
    return pages


def test_block_tags_are_found_as_readability_finds_them_in_the_markup():
    from lxml.etree import tostring, tounicode

    from broadsheet.extract.readable import _DIV_TO_P, _READABILITY_INLINE, _has_block_inside

    divs = inline = 0
    for raw in _block_test_pages():
        for keep_comments in (False, True):  # comments could hold a "<" of their own
            parser = lxml.html.HTMLParser(remove_comments=not keep_comments)
            root = lxml.html.document_fromstring(raw, parser=parser)
            for el in root.iter("div"):
                markup = str(b"".join(tostring(c, encoding="utf-8") for c in el))
                assert _has_block_inside(el, div=True) == (_DIV_TO_P.search(markup) is not None)
                divs += 1
            for el in root.iter(*_READABILITY_INLINE):
                assert _has_block_inside(el, div=False) == (_DIV_TO_P.search(tounicode(el, method="html")) is not None)
                inline += 1
    # The fixture pages alone give a few dozen of each; the real pages, hundreds.
    least = 100 if (BENCHMARK / "html").is_dir() else 30
    assert divs > least and inline > least, (divs, inline)


_PROMO_PIECES = [
    "Sign up for our newsletter", "SUBSCRIBE to", "subscribers only", "Log in to read", "login to continue",
    "get the", "delivered", "in your inbox", "download our free news app", "Try the App", "Explore what",
    "can do for you", "Follow us on", "follow Jo Bloggs on Twitter", "support independent journalism",
    "enable JavaScript", "your browser does not support", "Click here to", "tap here for", "requires javascript",
    "share this story with your friends", "we may earn a commission", "affiliate links", "© 2024", "(C) 2020",
    "copyright 2021", "All Rights Reserved", "SİGN UP FOR", "ſubſcribe to", "\u212aeep", "the", "news", "\n", ".",
]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_PROMO_PIECES), min_size=1, max_size=6), st.booleans())
def test_word_prefilters_agree_with_the_chrome_patterns(pieces, upper):
    from broadsheet.extract import filters

    text = " ".join(pieces)
    text = text.upper() if upper else text
    assert filters._is_promo(text) == (filters._PROMO.search(text) is not None)
    folded = filters._folded(text)
    assert (any(w in folded for w in filters._COPYRIGHT_WORDS) and filters._COPYRIGHT.search(text) is not None) \
        == (filters._COPYRIGHT.search(text) is not None)
    assert ("explore what" in folded and filters._EXPLORE.search(text) is not None) \
        == (filters._EXPLORE.search(text) is not None)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(["", "http://", "https://ex.org/", "mailto:", "/", "../", "javascript:", "#"]),
    st.text(alphabet=st.sampled_from(list("ab/?#:.%-_=&") + [" ", "\t", "\x1b", "\x9b", "\u200b", "\u202e",
                                                             "\xa0", "\u2028", "é", "\x00", "\u3000"]),
            max_size=30),
    st.sampled_from([None, "https://example.org/a/b.html", "http://x.y/"]),
)
def test_link_targets_skip_cleaning_only_when_it_changes_nothing(prefix, rest, base):
    from urllib.parse import urljoin, urlsplit

    from broadsheet.extract.blocks import link_target
    from broadsheet.sanitize import clean_line

    href = prefix + rest
    expected = None
    stripped = href.strip()
    if stripped and not stripped.startswith("#"):
        try:
            absolute = urljoin(base, stripped) if base else stripped
            parts = urlsplit(absolute)
        except ValueError:
            parts = None
        if parts is not None and parts.scheme.lower() in ("http", "https", "mailto") \
                and (parts.scheme.lower() == "mailto" or parts.netloc):
            expected = clean_line(absolute, limit=4000).replace(" ", "%20") or None
    assert link_target(href, base) == expected
