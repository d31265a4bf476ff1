"""What surrounds a mention: context and exclude words within reach, and the snippet."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .index import Phrase
from .normalize import Token

REACH = 300  # characters either side of a mention in which a context word counts
SNIPPET_REACH = 200
_SENTENCE_END = re.compile(r"[.!?…][\"”’»)]*\s+|\n\s*\n")
_SPACE = re.compile(r"\s+")
_LAST_SPACE = re.compile(r"\s+(?=\S*$)")  # with endpos: the last gap before it


class KeyIndex:
    """Folded word -> token positions, built once per text and only when needed."""

    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self._where: dict[str, list[int]] | None = None

    def find(self, phrase: Phrase) -> list[tuple[int, int]]:
        """Character spans where the phrase occurs as whole words."""
        if self._where is None:
            self._where = {}
            for i, token in enumerate(self.tokens):
                self._where.setdefault(token.key, []).append(i)
        spans = []
        n = len(phrase.keys)
        for i in self._where.get(phrase.keys[0], ()):
            window = self.tokens[i : i + n]
            if len(window) == n and all(t.key == k for t, k in zip(window, phrase.keys, strict=True)):
                spans.append((window[0].start, window[-1].end))
        return spans


def phrases_near(
    phrases: Sequence[Phrase], index: KeyIndex, start: int, end: int, title_keys: set[str]
) -> list[str]:
    """Which of `phrases` occur within REACH characters of [start, end), or in the headline."""
    found = []
    for phrase in phrases:
        if all(k in title_keys for k in phrase.keys):
            found.append(phrase.text)
            continue
        for a, b in index.find(phrase):
            if a < end + REACH and b > start - REACH and not (a >= start and b <= end):
                found.append(phrase.text)
                break
    return found


def snippet(text: str, start: int, end: int) -> str:
    """The sentence around [start, end), at most about SNIPPET_REACH characters each side."""
    left = max(0, start - SNIPPET_REACH)
    head = ""
    sentences = list(_SENTENCE_END.finditer(text, left, start))
    if sentences:
        left = sentences[-1].end()
    elif left > 0:
        # Mid-sentence: start at the next word, never inside one, and say the text goes on.
        space = _SPACE.search(text, left, start)
        left, head = (space.end() if space else start), "… "
    right = min(len(text), end + SNIPPET_REACH)
    tail = ""
    m = _SENTENCE_END.search(text, end, right)
    if m:
        right = m.start() + 1
    elif right < len(text):
        space = _LAST_SPACE.search(text, end, right)
        right, tail = (space.start() if space else right), " …"
    return head + " ".join(text[left:right].split()) + tail
