"""Source health: sources that fail run after run, and sources gone dark (no new items for far longer than usual).

Each problem is reported on every run while it lasts (stderr, the run summary), and queued
for the alert channels once per episode (`queue_health_notices`, kind `health` in `alert_queue`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import pairwise

from sqlite_utils import Database

from ..config import AlertSettings
from . import queue
from .routing import health_channels

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
    # When this episode began: the first failed run of the streak, or the last new item
    # before the dark spell. The same problem on a later run has the same `since`.
    since: str = ""

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
                                          f"failed {failed} runs in a row (last: {last})",
                                          _failing_since(db, row["url"], run_id)))
        elif row["status"] != "error" and (dark := _dark(db, row["url"], now)):
            detail, last_new = dark
            problems.append(HealthProblem(row["url"], row["kind"], "dark", detail, last_new))
    return problems


def queue_health_notices(
    db: Database, run_id: int, problems: list[HealthProblem], settings: AlertSettings, now: datetime | None = None,
) -> int:
    """Queue a notice for each problem episode not queued before, on the operators' channels; return rows written.

    Which channels: routing.health_channels (`alerts.operators`, else every channel not kept for some people).

    A source failing its 3rd run in a row (or going dark) is queued once; its 4th failed run
    adds nothing, since the episode (`since`) is the same. After a good run a new streak is a
    new episode, and is told again. The dispatcher sends the rows with the run's mentions.
    """
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds")
    written = 0
    with db.atomic():
        for problem in problems:
            for channel in health_channels(settings):
                written += queue.queue_health(db, channel, problem.url, problem.kind, problem.problem,
                                              problem.detail, problem.since or f"run {run_id}", run_id, stamp)
    return written


def _failing_since(db: Database, url: str, run_id: int) -> str:
    """When the source's current streak of failed runs began (its first failed run's start)."""
    row = db.execute(
        "select min(r.started_at) from run_sources rs join runs r on r.id = rs.run_id "
        "where rs.url = :url and rs.status = 'error' and rs.run_id > coalesce("
        "(select run_id from run_sources where url = :url and status != 'error' order by run_id desc limit 1), 0)",
        {"url": url}).fetchone()
    return row[0] if row and row[0] else f"run {run_id}"


def gone_dark(db: Database, url: str, now: datetime) -> str | None:
    """'went dark: ...' when the source has had nothing new for far longer than usual."""
    dark = _dark(db, url, now)
    return dark[0] if dark else None


def _dark(db: Database, url: str, now: datetime) -> tuple[str, str] | None:
    """(gone_dark's text, the start of the last run with new items) for a source gone dark."""
    times = [
        _when(r[0]) for r in db.execute(
            # The latest 30 by run id (an index walk: ids grow with time), then by start.
            "select r.started_at from (select run_id from run_sources where url = ? and new > 0 "
            "order by run_id desc limit 30) rs join runs r on r.id = rs.run_id order by r.started_at desc", [url])
    ]
    if len(times) < DARK_HISTORY:
        return None
    gaps = sorted(newer - older for newer, older in pairwise(times))
    usual = gaps[len(gaps) // 2]
    quiet = now - times[0]
    if quiet <= max(usual * DARK_FACTOR, DARK_AT_LEAST):
        return None
    return (f"went dark: nothing new for {_span(quiet)} (usually something every {_span(usual)})",
            times[0].isoformat(timespec="seconds"))


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
