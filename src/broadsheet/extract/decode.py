"""Turn the bytes of a web page into text, whatever its character set.

The order follows what browsers do: a byte-order mark wins, then the
``charset`` of the HTTP ``Content-Type`` header, then a ``<meta charset>`` or
``<meta http-equiv="Content-Type">`` near the top of the page, then UTF-8 when
the bytes are valid UTF-8, and windows-1252 (the web's default) otherwise.
Bytes that do not fit the chosen encoding are replaced, never fatal.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts the same way
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([\w.:\-]+)""", re.I)
_META_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:\-]+)"""
    rb"""|^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:\-]+)""",
    re.I,
)

# WHATWG encoding labels that Python spells differently or that the web
# treats as something wider than their name says.
_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1252": "cp1252",
    "x-sjis": "shift_jis",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "unicode": "utf-16",
    "utf8": "utf-8",
}

_SNIFF_BYTES = 4096


def _lookup(label: str | None) -> str | None:
    """The Python codec for an encoding label, or None when unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return _lookup(match.group(1)) if match else None


def _charset_from_meta(data: bytes) -> str | None:
    head = data[:_SNIFF_BYTES]
    match = _META_CHARSET.search(head)
    if not match:
        return None
    name = _lookup((match.group(1) or match.group(2)).decode("ascii", "replace"))
    # A page cannot announce UTF-16/32 from inside an ASCII-compatible
    # <meta>: browsers read it as UTF-8.
    if name and name.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return name


def _finish(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\x00", "")


def decode_html(data: bytes | str, content_type: str | None = None) -> str:
    """Decode a page to text; never raises on bad bytes."""
    if isinstance(data, str):
        return _finish(data)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        return _finish(str(data or ""))
    data = bytes(data)
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _finish(data[len(bom):].decode(name, "replace"))
    encoding = charset_from_content_type(content_type)
    if encoding and encoding.startswith(("utf-16", "utf-32")) and b"\x00" not in data[:200]:
        # A header that says UTF-16 for bytes that plainly are not.
        encoding = None
    if encoding is None:
        encoding = _charset_from_meta(data)
    if encoding is None:
        try:
            return _finish(data.decode("utf-8"))
        except UnicodeDecodeError:
            pass
        # Mostly UTF-8 with a few broken bytes stays UTF-8; otherwise the
        # page is most likely in the web's legacy default.
        text = data.decode("utf-8", "replace")
        bad = text.count("\ufffd")
        good = sum(1 for ch in text if ch > "\x7f") - bad
        if good > bad * 2:
            return _finish(text)
        encoding = "cp1252"
    try:
        return _finish(data.decode(encoding, "replace"))
    except (LookupError, UnicodeError, TypeError):
        return _finish(data.decode("utf-8", "replace"))
