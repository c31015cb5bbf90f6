"""Markdown export: one note per story, usable as an Obsidian vault folder.

Input is the plain-data dict of ``Library.export_all()``.  Each story with
highlights or tags (or every story, on request) becomes ``<slug>.md``::

    ---
    title: "A title: with a colon"
    url: "https://example.org/a"
    source: "Example News"
    tags:
      - "politics"
    published: "2024-05-01T10:00:00Z"
    fetched: "2024-05-01T11:00:00Z"
    broadsheet_id: 12
    ---

    # A title: with a colon

    <https://example.org/a>

    ## Highlights

    > the quoted passage

    the note

Every front-matter string is a YAML double-quoted scalar with all special
characters escaped, so a hostile title cannot break out of its value.  Quotes
and notes are plain text and are escaped for Markdown, so a quoted ``*`` or
``[[`` is shown as it was written instead of becoming emphasis or a link.

File names are slugs of the title; a file is only ever overwritten when it is
one this exporter wrote (its front matter carries ``broadsheet_id``), so
re-running the export into the same folder updates its own notes and never
touches anything else there.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from broadsheet.sanitize import clean, clean_line

MAX_STEM = 80
ID_KEY = "broadsheet_id"

# Characters Windows forbids in file names (plus every control character).
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_NOT_WORD = re.compile(r"[^\w]+")
_WINDOWS_RESERVED = {
    "con", "prn", "aux", "nul",
    *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10)),
}
_OWNED_MARK = re.compile(rf"^{ID_KEY}: (\d+)$", re.MULTILINE)


# -- file names ------------------------------------------------------------------


def slugify(title: str, limit: int = MAX_STEM) -> str:
    """A file-name stem for ``title``: lower case words joined by ``-``.

    No path separators, no Windows-reserved characters or names, no leading or
    trailing dots or dashes, at most ``limit`` characters.  Letters of every
    script are kept.  May return ``""`` when nothing usable is left.
    """
    text = unicodedata.normalize("NFKC", clean_line(title, None)).casefold()
    text = _WINDOWS_FORBIDDEN.sub(" ", text)
    text = _NOT_WORD.sub("-", text).strip("-_.")
    if len(text) > limit:
        cut = text[:limit]
        # Prefer ending at a word boundary when one is reasonably close.
        dash = cut.rfind("-")
        text = cut[:dash] if dash >= limit // 2 else cut
        text = text.strip("-_.")
    if text in _WINDOWS_RESERVED:
        text = f"{text}-note"
    return text


def _with_suffix(stem: str, number: int) -> str:
    if number == 1:
        return stem
    suffix = f"-{number}"
    return stem[: MAX_STEM - len(suffix)].rstrip("-_.") + suffix


def _read_owner(path: Path) -> int | None:
    """The broadsheet story id a Markdown file was exported from, if it was."""
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            head = handle.read(8192)
    except OSError:
        return None
    if not head.startswith("---\n"):
        return None
    end = head.find("\n---\n", 3)
    if end < 0:
        return None
    match = _OWNED_MARK.search(head[4 : end + 1])
    return int(match.group(1)) if match else None


def _existing_notes(out_dir: Path) -> dict[str, int | None]:
    """casefolded file name -> story id (None for files we did not write)."""
    found: dict[str, int | None] = {}
    try:
        entries = list(os.scandir(out_dir))
    except OSError:
        return found
    for entry in entries:
        name = entry.name.casefold()
        if name.endswith(".md") and entry.is_file(follow_symlinks=False):
            found[name] = _read_owner(Path(entry.path))
        else:
            found[name] = None
    return found


def _stem_matches(name: str, base: str) -> bool:
    """Whether ``name`` (no extension) is ``base`` or ``base-N``."""
    if name == base:
        return True
    _, _, number = name.rpartition("-")
    return number.isdigit() and int(number) >= 2 and name == _with_suffix(base, int(number))


def plan_file_names(
    stories: Iterable[Mapping[str, Any]], existing: Mapping[str, int | None]
) -> dict[int, str]:
    """story id -> file name (``stem.md``), unique case-insensitively.

    ``existing`` maps the casefolded names already in the folder to the story
    id that file was exported from (None when broadsheet did not write it).
    A story keeps the file it had last time when that name still fits its
    title; other names are given out in story order, skipping any file that
    broadsheet did not write.
    """
    stories = list(stories)
    bases = {s["id"]: slugify(s.get("title") or "") or f"story-{s['id']}" for s in stories}
    owned = {owner: name for name, owner in existing.items() if owner is not None}
    taken: set[str] = set()
    plan: dict[int, str] = {}
    for story_id, base in bases.items():
        previous = owned.get(story_id)
        if previous and _stem_matches(previous[:-3], base) and previous not in taken:
            plan[story_id] = previous
            taken.add(previous)
    for story_id, base in bases.items():
        if story_id in plan:
            continue
        number = 1
        while True:
            name = _with_suffix(base, number) + ".md"
            key = name.casefold()
            # A name is free unless this run gave it out already or the file
            # there is not one of ours (files of ours left over from stories
            # that moved to another name, or are gone, may be reused).
            if key not in taken and existing.get(key, -1) is not None:
                break
            number += 1
        plan[story_id] = name
        taken.add(name.casefold())
    return plan


# -- YAML ------------------------------------------------------------------------

_YAML_ESCAPES = {
    "\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\x00": "\\0",
    "\x85": "\\N", "\u2028": "\\L", "\u2029": "\\P", "\ufeff": "\\uFEFF",
}


def yaml_string(value: str) -> str:
    """``value`` as a YAML double-quoted scalar that any YAML 1.1/1.2 parser reads back."""
    out = []
    for char in value:
        if char in _YAML_ESCAPES:
            out.append(_YAML_ESCAPES[char])
            continue
        code = ord(char)
        if code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF or code in (
            0xFFFE, 0xFFFF
        ):
            out.append(f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def front_matter(fields: list[tuple[str, Any]]) -> str:
    """YAML front matter from (key, value) pairs; None values are left out.

    Values may be str (quoted), int (plain) or a list of str (block list).
    Keys are fixed identifiers chosen by this module, never user text.
    """
    lines = ["---"]
    for key, value in fields:
        if value is None:
            continue
        if isinstance(value, bool):
            lines.append(f"{key}: {'true' if value else 'false'}")
        elif isinstance(value, int):
            lines.append(f"{key}: {value}")
        elif isinstance(value, (list, tuple)):
            if not value:
                lines.append(f"{key}: []")
            else:
                lines.append(f"{key}:")
                lines.extend(f"  - {yaml_string(str(item))}" for item in value)
        else:
            lines.append(f"{key}: {yaml_string(str(value))}")
    lines.append("---")
    return "\n".join(lines) + "\n"


# -- Markdown text -----------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$]|&(?=#?\w+;))")
_MD_DOUBLE = re.compile(r"(==|%%)")
_MD_BULLET = re.compile(r"^[-+]")
_MD_ORDERED = re.compile(r"^(\d+)([.)])(?=\s|$)")


def md_escape_line(text: str) -> str:
    """One line of plain text escaped so Markdown (and Obsidian) shows it as is:
    no emphasis, links, HTML, headings, lists, code, math, highlights or comments."""
    text = text.lstrip()  # four leading spaces would start a code block
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _MD_DOUBLE.sub(lambda m: "\\" + m.group(1)[0] + "\\" + m.group(1)[1], text)
    text = _MD_BULLET.sub(lambda m: "\\" + m.group(0), text)
    return _MD_ORDERED.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def md_escape_block(text: str) -> list[str]:
    """Multi-line plain text as escaped lines (blank lines kept, ends trimmed)."""
    lines = clean(text).replace("\t", "    ").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return [md_escape_line(line.rstrip()) if line.strip() else "" for line in lines]


def md_link(url: str | None) -> str | None:
    """A Markdown autolink for an http(s) address, or None."""
    if not url or re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", url):
        return None
    url = url.strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    if scheme not in ("http", "https"):
        return None
    safe = url.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")
    return f"<{safe}>"


def _quote(text: str) -> list[str]:
    lines = md_escape_block(text) or [""]
    return [f"> {line}" if line else ">" for line in lines]


def _highlight(annotation: Mapping[str, Any]) -> list[str]:
    out = _quote(annotation.get("exact") or "")
    note = md_escape_block(annotation.get("note") or "")
    if note:
        out.append("")
        out.extend(note)
    return out


def render_story(story: Mapping[str, Any], source: Mapping[str, Any] | None) -> str:
    """The Markdown note of one story."""
    title = clean_line(story.get("title") or "", None) or clean_line(
        (story.get("document") or {}).get("title") or "", None
    ) or "Untitled"
    source_kind = (source or {}).get("kind")
    fields: list[tuple[str, Any]] = [
        ("title", title),
        ("url", story.get("url") or None),
        ("source", clean_line((source or {}).get("title") or "", None) or None),
        ("author", clean_line(story.get("author") or "", None) or None),
        ("tags", [clean_line(t, None) for t in story.get("tags") or ()]),
        ("published", story.get("published") or None),
        ("saved" if source_kind == "saved" else "fetched", story.get("fetched") or None),
        (ID_KEY, int(story["id"])),
    ]
    parts = [front_matter(fields), f"# {md_escape_line(title)}"]
    link = md_link(story.get("url"))
    if link:
        parts.append(link)
    annotations = list(story.get("annotations") or ())
    placed = [a for a in annotations if not a.get("orphaned")]
    orphaned = [a for a in annotations if a.get("orphaned")]
    for heading, group in (("Highlights", placed), ("Orphaned highlights", orphaned)):
        if not group:
            continue
        parts.append(f"## {heading}")
        parts.extend("\n".join(_highlight(a)) for a in group)
    return parts[0] + "\n" + "\n\n".join(parts[1:]) + "\n"


def _wanted(story: Mapping[str, Any], all_stories: bool) -> bool:
    return all_stories or bool(story.get("annotations")) or bool(story.get("tags"))


def export_markdown(data: Mapping[str, Any], out_dir: Path, *, all_stories: bool = False) -> list[Path]:
    """Write one ``.md`` note per story with highlights or tags (every story
    with ``all_stories``) into ``out_dir``; returns the notes' paths, in story
    order (a note whose text has not changed is left untouched).  Raises
    OSError when the folder cannot be written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sources = {s.get("id"): s for s in data.get("sources") or ()}
    stories = sorted(
        (s for s in data.get("stories") or () if _wanted(s, all_stories)),
        key=lambda s: s["id"],
    )
    plan = plan_file_names(stories, _existing_notes(out_dir))
    written: list[Path] = []
    for story in stories:
        path = out_dir / plan[story["id"]]
        content = render_story(story, sources.get(story.get("source_id"))).encode("utf-8")
        written.append(path)
        try:
            if path.read_bytes() == content:
                continue  # unchanged: leave the file (and its timestamps) alone
        except OSError:
            pass
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(content)
        tmp.replace(path)
    return written
