"""A watched name -> its parts (given names, surnames) in order, ready for matching.

Only a flat string is configured, so the structure is guessed the way Spanish and
English names are written: "HERNÁNDEZ ROMERO, Andry José" (surnames before a comma);
otherwise with three or more words the last two are surnames (paternal, maternal)
unless the second-to-last is a known given name ("John Michael Smith").
Hyphenated words stay one unit ("Jean-Pierre", "García-Iglesias").
"""

from __future__ import annotations

from dataclasses import dataclass

from .namedata import common, is_given, very_common
from .names import COMMON_GIVEN, COMMON_NAMES, COMMON_SURNAMES, CONNECTORS, PARTICLES, TITLES
from .normalize import GLUE_PUNCT, tokenize

# Generational suffixes are not surnames: "Patrick Carlineo Jr." is Patrick Carlineo.
_SUFFIXES = frozenset({"jr", "snr", "jnr", "ii", "iii", "iv"})


@dataclass(frozen=True)
class Part:
    """One token of a watched name."""

    key: str  # folded token
    role: str  # "g" given name or "s" surname
    unit: int  # which given name / surname (hyphenated words share a unit)
    common: bool  # a very common name: weak evidence on its own


@dataclass(frozen=True)
class NameModel:
    """One configured name (the person's `name` or one alias) split into ordered parts."""

    person: int  # index into Watchlist.people
    text: str  # as configured
    alias: bool
    parts: tuple[Part, ...]
    connector: bool  # the name contains "y"/"e" between surnames ("Ortega y Gasset")

    @property
    def given(self) -> tuple[Part, ...]:
        return tuple(p for p in self.parts if p.role == "g")

    @property
    def surnames(self) -> tuple[Part, ...]:
        return tuple(p for p in self.parts if p.role == "s")

    def describe(self) -> str:
        given = " ".join(p.key for p in self.given) or "-"
        surnames = " ".join(p.key for p in self.surnames) or "-"
        return f"given: {given} | surnames: {surnames}"


def _units(text: str) -> tuple[list[list[str]], bool]:
    """Folded words grouped into hyphen-joined units, without titles, particles, connectors."""
    units: list[list[str]] = []
    connector = False
    for token in tokenize(text):
        if token.key in PARTICLES:
            continue
        if token.key in CONNECTORS:
            connector = True
            continue
        if not units and token.key in TITLES and len(token.key) > 1:
            continue
        if units and token.key in _SUFFIXES:
            continue
        if units and token.glue == GLUE_PUNCT and text[token.start - 1] != ",":
            units[-1].append(token.key)
        else:
            units.append([token.key])
    return units, connector


def _surname_count(units: list[list[str]]) -> int:
    """How many trailing units are surnames, for a name written given-names-first."""
    if len(units) <= 2:
        return 1
    second_last = units[-2]
    key = second_last[0]
    given_like = key not in COMMON_SURNAMES and (key in COMMON_GIVEN or is_given(key))
    return 1 if len(second_last) == 1 and given_like else 2


def parse_name(text: str, person: int, alias: bool = False) -> NameModel | None:
    """Split one configured name into ordered given-name and surname parts."""
    if "," in text:
        family, _, given_text = text.partition(",")
        s_units, c1 = _units(family)
        g_units, c2 = _units(given_text)
        connector = c1 or c2
    else:
        units, connector = _units(text)
        n_surnames = min(_surname_count(units), len(units))
        g_units, s_units = units[: len(units) - n_surnames], units[len(units) - n_surnames :]
    parts = [
        Part(key, role, unit, very_common(key) or (key in COMMON_NAMES and common(key)))
        for role, group in (("g", g_units), ("s", s_units))
        for unit, words in enumerate(group)
        for key in words
    ]
    if not parts:
        return None
    return NameModel(person, text, alias, tuple(parts), connector)
