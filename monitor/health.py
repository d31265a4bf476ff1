"""Source health: sources that fail run after run, and sources gone dark (no new items for far longer than usual)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import pairwise

from sqlite_utils import Database

# A source is reported once it has failed this many runs in a row (one bad run is weather).
FAILURES_IN_A_ROW = 3
# "Dark": no new item for this many times its usual gap between new items...
DARK_FACTOR = 5.0
# ...and never for less than this (an hourly feed quiet over a night is not news).
DARK_AT_LEAST = timedelta(days=1)
# Runs with new items needed before a source's "usual" gap means anything.
DARK_HISTORY = 4


@dataclass(frozen=True)
class HealthProblem:
    url: str
    kind: str
    problem: str  # failing | dark
    detail: str

    def line(self) -> str:
        return f"{self.kind} {self.url}: {self.detail}"


def source_problems(
    db: Database, run_id: int, now: datetime | None = None, failures: int = FAILURES_IN_A_ROW,
) -> list[HealthProblem]:
    """The sources checked in run `run_id` that need a person: failing, or gone dark."""
    now = now or datetime.now(timezone.utc)
    problems = []
    rows = db.query(
        "select rs.url, rs.kind, rs.status, s.consecutive_failures, s.last_error from run_sources rs "
        "left join sources s on s.url = rs.url where rs.run_id = ? order by rs.id", [run_id])
    for row in rows:
        failed = row["consecutive_failures"] or 0
        if failed >= failures:
            last = (row["last_error"] or "").splitlines()[0] if row["last_error"] else "unknown"
            problems.append(HealthProblem(row["url"], row["kind"], "failing",
                                          f"failed {failed} runs in a row (last: {last})"))
        elif row["status"] != "error" and (detail := gone_dark(db, row["url"], now)):
            problems.append(HealthProblem(row["url"], row["kind"], "dark", detail))
    return problems


def gone_dark(db: Database, url: str, now: datetime) -> str | None:
    """'went dark: ...' when the source has had nothing new for far longer than usual."""
    times = [
        _when(r[0]) for r in db.execute(
            "select r.started_at from run_sources rs join runs r on r.id = rs.run_id "
            "where rs.url = ? and rs.new > 0 order by r.started_at desc limit 30", [url])
    ]
    if len(times) < DARK_HISTORY:
        return None
    gaps = sorted(newer - older for newer, older in pairwise(times))
    usual = gaps[len(gaps) // 2]
    quiet = now - times[0]
    if quiet <= max(usual * DARK_FACTOR, DARK_AT_LEAST):
        return None
    return f"went dark: nothing new for {_span(quiet)} (usually something every {_span(usual)})"


def close_killed_runs(db: Database, run_id: int) -> int:
    """Mark runs left 'running' by a killed process as 'killed'; the caller holds the lock."""
    with db.atomic():
        cursor = db.execute(
            "update runs set status = 'killed' where status = 'running' and id != ?", [run_id])
    return cursor.rowcount


def _when(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _span(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours >= 48:
        return f"{hours / 24:.0f} days"
    if hours >= 2:
        return f"{hours:.0f} hours"
    return f"{max(hours * 60, 1):.0f} minutes"
