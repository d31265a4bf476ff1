"""Watchlist -> lookup tables, so matching cost does not grow with the number of people.

- `vocab`: every folded name token -> a small integer id.
- `pairs`: (id_a, id_b) -> names with token a before token b (any two parts in name
  order, or a surname before a given name for "HERNÁNDEZ ROMERO, Andry"). A text
  location becomes a candidate only when two neighbouring words form such a pair, so a
  single common word ("José", "Romero") never costs a verification.
- `deletes`: SymSpell-style symmetric-delete table for typo lookup (one deletion for
  tokens of 3+ letters, two for 8+), confirmed with rapidfuzz Levenshtein.

The tables are flat integer arrays (`Postings`, `NameTable`), not millions of small
Python objects: they are quick to build, to save and load (cache.py), and the cyclic
garbage collector has next to nothing to scan (with lists, 50,000 people cost 0.45 s of
collections during the first 300 articles). Parsed names and context phrases are made
on first use, for the few people a text proposes.
"""

from __future__ import annotations

import gc
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate, chain, combinations
from typing import Generic, TypeVar

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
# NameModel flags, one byte per name.
ALIAS, CONNECTOR, TRANSLIT = 1, 2, 4
K = TypeVar("K", int, str)


@dataclass
class Phrase:
    """A context or exclude word of a person, as folded tokens."""

    text: str
    keys: tuple[str, ...]


class Postings(Generic[K]):
    """key -> a run of ints in one flat array (what dict[key, list[int]] holds, as three objects)."""

    __slots__ = ("slots", "starts", "values")

    def __init__(self, slots: dict[K, int], starts: array, values: array):
        self.slots = slots  # key -> slot; slot k's values are values[starts[k]:starts[k + 1]]
        self.starts = starts
        self.values = values

    @classmethod
    def from_lists(cls, lists: dict[K, list[int]]) -> Postings[K]:
        starts = array("i", [0])
        starts.extend(accumulate(map(len, lists.values())))
        values = array("i", chain.from_iterable(lists.values()))
        return cls(dict(zip(lists, range(len(lists)), strict=True)), starts, values)

    def get(self, key: K, default: Sequence[int] = ()) -> Sequence[int]:
        slot = self.slots.get(key)
        if slot is None:
            return default
        return self.values[self.starts[slot] : self.starts[slot + 1]]

    def __getitem__(self, key: K) -> Sequence[int]:
        slot = self.slots[key]
        return self.values[self.starts[slot] : self.starts[slot + 1]]

    def __contains__(self, key: object) -> bool:
        return key in self.slots

    def __len__(self) -> int:
        return len(self.slots)

    def __bool__(self) -> bool:
        return bool(self.slots)


class NameTable(Sequence[NameModel]):
    """Every parsed name as arrays; `table[i]` builds (once) the NameModel of name i."""

    def __init__(self, keys: list[str], texts: list[str], person: array, flags: bytes,
                 part_starts: array, part_vid: array, part_role: bytes, part_unit: array, part_common: bytes):
        self.keys = keys  # vocab id -> folded token (the Watchlist's `keys`)
        self.texts = texts
        self.person = person
        self.flags = flags
        self.part_starts = part_starts  # name i's parts are part_*[part_starts[i]:part_starts[i + 1]]
        self.part_vid = part_vid
        self.part_role = part_role  # b"g" or b"s" per part
        self.part_unit = part_unit
        self.part_common = part_common  # 0 or 1 per part
        self._made: dict[int, NameModel] = {}

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        made = self._made.get(index)
        if made is None:
            if index < 0:
                index += len(self)
            made = self._made[index] = self._make(index)
        return made

    def __iter__(self) -> Iterator[NameModel]:
        return (self[i] for i in range(len(self)))

    def _make(self, i: int) -> NameModel:
        parts = tuple(
            Part(self.keys[self.part_vid[k]], chr(self.part_role[k]), self.part_unit[k], bool(self.part_common[k]))
            for k in range(self.part_starts[i], self.part_starts[i + 1])
        )
        flags = self.flags[i]
        return NameModel(self.person[i], self.texts[i], bool(flags & ALIAS), parts, bool(flags & CONNECTOR),
                         "translit" if flags & TRANSLIT else "")


class PhraseTable(Sequence[tuple[Phrase, ...]]):
    """Per person, their context (or exclude) words as phrases, made on first use."""

    def __init__(self, people: tuple[Person, ...], attribute: str, seen: dict[str, Phrase | None]):
        self._people = people
        self._attribute = attribute
        self._seen = seen  # shared by both tables and all people ("CECOT")
        self._made: dict[int, tuple[Phrase, ...]] = {}

    def __len__(self) -> int:
        return len(self._people)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        made = self._made.get(index)
        if made is None:
            made = self._made[index] = _phrases(getattr(self._people[index], self._attribute), self._seen)
        return made


class ByPerson(Sequence[range]):
    """Person index -> the indexes of their names (contiguous: names are made person by person)."""

    def __init__(self, starts: array):
        self.starts = starts  # person p's names are starts[p]..starts[p + 1] - 1

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        return range(self.starts[index], self.starts[index + 1])


@dataclass
class Watchlist:
    """The compiled watchlist: people, their parsed names, and the lookup tables."""

    people: tuple[Person, ...]
    names: NameTable
    vocab: dict[str, int]
    pairs: Postings[int]  # pair key -> name indexes
    deletes: Postings[str]  # deletion variant -> vocab ids
    singles: dict[int, tuple[int, ...]]  # vocab id -> names made of that one token
    context: PhraseTable  # per person
    exclude: PhraseTable  # per person
    keys: list[str]  # vocab id -> folded token
    common_keys: frozenset[str] = frozenset()
    # Person index -> indexes of their names in `names` (per-article rules look up the
    # few people mentioned, never scan every watched name).
    by_person: ByPerson = field(default_factory=lambda: ByPerson(array("i", [0])))
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


def compile_watchlist(people: Sequence[Person]) -> Watchlist:
    """Parse every person's name and aliases and build the lookup tables."""
    # Building allocates many small containers and frees none of them till the end: the
    # cyclic garbage collector would rescan them all, again and again, for nothing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return assemble(tuple(people), compile_tables(tuple(people)))
    finally:
        if enabled:
            gc.enable()


@dataclass
class Tables:
    """Everything compile_watchlist derives from the names and aliases: what cache.py saves."""

    keys: list[str]
    texts: list[str]
    name_person: array
    name_flags: bytes
    person_starts: array
    part_starts: array
    part_vid: array
    part_role: bytes
    part_unit: array
    part_common: bytes
    pairs: Postings[int]
    deletes: Postings[str]
    singles: dict[int, tuple[int, ...]]
    common_keys: frozenset[str]


def _parse_all(people: tuple[Person, ...]) -> list[NameModel]:
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
    return names


def compile_tables(people: tuple[Person, ...]) -> Tables:
    """Parse every name and build the lookup tables as flat arrays."""
    names = _parse_all(people)
    counts = Counter(key for name in names if not name.alias for key in {p.key for p in name.parts})
    threshold = max(_COMMON_MIN, int(_COMMON_SHARE * len(people)))
    common = frozenset(k for k, c in counts.items() if c >= threshold and k not in COMMON_NAMES)

    vocab: dict[str, int] = {}
    pairs: dict[int, list[int]] = {}
    singles: dict[int, list[int]] = {}
    person_starts = array("i", [0]) * (len(people) + 1)
    name_ids: list[list[int]] = []
    for n_index, name in enumerate(names):
        person_starts[name.person + 1] = n_index + 1
        ids = [vocab.setdefault(p.key, len(vocab)) for p in name.parts]
        name_ids.append(ids)
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
        first_given = next((k for k, p in enumerate(name.parts) if p.role == "g"), None)
        first_surname = next((k for k, p in enumerate(name.parts) if p.role == "s"), None)
        if first_given is not None and first_surname is not None:
            # "J.-C. Essono", "N. A. Haddad": an initial has no vocabulary id, so the first
            # given name's letter and the first surname make a pair of their own.
            keys.add(initial_key(name.parts[first_given].key[0], ids[first_surname]))
        for key in keys:
            pairs.setdefault(key, []).append(n_index)
    parts = [p for name in names for p in name.parts]
    part_starts = array("i", [0])
    part_starts.extend(accumulate(len(name.parts) for name in names))
    # Commonness the watchlist itself says (a token many watched names carry) joins the built-in one.
    part_common = bytes(p.common or p.key in common for p in parts)
    flags = bytes(ALIAS * n.alias | CONNECTOR * n.connector | TRANSLIT * (n.origin == "translit") for n in names)
    for person in range(1, len(people) + 1):  # someone whose name parses to nothing owns no names
        person_starts[person] = max(person_starts[person], person_starts[person - 1])

    texts, name_person = [n.text for n in names], array("i", (n.person for n in names))
    part_role, part_unit = "".join(p.role for p in parts).encode(), array("i", (p.unit for p in parts))
    # Each table is flattened as soon as it is complete and its lists freed: a 50,000-person
    # compile would otherwise peak tens of MB higher, in every process that compiles.
    part_vid = array("i", chain.from_iterable(name_ids))
    del names, parts, name_ids
    pair_postings = Postings.from_lists(pairs)
    del pairs
    return Tables(
        keys=list(vocab), texts=texts, name_person=name_person, name_flags=flags, person_starts=person_starts,
        part_starts=part_starts, part_vid=part_vid, part_role=part_role,
        part_unit=part_unit, part_common=part_common, pairs=pair_postings, deletes=_typo_table(vocab),
        singles={k: tuple(v) for k, v in singles.items()}, common_keys=common,
    )


def _typo_table(vocab: dict[str, int]) -> Postings[str]:
    """Deletion variant -> ids of the vocabulary words it comes from."""
    deletes: dict[str, list[int]] = {}
    for key, vid in vocab.items():
        for variant in deletions(key, delete_depth(len(key))):
            deletes.setdefault(variant, []).append(vid)
    return Postings.from_lists(deletes)


def assemble(people: tuple[Person, ...], t: Tables) -> Watchlist:
    """The Watchlist over compiled (or loaded) tables."""
    phrases: dict[str, Phrase | None] = {}
    return Watchlist(
        people=people,
        names=NameTable(t.keys, t.texts, t.name_person, t.name_flags, t.part_starts, t.part_vid, t.part_role,
                        t.part_unit, t.part_common),
        vocab={key: vid for vid, key in enumerate(t.keys)},
        pairs=t.pairs,
        deletes=t.deletes,
        singles=t.singles,
        context=PhraseTable(people, "context", phrases),
        exclude=PhraseTable(people, "exclude", phrases),
        keys=t.keys,
        common_keys=t.common_keys,
        by_person=ByPerson(t.person_starts),
    )


def pair_key(a: int, b: int) -> int:
    return a * _SHIFT + b


def initial_key(letter: str, b: int) -> int:
    """Pair key of a given name's initial and a surname id (negative: no clash with pair_key)."""
    return -(ord(letter) * _SHIFT + b) - 1
