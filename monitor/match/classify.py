"""A well-ordered run of name parts -> which form of the name it is, and how strong.

Strong forms identify the person on their own; weak forms need support (score.py).

- full: every part of the name, in either block order. Strong.
- alias: every part of a configured alias. Strong.
- short: first given name + first surname (others optional). Strong, unless every
  word matched is a very common name ("José Hernández").
- short: first-name initial + all (2+) surnames ("A. Hernández Romero"). Strong.
- short: first given name + maternal surname only; one initial + one surname. Weak.
- surnames: two or more surnames, no given name. Weak.

A run whose given name is not the first one ("José Hernández" for "Andry José
Hernández Romero") is rejected: that is how namesakes are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import pairwise

from .forms import NameModel
from .lookup import SHORT
from .namedata import frequent, known, ordinary
from .names import COMMON_NAMES, NOT_NAMES, PARTICLES, SUFFIXES, TITLES
from .normalize import GLUE_BREAK, GLUE_PUNCT, GLUE_SPACE, Token
from .runs import Hit
from .translit import is_arabic, is_russian, vowel_variant

ARTICLES = frozenset({"al", "el", "ul"})


@dataclass
class Verdict:
    """What a run is: its form, strength and base score, with reasons for --explain."""

    form: str
    strong: bool
    base: int
    edits: int
    reasons: list[str] = field(default_factory=list)
    rejected: bool = False
    # Score of a weak form with only a context word for support (score.py).
    with_context: int = 85
    # Score of a weak form with no support at all, if it is still stored (None: dropped).
    unsupported: int | None = None


def classify(
    hits: list[Hit], order: str, name: NameModel, tokens: list[Token], portuguese: bool = False,
    spanish: bool = False,
) -> Verdict:
    """Name the form a run spells and how much it proves on its own.

    `portuguese`: the article is in Portuguese, where people go by their last surname;
    `spanish`: in Spanish, where the maternal surname alone is another family's name.
    """
    vowels = []
    if any(h.edits for h in hits) and is_arabic([p.key for p in name.parts]):
        for k, h in enumerate(hits):
            text_key, name_key = tokens[h.token].key, name.parts[h.part].key
            if h.edits and vowel_variant(text_key, name_key):
                hits = [*hits[:k], replace(h, edits=0), *hits[k + 1 :]]
                vowels.append(f"{text_key!r} for {name_key!r}")
    verdict = _classify(hits, order, name, tokens, portuguese, spanish)
    if vowels:
        verdict.reasons.append(f"other vowels of an Arabic name, no typo (arabic-vowels): {', '.join(vowels)}")
    variants = [
        f"{tokens[h.token].key!r} for {name.parts[h.part].key!r}"
        for h in hits if not h.edits and not h.initial and tokens[h.token].key != name.parts[h.part].key
    ]
    if variants:
        verdict.reasons.append(f"spelled otherwise, no typo (spelling-variant): {', '.join(variants)}")
    compound = hyphenated_surname(hits, name.parts, tokens) if not verdict.rejected else ""
    if compound:
        verdict.reasons.append(
            f"{compound!r} written whole: a rare surname, however frequent its halves (hyphenated-surname)"
        )
    return verdict


def hyphenated_surname(hits: list[Hit], parts: tuple, tokens: list[Token]) -> str:
    """The hyphenated surname of two or more words that the run spells whole, joined by a
    hyphen as the watched name has it ("Pierre-Louis"), or ""."""
    by_part = {h.part: h for h in hits if not h.initial}
    units: dict[int, list[int]] = {}
    for i, p in enumerate(parts):
        if p.role == "s":
            units.setdefault(p.unit, []).append(i)
    for members in units.values():
        if len(members) < 2 or not all(i in by_part for i in members):
            continue
        spelled = [tokens[by_part[i].token] for i in members]
        if all(b.start - a.end == 1 for a, b in pairwise(spelled)) and all(
            t.glue == GLUE_PUNCT for t in spelled[1:]
        ):
            return "-".join(parts[i].key for i in members)
    return ""


def _classify(
    hits: list[Hit], order: str, name: NameModel, tokens: list[Token], portuguese: bool, spanish: bool
) -> Verdict:
    parts = name.parts
    covered = {h.part: h for h in hits}
    edits = sum(h.edits for h in hits)
    words = [parts[h.part] for h in hits if not h.initial]
    distinctive = any(not p.common for p in words)
    # Every word among some country's 100 most frequent names ("Dmitry Sokolov",
    # "Abdel Karim al-Tayeb"): as weak as very common words in a two-word form.
    russian = is_russian([p.key for p in parts])
    familiar = all(p.common or frequent(p.key, p.role == "g", russian) or ordinary(p.key) for p in words)
    compound = hyphenated_surname(hits, parts, tokens)
    if compound:
        # "PIERRE-LOUIS, Wesner": a double-barrelled surname written whole is far rarer than
        # either half, however frequent the halves (rule hyphenated-surname).
        familiar = False
    # "Stone", "Torre", "Branco": a surname that is also an everyday word is no rare name
    # (rule ordinary-word), said in the reasons when it alone made the words familiar.
    plain = [p.key for p in words if ordinary(p.key) and not (p.common or frequent(p.key, p.role == "g", russian))]
    plain_note = f" ({', '.join(plain)}: also an everyday word, ordinary-word)" if plain else ""
    units = {(p.role, p.unit) for p in parts if p.key not in ARTICLES}
    capitalized = any(tokens[h.token].cap for h in hits)
    given = [i for i, p in enumerate(parts) if p.role == "g"]
    s_units = {p.unit for p in parts if p.role == "s"}
    s_covered = {parts[h.part].unit for h in hits if parts[h.part].role == "s"}
    g1 = given[0] if given else None
    has_g1 = g1 in covered and not covered[g1].initial
    initials = [h for h in hits if h.initial]
    word_given = [h for h in hits if parts[h.part].role == "g" and not h.initial]
    order_note = " (surname first)" if order == "reversed" else ""
    if any(parts[h.part].role == "s" for h in initials):
        order_note += " (initials: a surname as its initial)"
    lower = [tokens[h.token] for h in hits if not h.initial and not tokens[h.token].cap
             and tokens[h.token].key not in ARTICLES]
    if lower and capitalized:
        # "le boulanger Étienne Moreau": a name word written in lower case beside a
        # capitalized one is the everyday word, not the name (rule lower-case-word).
        return Verdict(
            "short", False, 0, edits,
            [f"{lower[0].key!r} is written in lower case beside capitalized words: an everyday word (lower-case-word)"],
            rejected=True,
        )
    slips = [h for h in hits if h.edits and len(tokens[h.token].key) <= SHORT]
    if slips and not (len(covered) == len(parts) >= 3 and len(slips) == 1 and edits == slips[0].edits):
        return Verdict(
            "short", False, 0, edits,
            ["a typo in a 3-4 letter word counts only inside the full name, the rest exact (typo-short)"],
            rejected=True,
        )

    if len(covered) == len(parts) and not initials:
        form = "alias" if name.alias else "full"
        if name.origin:
            order_note += f" ({name.origin}: another spelling of the configured name)"
        one_surname = len(s_units) == 1
        if (len(units) <= 2 and (not distinctive or familiar)) or (one_surname and not distinctive):
            # "John Smith", "Wang Wei": thousands of people; a context word or a fuller
            # form elsewhere in the text must say it is this one (rule common-full-name).
            # So are two very common given names and one very common surname ("María
            # Fernanda López"): a compound given name is one name, not a fuller form.
            why = "very common names" if not distinctive else f"frequent names (frequent-names){plain_note}"
            return Verdict(
                form, False, 75, edits,
                [f"{form} name{order_note}, but only {why} (common-full-name: needs context)"],
                with_context=90,
                unsupported=80,  # stored for review, below the alert line
            )
        note = ", a slip in a short word (typo-short)" if slips else ""
        return Verdict(form, True, 98 if name.alias else 100, edits, [f"{form} name{order_note}{note}"])
    if not s_covered:
        return Verdict("short", False, 0, edits, ["no surname in the run"], rejected=True)
    if word_given and not has_g1:
        return Verdict(
            "short", False, 0, edits,
            ["first given name missing but another given name present: a namesake's form"],
            rejected=True,
        )
    if not capitalized and not distinctive:
        return Verdict("short", False, 70, edits, ["lower-case common words only"])
    middle = [h for h in initials if parts[h.part].role == "g" and h.part != g1]
    if has_g1 and min(s_units) in s_covered:
        if distinctive and not (familiar and len(s_covered) == 1):
            return Verdict("short", True, 95, edits, [f"first given name + first surname{order_note}"])
        if len(s_covered) >= 2:
            # Three very common words still narrow it down: "Darwin Colmenares Hernández".
            return Verdict("short", True, 90, edits, [f"first given name + both surnames{order_note}, all very common"])
        if middle:
            # "HADDAD, Nabil A." for Nabil Antoine Haddad: the initial agrees with the
            # watched middle name, a fuller form than "Nabil Haddad" (rule middle-initial;
            # a disagreeing initial, "Nabil K. Haddad", ends the run before the surname).
            return Verdict("short", True, 90, edits,
                           [f"first given name + middle initial + first surname{order_note} (middle-initial)"])
        why = "all very common" if not distinctive else f"all frequent names (frequent-names){plain_note}"
        return Verdict(
            "short", False, 75, edits, [f"first given name + first surname{order_note}, {why}"],
            with_context=90,
            # Frequent but not top-10 words ("Leonel Quintero"): kept for review at 80.
            unsupported=80 if distinctive else None,
        )
    if has_g1:
        if portuguese and max(s_units) in s_covered:
            # In Portuguese the last surname is the father's, the one people go by
            # ("Wellington Pimenta" for Wellington Alves Pimenta): with a context word it
            # alerts, as a frequent given name + surname does (rule portuguese-surname).
            return Verdict("short", False, 75, edits,
                           ["first given name + last surname, in a Portuguese article (portuguese-surname)"],
                           with_context=90)
        every_given = len(given) >= 2 and all(g in covered and not covered[g].initial for g in given)
        if every_given and not spanish and max(s_units) in s_covered and order == "normal":
            # "Luís Miguel Rocha" for Luís Miguel Branco Rocha, in an English article: every
            # given name spelled out and the last surname, as Portuguese names are written
            # outside Spanish, is as good as a frequent given name + surname (rule
            # every-given-name); in Spanish text the maternal surname alone is another family.
            return Verdict("short", False, 75, edits,
                           ["every given name + last surname, outside a Spanish article (every-given-name)"],
                           with_context=90)
        return Verdict("short", False, 75, edits, ["first given name + maternal surname only"])
    if covered.get(g1) and s_covered == s_units and len(s_units) >= 2:
        # The first given name's initial and both family names: as specific as a
        # given name + one surname (nomenklatura weighs an initial at half a name).
        return Verdict("short", True, 90, edits, ["first-name initial + all surnames"])
    given_initials = {h.part for h in initials if parts[h.part].role == "g"}
    if len(given) >= 2 and given_initials == set(given) and min(s_units) in s_covered:
        # "J.-C. Essono", "N. A. Haddad": every given name as an initial and the first
        # surname; with a context word as good as a frequent given name + surname
        # (rule given-initials), otherwise not reported ("J. P. Torre, a columnist").
        return Verdict("short", False, 70, edits, ["every given name as an initial + first surname (given-initials)"],
                       with_context=90)
    if initials:
        return Verdict("short", False, 70, edits, ["initial + one surname"])
    if len(s_covered) >= 2:
        return Verdict("surnames", False, 75, edits, ["surnames only"])
    return Verdict("short", False, 0, edits, ["too little of the name"], rejected=True)


def _known_name(token: Token, vocab: dict[str, int]) -> bool:
    return token.key in COMMON_NAMES or token.key in vocab


def _is_word(token: Token) -> bool:
    return token.key not in NOT_NAMES and token.key not in TITLES and not token.particle


def neighbour(tokens: list[Token], index: int, direction: int) -> Token | None:
    """The word right before/after token `index`, over particles, if only spaces separate them."""
    j = index
    while True:
        gap_owner = tokens[j] if direction < 0 else tokens[j + 1] if j + 1 < len(tokens) else None
        j += direction
        if gap_owner is None or j < 0 or gap_owner.glue != GLUE_SPACE:
            return None
        if not tokens[j].particle:
            return tokens[j]


def conflict(
    hits: list[Hit], order: str, name: NameModel, tokens: list[Token], vocab: dict[str, int]
) -> str | None:
    """Why a capitalized name right beside the run says it is someone else, or None.

    "Carlos Hernández Romero" is not Andry: a name word glued to the run by a space,
    which is not part of this person's name, means a different (longer) name.
    """
    own = {p.key for p in name.parts} | PARTICLES
    first, last = hits[0], hits[-1]
    left = neighbour(tokens, first.token, -1)
    starts_with_surname = name.parts[first.part].role == "s"
    if left is not None and left.cap and _is_word(left) and left.key not in own:
        # An unknown capitalized word counts before a surname only mid-sentence: at a
        # sentence start ("Later Hernández Romero said") capitals prove nothing.
        # (Tokens compare by identity: "not the first token", without list.index's scan.)
        mid_sentence = left is not tokens[0] and left.glue != GLUE_BREAK
        if _known_name(left, vocab) or (starts_with_surname and not left.upper and mid_sentence):
            return f"preceded by the name {left.key!r}"
    right = neighbour(tokens, last.token, 1)
    if order == "normal" and right is not None and right.cap and _is_word(right):
        surnames = [i for i, p in enumerate(name.parts) if p.role == "s"]
        if right.key not in own and last.part < surnames[-1] and _known_name(right, vocab):
            return f"followed by the name {right.key!r} instead of the rest of the name"
        one_surname = len({name.parts[i].unit for i in surnames}) == 1
        if right.key not in own and last.part == surnames[-1] and one_surname and _longer(right, vocab):
            # "Jean-Marc Obiang Nguema" is not Jean-Marc Obiang: a surname after the whole
            # name makes a longer name, someone else's (rule longer-name).
            return f"followed by the surname {right.key!r}: a longer name (longer-name)"
    return None


def _longer(token: Token, vocab: dict[str, int]) -> bool:
    key = token.key
    return (key in vocab or known(key)) and not ordinary(key) and key not in SUFFIXES
