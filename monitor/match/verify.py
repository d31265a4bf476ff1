"""Candidate pairs -> verified runs: each with its form, base score, and reasons."""

from __future__ import annotations

from dataclasses import dataclass, field

from .classify import Verdict, classify, conflict
from .forms import NameModel
from .index import Watchlist
from .language import is_portuguese, maybe_spanish
from .lookup import candidates
from .normalize import GLUE_SPACE, Token
from .runs import Hit, best_run, grow


def is_unambiguous(verdict: Verdict, name: NameModel) -> bool:
    """A full name of 3+ words with at least one uncommon word: a neighbouring name or an
    exclude word does not make it someone else."""
    full = verdict.form in ("full", "alias") and not verdict.rejected
    return full and len(name.parts) >= 3 and any(not p.common for p in name.parts)


@dataclass
class Candidate:
    """One possible mention of one person, before and after the support rules."""

    name_index: int
    person: int
    hits: list[Hit]
    start: int
    end: int
    verdict: Verdict
    score: int = 0
    accepted: bool = False
    context: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    namesake: str = ""  # why the words beside it make it someone else (rule namesake-sign)
    tie: str = ""  # the detention or deportation word that overruled a role sign (rule story-tie)
    shared: bool = False  # surnames shared with the next given name (rule shared-surnames)

    @property
    def form(self) -> str:
        return self.verdict.form

    @property
    def length(self) -> int:
        return len(self.hits)


def verify(
    text: str, tokens: list[Token], ids: list[dict[int, int] | None], watchlist: Watchlist
) -> list[Candidate]:
    """Grow, order-check and classify every candidate the pair index proposes."""
    seen: set[tuple[int, tuple[int, ...]]] = set()
    out: list[Candidate] = one_word_aliases(tokens, watchlist)
    portuguese: bool | None = None  # asked once per text, only if a candidate needs it
    spanish = True
    for n_index, i, _j in candidates(tokens, ids, watchlist):
        name = watchlist.names[n_index]
        hits = grow(tokens, ids, name, watchlist.vocab, i)
        found = best_run(hits, i, name, text, tokens)
        if found is None:
            continue
        run, order = found
        key = (n_index, tuple(h.token for h in run))
        if key in seen:
            continue
        seen.add(key)
        if portuguese is None:
            portuguese, spanish = is_portuguese(tokens), maybe_spanish(tokens)
        verdict = classify(run, order, name, tokens, portuguese, spanish)
        why = None if verdict.rejected else conflict(run, order, name, tokens, watchlist.vocab)
        shared = shared_surnames(run, name, tokens) if why and why.startswith("preceded by") else None
        if shared is not None:
            run, order = shared, "normal"
            verdict = classify(run, order, name, tokens, portuguese, spanish)
            verdict.reasons.append(f"{why}, joined by a conjunction to the first given name (shared-surnames)")
            why = None if verdict.rejected else conflict(run, order, name, tokens, watchlist.vocab)
        if why:
            # A longer name ("Jean-Marc Obiang Nguema") outweighs even a distinctive name
            # of two units: only three units or more are kept (rule longer-name).
            units = len({(p.role, p.unit) for p in name.parts})
            long_full = is_unambiguous(verdict, name) and not (why.endswith("(longer-name)") and units < 3)
            verdict.reasons.append(why + ("; kept: full, distinctive name" if long_full else ""))
            verdict.rejected = not long_full
        start, end = tokens[run[0].token].start, tokens[run[-1].token].end
        out.append(Candidate(n_index, name.person, run, start, end, verdict, shared=shared is not None))
    return out


_AND = frozenset({"y", "and", "e", "et"})


def shared_surnames(run: list[Hit], name: NameModel, tokens: list[Token]) -> list[Hit] | None:
    """"Los hermanos Carlos y Luis Ruiz Tovar": the surnames after "Luis" are Carlos's
    too. The run of surnames, with the watched first given name written two words before
    the other given name and a conjunction between, or None (rule shared-surnames)."""
    first = run[0].token
    if first < 3 or any(name.parts[h.part].role != "s" for h in run) or not name.given:
        return None
    g1, conj, other = tokens[first - 3], tokens[first - 2], tokens[first - 1]
    spaced = all(t.glue == GLUE_SPACE for t in (conj, other, tokens[first]))
    if not (spaced and conj.key in _AND and other.cap and g1.cap and g1.key == name.given[0].key):
        return None
    g1_part = next(k for k, p in enumerate(name.parts) if p.role == "g")
    return [Hit(first - 3, g1_part, 0), *run]


def one_word_aliases(tokens: list[Token], watchlist: Watchlist) -> list[Candidate]:
    """A capitalized word that is a person's one-word alias ("Bambino"): weak, so it is
    reported only with a context word nearby (score 90) or a strong mention (rule
    one-word-alias)."""
    out: list[Candidate] = []
    if not watchlist.singles:
        return out
    for i, token in enumerate(tokens):
        vid = watchlist.vocab.get(token.key)
        if vid is None or not token.cap or vid not in watchlist.singles:
            continue
        for n_index in watchlist.singles[vid]:
            name = watchlist.names[n_index]
            verdict = Verdict(
                "alias", False, 70, 0, ["one-word alias: needs a context word or a strong mention (one-word-alias)"],
                with_context=90,
            )
            out.append(Candidate(n_index, name.person, [Hit(i, 0, 0)], token.start, token.end, verdict))
    return out
