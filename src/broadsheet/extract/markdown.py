"""A Document as Markdown or as plain text."""

from __future__ import annotations

import re

from ..model import (
    CODE,
    EMPHASIS,
    HEADING,
    IMAGE,
    LIST_ITEM,
    PRE,
    QUOTE,
    STRONG,
    TABLE_ROW,
    Block,
    Document,
    Span,
)

_ESCAPE = re.compile(r"([\\`*_\[\]<>])")
_LINE_START = re.compile(r"^(\s*)([#>+\-=|]|\d+[.)])(?=\s|$)")


def _escape(text: str) -> str:
    return _ESCAPE.sub(r"\\\1", text)


def _code(text: str) -> str:
    ticks = 1
    while "`" * ticks in text:
        ticks += 1
    fence = "`" * ticks
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _span(span: Span, used: dict[int, int]) -> str:
    text = span.text
    if not text:
        return ""
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    core = text.strip()
    if not core:
        return text
    if CODE in span.styles:
        out = _code(core)
    else:
        out = _escape(core)
        if STRONG in span.styles:
            out = f"**{out}**"
        if EMPHASIS in span.styles:
            out = f"*{out}*"
    if span.link is not None:
        used[span.link] = span.link
        out = f"[{out}][{span.link}]"
    return lead + out + trail


def _inline(block: Block, used: dict[int, int]) -> str:
    text = "".join(_span(s, used) for s in block.spans)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def to_markdown(doc: Document) -> str:
    """Markdown: ``# title``, ``##`` headings, lists, quotes, fenced code, reference links."""
    parts: list[str] = []  # chunks, each followed by its separator
    used: dict[int, int] = {}  # link numbers the text refers to
    previous_kind = None
    if doc.title:
        parts.append("# " + _escape(doc.title))
        previous_kind = "title"
    table_open = False
    for block in doc.blocks:
        kind = block.kind
        if kind == HEADING:
            chunk = "#" * max(2, min(block.level or 2, 6)) + " " + _inline(block, used)
        elif kind == LIST_ITEM:
            marker = f"{block.ordinal}." if block.ordinal is not None else "-"
            chunk = "    " * block.level + marker + " " + _inline(block, used)
        elif kind == QUOTE:
            chunk = "\n".join("> " + line for line in _inline(block, used).split("\n"))
        elif kind == PRE:
            text = block.text
            fence = "```"
            while fence in text:
                fence += "`"
            chunk = f"{fence}\n{text}\n{fence}"
        elif kind == IMAGE:
            alt = _escape("".join(s.text for s in block.spans))
            src = (block.src or "").replace(" ", "%20").replace(")", "%29").replace("(", "%28")
            chunk = f"![{alt}]({src})"
        elif kind == TABLE_ROW:
            row = "| " + _inline(block, used) + " |"
            if not table_open:
                cells = block.text.count(" | ") + 1
                row += "\n|" + " --- |" * cells
            chunk = row
        else:
            chunk = _inline(block, used)
        if parts:
            tight = (kind == previous_kind and kind in (LIST_ITEM, TABLE_ROW))
            parts.append("\n" if tight else "\n\n")
        parts.append(chunk)
        table_open = kind == TABLE_ROW
        previous_kind = kind
    if used:
        refs = []
        for number in sorted(used):
            if 1 <= number <= len(doc.links):
                refs.append(f"[{number}]: {doc.links[number - 1].replace(' ', '%20')}")
        if refs:
            parts.append("\n\n")
            parts.append("\n".join(refs))
    return "".join(parts) + ("\n" if parts else "")


def to_text(doc: Document, with_links: bool = False) -> str:
    """The plain text; with ``with_links`` a numbered list of the links after it."""
    text = doc.plain_text()
    if with_links and doc.links:
        lines = "\n".join(f"[{n}] {link}" for n, link in enumerate(doc.links, 1))
        text = f"{text}\n\n{lines}" if text else lines
    return text
