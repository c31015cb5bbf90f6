"""Find highlighted passages again in a story's plain text.

Annotations are stored the W3C Web Annotation way, with two selectors:

* a :class:`~broadsheet.model.TextQuoteSelector` — the exact highlighted text
  plus up to :data:`CONTEXT` characters before (``prefix``) and after
  (``suffix``) it;
* a :class:`~broadsheet.model.TextPositionSelector` — character offsets
  ``start``/``end`` into the plain text.

When a story is extracted again its text may shift or change.
:func:`reanchor` places an annotation on the new text, trying in turn:

1. the stored position, when the text there is still the exact quote;
2. the exact quote anywhere, choosing the occurrence whose surroundings best
   match the stored context, and of equal ones the nearest to the old place
   (also with whitespace, typographic quotes, dashes and case ignored);
3. an approximate match: a span whose edit distance to the quote is at most a
   quarter of its length (similarity >= :data:`MIN_SIMILARITY`).

``None`` means the annotation is orphaned: it is kept, but has no place.

The approximate stage uses Myers' bit-parallel algorithm, linear in the length
of the text it scans.  For long texts it scans only windows around likely
places: the old position, and places where pieces of the quote or of its
context still occur exactly.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from broadsheet.model import TextPositionSelector, TextQuoteSelector

__all__ = [
    "CONTEXT",
    "MIN_SIMILARITY",
    "build_selectors",
    "find_quote",
    "reanchor",
]

#: Characters of context kept on each side of a quote.
CONTEXT = 32

#: An approximate match must have at least this similarity to the quote,
#: measured as ``1 - edit_distance / len(quote)``.
MIN_SIMILARITY = 0.75

# Texts up to this length are scanned whole in the approximate stage; longer
# texts only in windows around candidate places.
FULL_SCAN_CHARS = 20_000

# Bounds that keep the approximate stage fast on long texts.
_MAX_WINDOWS = 24
_MAX_SEED_HITS = 64
_MAX_SEEDS = 48
_MAX_CANDIDATES = 32
_MAX_SCORED = 256

# One-to-one foldings for the lenient search: typographic quotes and dashes.
_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)
# Runs of whitespace and invisible characters (soft hyphen, zero-width space…).
_GAP = re.compile(r"[\s\u00ad\u200b\u200c\u200d\u2060\ufeff]+")
_HAS_SPACE = re.compile(r"\s")


# --------------------------------------------------------------------------
# Building selectors


def build_selectors(
    text: str, start: int, end: int
) -> tuple[TextQuoteSelector, TextPositionSelector]:
    """Selectors for ``text[start:end]``.

    Raises :class:`ValueError` unless ``0 <= start < end <= len(text)``.
    """
    if not (0 <= start < end <= len(text)):
        raise ValueError(f"span {start}..{end} is not inside a text of {len(text)} characters")
    quote = TextQuoteSelector(
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT) : start],
        suffix=text[end : end + CONTEXT],
    )
    return quote, TextPositionSelector(start, end)


# --------------------------------------------------------------------------
# Context scoring


def _trigrams(s: str) -> set[str]:
    return {s[i : i + 3] for i in range(len(s) - 2)}


def _context_score(text: str, start: int, end: int, prefix: str, suffix: str) -> float:
    """How well the surroundings of ``text[start:end]`` match the context.

    Characters that match right next to the span count double; shared
    trigrams anywhere in the context window count once, so a context with a
    small change next to the quote still scores above an unrelated one.
    """
    score = 0.0
    if prefix:
        i, j = start - 1, len(prefix) - 1
        while i >= 0 and j >= 0 and text[i] == prefix[j]:
            i -= 1
            j -= 1
        score += 2 * (len(prefix) - 1 - j)
        before = text[max(0, start - len(prefix) - 8) : start]
        score += len(_trigrams(prefix) & _trigrams(before))
    if suffix:
        i, j = end, 0
        while i < len(text) and j < len(suffix) and text[i] == suffix[j]:
            i += 1
            j += 1
        score += 2 * j
        after = text[end : end + len(suffix) + 8]
        score += len(_trigrams(suffix) & _trigrams(after))
    return score


def _best(
    text: str,
    spans: list[tuple[int, int]],
    prefix: str,
    suffix: str,
    near: int | None,
) -> tuple[int, int] | None:
    """The span with the best context; ties go to the one nearest ``near``."""
    if not spans:
        return None
    if len(spans) == 1:
        return spans[0]
    if len(spans) > _MAX_SCORED:
        # A very common quote: keep the spans whose context matches best by a
        # quick look at a few lengths right next to them, then score those.
        def quick(span: tuple[int, int]) -> tuple[int, int]:
            start, end = span
            score = 0
            for length in (32, 16, 8, 4, 2, 1):
                if len(prefix) >= length and text.endswith(prefix[-length:], 0, start):
                    score += length
                    break
            for length in (32, 16, 8, 4, 2, 1):
                if len(suffix) >= length and text.startswith(suffix[:length], end):
                    score += length
                    break
            return (-score, abs(start - near) if near is not None else 0)

        spans = sorted(spans, key=quick)[:_MAX_SCORED]

    def key(span: tuple[int, int]) -> tuple[float, int, int]:
        distance = abs(span[0] - near) if near is not None else 0
        return (-_context_score(text, span[0], span[1], prefix, suffix), distance, span[0])

    return min(spans, key=key)


# --------------------------------------------------------------------------
# Exact and lenient search


def _occurrences(text: str, needle: str, limit: int | None = None) -> list[int]:
    """Start offsets of every (possibly overlapping) occurrence of ``needle``."""
    found = []
    i = text.find(needle)
    while i != -1:
        found.append(i)
        if limit is not None and len(found) > limit:
            break
        i = text.find(needle, i + 1)
    return found


class _Normalised:
    """A text with gaps collapsed, quotes/dashes folded and case lowered,
    remembering where each of its characters came from."""

    __slots__ = ("text", "_norm_starts", "_src_starts")

    def __init__(self, source: str) -> None:
        folded = source.translate(_FOLD)
        lowered = folded.lower()
        if len(lowered) == len(folded):  # lower() keeps offsets for nearly every text
            folded = lowered
        pieces: list[str] = []
        norm_starts: list[int] = []
        src_starts: list[int] = []
        pos = 0
        npos = 0
        for gap in _GAP.finditer(folded):
            if gap.start() > pos:
                norm_starts.append(npos)
                src_starts.append(pos)
                pieces.append(folded[pos : gap.start()])
                npos += gap.start() - pos
            if _HAS_SPACE.search(gap.group()):
                norm_starts.append(npos)
                src_starts.append(gap.start())
                pieces.append(" ")
                npos += 1
            pos = gap.end()
        if pos < len(folded):
            norm_starts.append(npos)
            src_starts.append(pos)
            pieces.append(folded[pos:])
        self.text = "".join(pieces)
        self._norm_starts = norm_starts
        self._src_starts = src_starts

    def source_offset(self, i: int) -> int:
        k = bisect_right(self._norm_starts, i) - 1
        return self._src_starts[k] + (i - self._norm_starts[k])


def _normalise_quote(exact: str) -> str:
    return _Normalised(exact).text.strip()


def find_quote(
    text: str,
    exact: str,
    prefix: str = "",
    suffix: str = "",
    near: int | None = None,
) -> tuple[int, int] | None:
    """Where ``exact`` occurs in ``text``, as ``(start, end)``, or ``None``.

    Of several occurrences the one whose surroundings best match ``prefix`` and
    ``suffix`` wins; of equally good ones the nearest to ``near`` (or else the
    first).  When the quote does not occur exactly, it is looked for again
    with runs of whitespace treated as one space, typographic quotes and
    dashes as plain ones, and case ignored — the span returned is then the
    one in ``text``, which may differ from ``exact`` in those ways.
    """
    if not exact:
        return None
    spans = [(i, i + len(exact)) for i in _occurrences(text, exact)]
    if spans:
        return _best(text, spans, prefix, suffix, near)

    needle = _normalise_quote(exact)
    if not needle:
        return None
    haystack = _Normalised(text)
    spans = []
    for i in _occurrences(haystack.text, needle):
        start = haystack.source_offset(i)
        end = haystack.source_offset(i + len(needle) - 1) + 1
        spans.append((start, end))
    return _best(text, spans, prefix, suffix, near)


# --------------------------------------------------------------------------
# Approximate search (Myers 1999, Hyyrö's formulation)


def _myers(pattern: str, text: str, anchored: bool = False) -> list[int]:
    """Edit distances of ``pattern`` against text ending at each position.

    Element ``j`` of the result is the smallest edit distance between
    ``pattern`` and a substring of ``text`` ending just after ``text[j]``.
    With ``anchored`` the substring must start at ``text[0]``, so element
    ``j`` is the edit distance to ``text[: j + 1]``.
    """
    m = len(pattern)
    peq: dict[str, int] = {}
    bit = 1
    for c in pattern:
        peq[c] = peq.get(c, 0) | bit
        bit <<= 1
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    carry = 1 if anchored else 0
    pv, mv, score = mask, 0, m
    scores = []
    append = scores.append
    get = peq.get
    for c in text:
        eq = get(c, 0)
        xv = eq | mv
        xh = ((((eq & pv) + pv) & mask) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | carry) & mask
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
        append(score)
    return scores


def _local_minima(scores: list[int], limit: int) -> list[tuple[int, int]]:
    """``(distance, index)`` of the local minima of ``scores`` within ``limit``."""
    found = []
    n = len(scores)
    for j, s in enumerate(scores):
        if s > limit:
            continue
        if j > 0 and scores[j - 1] <= s:
            continue
        # A plateau counts once, at its left end; it must not lead downhill.
        k = j + 1
        while k < n and scores[k] == s:
            k += 1
        if k < n and scores[k] < s:
            continue
        found.append((s, j))
    return found


def _start_for_end(text: str, exact: str, end: int, limit: int) -> tuple[int, int]:
    """Best start for a match of ``exact`` that ends at ``end``: (start, distance)."""
    lo = max(0, end - len(exact) - limit)
    scores = _myers(exact[::-1], text[lo:end][::-1], anchored=True)
    m = len(exact)
    best_t = min(range(len(scores)), key=lambda t: (scores[t], abs(t + 1 - m)))
    return end - (best_t + 1), scores[best_t]


def _seed_starts(text: str, quote: TextQuoteSelector) -> list[int]:
    """Likely start offsets of an edited quote, from pieces that still occur."""
    exact = quote.exact
    m = len(exact)
    seeds: list[tuple[str, int]] = []  # (piece, offset of the quote start relative to it)
    size = max(6, min(32, m // 6))
    if m > size:
        offsets = list(range(0, m - size + 1, size))
        if offsets[-1] != m - size:
            offsets.append(m - size)
        if len(offsets) > _MAX_SEEDS:
            step = len(offsets) / _MAX_SEEDS
            offsets = [offsets[int(i * step)] for i in range(_MAX_SEEDS)]
        seeds.extend((exact[o : o + size], -o) for o in offsets)
    prefix = quote.prefix[-16:]
    if len(prefix) >= 6:
        seeds.append((prefix, len(prefix)))
    suffix = quote.suffix[:16]
    if len(suffix) >= 6:
        seeds.append((suffix, -m))
    starts = []
    for piece, shift in seeds:
        hits = _occurrences(text, piece, limit=_MAX_SEED_HITS)
        if len(hits) > _MAX_SEED_HITS:
            continue  # too common to say anything
        starts.extend(h + shift for h in hits)
    return starts


def _windows(text: str, quote: TextQuoteSelector, expected: int, limit: int) -> list[tuple[int, int]]:
    """Merged ``(lo, hi)`` ranges of ``text`` worth scanning for the quote."""
    m = len(quote.exact)
    starts = _seed_starts(text, quote)
    # Cluster seed starts that agree within the edit allowance; more votes first.
    starts.sort()
    clusters: list[list[int]] = []
    for s in starts:
        if clusters and s - clusters[-1][-1] <= limit + 8:
            clusters[-1].append(s)
        else:
            clusters.append([s])
    ranked = sorted(clusters, key=lambda c: (-len(c), abs(c[0] - expected)))
    pad = limit + 16
    ranges = [(expected - pad, expected + m + pad)]
    for cluster in ranked[: _MAX_WINDOWS - 1]:
        lo, hi = cluster[0], cluster[-1]
        if hi - lo > 2 * m:  # a long chain of agreeing pieces: look at its middle
            lo = hi = cluster[len(cluster) // 2]
        ranges.append((lo - pad, hi + m + pad))
    ranges = sorted((max(0, lo), min(len(text), hi)) for lo, hi in ranges)
    merged: list[tuple[int, int]] = []
    for lo, hi in ranges:
        if lo >= hi:
            continue
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _fuzzy(
    text: str,
    quote: TextQuoteSelector,
    expected: int,
    full_scan_chars: int | None = None,
) -> tuple[int, int] | None:
    exact = quote.exact
    m = len(exact)
    limit = int(m * (1 - MIN_SIMILARITY) + 1e-9)
    if limit < 1 or not text:
        return None
    expected = min(max(expected, 0), len(text))
    if full_scan_chars is None:
        full_scan_chars = FULL_SCAN_CHARS
    if len(text) <= full_scan_chars:
        ranges = [(0, len(text))]
    else:
        ranges = _windows(text, quote, expected, limit)

    ends: list[tuple[int, int]] = []
    for lo, hi in ranges:
        scores = _myers(exact, text[lo:hi])
        ends.extend((d, lo + j + 1) for d, j in _local_minima(scores, limit))
    if not ends:
        return None
    ends.sort(key=lambda de: (de[0], abs(de[1] - m - expected)))
    candidates = []
    for _d, end in ends[:_MAX_CANDIDATES]:
        start, d = _start_for_end(text, exact, end, limit)
        if d <= limit and start < end:
            candidates.append((d, start, end))
    if not candidates:
        return None

    def key(c: tuple[int, int, int]) -> tuple[int, float, int]:
        d, start, end = c
        context = _context_score(text, start, end, quote.prefix, quote.suffix)
        return (d, -context, abs(start - expected))

    _d, start, end = min(candidates, key=key)
    return start, end


# --------------------------------------------------------------------------
# Re-anchoring


def reanchor(
    text: str, quote: TextQuoteSelector, position: TextPositionSelector
) -> tuple[int, int] | None:
    """Place an annotation on ``text``: ``(start, end)``, or ``None`` if orphaned.

    The stored position wins when the text there is still the exact quote and
    its context is unchanged.  Otherwise the exact quote is looked for (see
    :func:`find_quote`; the old position breaks ties, so it still wins unless
    another occurrence has a better context), and failing that an approximate
    match with similarity of at least :data:`MIN_SIMILARITY`.
    """
    exact = quote.exact
    if not exact:
        return None
    start, end = position.start, position.end
    if (
        0 <= start < end <= len(text)
        and text[start:end] == exact
        and text[max(0, start - len(quote.prefix)) : start] == quote.prefix
        and text[end : end + len(quote.suffix)] == quote.suffix
    ):
        return start, end
    found = find_quote(text, exact, quote.prefix, quote.suffix, near=start)
    if found is not None:
        return found
    return _fuzzy(text, quote, start)
