"""Snippets people read: cut at word or sentence boundaries, the matched name found despite spacing.

Shared by the archive's pages (monitor/web) and the alert text (alerts/shared_text.py and the formats).
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

ELLIPSIS = "…"


def fold_text(text: str | None) -> str | None:
    """Lower-case, accent-free form of a whole text, spaces kept: the archive's SQL `fold()`."""
    if text is None:
        return None
    folded = unicodedata.normalize("NFKD", str(text).casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return folded if folded.isascii() else anyascii(folded).lower()


def name_pattern(matched: str) -> re.Pattern[str] | None:
    """A pattern for `matched` that also finds it across line breaks and runs of spaces."""
    words = (matched or "").split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)


def highlight(snippet: str, matched: str) -> list[tuple[str, bool]]:
    """Split a snippet into (text, is_the_matched_name) pieces; spacing inside the name may differ."""
    pattern = name_pattern(matched)
    if pattern is None:
        return [(snippet, False)] if snippet else []
    pieces, last = [], 0
    for m in pattern.finditer(snippet or ""):
        if m.start() > last:
            pieces.append((snippet[last : m.start()], False))
        pieces.append((m.group(), True))
        last = m.end()
    if last < len(snippet or ""):
        pieces.append((snippet[last:], False))
    return pieces


def clip(text: str, limit: int) -> str:
    """`text` on one line in at most `limit` characters, cut between words with "…" when cut."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    head = text[: cut if cut > limit // 2 else limit - 1].rstrip(" ,;:")
    return head + ELLIPSIS


def confidence(name: str, aliases: list[str] | tuple[str, ...], matched: str, likely: bool = True) -> str:
    """The match's confidence in words: "exact name", "likely: spelled 'Andry Hernandes'"...

    `likely` is whether the score reached the alert threshold; below it a mention is "possible".
    """
    found = fold_text(" ".join((matched or "").split()))
    if found == fold_text(" ".join(name.split())):
        return "exact name"
    if any(found == fold_text(" ".join(a.split())) for a in aliases):
        return "exact alias"
    word = "likely" if likely else "possible"
    shown = " ".join((matched or "").split())
    # Part of the name as written (a short form, surnames only) reads differently from a misspelling.
    known = set((fold_text(" ".join([name, *aliases])) or "").split())
    how = "named as" if set((found or "").split()) <= known else "spelled"
    return f"{word}: {how} '{shown}'"
