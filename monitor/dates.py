"""Read the dates feeds, sitemaps and pages give (ISO 8601, often with a "Z") as aware datetimes."""

from __future__ import annotations

from datetime import datetime, timezone


def parse_datetime(text: str | None) -> datetime | None:
    """An aware datetime (UTC when no offset is given), or None when there is no readable date."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
