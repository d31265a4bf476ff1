"""Mentions in a whole article: its body, then its headline (offsets flagged per field)."""

from __future__ import annotations

from dataclasses import replace

from ..items import Mention
from . import Watchlist, find_mentions


def article_mentions(title: str, text: str, watchlist: Watchlist) -> list[Mention]:
    """Find watched people in the body (field "text") and the headline (field "title")."""
    mentions = find_mentions(text, watchlist, title=title)
    if title:
        mentions += [replace(m, field="title") for m in find_mentions(title, watchlist, title=title)]
    return mentions
