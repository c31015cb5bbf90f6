"""Make text from strangers safe to store and show.

Every piece of text that comes from the network or an imported file (titles,
authors, tags, feed names, article bodies, error reasons) passes through
:func:`clean` or :func:`clean_line` before it reaches the model.  What comes
out has no terminal control sequences, no C0/C1 control characters (other
than newline and tab in multi-line text), no bidirectional overrides and no
invisible spoofing characters.  Markup such as ``[bold]`` is left as it is:
it is plain text, and the UI never parses it.
"""

from __future__ import annotations

import re

# Whole escape sequences first, so that what remains stays readable:
# "\x1b[31mred" becomes "red", not "[31mred".
_ESCAPE_SEQUENCES = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?          # CSI … final byte
  | (?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])    # OSC, DCS, SOS, PM, APC …
    [^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)       # … up to BEL or ST (an unended
                                               # one loses only its introducer)
  | \x1b[ -/]*[0-~]?                           # other ESC sequences
    """,
    re.VERBOSE,
)

# C0 controls except tab and newline, DEL, C1 controls; bidi embeddings,
# overrides and isolates; zero-width and other invisible format characters
# used for spoofing (ZWJ/ZWNJ are kept: scripts and emoji need them).
_INVISIBLE = (
    "\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb"
)
_CONTROLS = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_INVISIBLE}]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_SPACES = re.compile(r"\s+")


# Every character clean() removes or changes.  Text with none of them comes
# out of clean() as it went in, so it is returned at once: clean() makes four
# passes over a long article, is_clean() usually one str.isprintable().
_UNCLEAN = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{_INVISIBLE}\ud800-\udfff]")


def is_clean(text: str) -> bool:
    """Whether :func:`clean` would leave ``text`` as it is.

    Every character clean() touches is unprintable (a control, a format
    character, a line or paragraph separator, a surrogate), and
    str.isprintable() runs several times faster than a regular expression.
    """
    if text.isprintable():
        return True
    if text.replace("\n", " ").replace("\t", " ").isprintable():
        return True
    return _UNCLEAN.search(text) is None  # no-break spaces and the like are fine


def _scrub(text: object) -> str:
    """What clean() does to text that is not clean already."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    text = _LINE_BREAKS.sub("\n", text)
    text = _ESCAPE_SEQUENCES.sub("", text)
    text = _CONTROLS.sub("", text)
    # Unpaired surrogates cannot be encoded for the terminal or SQLite.
    return text.encode("utf-8", "replace").decode("utf-8")


def clean(text: object) -> str:
    """Multi-line text: keep newlines and tabs, drop every control."""
    if isinstance(text, str) and is_clean(text):
        return text
    return _scrub(text)


def _cap(text: str, limit: int | None) -> str:
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def clean_line(text: object, limit: int | None = 1000) -> str:
    """One-line text (titles, names, tags): whitespace collapsed, length capped."""
    if isinstance(text, str) and is_clean(text):
        return _cap(single_spaced(text), limit)  # str.split's whitespace is \s's
    return _cap(_SPACES.sub(" ", _scrub(text).replace("\t", " ")).strip(), limit)


def single_spaced(text: str) -> str:
    """``" ".join(text.split())``: words one space apart, no space around them.

    Every whitespace character but the space is unprintable, so printable
    text without two spaces in a row, stripped, is that already; finding
    so is several times faster than splitting it into words.
    """
    text = text.strip()
    if text.isprintable() and "  " not in text:
        return text
    return " ".join(text.split())


def clean_tag(text: object) -> str:
    """A tag name: one line, no commas, at most 64 characters."""
    return clean_line(str(text or "").replace(",", " "), limit=64)


def error_line(error: BaseException, limit: int = 300) -> str:
    """An exception as one clean line to show the user (its type when it says nothing)."""
    return clean_line(str(error), limit) or type(error).__name__
