"""Watchlist -> lookup tables, so matching cost does not grow with the number of people.

- `vocab`: every folded name token -> a small integer id.
- `pairs`: (id_a, id_b) -> names with token a before token b (any two parts in name
  order, or a surname before a given name for "HERNÁNDEZ ROMERO, Andry"). A text
  location becomes a candidate only when two neighbouring words form such a pair, so a
  single common word ("José", "Romero") never costs a verification.
- `deletes`: SymSpell-style symmetric-delete table for typo lookup (one deletion for
  tokens of 3+ letters, two for 8+), confirmed with rapidfuzz Levenshtein.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations

from ..items import Person
from .forms import NameModel, Part, parse_name
from .names import COMMON_NAMES
from .normalize import tokenize
from .translit import variants

_SHIFT = 1 << 22  # pair key = id_a * _SHIFT + id_b (vocabularies stay far below 4M tokens)
# A token carried by this share of watched names (and at least _COMMON_MIN of them) is
# common in this watchlist, whatever the built-in lists say.
_COMMON_SHARE = 0.002
_COMMON_MIN = 25


@dataclass
class Phrase:
    """A context or exclude word of a person, as folded tokens."""

    text: str
    keys: tuple[str, ...]


@dataclass
class Watchlist:
    """The compiled watchlist: people, their parsed names, and the lookup tables."""

    people: tuple[Person, ...]
    names: list[NameModel]
    vocab: dict[str, int]
    pairs: dict[int, list[int]]  # pair key -> name indexes
    deletes: dict[str, list[int]]  # deletion variant -> vocab ids
    singles: dict[int, list[int]]  # vocab id -> names made of that one token
    context: list[tuple[Phrase, ...]]  # per person
    exclude: list[tuple[Phrase, ...]]  # per person
    keys: list[str]  # vocab id -> folded token
    common_keys: frozenset[str] = frozenset()
    # Person index -> indexes of their names in `names` (built once: per-article rules
    # look up the few people mentioned, never scan every watched name).
    by_person: list[list[int]] = field(default_factory=list)
    # Typo lookups of text words already seen (a watchlist lives for a whole crawl).
    fuzzy_cache: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)

    def names_of(self, person_index: int) -> list[NameModel]:
        return [self.names[i] for i in self.by_person[person_index]]


def deletions(word: str, depth: int) -> set[str]:
    """All strings made by deleting up to `depth` letters from `word`."""
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def delete_depth(length: int) -> int:
    """How many deletions the typo table holds for a token of this length."""
    return 2 if length >= 8 else 1 if length >= 3 else 0


def _phrases(words: Sequence[str], seen: dict[str, Phrase | None]) -> tuple[Phrase, ...]:
    """Context or exclude words as phrases; `seen` shares them across people ("CECOT")."""
    out = []
    for w in words:
        if w not in seen:
            keys = tuple(t.key for t in tokenize(w))
            seen[w] = Phrase(w, keys) if keys else None
        if seen[w] is not None:
            out.append(seen[w])
    return tuple(out)


def _with_commonness(names: list[NameModel], common: frozenset[str]) -> list[NameModel]:
    """Mark parts common when the watchlist itself says so."""
    if not common:
        return names
    out = []
    for name in names:
        if any(p.key in common and not p.common for p in name.parts):
            parts = tuple(Part(p.key, p.role, p.unit, p.common or p.key in common) for p in name.parts)
            name = NameModel(name.person, name.text, name.alias, parts, name.connector, name.origin)
        out.append(name)
    return out


def compile_watchlist(people: Sequence[Person]) -> Watchlist:
    """Parse every person's name and aliases and build the lookup tables."""
    # Building allocates millions of small containers and frees none of them: the cyclic
    # garbage collector would rescan them all, again and again, for nothing (50,000
    # people: 7.4 s with it, 4.0 s without).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _compile(tuple(people))
    finally:
        if enabled:
            gc.enable()


def _compile(people: tuple[Person, ...]) -> Watchlist:
    names: list[NameModel] = []
    for index, person in enumerate(people):
        configured = [(person.name, False)] + [(a, True) for a in person.aliases]
        for text, alias in configured:
            model = parse_name(text, index, alias)
            if model is not None:
                names.append(model)
        for text, _alias in configured:
            for spelling in variants(text):
                model = parse_name(spelling, index, alias=True)
                if model is not None:
                    names.append(replace(model, origin="translit"))
    counts = Counter(key for name in names if not name.alias for key in {p.key for p in name.parts})
    threshold = max(_COMMON_MIN, int(_COMMON_SHARE * len(people)))
    common = frozenset(k for k, c in counts.items() if c >= threshold and k not in COMMON_NAMES)
    names = _with_commonness(names, common)

    vocab: dict[str, int] = {}
    pairs: dict[int, list[int]] = {}
    singles: dict[int, list[int]] = {}
    for n_index, name in enumerate(names):
        ids = [vocab.setdefault(p.key, len(vocab)) for p in name.parts]
        if len(ids) == 1:
            singles.setdefault(ids[0], []).append(n_index)
            continue
        keys = set()
        for (i, a), (j, b) in combinations(enumerate(name.parts), 2):
            if a.role == "g" and b.role == "g":
                continue  # given names alone never make a mention
            keys.add(ids[i] * _SHIFT + ids[j])
            if a.role == "g" and b.role == "s":
                keys.add(ids[j] * _SHIFT + ids[i])  # surname-first listings
        for key in keys:
            pairs.setdefault(key, []).append(n_index)

    deletes: dict[str, list[int]] = {}
    for key, vid in vocab.items():
        for variant in deletions(key, delete_depth(len(key))):
            deletes.setdefault(variant, []).append(vid)

    phrases: dict[str, Phrase | None] = {}
    by_person: list[list[int]] = [[] for _ in people]
    for n_index, name in enumerate(names):
        by_person[name.person].append(n_index)

    return Watchlist(
        by_person=by_person,
        people=people,
        names=names,
        vocab=vocab,
        pairs=pairs,
        deletes=deletes,
        singles=singles,
        context=[_phrases(p.context, phrases) for p in people],
        exclude=[_phrases(p.exclude, phrases) for p in people],
        keys=list(vocab),
        common_keys=common,
    )


def pair_key(a: int, b: int) -> int:
    return a * _SHIFT + b

