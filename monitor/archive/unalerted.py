"""Why stored mentions did not alert, in counts a run prints, and `monitor alerts backfill`.

A first run over real sites can store dozens of mentions and send nothing: they were
published before `alerts.backfill_days`, scored below `min_score`, or a reviewer rejected
them. The run says so, with the key to change; `backfill` queues the old ones once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from sqlite_utils import Database

from ..config import AlertSettings
from ..dates import parse_datetime
from . import queue
from .store import utcnow

OLD, LOW, REJECTED, NO_CHANNEL = "old", "low", "rejected", "no_channel"

_NOT_QUEUED = """
select m.id, m.person_id, m.article_id, coalesce(a.story_id, a.id) as story_id, m.alertable, m.snippet,
       coalesce(a.published, a.fetched_at) as published
from mentions m join articles a on a.id = m.article_id
where {condition}
  and not exists (select 1 from alert_queue q where q.kind = 'mention' and q.person_id = m.person_id
                  and q.story_id = coalesce(a.story_id, a.id))
order by m.id
"""


def not_alerted(db: Database, run_id: int | None, settings: AlertSettings, now: str | None = None) -> dict[str, int]:
    """Mentions run `run_id` stored (None: every stored one) that queued no alert, counted by reason (one each)."""
    now = now or utcnow()
    counts: dict[str, int] = {}
    seen: set[tuple[int, int]] = set()
    query = _NOT_QUEUED.format(condition="(:run_id is null or m.run_id = :run_id)")
    for row in list(db.query(query, {"run_id": run_id})):
        key = (row["person_id"], row["story_id"])
        if key in seen:  # another mention of the same person in the same story: one alert would carry both
            continue
        seen.add(key)
        reason = _reason(db, row, settings, now)
        if reason:
            counts[reason] = counts.get(reason, 0) + 1
    return counts


def _reason(db: Database, row: dict, settings: AlertSettings, now: str) -> str | None:
    if queue.rejected(db, row["person_id"], row["story_id"]) or queue.rejected_wording(
            db, row["person_id"], row["snippet"] or ""):
        return REJECTED
    if not row["alertable"]:
        return LOW
    if not queue.is_recent(row["published"], settings, now):
        return OLD
    if not settings.channels:
        return NO_CHANNEL
    return None


def explain(counts: dict[str, int], settings: AlertSettings) -> str:
    """The counts as one clause for the run's summary line, each reason with the key that changes it.

    "3 mentions not alerted: 2 published more than 3 days ago (raise alerts.backfill_days, or
    `monitor alerts backfill --since DATE`), 1 below min_score 90 (...)"; "" when none.
    """
    if not counts:
        return ""
    texts = {
        OLD: f"published more than {settings.backfill_days:g} days ago (raise alerts.backfill_days, "
             "or queue them once with `monitor alerts backfill --since DATE`)",
        LOW: f"below min_score {settings.min_score} (lower alerts.min_score or the person's min_score, "
             "or review them in the review_queue)",
        REJECTED: "rejected by a reviewer (`monitor review ID --confirm` undoes it)",
        NO_CHANNEL: "with no alert channel configured (add [alerts.email], [alerts.slack] or [alerts.file])",
    }
    total = sum(counts.values())
    reasons = ", ".join(f"{n} {texts[reason]}" for reason, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    return f"{total} mention{'s' * (total != 1)} not alerted: {reasons}"


def backfill(db: Database, settings: AlertSettings, since: datetime, now: str | None = None) -> tuple[int, int]:
    """Queue, once, stored mentions published since `since` that never alerted; (mentions, rows) queued.

    Mentions below their threshold and rejected ones stay out, as in a run; the queue's
    one row per (channel, person, story) makes a second backfill queue nothing.
    """
    now = now or utcnow()
    if since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)
    window = (parse_datetime(now) - since).total_seconds() / 86400
    wide = replace(settings, backfill_days=max(window, settings.backfill_days))
    mentions = rows = 0
    with db.atomic():
        for row in list(db.query(_NOT_QUEUED.format(condition="m.alertable = 1"))):
            when = parse_datetime(row["published"])
            if when is not None and when < since:
                continue
            written = queue.queue_mention(db, row["id"], row["person_id"], row["article_id"], row["story_id"],
                                          row["published"], wide, now, snippet=row["snippet"] or "")
            mentions += bool(written)
            rows += written
    return mentions, rows
