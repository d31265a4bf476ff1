"""Other people the text names with a watched surname: later short references are theirs.

"El diputado Luis Ernesto Téllez Romero ... Téllez Romero dijo" is about the deputy,
not a watched Andrés Téllez Romero; "su madre, Carmen Colmenares ... Colmenares contó"
is about the mother. Within one article a short form points back to the latest full
name it fits (Ravin & Kazi, "Is Hillary Rodham Clinton the President?"), so a short
form of a watched person whose latest fitting antecedent is someone else's name is
that person's, not a mention (rule other-person).
"""

from __future__ import annotations

from dataclasses import dataclass

from .forms import NameModel
from .index import Watchlist
from .namedata import is_given, known
from .names import COMMON_GIVEN, COMMON_NAMES, NOT_NAMES, TITLES
from .normalize import GLUE_BREAK, GLUE_SPACE, Token
from .score import opens_backrefs
from .verify import Candidate, is_unambiguous


@dataclass(frozen=True)
class NameRun:
    """A stretch of capitalized words joined by spaces (or hyphens): one written name."""

    first: int  # token indexes, inclusive
    last: int
    keys: tuple[str, ...]  # folded words, particles left out
    words: tuple[str, ...]  # folded words of every token first..last, particles included
    start: int  # character offsets
    end: int


def name_runs(tokens: list[Token], text: str, vocab: dict[str, int]) -> list[NameRun]:
    """Every run of two or more capitalized name words in the text.

    A capitalized word opening a sentence starts a run only if it is a known given name
    or a watched name word ("Later Téllez Romero said" names nobody new).
    """
    runs: list[NameRun] = []
    i, n = 0, len(tokens)
    while i < n:
        key = tokens[i].key
        if not _word(tokens[i]) or (_sentence_start(tokens, i) and not (key in vocab or is_given(key))):
            i += 1
            continue
        j = i
        while j + 1 < n and _joins(tokens, text, j + 1):
            j += 1
        while j > i and tokens[j].particle:
            j -= 1
        keys = tuple(t.key for t in tokens[i : j + 1] if not t.particle)
        if len(keys) >= 2:
            words = tuple(t.key for t in tokens[i : j + 1])
            runs.append(NameRun(i, j, keys, words, tokens[i].start, tokens[j].end))
        i = j + 1
    return runs


def _word(token: Token) -> bool:
    return token.cap and not token.particle and token.key not in NOT_NAMES and token.key not in TITLES


def _sentence_start(tokens: list[Token], i: int) -> bool:
    return i == 0 or tokens[i].glue == GLUE_BREAK


def _joins(tokens: list[Token], text: str, j: int) -> bool:
    token = tokens[j]
    if token.glue == GLUE_BREAK or "," in text[tokens[j - 1].end : token.start]:
        return False
    if token.particle:
        return j + 1 < len(tokens) and tokens[j + 1].glue == GLUE_SPACE and _word(tokens[j + 1])
    return _word(token)


def _given_word(key: str) -> bool:
    return key in COMMON_GIVEN or is_given(key)


def _name_word(key: str, watchlist: Watchlist) -> bool:
    return key in COMMON_NAMES or key in watchlist.vocab or known(key)


def is_other(
    run: NameRun, name: NameModel, watchlist: Watchlist, ids: list[dict[int, int] | None]
) -> str | None:
    """Why `run` names someone other than `name`'s person (None: it may be them).

    Other: a given name before the watched surname that is not this person's
    ("*Marisol* Quevedo", "*Luis Ernesto* Téllez Romero"), given names without the
    first one ("Rafael Sánchez" for Keyber Rafael Sánchez Lugo), or a different name
    word after the surnames ("Cristina Fernández *Acosta*").
    """
    own = {p.key for p in name.parts}
    # Text words within the typo budget of a part of this name are this name's too.
    spelled = [ids[t] or {} for t in range(run.first, run.last + 1)]
    own |= {key for key, found in zip(run.words, spelled, strict=True)
            if any(watchlist.keys[v] in own for v in found)}
    surnames = {p.key for p in name.surnames}
    at = next((k for k, key in enumerate(run.keys) if key in surnames), None)
    if at is None:
        return None
    before, after = run.keys[:at], run.keys[at:]
    g1 = name.given[0].key if name.given else None
    g1_typos = spelled_as(g1, run, spelled, watchlist)
    firsts = [k for k, key in enumerate(before) if key == g1 or key in g1_typos]
    if firsts:
        # "US President Donald Trump", "NASA Administrator Jim Bridenstine": whatever
        # precedes the person's own first name is a title or description.
        before = before[firsts[0] :]
    foreign = [k for k in before if k not in own and _given_word(k)]
    if before and before[0] not in (g1, *g1_typos):
        if foreign or all(k in own for k in before):
            return f"the text names {' '.join(run.keys)!r}"
    elif foreign and len(name.given) >= 2:
        # "Jorge *Luis* Mendoza Ruiz" is not Jorge Alberto: a different second given name.
        return f"the text names {' '.join(run.keys)!r}"
    extra = [k for k in after if k not in own]
    if extra and _name_word(extra[0], watchlist):
        return f"the text names {' '.join(run.keys)!r}"
    return None


def spelled_as(key: str | None, run: NameRun, spelled: list[dict[int, int]], watchlist: Watchlist) -> list[str]:
    """Text words of the run that are typos of `key`."""
    return [w for w, found in zip(run.words, spelled, strict=True) if any(watchlist.keys[v] == key for v in found)]


def claim(
    candidates: list[Candidate],
    tokens: list[Token],
    ids: list[dict[int, int] | None],
    text: str,
    watchlist: Watchlist,
    verdicts: dict[tuple[int, int], str | None] | None = None,
) -> None:
    """Unaccept short forms that belong to another person the text names (in place).

    `verdicts` caches is_other per (run, name) across calls on the same text: analyse
    claims twice (before and after back-references) and would otherwise ask again.
    """
    todo = [c for c in candidates if c.accepted and not is_unambiguous(c.verdict, watchlist.names[c.name_index])]
    if not todo:
        return
    runs = name_runs(tokens, text, watchlist.vocab)
    if not runs:
        return
    strong: dict[int, list[int]] = {}
    for c in candidates:
        if opens_backrefs(c):
            strong.setdefault(c.person, []).append(c.start)
    # Runs by word, latest first, so each candidate walks back only over runs sharing
    # its words and stops at the first fitting one: a page with thousands of names
    # stays near linear. Verdicts are cached per (run, name).
    by_key: dict[str, list[NameRun]] = {}
    for run in reversed(runs):
        for key in set(run.keys):
            by_key.setdefault(key, []).append(run)
    if verdicts is None:
        verdicts = {}
    for c in todo:
        name = watchlist.names[c.name_index]
        keys = {tokens[h.token].key for h in c.hits}
        mine = max((s for s in strong.get(c.person, ()) if s < c.start), default=-1)
        rarest = min(keys, key=lambda k: len(by_key.get(k, ())))
        latest: tuple[int, str] | None = None
        for run in by_key.get(rarest, ()):
            if run.start > c.start:
                continue
            if run.start < mine and not (run.start <= c.start and c.end <= run.end):
                break  # the person's own strong mention is the later antecedent
            if not keys <= set(run.keys):
                continue
            cached = (run.first, c.name_index)
            if cached not in verdicts:
                verdicts[cached] = is_other(run, name, watchlist, ids)
            if verdicts[cached]:
                latest = (run.start, verdicts[cached])
                break
        if latest is None:
            continue
        if mine > latest[0] and not _inside(c, runs, latest[0]):
            continue
        c.accepted = False
        c.reasons.append(f"{latest[1]}: this reference is theirs (other-person)")


def _inside(c: Candidate, runs: list[NameRun], start: int) -> bool:
    return any(r.start == start and r.start <= c.start and c.end <= r.end for r in runs)
