"""Story fingerprints: near-identical texts (syndicated copies) share one story."""

from __future__ import annotations

import hashlib
import re

_WORD = re.compile(r"\w+", re.UNICODE)
BITS = 64
# Syndicated copies differ by a headline, an editor's note or a byline: a few bits.
SAME_STORY_DISTANCE = 6


def fingerprint(text: str) -> int:
    """64-bit simhash over word 3-grams; close fingerprints mean near-identical texts."""
    words = [w.casefold() for w in _WORD.findall(text)]
    shingles = [" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))]
    weights = [0] * BITS
    for shingle in shingles:
        h = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")
        for bit in range(BITS):
            weights[bit] += 1 if h >> bit & 1 else -1
    return sum(1 << bit for bit in range(BITS) if weights[bit] > 0)


def same_story(a: int, b: int) -> bool:
    return (a ^ b).bit_count() <= SAME_STORY_DISTANCE
