"""The search language shared by the TUI's ``/`` and ``broadsheet list --search``.

    words            every word must occur (title, text, tags or notes); each
                     word matches as a prefix, so ``polic`` finds "police"
    "exact phrase"   the words in that order
    -word            no story containing the word (a prefix, like above)
    -"a phrase"      no story containing the phrase
    tag:NAME         tagged NAME             -tag:NAME      not tagged NAME
    tag:"two words"  a tag with a space in it
    source:NAME      from a source whose title contains NAME (any case);
                     source:12 is the source with id 12
    source:"Daring Fireball"                 -source:NAME   from any other source
    is:unread        unread only             is:read        read only
    is:starred       starred only            -is:starred    not starred
    has:highlights   with at least one highlight (any annotation)
    has:notes        with at least one highlight that carries a note
    -has:highlights  -has:notes              without them
    in:notes WORD    WORD (or a "phrase") occurs in the story's highlights or notes;
                     also in:title, in:text and in:tags; -in:notes WORD excludes

Terms combine with AND.  A ``field:`` that is not one of the above is searched
as words, and nothing typed reaches the full-text engine unquoted, so its own
operators (``OR``, ``NEAR``, ``*``, ``^``) are plain words here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"?|(\S+))')
_WORD = re.compile(r"\w+")

# in:NAME -> the full-text column it searches.
COLUMNS = {"title": "title", "text": "body", "body": "body", "tags": "tags",
           "tag": "tags", "notes": "notes", "note": "notes"}


@dataclass(frozen=True, slots=True)
class Term:
    """A full-text term: words (each a prefix) or a phrase, maybe in one column."""

    text: str
    phrase: bool = False
    column: str | None = None  # None: any column

    def fts(self) -> str | None:
        tokens = _WORD.findall(self.text)
        if not tokens:
            return None
        if self.phrase:
            expression = '"' + " ".join(tokens) + '"'
        elif len(tokens) == 1:
            expression = f'"{tokens[0]}"*'
        else:
            expression = "(" + " AND ".join(f'"{t}"*' for t in tokens) + ")"
        return f"{self.column} : {expression}" if self.column else expression


@dataclass
class Query:
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    not_tags: list[str] = field(default_factory=list)
    read: bool | None = None
    source_ids: list[int] = field(default_factory=list)
    not_source_ids: list[int] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)       # title contains, any case
    not_sources: list[str] = field(default_factory=list)
    starred: bool | None = None
    has_notes: bool | None = None
    has_highlights: bool | None = None
    not_words: list[str] = field(default_factory=list)
    not_phrases: list[str] = field(default_factory=list)
    in_columns: list[Term] = field(default_factory=list)   # in:notes WORD …
    not_in_columns: list[Term] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.phrases or self.tags or self.not_tags
                    or self.read is not None or self.source_ids or self.not_source_ids
                    or self.sources or self.not_sources or self.starred is not None
                    or self.has_notes is not None or self.has_highlights is not None
                    or self.not_words or self.not_phrases or self.in_columns
                    or self.not_in_columns)

    def _positive(self) -> list[str]:
        terms = [Term(w) for w in self.words] + [Term(p, phrase=True) for p in self.phrases]
        terms += self.in_columns
        return [e for e in (t.fts() for t in terms) if e]

    def _negative(self) -> list[str]:
        terms = [Term(w) for w in self.not_words]
        terms += [Term(p, phrase=True) for p in self.not_phrases]
        terms += self.not_in_columns
        return [e for e in (t.fts() for t in terms) if e]

    def fts_match(self) -> str | None:
        """An FTS5 MATCH expression with every user word quoted, or None.

        Exclusions ride along as ``NOT`` when there is something to match;
        when there is not, :meth:`fts_exclude` holds them."""
        positive, negative = self._positive(), self._negative()
        if not positive:
            return None
        expression = " AND ".join(positive)
        if negative:
            expression = f"({expression}) NOT ({' OR '.join(negative)})"
        return expression

    def fts_exclude(self) -> str | None:
        """Exclusions alone (an FTS5 expression whose matches are to be left
        out) when there is no positive full-text term, else None."""
        if self._positive():
            return None
        negative = self._negative()
        return " OR ".join(negative) if negative else None


def parse_query(text: str) -> Query:
    query = Query()
    column: str | None = None   # set by in:NAME, taken by the next word or phrase
    column_negated = False
    for match in _TOKEN.finditer(text or ""):
        negated_mark, field_name, quoted, bare = match.groups()
        negated = bool(negated_mark)
        value = quoted if quoted is not None else (bare or "")
        key = (field_name or "").lower()
        lowered = value.lower()
        pending, column = column, None
        if pending and not field_name:
            term = Term(value, phrase=quoted is not None, column=pending)
            if term.fts():
                excluded = negated or column_negated
                (query.not_in_columns if excluded else query.in_columns).append(term)
            continue
        if key == "in" and lowered in COLUMNS:
            column, column_negated = COLUMNS[lowered], negated
        elif key == "tag" and value:
            (query.not_tags if negated else query.tags).append(value)
        elif key == "source" and value.strip():
            name = value.strip()
            if name.isdecimal():
                (query.not_source_ids if negated else query.source_ids).append(int(name))
            else:
                (query.not_sources if negated else query.sources).append(name)
        elif key == "is" and lowered in ("unread", "read"):
            unread = lowered == "unread"
            query.read = (not unread) if not negated else unread
        elif key == "is" and lowered in ("starred", "unstarred"):
            query.starred = (lowered == "starred") != negated
        elif key == "has" and lowered in ("notes", "note"):
            query.has_notes = not negated
        elif key == "has" and lowered in ("highlights", "highlight", "annotations"):
            query.has_highlights = not negated
        elif quoted is not None and not field_name:
            if _WORD.search(value):
                (query.not_phrases if negated else query.phrases).append(value)
        else:
            # An unknown "field:" is searched as words.
            text_value = f"{field_name} {value}" if field_name else value
            if _WORD.search(text_value):
                (query.not_words if negated else query.words).append(text_value)
    return query
