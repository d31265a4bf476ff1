"""Find mentions of watched people in text: the entry points the pipeline and CLI call.

How it works (details in docs/matching.md): text and names are folded to ASCII tokens
(normalize.py); neighbouring word pairs are looked up in a pair index of name tokens
(index.py, lookup.py); each candidate grows into a run of name parts (runs.py), which
is classified as a form of the name (classify.py) and scored with the support rules
(score.py). `explain` reports the same steps in words.
"""

from __future__ import annotations

from ..items import Mention
from .explain import explain
from .index import Watchlist, compile_watchlist
from .lookup import resolve
from .nearby import KeyIndex, snippet
from .normalize import fill_unknown, split_glued, tokenize
from .others import claim
from .score import backrefs, decide, resolve_overlaps
from .verify import Candidate, verify

__all__ = ["Watchlist", "compile_watchlist", "explain", "find_mentions"]


def analyse(text: str, watchlist: Watchlist, title: str = "") -> list[Candidate]:
    """Every candidate considered for `text`, scored, with `accepted` set on the reported ones."""
    tokens = split_glued(fill_unknown(tokenize(text), text, watchlist.vocab), text, watchlist.vocab)
    ids = resolve(tokens, watchlist)
    found = verify(text, tokens, ids, watchlist)
    title_keys: set[str] = set()
    title_people: set[int] = set()
    if title and title != text:
        title_tokens = tokenize(title)
        title_keys = {t.key for t in title_tokens}
        title_people = {
            c.person for c in analyse(title, watchlist) if c.accepted and c.verdict.strong and not c.namesake
        }
    if not found:
        return []
    decide(found, watchlist, KeyIndex(tokens), title_keys, title_people, text)
    verdicts: dict[tuple[int, int], str | None] = {}
    claim(found, tokens, ids, text, watchlist, verdicts)
    refs = backrefs(tokens, ids, [c for c in found if c.accepted], watchlist)
    claim(found + refs, tokens, ids, text, watchlist, verdicts)
    return found + refs


def find_mentions(text: str, watchlist: Watchlist, *, title: str = "") -> list[Mention]:
    """Every place in `text` where a watched person is named, with offsets into `text`.

    `title` is the article's headline: its context words and strong mentions support
    weaker forms in the text (mentions inside the title itself come from calling this
    with the title as `text`).
    """
    candidates = [c for c in analyse(text, watchlist, title) if c.accepted]
    mentions = []
    for c in resolve_overlaps(candidates):
        mentions.append(
            Mention(
                person=watchlist.people[c.person],
                matched=text[c.start : c.end],
                start=c.start,
                end=c.end,
                score=max(0, min(100, c.score)),
                form=c.form,
                context=tuple(c.context),
                snippet=snippet(text, c.start, c.end),
            )
        )
    return mentions
