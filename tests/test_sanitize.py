"""The sanitiser: nothing that a terminal would interpret survives it."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from broadsheet.sanitize import clean, clean_line, clean_tag

FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b\u200e\u200f\ufeff]")

hostile_pieces = st.sampled_from([
    "\x1b[31m", "\x1b[2J", "\x1b]52;c;cHduZWQ=\x07", "\x1b]8;;file:///etc/passwd\x1b\\",
    "\x1b]0;window title\x07", "\x1bP+q\x1b\\", "\x9b31m", "\x9d0;t\x9c", "\x90dcs\x9c",
    "\x08", "\r", "\x00", "\u202e", "\u2066", "\u200b", "\ufeff", "\x1b", "\x9d", "\x7f",
    "[/]", "[@click=app.quit]", "[link=file:///etc/passwd]x[/link]", "[bold]",
])
texts = st.lists(st.one_of(st.text(), hostile_pieces), max_size=20).map("".join)


@given(texts)
def test_clean_leaves_no_controls(text):
    out = clean(text)
    assert not FORBIDDEN.search(out)
    assert "\r" not in out
    assert clean(out) == out  # idempotent


@given(texts)
def test_clean_line_is_one_line(text):
    out = clean_line(text)
    assert not FORBIDDEN.search(out)
    assert "\n" not in out and "\t" not in out
    assert out == out.strip()
    assert len(out) <= 1000


@given(st.text(alphabet=st.characters(categories=["L", "N", "P", "S", "Zs"]), max_size=200))
def test_ordinary_text_passes_unchanged(text):
    # Printable text without format characters is kept as it is.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    assert clean(text) == text


def test_markup_is_kept_as_plain_text():
    title = "Budget [/] review [@click=app.quit]now[/]"
    assert clean_line(title) == title


def test_escape_sequences_go_whole_and_text_stays_readable():
    assert clean_line("a\x1b[1;31mred\x1b[0m b") == "ared b"
    assert clean_line("copy\x1b]52;c;cHduZWQ=\x07 me") == "copy me"
    assert clean_line("link \x1b]8;;http://evil.test\x1b\\here\x1b]8;;\x1b\\") == "link here"
    assert clean_line("over\rwrite\x08\x08") == "over write"
    assert clean_line("\u202eevil\u202c txt") == "evil txt"
    # A C1 string introducer that never ends loses only itself.
    assert clean_line("a\x9dthe rest stays") == "athe rest stays"


def test_tags_are_single_words_lists():
    assert clean_tag("  policing,\nfollow-up ") == "policing follow-up"
    assert len(clean_tag("x" * 500)) == 64


# -- the quick way for text that is clean already ---------------------------------


def test_nothing_is_clean_lets_through_is_changed():
    import sys

    from broadsheet.sanitize import _scrub, is_clean

    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    passed = "".join(c for c in every if is_clean(c))
    assert _scrub(passed) == passed
    assert len(passed) > 1_000_000
    for bad in ("\x1b[31m", "\x9b", "\u202e", "\u2028", "\x00", "\ud800", "\r\n", "\ufeff", "\x85"):
        assert not is_clean(f"a{bad}b")


@pytest.mark.parametrize("text", [
    "plain", "  spaced\tout\n lines  ", "x" * 1200, "no\u00a0break", "\x1b]0;t\x07x", "a\u2003b",
    "", "\u3000wide\u3000", "bidi\u202eover", "line\u2028sep", "cr\r\nlf", "lone \ud800 surrogate",
])
def test_the_quick_way_gives_what_the_full_passes_give(text):
    from broadsheet.sanitize import _SPACES, _scrub

    def slow_line(value: str, limit: int) -> str:
        line = _SPACES.sub(" ", _scrub(value).replace("\t", " ")).strip()
        return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"

    assert clean(text) == _scrub(text)
    assert clean_line(text) == slow_line(text, 1000)
    assert clean_line(text, 40) == slow_line(text, 40)
    assert clean_line(text, 50) == slow_line(text, 50)



# -- words one space apart ---------------------------------------------------------


def test_every_whitespace_character_but_the_space_is_unprintable():
    # What single_spaced() relies on to leave printable text as it is.
    import sys

    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert " " in spaces and "\u3000" in spaces and "\x1c" in spaces
    assert [c for c in spaces if c != " " and c.isprintable()] == []


whitespace = st.sampled_from([
    " ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u1680",
    "\u2000", "\u2009", "\u200a", "\u200b", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000",
])
spaced_texts = st.lists(st.one_of(st.text(max_size=6), whitespace), max_size=30).map("".join)


@given(spaced_texts)
def test_single_spaced_is_the_words_joined_by_one_space(text):
    from broadsheet.sanitize import single_spaced

    assert single_spaced(text) == " ".join(text.split())


@given(st.one_of(spaced_texts, texts), st.sampled_from([None, 1000, 40, 1]))
def test_clean_line_gives_what_the_full_passes_give(text, limit):
    from broadsheet.sanitize import _SPACES, _cap, _scrub

    assert clean_line(text, limit) == _cap(_SPACES.sub(" ", _scrub(text).replace("\t", " ")).strip(), limit)
