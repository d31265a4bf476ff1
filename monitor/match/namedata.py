"""Name knowledge from real data: is a word a given name, and is it a very common name.

The table `data/names.txt.gz` is derived from names-dataset (MIT; first and last names
with per-country ranks from 491M public profiles in 105 countries) by
tools/build_name_table.py and ships with the package: nothing is downloaded at run
time. names-dataset itself takes 1.9 GB and 15 s to load; this table (0.66 MB on disk)
adds about 5 MB and 0.05 s per process (docs/matching.md, "Name knowledge").
"""

from __future__ import annotations

import gzip
from functools import cache, lru_cache
from importlib import resources


@cache
def _table() -> tuple[str, str, frozenset[str], frozenset[str]]:
    """Given names and all name words as sorted newline-delimited strings (compact: ~0.6
    and 1.1 MB, where sets of ~100,000 strings would take ~10 MB per worker), and the
    very common (rank <= 10 somewhere) and common (<= 100) words as sets."""
    raw = resources.files(__package__).joinpath("data", "names.txt.gz").read_bytes()
    given, words, very, common = gzip.decompress(raw).decode("utf-8").split("\n%\n")
    return (
        f"\n{given}\n",
        f"\n{words}\n",
        frozenset(very.split("\n")),
        frozenset(common.split()),
    )


def _in_sorted(blob: str, key: str) -> bool:
    """Binary search for a whole line `key` in a newline-delimited, sorted blob."""
    lo, hi = 0, len(blob) - 1  # blob[lo] and blob[hi] are newlines
    while lo < hi:
        mid = blob.rfind("\n", lo, (lo + hi) // 2 + 1)
        if mid <= lo:
            mid = blob.find("\n", lo + 1)
            if mid >= hi:
                return blob[lo + 1 : hi] == key
        end = blob.find("\n", mid + 1)
        word = blob[mid + 1 : end]
        if word == key:
            return True
        if word < key:
            lo = end
        else:
            hi = mid
    return False


@lru_cache(maxsize=20_000)
def is_given(key: str) -> bool:
    """A folded word is mostly a given name somewhere ("gregorio", "marisol"; not "silva")."""
    return bool(key) and _in_sorted(_table()[0], key)


def very_common(key: str) -> bool:
    """A folded word is among the most frequent first or last names of some country."""
    return key in _table()[2]


def common(key: str) -> bool:
    """A folded word is among the 100 most frequent first or last names of some country."""
    return key in _table()[3]


@cache
def _ordinary_words() -> frozenset[str]:
    """Name words that are also everyday words (data/words.txt.gz, from wordfreq by
    tools/build_word_table.py): about 2,000 words, 5 KB on disk, ~0.2 MB in memory."""
    raw = resources.files(__package__).joinpath("data", "words.txt.gz").read_bytes()
    return frozenset(gzip.decompress(raw).decode("utf-8").split("\n"))


def ordinary(key: str) -> bool:
    """A folded name word is also a frequent everyday word in English, Spanish, Portuguese
    or French (at least 10 uses per million words: "stone", "torre", "branco", "rua"),
    and not a given name (rule ordinary-word)."""
    return key in _ordinary_words()


@lru_cache(maxsize=20_000)
def known(key: str) -> bool:
    """A folded word is a first or last name ranked within 1,000 somewhere, or a given name."""
    return bool(key) and _in_sorted(_table()[1], key)


_ARTICLES = frozenset({"al", "el", "ul"})


@lru_cache(maxsize=20_000)
def frequent(key: str, given: bool, russian: bool = False) -> bool:
    """A folded word is among the 100 most frequent names of some country (as a given name
    too, when `given`: "Dixon" is a frequent surname, not a frequent first name), or says
    nothing. Words of a Russian name (`russian`) are looked up in every romanization.

    Used for two-word forms (rule frequent-names): "Dmitry Sokolov", "Liam O'Connor" are
    thousands of people although neither word is top 10. An Arabic article ("al", "el")
    or a lone "Abd" prefix weighs nothing, and an "Abd"-name is as frequent as its second
    half ("Abdelkarim" as "Karim"): the data splits those across a dozen spellings.
    """
    from .translit import abd_rest, is_abd, spellings

    if key in _ARTICLES or is_abd(key):
        return True
    rest = abd_rest(key) or key
    if rest[:2] in _ARTICLES and len(rest) > 5 and common(rest[2:]):
        rest = rest[2:]  # a glued article: "Elidrissi" is as frequent as "Idrissi"
    # Any romanization counts: the table ranks "Evgenii" (anyascii of Евгений), not "Yevgeny".
    forms = spellings(rest) if russian else [rest]
    return any(common(form) and (not given or is_given(form)) for form in forms)
