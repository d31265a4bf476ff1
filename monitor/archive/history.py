"""Run bookkeeping kept for `archive.keep_history_days`: older runs, run_sources and fetch_errors are pruned.

Only bookkeeping goes: articles, mentions, alerts, evidence, reviews and the page_failures
of given-up pages are kept forever. Pruning runs at the start of each `monitor run`, so a
run deletes about one run's worth of old rows and the archive stops growing from history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlite_utils import Database


@dataclass(frozen=True)
class Pruned:
    runs: int = 0
    run_sources: int = 0
    fetch_errors: int = 0


def prune_history(db: Database, keep_days: float, now: datetime | None = None) -> Pruned:
    """Delete run bookkeeping older than `keep_days`; never a run still marked running."""
    cutoff = ((now or datetime.now(timezone.utc)) - timedelta(days=keep_days)).isoformat(timespec="seconds")
    # Run ids grow with time: everything below the first run worth keeping goes.
    row = db.execute(
        "select max(id) from runs where started_at < ? and status != 'running'", [cutoff]).fetchone()
    last_old = row[0] if row and row[0] else None
    if last_old is None:
        return Pruned()
    with db.atomic():
        sources = db.execute("delete from run_sources where run_id <= ?", [last_old]).rowcount
        errors = db.execute("delete from fetch_errors where run_id <= ?", [last_old]).rowcount
        runs = db.execute(
            "delete from runs where id <= ? and status != 'running'", [last_old]).rowcount
    return Pruned(runs, sources, errors)
