"""Verified runs -> accepted mentions with scores: the support, exclude and back-reference rules.

Score meaning (0-100; `alerts.min_score` defaults to 90):

- 100  the full name, every word exact (98 for a full alias)
- 95   a strong short form: first given name + first surname, not all very common
- 90   first-name initial + all surnames; a full name of two very common words ("José García")
- 92   a weak form supported by a strong mention of the same person in the same text
       or headline (surnames only, maternal surname only, initial + surname, common names)
- 90   a back-reference: a lone surname (or distinctive first name) after a strong
       mention of the person in the same text; 92 after a title ("Sr. Hernández")
- 85   a weak form supported only by one of the person's context words within 300
       characters or in the headline (stored for review, not alerted at 90)
- each typo edit costs 5 points (3 on a full name); support halves that cost

Unsupported weak forms are not returned at all; a conflict (another name glued to the
run) or an exclude word nearby rejects any form but a full name of three or more words
with at least one uncommon word. The words beside such a form that make it someone else
(beside.py, rule namesake-sign: a street, a public role, a parent) cap it at 80, stored
below the alert line, and it supports nothing.
"""

from __future__ import annotations

from .beside import EVENT, STORY_ROLES, namesake_sign, place_sign, sign_for
from .classify import Verdict, neighbour
from .index import Watchlist
from .lookup import SHORT
from .names import COMMON_NAMES, NOT_NAMES, TITLES
from .nearby import KeyIndex, phrases_near
from .normalize import GLUE_BREAK, Token, fold
from .runs import Hit
from .topic import story_tie
from .verify import Candidate, is_unambiguous

STRONG_SUPPORTED = 92
CONTEXT_SUPPORTED = 85
BACKREF = 90
BACKREF_TITLED = 92
NAMESAKE_SIGN = 80  # below the alert line: stored for review, never alerted


def typo_cost(candidate: Candidate, supported: bool) -> int:
    per_edit = 3 if candidate.form in ("full", "alias") else 5
    cost = per_edit * candidate.verdict.edits
    return cost // 2 if supported else cost


def decide(
    candidates: list[Candidate],
    watchlist: Watchlist,
    keys: KeyIndex,
    title_keys: set[str],
    title_people: set[int],
    text: str = "",
) -> None:
    """Score every candidate in place and mark the ones to report."""
    if text:
        mark_namesakes(candidates, watchlist, text)
    # Strong, unrejected candidates per person, counted once: asking every candidate about
    # every other one was quadratic (15,000 candidates an article at 50,000 people).
    strong: dict[int, int] = {}
    for o in candidates:
        if o.verdict.strong and not o.verdict.rejected and not o.namesake:
            strong[o.person] = strong.get(o.person, 0) + 1
    for c in candidates:
        v = c.verdict
        c.reasons = list(v.reasons)
        if v.rejected:
            c.score = 0
            continue
        c.context = phrases_near(watchlist.context[c.person], keys, c.start, c.end, title_keys)
        excluded = phrases_near(watchlist.exclude[c.person], keys, c.start, c.end, title_keys)
        name = watchlist.names[c.name_index]
        if excluded and not is_unambiguous(v, name):
            c.reasons.append(f"exclude word nearby: {', '.join(excluded)}")
            c.score = 0
            continue
        # Another strong mention of the person (c itself is not rejected, so it counts if strong).
        others = strong.get(c.person, 0) > int(v.strong) or c.person in title_people
        if v.strong:
            c.score = v.base - typo_cost(c, bool(c.context) or others)
            c.accepted = True
            c.reasons.append(f"strong form: score {c.score}")
        elif others:
            c.score = (95 if c.context else STRONG_SUPPORTED) - typo_cost(c, True)
            c.accepted = True
            c.reasons.append(f"weak form supported by a strong mention of the person: {c.score}")
        elif c.context:
            c.score = v.with_context - typo_cost(c, True)
            c.accepted = True
            c.reasons.append(f"weak form supported by context {c.context}: {c.score}")
        elif v.unsupported is not None:
            c.score = v.unsupported - typo_cost(c, False)
            c.accepted = True
            c.reasons.append(f"no context word or strong mention: {c.score}, stored below the alert line")
        else:
            c.score = v.base - typo_cost(c, False)
            c.reasons.append(
                f"weak form with no support (no strong mention, no context word): {c.score}, not reported"
            )
        if c.tie:
            c.reasons.append(f"story-tie: {c.tie!r} in the paragraph outweighs the role beside the name")
        if c.namesake and c.accepted and c.score > NAMESAKE_SIGN:
            c.score = NAMESAKE_SIGN
            c.reasons.append(f"namesake-sign: {c.namesake}; {c.score}, stored below the alert line")


def mark_namesakes(candidates: list[Candidate], watchlist: Watchlist, text: str) -> None:
    """Set `namesake` on each candidate whose neighbouring words make it someone else."""
    seen: dict[tuple[int, int], tuple[str, str, str]] = {}  # per span: many people share one
    own: dict[int, frozenset[str]] = {}
    ties: dict[tuple[int, int], str] = {}
    for c in candidates:
        if c.verdict.rejected:
            continue
        if is_unambiguous(c.verdict, watchlist.names[c.name_index]):
            c.namesake = place_sign(text, c.start, c.end)  # a street is a street, whatever the name
            continue
        found = seen.get((c.start, c.end))
        if found is None:
            found = seen[(c.start, c.end)] = namesake_sign(text, c.start, c.end)
        if not any(found):
            continue
        words = own.get(c.person)
        if words is None:
            words = own[c.person] = frozenset(k for p in watchlist.context[c.person] for k in p.keys)
        c.namesake = sign_for(found, words)
        if found[2] == EVENT and c.verdict.strong:
            # A rare name that won something is likely the person; a name thousands share
            # is one of the thousands (rule namesake-sign: an event).
            c.namesake = ""
        if c.namesake and not found[0] and found[2] not in STORY_ROLES:  # FEAT and EVENT are overruled too
            # Only a role says namesake; the story of a detention around the name says it
            # is the watched person, who may well be an actor or a barber (rule story-tie).
            span = (c.start, c.end)
            if span not in ties:
                ties[span] = story_tie(text, c.start, c.end)
            if ties[span]:
                c.tie, c.namesake = ties[span], ""
    repeat_namesakes(candidates, lambda c: frozenset(fold(w) for w in text[c.start : c.end].split()))


def repeat_namesakes(candidates: list[Candidate], tokens_of) -> None:
    """The same words again later in the text name the same namesake ("O deputado Thiago
    Bezerra ... Thiago Bezerra disse"): a later candidate of the person whose words are
    all in an earlier namesake's, and no more of them, is that namesake (rule
    namesake-sign, repeated)."""
    marked = [(c.start, c.person, tokens_of(c), c.namesake) for c in candidates if c.namesake]
    if not marked:
        return
    for c in candidates:
        if c.namesake or c.verdict.rejected:
            continue
        words = tokens_of(c)
        for start, person, earlier, why in marked:
            if person == c.person and start < c.start and words <= earlier:
                c.namesake = f"the same name as the namesake before ({why})"
                break


def opens_backrefs(c: Candidate) -> bool:
    """A mention later lone surnames may point back to: a strong form, or any form that
    alerts ("Nadia Ouedraogo" with a context word, 90; then "Mme Ouedraogo a fait appel")
    (rule alert-antecedent). A namesake sign opens none, nor does a back-reference."""
    return c.accepted and not c.namesake and (c.verdict.strong or (c.score >= BACKREF and c.form != "backref"))


def backrefs(
    tokens: list[Token],
    ids: list[dict[int, int] | None],
    accepted: list[Candidate],
    watchlist: Watchlist,
) -> list[Candidate]:
    """Lone surnames (or distinctive first names) after a strong mention of the same person."""
    first_strong: dict[int, int] = {}
    for c in accepted:
        if opens_backrefs(c):
            first_strong[c.person] = min(c.start, first_strong.get(c.person, c.start))
    if not first_strong:
        return []
    taken = [(c.start, c.end) for c in accepted]
    wanted: dict[str, list[tuple[int, int, int]]] = {}  # key -> (person, name index, part)
    for person in first_strong:
        for n_index in watchlist.by_person[person]:
            name = watchlist.names[n_index]
            for p_index, part in enumerate(name.parts):
                if len(part.key) <= 2:
                    continue  # an article kept in a surname ("El-Masri") is no reference
                if part.role == "s" or (p_index == 0 and not part.common and len(name.parts) > 1):
                    wanted.setdefault(part.key, []).append((person, n_index, p_index))
    keys = watchlist.keys
    out = []
    for i, token in enumerate(tokens):
        if not token.cap or any(a <= token.start < b for a, b in taken):
            continue
        options = [(k, 0) for k in [token.key] if k in wanted]
        if len(token.key) > SHORT:  # a slip in a short word counts only in a full name
            options += [(keys[v], e) for v, e in (ids[i] or {}).items() if e and keys[v] in wanted]
        best = None
        for key, edits in options:
            for person, n_index, p_index in wanted[key]:
                start = first_strong[person]
                if start < token.start and (best is None or start > best[0]):
                    best = (start, person, n_index, p_index, edits)
        if best is None:
            continue
        _, person, n_index, p_index, edits = best
        own = {p.key for p in watchlist.names[n_index].parts}
        left, right = neighbour(tokens, i, -1), neighbour(tokens, i, 1)
        clash = [
            t for t in (left, right)
            if t is not None and t.cap and t.key not in own and t.key not in TITLES
            and (t.key in COMMON_NAMES or t.key in watchlist.vocab)
        ]
        # "his mother, Yolimar Romero": an unknown capitalized word right before the
        # surname, mid-sentence, is most likely another given name.
        if (
            left is not None and left.cap and not left.upper and left.key not in own
            and left.key not in TITLES and left.key not in NOT_NAMES and _mid_sentence(tokens, i - 1)
        ):
            clash.append(left)
        if clash:
            continue
        titled = left is not None and left.key in TITLES
        score = (BACKREF_TITLED if titled else BACKREF) - 5 * edits
        verdict = Verdict("backref", False, score, edits, ["lone name word after a strong mention"])
        c = Candidate(n_index, person, [Hit(i, p_index, edits)], token.start, token.end, verdict)
        c.score, c.accepted = score, True
        c.reasons = [*verdict.reasons, f"score {score}" + (" (after a title)" if titled else "")]
        out.append(c)
    return out


def _mid_sentence(tokens: list[Token], i: int) -> bool:
    return i > 0 and tokens[i].glue != GLUE_BREAK


def resolve_overlaps(candidates: list[Candidate]) -> list[Candidate]:
    """One mention per person and span; where people's spans overlap, the longer, stronger wins."""
    ranked = sorted(candidates, key=lambda c: (-c.length, -c.score, c.start))
    kept: list[Candidate] = []
    for c in ranked:
        clash = False
        for k in kept:
            if k.start < c.end and c.start < k.end:
                if k.person != c.person and (k.shared or c.shared):
                    continue  # "Carlos y Luis Ruiz Tovar": both brothers (rule shared-surnames)
                same_rank = (k.length, k.score, k.start, k.end) == (c.length, c.score, c.start, c.end)
                if k.person == c.person or not same_rank:
                    clash = True
                    break
        if not clash:
            kept.append(c)
    kept.sort(key=lambda c: (c.start, c.person))
    return kept
