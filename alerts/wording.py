"""What an alert item says beyond its headline: where to open and judge it, and how sure the match is.

With `serve.public_url` set, each new mention links to its page in `monitor serve` and to
the "not this person" form there; every item carries its mention id, language, confidence
in words and when it was found beside when it was published.
"""

from __future__ import annotations

from datetime import datetime, timezone

from .content import AlertItem

FEED_TEXT = "text from the feed (the entry has no link)"


def mention_url(public_url: str, item: AlertItem) -> str:
    """The mention's page in `monitor serve`, or "" without serve.public_url."""
    return f"{public_url.rstrip('/')}/-/mention/{item.mention_id}" if public_url and item.mention_id else ""


def reject_url(public_url: str, item: AlertItem) -> str:
    """Where a reviewer says "not this person": the review form on the mention's page."""
    page = mention_url(public_url, item)
    return f"{page}#review" if page else ""


def details(item: AlertItem) -> str:
    """"mention 12 · es · exact name · published 2025-03-16 · found 2025-03-17 10:00 UTC"."""
    parts = [f"mention {item.mention_id}"]
    if item.language:
        parts.append(item.language)
    if item.confidence:
        parts.append(item.confidence)
    parts.append(f"published {checked(item.published) if item.published else 'date unknown'}")
    if item.found_at:
        parts.append(f"found {checked(item.found_at)}")
    return " · ".join(" ".join(p.split()) for p in parts)


def checked(moment: str | None) -> str:
    """A re-check's time as "2025-04-02 10:00 UTC"."""
    if not moment:
        return "at an unknown time"
    try:
        when = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return " ".join(moment.split())[:40]
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return when.strftime("%Y-%m-%d %H:%M UTC")
