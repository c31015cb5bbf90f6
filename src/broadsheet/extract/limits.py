"""Keep huge pages within a time and memory budget.

A page of ordinary size goes through untouched.  A page over the budget
(``MAX_PAGE_CHARS`` characters of markup, ``MAX_PAGE_TAGS`` tags outside
tables or ``MAX_TABLE_TAGS`` table rows and cells) first
loses what is never text: scripts (JSON-LD metadata aside), styles, inline
SVG, ``<noscript>`` and ``<template>``.  When it is still over the
budget it is cut at a tag boundary and the rest is left out; the extractor
ends the article with a line saying so.  Parsing, readability's copy of the
tree and its scoring all cost in proportion to the markup, so the cut bounds
every later step: a 10 MB page of paragraphs or of tables is read in about a
second and within ~100 MB instead of many seconds and ~400 MB.

Every step here is linear in the page: no regular expression can scan from
one tag to the end of the page more than once.
"""

from __future__ import annotations

import re

# About 30 times the markup of a 10 000-word article (~70 000 characters);
# a real news page, scripts included, is rarely over 1.5 MB.
MAX_PAGE_CHARS = 2_000_000
# Tags, opening and closing (each "<"): every element costs a few
# microseconds in each step (parsing, readability's copy and scoring, the
# chrome filters, the blocks), and ~150 bytes of tree twice over.  The
# benchmark's real news pages have at most ~3 200.
MAX_PAGE_TAGS = 50_000
# Table rows and cells (<tr>, <td>, <th>) cost less: past the first rows
# of a big table (blocks.MAX_TABLE_ROWS) they are only counted.
MAX_TABLE_TAGS = 200_000
_TABLE_TAGS = ("<td", "<th", "<tr", "</td", "</th", "</tr", "<TD", "<TH", "<TR", "</TD", "</TH", "</TR")

_NEVER_TEXT = ("script", "style", "svg", "noscript", "template")
# One element of each kind, opening tag to closing tag (JSON-LD scripts are
# metadata: kept).  [^<>]* stops at the next tag, so each attempt scans only
# its own stretch; the lazy .*? stops at the first closing tag.
_NOT_JSON_LD = r"(?![^<>]*ld\+json)"
_ELEMENT = {
    tag: re.compile(
        rf"<{tag}\b{_NOT_JSON_LD if tag == 'script' else ''}[^<>]*>.*?</{tag}\b[^<>]*>", re.I | re.S
    )
    for tag in _NEVER_TEXT
}
# Up to the last closing tag of a kind: an opening tag after it has no end,
# and searching for one from each such tag would scan to the end of the page
# again and again.
_UP_TO_LAST_CLOSE = {tag: re.compile(rf"(?s:.*)</{tag}\b[^<>]*>", re.I) for tag in _NEVER_TEXT}
_CHUNK = 65_536


def _table_tags(text: str, start: int = 0, end: int | None = None) -> int:
    """Table tags starting in text[start:end]."""
    if end is None:
        return sum(text.count(tag, start) for tag in _TABLE_TAGS)
    return sum(text.count(tag, start, end + len(tag) - 1) for tag in _TABLE_TAGS)


def over_budget(text: str) -> bool:
    if len(text) > MAX_PAGE_CHARS:
        return True
    tags = text.count("<")
    if tags <= MAX_PAGE_TAGS:
        return False
    table = _table_tags(text)
    return tags - table > MAX_PAGE_TAGS or table > MAX_TABLE_TAGS


def strip_never_text(text: str) -> str:
    """``text`` without scripts (but JSON-LD), styles, SVG, noscript and templates."""
    for tag in _NEVER_TEXT:
        last = _UP_TO_LAST_CLOSE[tag].match(text)
        if last is None:
            continue  # no element of this kind ends in the page
        end = last.end()
        text = _ELEMENT[tag].sub("", text[:end]) + text[end:]
    return text


def _is_table_tag(text: str, pos: int) -> bool:
    return text.startswith(_TABLE_TAGS, pos)


def _tag_position(text: str) -> int:
    """Where the first tag past the tag budgets starts (len(text) when there is none)."""
    pos = tags = table = 0
    end = len(text)
    while pos < end:
        n = text.count("<", pos, pos + _CHUNK)
        t = _table_tags(text, pos, pos + _CHUNK) if n else 0
        if tags + n - table - t > MAX_PAGE_TAGS or table + t > MAX_TABLE_TAGS:
            break
        tags += n
        table += t
        pos += _CHUNK
    else:
        return end
    while True:  # tag by tag through this chunk
        pos = text.find("<", pos)
        if _is_table_tag(text, pos):
            table += 1
        tags += 1
        if tags - table > MAX_PAGE_TAGS or table > MAX_TABLE_TAGS:
            return pos
        pos += 1


# An attribute value this long is an inline image, font or blob, never text.
_LONG_ATTRIBUTE = re.compile(r"""(=\s*)(?:"[^"]{4096,}"|'[^']{4096,}')""")


def strip_long_attributes(text: str) -> str:
    """``text`` with every attribute value over 4 kB emptied (``data:`` images and the like)."""
    return _LONG_ATTRIBUTE.sub(r'\1""', text)


def bound_page(text: str) -> tuple[str, int]:
    """``text`` within the budget, and how many characters of markup were left out."""
    if not over_budget(text):
        return text, 0
    text = strip_long_attributes(strip_never_text(text))
    if not over_budget(text):
        return text, 0
    cut = min(len(text), MAX_PAGE_CHARS, _tag_position(text))
    if cut < len(text) and text[cut] != "<":
        # at a tag boundary, not in the middle of a tag
        tag = text.rfind("<", max(0, cut - _CHUNK), cut)
        if tag > 0:
            cut = tag
    return text[:cut], len(text) - cut


def left_out_note(chars: int) -> str:
    """The line that ends an article cut short by :func:`bound_page`."""
    size = f"{chars / 1_000_000:.1f} MB" if chars >= 100_000 else f"{chars / 1000:.0f} kB"
    return f"… the rest of this very long page ({size} of it) is left out."
