"""The search language shared by the TUI's ``/`` and ``broadsheet list --search``.

    words            every word must occur (title, text, tags or notes)
    "exact phrase"   the words in that order
    tag:NAME         tagged NAME          -tag:NAME   not tagged NAME
    is:unread        unread only          is:read     read only

Terms combine with AND.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"?|(\S+))')
_WORD = re.compile(r"\w+")


@dataclass
class Query:
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    not_tags: list[str] = field(default_factory=list)
    read: bool | None = None
    source_ids: list[int] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.phrases or self.tags or self.not_tags
                    or self.read is not None or self.source_ids)

    def fts_match(self) -> str | None:
        """An FTS5 MATCH expression with every user word quoted, or None."""
        parts = []
        for word in self.words:
            for token in _WORD.findall(word):
                parts.append(f'"{token}"*')
        for phrase in self.phrases:
            tokens = _WORD.findall(phrase)
            if tokens:
                parts.append('"' + " ".join(tokens) + '"')
        return " AND ".join(parts) if parts else None


def parse_query(text: str) -> Query:
    query = Query()
    for match in _TOKEN.finditer(text or ""):
        negated, field_name, quoted, bare = match.groups()
        value = quoted if quoted is not None else (bare or "")
        key = (field_name or "").lower()
        if key == "tag" and value:
            (query.not_tags if negated else query.tags).append(value)
        elif key == "is" and value.lower() in ("unread", "read"):
            unread = value.lower() == "unread"
            query.read = (not unread) if not negated else unread
        elif quoted is not None and not field_name:
            if value.strip():
                query.phrases.append(value)
        else:
            # An unknown "field:" is searched as words.
            text_value = f"{field_name} {value}" if field_name else value
            if _WORD.search(text_value) and not negated:
                query.words.append(text_value)
    return query
