"""Highlights are found again after the story's text changes."""

from __future__ import annotations

import random
from unittest import mock

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from broadsheet import anchoring
from broadsheet.anchoring import CONTEXT, build_selectors, find_quote, reanchor
from broadsheet.model import TextPositionSelector, TextQuoteSelector

# --------------------------------------------------------------------------
# Strategies

WORDS = [
    "the", "council", "voted", "on", "tuesday", "to", "close", "library", "branch",
    "residents", "said", "they", "were", "not", "consulted", "about", "plan", "a",
    "budget", "shortfall", "of", "million", "pounds", "mayor", "defended", "decision",
    "river", "bridge", "school", "night", "bus", "route", "will", "be", "cut",
]  # fmt: skip

words = st.lists(st.sampled_from(WORDS), min_size=0, max_size=60).map(" ".join)
long_words = st.lists(st.sampled_from(WORDS), min_size=8, max_size=80).map(" ".join)


@st.composite
def text_and_span(draw, text=None, min_len=1):
    text = draw(text if text is not None else long_words)
    assume(len(text) > min_len)
    start = draw(st.integers(0, len(text) - min_len))
    end = draw(st.integers(start + min_len, min(len(text), start + 200)))
    return text, start, end


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


windowed = mock.patch.object(anchoring, "FULL_SCAN_CHARS", 0)
"""Force the approximate stage to scan only candidate windows, as on long texts."""


# --------------------------------------------------------------------------
# build_selectors


def test_build_selectors_takes_context_on_both_sides():
    text = "x" * 40 + "HIGHLIGHT" + "y" * 40
    quote, position = build_selectors(text, 40, 49)
    assert quote == TextQuoteSelector("HIGHLIGHT", "x" * CONTEXT, "y" * CONTEXT)
    assert position == TextPositionSelector(40, 49)
    assert CONTEXT == 32


def test_build_selectors_context_is_cut_at_the_ends_of_the_text():
    quote, _ = build_selectors("abc def ghi", 4, 7)
    assert quote == TextQuoteSelector("def", "abc ", " ghi")
    quote, _ = build_selectors("abc", 0, 3)
    assert quote == TextQuoteSelector("abc", "", "")


@pytest.mark.parametrize("start,end", [(-1, 2), (2, 2), (3, 2), (0, 12), (11, 12)])
def test_build_selectors_rejects_spans_outside_the_text(start, end):
    with pytest.raises(ValueError):
        build_selectors("hello world", start, end)


@given(text_and_span(st.text(min_size=1)))
def test_selectors_describe_the_span(case):
    text, start, end = case
    quote, position = build_selectors(text, start, end)
    assert quote.prefix + quote.exact + quote.suffix in text
    assert text[position.start : position.end] == quote.exact
    assert text[:start].endswith(quote.prefix) and len(quote.prefix) == min(start, CONTEXT)
    assert text[end:].startswith(quote.suffix) and len(quote.suffix) == min(len(text) - end, CONTEXT)


# --------------------------------------------------------------------------
# Property tests


@given(text_and_span(st.text(min_size=1)))
def test_same_text_gives_the_same_span(case):
    text, start, end = case
    quote, position = build_selectors(text, start, end)
    assert reanchor(text, quote, position) == (start, end)
    # Without the position the context alone (the old start only breaks ties).
    assert find_quote(text, quote.exact, quote.prefix, quote.suffix, near=start) == (start, end)


@given(text_and_span(), words, st.booleans(), st.data())
def test_inserting_text_elsewhere_keeps_the_quote(case, inserted, before, data):
    text, start, end = case
    quote, position = build_selectors(text, start, end)
    at = data.draw(st.integers(0, start) if before else st.integers(end, len(text)))
    new = text[:at] + inserted + text[at:]
    shifted = (start + len(inserted), end + len(inserted)) if before else (start, end)
    found = reanchor(new, quote, position)
    assert found is not None
    assert new[found[0] : found[1]] == quote.exact
    if new.count(quote.exact) == 1:
        assert found == shifted


@given(text_and_span(), st.booleans(), st.data())
def test_deleting_text_elsewhere_keeps_the_quote(case, before, data):
    text, start, end = case
    quote, position = build_selectors(text, start, end)
    if before:
        lo = data.draw(st.integers(0, start))
        hi = data.draw(st.integers(lo, start))
    else:
        lo = data.draw(st.integers(end, len(text)))
        hi = data.draw(st.integers(lo, len(text)))
    new = text[:lo] + text[hi:]
    shift = hi - lo if before else 0
    found = reanchor(new, quote, position)
    assert found is not None
    assert new[found[0] : found[1]] == quote.exact
    if new.count(quote.exact) == 1:
        assert found == (start - shift, end - shift)


@st.composite
def edited_inside(draw):
    """A text, a highlight of 24+ characters, and the text with 1–3 small edits inside it."""
    text, start, end = draw(text_and_span(min_len=24))
    quote, position = build_selectors(text, start, end)
    exact = quote.exact
    n_edits = draw(st.integers(1, 3))
    for _ in range(n_edits):
        i = draw(st.integers(1, len(exact) - 2))
        kind = draw(st.sampled_from(["replace", "insert", "delete"]))
        letter = draw(st.sampled_from("qxz"))
        if kind == "replace":
            exact = exact[:i] + letter + exact[i + 1 :]
        elif kind == "insert":
            exact = exact[:i] + letter + exact[i:]
        else:
            exact = exact[:i] + exact[i + 1 :]
    inserted = draw(words)
    new = inserted + text[:start] + exact + text[end:]
    shifted = (start + len(inserted), start + len(inserted) + len(exact))
    return new, quote, position, shifted, n_edits


def check_small_edits(case):
    new, quote, position, shifted, n_edits = case
    assume(quote.exact not in new)
    found = reanchor(new, quote, position)
    assert found is not None
    # Either the edited passage itself, or a passage at least as close to the quote.
    if not overlaps(found, shifted):
        assert edit_distance(quote.exact, new[found[0] : found[1]]) <= n_edits


@given(edited_inside())
def test_small_edits_inside_the_highlight_still_anchor(case):
    check_small_edits(case)


@given(edited_inside())
def test_small_edits_inside_the_highlight_still_anchor_in_windows(case):
    with windowed:
        check_small_edits(case)


QUOTE_ALPHABET = "0123456789#%&@"


@given(words, st.text(QUOTE_ALPHABET, min_size=4, max_size=60), words, st.booleans())
def test_a_quote_removed_entirely_is_orphaned(before, exact, after, windows):
    text = before + exact + after
    quote, position = build_selectors(text, len(before), len(before) + len(exact))
    with mock.patch.object(anchoring, "FULL_SCAN_CHARS", 0 if windows else 10**9):
        assert reanchor(before + after, quote, position) is None


@given(
    st.lists(st.sampled_from(WORDS), min_size=6, max_size=30).map(" ".join),
    words,
    words,
    words,
    st.text("0123456789", min_size=1, max_size=12),
    st.sampled_from([0, 1]),
    st.text("xyz ", min_size=1, max_size=40),
)
def test_a_repeated_quote_goes_where_its_context_matches(a, b, c, d, q, which, shift):
    text = f"{a} {q} {b} {c} {q} {d}"
    first = len(a) + 1
    second = len(a) + 1 + len(q) + 1 + len(b) + 1 + len(c) + 1
    spans = [(first, first + len(q)), (second, second + len(q))]
    assume(len(a) >= CONTEXT)
    selectors = [build_selectors(text, s, e) for s, e in spans]
    assume(selectors[0][0] != selectors[1][0])  # the two contexts differ
    quote, position = selectors[which]
    new = shift + text  # the stored position is now wrong
    s, e = spans[which]
    assert reanchor(new, quote, position) == (s + len(shift), e + len(shift))


@settings(max_examples=300)
@given(
    st.text("ab c", min_size=1, max_size=14),
    st.text("ab c", max_size=24),
    st.booleans(),
)
def test_bit_parallel_distances_match_the_textbook_table(pattern, text, anchored):
    expected = []
    prev = list(range(len(pattern) + 1))
    for j, ch in enumerate(text):
        cur = [j + 1 if anchored else 0]
        for i in range(1, len(pattern) + 1):
            cur.append(min(prev[i] + 1, cur[i - 1] + 1, prev[i - 1] + (pattern[i - 1] != ch)))
        expected.append(cur[-1])
        prev = cur
    assert anchoring._myers(pattern, text, anchored) == expected


# --------------------------------------------------------------------------
# Examples

ARTICLE = (
    "Council votes to close Northside library\n\n"
    "The city council voted on Tuesday to close the Northside branch library "
    "at the end of March, citing a budget shortfall of £4.2 million.\n\n"
    "Residents said they had not been consulted. “We found out from the "
    "newspaper,” said Maria Okafor, who has used the library for twenty years.\n\n"
    "The mayor defended the decision, saying the branch had the lowest visitor "
    "numbers in the city and that a mobile library would visit twice a week."
)


def span_of(text: str, needle: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def test_find_quote_none_when_absent_or_empty():
    assert find_quote(ARTICLE, "public swimming pool") is None
    assert find_quote(ARTICLE, "") is None
    assert find_quote("", "library") is None


def test_find_quote_without_context_prefers_the_nearest_then_the_first():
    text = "one two one two one"
    assert find_quote(text, "one") == (0, 3)
    assert find_quote(text, "one", near=9) == (8, 11)
    assert find_quote(text, "one", near=100) == (16, 19)


def test_find_quote_uses_context_before_distance():
    text = "red apple, green apple, blue apple"
    assert find_quote(text, "apple", prefix="green ", near=0) == span_of(text, "apple", 1)
    assert find_quote(text, "apple", suffix=", blue", near=len(text)) == span_of(text, "apple", 1)


def test_find_quote_with_different_spacing_and_line_breaks():
    typed = "close the Northside branch library at the end of March"
    reflowed = ARTICLE.replace("branch library ", "branch\n    library  ")
    found = find_quote(reflowed, typed)
    assert found is not None
    assert reflowed[found[0] : found[1]] == "close the Northside branch\n    library  at the end of March"


def test_find_quote_ignores_typographic_quotes_and_case():
    typed = '"we found out from the newspaper," said maria'
    found = find_quote(ARTICLE, typed)
    assert found is not None
    assert ARTICLE[found[0] : found[1]] == "“We found out from the newspaper,” said Maria"


def test_reanchor_keeps_a_valid_position():
    start, end = span_of(ARTICLE, "budget shortfall")
    quote, position = build_selectors(ARTICLE, start, end)
    assert reanchor(ARTICLE, quote, position) == (start, end)


def test_reanchor_follows_text_that_moved():
    start, end = span_of(ARTICLE, "a mobile library would visit twice a week")
    quote, position = build_selectors(ARTICLE, start, end)
    new = "By our local reporter\n\nUpdated 9 March\n\n" + ARTICLE
    found = reanchor(new, quote, position)
    assert found == (start + 40, end + 40)


def test_reanchor_prefers_the_context_over_a_stale_position():
    text = "the cat sat on the mat. the dog sat on the rug."
    start, end = span_of(text, "sat", 1)  # the dog's
    quote, position = build_selectors(text, start, end)
    # The cat's sentence grows so that the old offsets now hold another "sat".
    new = "the cat sat on the mat, as cats sat. the dog sat on the rug."
    assert new[position.start : position.end] == "sat"  # a stale position that looks valid
    dog = span_of(new, "dog sat")[0] + 4
    assert reanchor(new, quote, position) == (dog, dog + 3)


def test_reanchor_finds_a_corrected_typo():
    text = ARTICLE.replace("the lowest visitor numbers", "the lowset vistor numbers")
    start, end = span_of(text, "saying the branch had the lowset vistor numbers in the city")
    quote, position = build_selectors(text, start, end)
    new = "Correction appended.\n\n" + ARTICLE
    found = reanchor(new, quote, position)
    assert found is not None
    assert new[found[0] : found[1]] == "saying the branch had the lowest visitor numbers in the city"


def test_reanchor_orphans_a_rewritten_passage():
    start, end = span_of(ARTICLE, "Residents said they had not been consulted.")
    quote, position = build_selectors(ARTICLE, start, end)
    new = ARTICLE.replace("Residents said they had not been consulted.", "Officials promised a review.")
    assert reanchor(new, quote, position) is None
    assert reanchor("", quote, position) is None


def test_reanchor_with_a_position_past_the_end_of_a_shorter_text():
    quote = TextQuoteSelector("visit twice a week", "mobile library would ", ".")
    position = TextPositionSelector(5000, 5018)
    found = reanchor(ARTICLE, quote, position)
    assert found == span_of(ARTICLE, "visit twice a week")


def test_reanchor_empty_quote_is_orphaned():
    assert reanchor(ARTICLE, TextQuoteSelector(""), TextPositionSelector(0, 0)) is None


def test_fuzzy_match_needs_three_quarters_similarity():
    exact = "abcdefghijklmnopqrst"  # 20 characters: at most 5 edits
    quote = TextQuoteSelector(exact)
    position = TextPositionSelector(0, 20)
    five = "abcdeXXXXXklmnopqrst"
    six = "abcdeXXXXXXlmnopqrst"
    assert reanchor(f"-- {five} --", quote, position) == (3, 23)
    assert reanchor(f"-- {six} --", quote, position) is None


def long_text(size: int, seed: int) -> str:
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(3000)]
    out = []
    length = 0
    while length < size:
        word = rng.choice(vocab)
        out.append(word)
        length += len(word) + 1
    return " ".join(out)[:size]


def test_long_texts_re_anchor():
    """100 KB: an edited quote in shifted text is found, and an orphan stays one.

    (benchmarks/anchoring.py measures how long this takes.)
    """
    text = long_text(100_000, seed=7)
    start, end = 60_000, 60_300
    quote, position = build_selectors(text, start, end)
    exact = quote.exact
    edited = exact[:40] + "NEW WORDS" + exact[50:200] + exact[205:]
    new = text[:500] + "Inserted paragraph. " * 50 + text[500:start] + edited + text[end:]
    found = reanchor(new, quote, position)
    orphan = reanchor(text[:start] + text[end:], quote, position)
    assert found is not None
    assert overlaps(found, (start + 1000, start + 1000 + len(edited)))
    assert orphan is None
