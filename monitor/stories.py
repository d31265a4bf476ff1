"""Story identity: near-identical texts (syndicated copies) share one story.

A 64-bit simhash finds candidates cheaply; the overlap of the two texts' word 3-grams
decides. Wire copies differ by a headline, a dateline, an editor's note, a trimmed
last paragraph: enough to move a simhash of a short article by 8-12 bits.
"""

from __future__ import annotations

import hashlib
import re

_WORD = re.compile(r"\w+", re.UNICODE)
BITS = 64
CANDIDATE_DISTANCE = 20  # unrelated texts sit near 32 bits apart
SAME_STORY_OVERLAP = 0.6  # share of the shorter text's 3-grams found in the other
MIN_SHINGLES = 20  # below this a text is too short to call two stories the same


def shingles(text: str) -> set[str]:
    words = [w.casefold() for w in _WORD.findall(text)]
    return {" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))}


def fingerprint(text: str) -> int:
    """64-bit simhash over word 3-grams; close fingerprints mean similar texts."""
    weights = [0] * BITS
    for shingle in shingles(text):
        h = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")
        for bit in range(BITS):
            weights[bit] += 1 if h >> bit & 1 else -1
    return sum(1 << bit for bit in range(BITS) if weights[bit] > 0)


def maybe_same_story(a: int, b: int) -> bool:
    return (a ^ b).bit_count() <= CANDIDATE_DISTANCE


def same_story(text_a: str, text_b: str) -> bool:
    """True when most of the shorter text's word 3-grams appear in the other."""
    a, b = shingles(text_a), shingles(text_b)
    if min(len(a), len(b)) < MIN_SHINGLES:
        return False
    return len(a & b) / min(len(a), len(b)) >= SAME_STORY_OVERLAP
