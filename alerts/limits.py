"""How much one message carries: at most `alerts.max_items` items, the rest as "and N more" with the archive link."""

from __future__ import annotations

from collections.abc import Sequence

from .content import AlertItem


def cap(items: Sequence[AlertItem], max_items: int) -> tuple[list[AlertItem], int]:
    """(the items shown, how many are left out). The order is the alert's: first-ever mentions lead."""
    shown = list(items[:max_items])
    return shown, len(items) - len(shown)


def more_line(left_out: int, public_url: str) -> str:
    """"and 250 more in the archive: https://archive.example.org/" ('' when nothing is left out)."""
    if left_out <= 0:
        return ""
    where = public_url or "the archive (`monitor serve`)"
    return f"and {left_out} more in the archive: {where}" if public_url else f"and {left_out} more in {where}"
