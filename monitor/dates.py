"""Read the dates feeds, sitemaps and pages give (ISO 8601 in its many spellings) as aware datetimes."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from dateutil.parser import isoparse


def parse_datetime(text: str | None) -> datetime | None:
    """An aware datetime (UTC when no offset is given), or None when there is no readable date.

    `datetime.fromisoformat` reads only its own output before Python 3.11 (no `+0100`,
    no `Z`, no basic `20261127T2005`), so dateutil's ISO parser reads ISO 8601 here, and
    the email parser the RFC 2822 dates some sitemaps and pages carry.
    """
    if not text or not text.strip():
        return None
    text = text.strip()
    when = _iso(text) or _rfc2822(text)
    if when is None:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _iso(text: str) -> datetime | None:
    try:
        return isoparse(text)
    except (ValueError, OverflowError):
        return None


def _rfc2822(text: str) -> datetime | None:
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
