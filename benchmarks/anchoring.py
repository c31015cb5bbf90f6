"""Re-anchoring speed on a 100 KB text, beside a plain exact search as reference.

    python benchmarks/anchoring.py
"""

from __future__ import annotations

import random
import statistics
import time

from broadsheet.anchoring import build_selectors, reanchor

WORDS = ("the council harbour wall vote engineers said would take three years cost "
         "less than feared budget review police reform plan tuesday minutes").split()


def text_of(size: int, seed: int) -> str:
    rng = random.Random(seed)
    words = []
    while sum(map(len, words)) + len(words) < size:
        words.append(rng.choice(WORDS))
    return " ".join(words)[:size]


def timed(fn, repeat: int = 20) -> float:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples) * 1000


def main() -> None:
    text = text_of(100_000, 7)
    start, end = 60_000, 60_300
    quote, position = build_selectors(text, start, end)
    exact = quote.exact
    edited = exact[:40] + "NEW WORDS" + exact[50:200] + exact[205:]
    shifted = text[:500] + "Inserted paragraph. " * 50 + text[500:start] + edited + text[end:]
    removed = text[:start] + text[end:]
    rows = [
        ("reference: str.find of the quote", timed(lambda: shifted.find(exact))),
        ("reanchor, unchanged text", timed(lambda: reanchor(text, quote, position))),
        ("reanchor, shifted + edited quote", timed(lambda: reanchor(shifted, quote, position))),
        ("reanchor, quote removed (orphan)", timed(lambda: reanchor(removed, quote, position))),
    ]
    print(f"{'case (100 KB text)':<40} {'median ms':>10}")
    for label, ms in rows:
        print(f"{label:<40} {ms:>10.2f}")


if __name__ == "__main__":
    main()
