"""Text tokens -> watchlist vocabulary ids (exact, or within a typo budget) and candidates."""

from __future__ import annotations

import re

from rapidfuzz.distance import OSA

from .index import Watchlist, delete_depth, deletions, initial_key, pair_key
from .names import COMMON_NAMES, CONNECTORS
from .normalize import GLUE_BREAK, Token
from .translit import same_spelling

_FUZZY_CACHE_MAX = 200_000
# No name word is longer; a longer "word" is a URL, a hash or a pasted blob, and its typo
# variants cost ~L² (a 1,500-letter token took 4 s and 1.7 GB). Exact lookup still applies.
MAX_TYPO_TOKEN = 40
# Typo lookups not answered by the cache, per text: an article needs a few hundred; a
# pasted blob of random words would cost seconds. Past it only exact name words count.
MAX_TYPO_LOOKUPS = 2_000
_HAS_DIGIT = re.compile(r"\d")
# Abbreviations of name words the press uses ("Jean-Robert St-Fleur", "Ma. Sta. Cruz"):
# read as the whole word, no edit.
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sta": "santa", "sto": "santo", "fco": "francisco",
                 "gpe": "guadalupe", "jhr": "jhonny"}
# How far a candidate pair may reach over particles and initials: "María de la Cruz",
# "Andry J. Hernández".
_MAX_SKIP = 3
# Name words this short get no typo budget, except one slip inside a full name.
SHORT = 4


def edit_budget(length: int) -> int:
    """Edits allowed between two tokens, by the longer one's length (rigour's budget)."""
    if length <= 4:
        return 0
    if length <= 7:
        return 1
    if length <= 14:
        return 2
    return 3


def token_edits(text_key: str, name_key: str, common: bool) -> int | None:
    """Edits (OSA: a swap of neighbours is one) between a text word and a name token, or None.

    A different first letter counts one extra edit, and very common names get one edit
    less: "Fernández" is a real surname, not a typo of "Hernández".
    """
    if same_spelling(text_key, name_key):
        return 0  # "Dmitriy" for Dmitry, "Vázquez" for Vásquez: no edit (spelling-variant)
    budget = edit_budget(max(len(text_key), len(name_key))) - (1 if common else 0)
    if budget <= 0:
        return 0 if text_key == name_key else short_typo(text_key, name_key)
    extra = 1 if text_key[0] != name_key[0] else 0
    dist = OSA.distance(text_key, name_key, score_cutoff=budget)
    return dist + extra if dist + extra <= budget else None


def short_typo(text_key: str, name_key: str) -> int | None:
    """1 for a one-letter slip in a 3-4 letter name word ("Soza" for Sosa, "Ely" for Eli),
    same first letter; classify.py accepts it only inside the full name (rule typo-short)."""
    if not (3 <= len(text_key) <= SHORT and 3 <= len(name_key) <= SHORT) or text_key[0] != name_key[0]:
        return None
    return 1 if OSA.distance(text_key, name_key, score_cutoff=1) == 1 else None


def fuzzy_ids(key: str, watchlist: Watchlist) -> tuple[tuple[int, int], ...]:
    """Vocabulary ids within the typo budget of a text word that is not itself a name."""
    cached = watchlist.fuzzy_cache.get(key)
    if cached is not None:
        return cached
    found: dict[int, int] = {}
    keys = watchlist.keys
    common = watchlist.common_keys
    for variant in deletions(key, delete_depth(len(key))):
        for vid in watchlist.deletes.get(variant, ()):
            if vid in found:
                continue
            name_key = keys[vid]
            edits = token_edits(key, name_key, name_key in COMMON_NAMES or name_key in common)
            if edits is not None and (edits > 0 or key != name_key):
                found[vid] = edits
    result = tuple(found.items())
    if len(watchlist.fuzzy_cache) < _FUZZY_CACHE_MAX:
        watchlist.fuzzy_cache[key] = result
    return result


def resolve(tokens: list[Token], watchlist: Watchlist) -> list[dict[int, int] | None]:
    """For each token: {vocab id: edits} it may stand for, or None when it is no name word.

    Typo lookup runs only for capitalized words of 3 to MAX_TYPO_TOKEN letters (no digits;
    for common names only spelling variants count), at most MAX_TYPO_LOOKUPS new ones per
    text: exact hits need no
    capital (headlines, lower-case text) and have no limit.
    """
    vocab = watchlist.vocab
    cache = watchlist.fuzzy_cache
    budget = MAX_TYPO_LOOKUPS
    out: list[dict[int, int] | None] = []
    for token in tokens:
        vid = vocab.get(token.key)
        if vid is None and token.key in ABBREVIATIONS:
            # "St-Fleur" for Saint-Fleur, "Sta." for Santa (rule abbreviation).
            vid = vocab.get(ABBREVIATIONS[token.key])
        found = None if vid is None else {vid: 0}
        # A watched token may still be a typo of another watched token (in a big
        # watchlist most spellings are somebody's name), so known tokens are looked up too.
        if (token.cap and 3 <= len(token.key) <= MAX_TYPO_TOKEN
                and not _HAS_DIGIT.search(token.key)):  # no name has digits; hashes and base64 do
            if token.key not in cache:
                if budget <= 0:
                    out.append(found)
                    continue
                budget -= 1
            hits = fuzzy_ids(token.key, watchlist)
            if token.key in COMMON_NAMES:
                # A real common name is no typo of another ("Fernández" is not Hernández),
                # but it may be the same name spelled otherwise ("Vázquez": spelling-variant).
                hits = tuple(h for h in hits if h[1] == 0)
            if hits:
                found = dict(hits) | (found or {})
        out.append(found)
    return out


def next_word(tokens: list[Token], i: int) -> int | None:
    """Index of the next token a name may continue with, over particles and initials."""
    j = i + 1
    skipped = 0
    while j < len(tokens) and tokens[j].glue != GLUE_BREAK:
        if not (tokens[j].particle or tokens[j].initial or tokens[j].key in CONNECTORS):
            return j
        skipped += 1
        if skipped > _MAX_SKIP:
            return None
        j += 1
    return None


def _after_initials(
    tokens: list[Token], ids: list[dict[int, int] | None], i: int, pairs
) -> list[tuple[int, int, int]]:
    """Names whose first given name starts with initial `i` and whose first surname is the
    word after the initials ("J.-C. Essono", "N. A. Haddad")."""
    j = next_word(tokens, i)
    if j is None or ids[j] is None or any(not t.initial for t in tokens[i + 1 : j]):
        return []
    return [(n_index, i, j) for b in ids[j] for n_index in pairs.get(initial_key(tokens[i].key, b), ())]


def candidates(
    tokens: list[Token], ids: list[dict[int, int] | None], watchlist: Watchlist
) -> list[tuple[int, int, int]]:
    """(name index, first token, second token) for every neighbouring pair in the pair index."""
    found = []
    pairs = watchlist.pairs
    for i, here in enumerate(ids):
        if here is None:
            if tokens[i].initial and (i == 0 or not tokens[i - 1].initial or tokens[i].glue == GLUE_BREAK):
                found += _after_initials(tokens, ids, i, pairs)
            continue
        j = next_word(tokens, i)
        if j is None or ids[j] is None:
            continue
        for a in here:
            for b in ids[j]:
                for n_index in pairs.get(pair_key(a, b), ()):
                    found.append((n_index, i, j))
    return found
