"""Find mentions of watched people in text: the one entry point the pipeline calls.

First version: accent- and case-insensitive whole-token matching of each person's
name and aliases. Replaced by the full matcher behind the same two functions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ..items import Mention, Person

__all__ = ["Watchlist", "compile_watchlist", "find_mentions"]

_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)


def _fold(token: str) -> str:
    decomposed = unicodedata.normalize("NFKD", token.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Watchlist:
    people: tuple[Person, ...]
    # folded token tuple -> (person, form)
    forms: dict[tuple[str, ...], list[tuple[Person, str]]]
    longest: int


def compile_watchlist(people: Sequence[Person]) -> Watchlist:
    """Index every person's name and aliases by their folded tokens."""
    forms: dict[tuple[str, ...], list[tuple[Person, str]]] = {}
    for person in people:
        for text, form in [(person.name, "full")] + [(a, "alias") for a in person.aliases]:
            key = tuple(_fold(t) for t in _TOKEN.findall(text))
            if key:
                forms.setdefault(key, []).append((person, form))
    return Watchlist(tuple(people), forms, max((len(k) for k in forms), default=0))


def find_mentions(text: str, watchlist: Watchlist, *, title: str = "") -> list[Mention]:
    """Every place in `text` where a watched person's name or alias appears, whole-token."""
    tokens = [(m.start(), m.end(), _fold(m.group())) for m in _TOKEN.finditer(text)]
    mentions = []
    for i in range(len(tokens)):
        for n in range(min(watchlist.longest, len(tokens) - i), 0, -1):
            key = tuple(t[2] for t in tokens[i : i + n])
            for person, form in watchlist.forms.get(key, []):
                start, end = tokens[i][0], tokens[i + n - 1][1]
                mentions.append(
                    Mention(person, text[start:end], start, end, 100, form, snippet=_snippet(text, start, end))
                )
    return mentions


def _snippet(text: str, start: int, end: int, width: int = 160) -> str:
    left = max(0, start - width)
    right = min(len(text), end + width)
    return " ".join(text[left:right].split())
