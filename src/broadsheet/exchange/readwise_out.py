"""Every highlight as a CSV that Readwise imports (its bulk import, and the
format many highlight tools write): ``Highlight, Title, Author, URL, Note,
Location, Date``.

Input is the plain-data dict of ``Library.export_all()``.  One row per
highlight, story by story, in reading order:

- Author: the story's author, else its source's name;
- Note: the story's tags first, as Readwise's inline tags (``.policing``,
  spaces made hyphens), then the highlight's note;
- Location: where the highlight starts in the story's text (it orders them);
- Date: when it was made, in UTC, ``YYYY-MM-DD HH:MM:SS``.

A story's note of its own has no highlighted words, so it has no row.  A
cell that would start with ``=``, ``+``, ``-`` or ``@`` starts with ``'``, so a
spreadsheet never takes it for a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import timezone
from typing import Any

from broadsheet.model import parse_iso
from broadsheet.sanitize import clean, clean_line, clean_tag

HEADER = ("Highlight", "Title", "Author", "URL", "Note", "Location", "Date")
_FORMULA_STARTS = ("=", "+", "-", "@")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def inline_tags(tags: Any) -> str:
    """Tags as Readwise reads them at the start of a note: ``.one .two-words``."""
    names = []
    for tag in tags or ():
        name = "-".join(clean_tag(tag).split())
        if name and name not in names:
            names.append(name)
    return " ".join("." + name for name in names)


def _date(value: Any) -> str:
    moment = parse_iso(value) if isinstance(value, str) else None
    if moment is None:
        return ""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def export_readwise(data: Mapping[str, Any]) -> tuple[str, int]:
    """The CSV text (a header and one row per highlight; RFC 4180 quoting)
    and how many highlights it holds."""
    sources = {source["id"]: source for source in data.get("sources") or ()}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    rows = 0
    for story in sorted(data.get("stories") or (), key=lambda s: s["id"]):
        annotations = sorted(story.get("annotations") or (), key=lambda a: (a.get("start") or 0, a.get("uuid") or ""))
        if not annotations:
            continue
        source = sources.get(story.get("source_id"), {})
        title = clean_line(story.get("title") or "")
        author = clean_line(story.get("author") or "") or clean_line(source.get("title") or "")
        tags = inline_tags(story.get("tags"))
        for annotation in annotations:
            quote = clean(annotation.get("exact") or "").strip()
            if not quote:
                continue
            note = clean(annotation.get("note") or "").strip()
            note = f"{tags} {note}".strip() if tags else note
            writer.writerow((_cell(quote), _cell(title), _cell(author), _cell(story.get("url") or ""), _cell(note),
                             annotation.get("start") or 0, _date(annotation.get("created"))))
            rows += 1
    return out.getvalue(), rows
