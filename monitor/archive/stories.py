"""Story identity: near-identical texts (syndicated copies) share one story.

Each text gets a small sketch: the smallest hashes of its word 3-grams (bottom-k MinHash).
Texts whose sketches share a few values are candidates; the overlap of their 3-grams
decides. Wire copies differ by a headline, a dateline, an editor's note, a trimmed last
paragraph, and still share most 3-grams.
"""

from __future__ import annotations

import heapq
import re
import zlib

_WORD = re.compile(r"\w+", re.UNICODE)
SKETCH_SIZE = 8
CANDIDATE_SHARED_KEYS = 2  # of SKETCH_SIZE; unrelated texts share none
SAME_STORY_OVERLAP = 0.6  # share of the shorter text's 3-grams found in the other
MIN_SHINGLES = 20  # below this a text is too short to call two stories the same


def shingles(text: str) -> set[str]:
    words = [w.casefold() for w in _WORD.findall(text)]
    return {" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))}


def sketch(text: str) -> list[int]:
    """The SKETCH_SIZE smallest CRC-32s of the text's word 3-grams (stable across processes)."""
    return heapq.nsmallest(SKETCH_SIZE, {zlib.crc32(s.encode()) for s in shingles(text)})


def same_story(text_a: str, text_b: str) -> bool:
    """True when most of the shorter text's word 3-grams appear in the other."""
    a, b = shingles(text_a), shingles(text_b)
    if min(len(a), len(b)) < MIN_SHINGLES:
        return False
    return len(a & b) / min(len(a), len(b)) >= SAME_STORY_OVERLAP
