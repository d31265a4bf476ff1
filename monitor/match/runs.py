"""A candidate location -> the longest run of words that spells parts of one watched name.

From the two neighbouring words that made the candidate, the run grows left and right
over words that match further unused parts of the name (exact, within the typo budget,
or an initial of a given name), over particles ("de la"), and over a connector ("y")
only when the name itself has one. A run never crosses a sentence end or other
punctuation except a hyphen, or a single comma between surnames and given names
("HERNÁNDEZ ROMERO, Andry José").
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from .forms import NameModel
from .names import CONNECTORS
from .normalize import GLUE_BREAK, Token


@dataclass(frozen=True)
class Hit:
    """One text word matched to one part of a name."""

    token: int  # index into the token list
    part: int  # index into NameModel.parts
    edits: int
    initial: bool = False


def match_part(
    token: Token, ids: dict[int, int] | None, name: NameModel, vocab: dict[str, int], used: set[int],
    part_ids: tuple[int, ...] | None = None,
) -> Hit | None:
    """The best unused part of `name` this word can stand for, if any."""
    if ids is None and not token.initial:
        # Not a name word (every exact name word has ids) nor an initial: most steps of
        # a run end on such a word, so they skip the loop over the parts.
        return None
    if part_ids is None:
        part_ids = tuple(vocab[p.key] for p in name.parts)
    best: Hit | None = None
    for index, part in enumerate(name.parts):
        if index in used:
            continue
        if token.key == part.key:
            return Hit(-1, index, 0)
        if ids:
            edits = ids.get(part_ids[index])
            if edits is not None and (best is None or edits < best.edits):
                best = Hit(-1, index, edits)
        elif token.initial and part.key[0] == token.key and best is None and (part.role == "g" or part.unit > 0):
            # Given names and later surnames are abbreviated: "J. A. Mendoza Ruiz",
            # "Mendoza R., Jorge" (rule initials); a first surname never is.
            best = Hit(-1, index, 0, initial=True)
    return best


def _skippable(token: Token, name: NameModel) -> bool:
    return token.particle or (name.connector and token.key in CONNECTORS)


def _step(tokens: list[Token], i: int, direction: int, name: NameModel) -> tuple[int, ...]:
    """Indices from i (exclusive) to the next word a name may continue with, in one direction."""
    path = []
    j = i
    while True:
        glue_token = tokens[j] if direction < 0 else tokens[j + 1] if j + 1 < len(tokens) else None
        j += direction
        if glue_token is None or j < 0 or j >= len(tokens) or glue_token.glue == GLUE_BREAK:
            return ()
        path.append(j)
        if not _skippable(tokens[j], name) or len(path) > 3:
            return tuple(path)


def grow(
    tokens: list[Token],
    ids: list[dict[int, int] | None],
    name: NameModel,
    vocab: dict[str, int],
    anchor: int,
) -> list[Hit]:
    """The run of name parts around `anchor`, in text order (anchor first matched)."""
    # The parts' vocabulary ids, looked up once per run rather than once per word tried.
    part_ids = tuple(vocab[p.key] for p in name.parts)
    first = match_part(tokens[anchor], ids[anchor], name, vocab, set(), part_ids)
    if first is None:
        return []
    hits = [Hit(anchor, first.part, first.edits, first.initial)]
    used = {first.part}
    for direction in (1, -1):
        edge = anchor
        while True:
            path = _step(tokens, edge, direction, name)
            if not path:
                break
            j = path[-1]
            hit = match_part(tokens[j], ids[j], name, vocab, used, part_ids)
            if hit is None:
                break
            used.add(hit.part)
            hits.append(Hit(j, hit.part, hit.edits, hit.initial))
            edge = j
    hits.sort(key=lambda h: h.token)
    return hits


def _comma_between(text: str, tokens: list[Token], a: int, b: int) -> bool:
    return "," in text[tokens[a].end : tokens[b].start]


def order_of(hits: list[Hit], name: NameModel, text: str, tokens: list[Token]) -> str | None:
    """"normal" (given names then surnames), "reversed" (surnames, then given), or None."""
    if len(hits) < 2:
        return None
    parts = [h.part for h in hits]
    roles = [name.parts[p].role for p in parts]
    commas = [_comma_between(text, tokens, a.token, b.token) for a, b in pairwise(hits)]
    increasing = all(x < y for x, y in pairwise(parts))
    if increasing and not any(commas):
        return "normal"
    if roles[0] != "s" or roles[-1] != "g":
        return None
    split = roles.index("g")
    if any(r != "g" for r in roles[split:]) or any(r != "s" for r in roles[:split]):
        return None
    if not all(x < y for x, y in pairwise(parts[:split])):
        return None
    if not all(x < y for x, y in pairwise(parts[split:])):
        return None
    if any(c for k, c in enumerate(commas) if k != split - 1):
        return None
    return "reversed"


def best_run(
    hits: list[Hit], anchor: int, name: NameModel, text: str, tokens: list[Token]
) -> tuple[list[Hit], str] | None:
    """The longest well-ordered stretch of `hits` that contains the anchor word."""
    pos = next((k for k, h in enumerate(hits) if h.token == anchor), None)
    if pos is None:
        return None
    # The whole run is the only one of its length: if it is well ordered, nothing shorter
    # can outrank it (most runs at a large watchlist are two words, tried ~650,000 times).
    order = order_of(hits, name, text, tokens)
    if order is not None:
        return hits, order
    best = None
    for a in range(pos + 1):
        for b in range(len(hits), max(pos, a + 1), -1):
            sub = hits[a:b]
            order = order_of(sub, name, text, tokens)
            if order is None:
                continue
            rank = (len(sub), -sum(h.edits for h in sub))
            if best is None or rank > best[0]:
                best = (rank, sub, order)
    return None if best is None else (best[1], best[2])
