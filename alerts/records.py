"""The alerts table's life cycle: claim queued rows into an alert, record each attempt and its outcome.

Three queues feed an alert: `outbox` (new mentions), `change_alerts` ("vanished": a
page no longer names someone it named) and `health_alerts` (a source that needs a person).
All are claimed the same way, in one transaction.

Every step is its own short transaction, so a run killed at any instant leaves either the
state before the step or after it. See docs/alerts.md for the one window that can repeat.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from sqlite_utils import Database

from . import content
from .errors import DeliveryError

# Outbox rows not yet in an alert, minus those a reviewer has since rejected (they stay
# unassigned, and go out if the verdict is changed to confirmed).
_FRESH_SQL = """
select o.id from outbox o
where o.channel = ? and o.alert_id is null
and not exists (
    select 1 from reviews r join articles a on a.id = r.article_id
    where r.person_id = o.person_id and r.verdict = 'rejected' and (a.story_id = o.story_id or a.id = o.story_id)
)
order by o.id
"""

# The same for change_alerts rows (kinds the dispatcher can word): a rejection of any copy of
# the page's story withholds them, as it does new mentions (monitor/archive/changes.py `_rejected`).
_FRESH_CHANGES_SQL = """
select c.id from change_alerts c join articles b on b.id = c.article_id
where c.channel = ? and c.alert_id is null and c.kind = 'vanished'
and not exists (
    select 1 from reviews r join articles a on a.id = r.article_id
    where r.person_id = c.person_id and r.verdict = 'rejected'
    and coalesce(a.story_id, a.id) = coalesce(b.story_id, b.id)
)
order by c.id
"""

# Source-health notices (monitor/archive/health.py) not yet in an alert: nothing withholds them.
_FRESH_HEALTH_SQL = "select id from health_alerts where channel = ? and alert_id is null order by id"

# The queues an alert draws from, in the order claim() takes them.
_QUEUES = ("outbox", "change_alerts", "health_alerts")

# What an alert carries, for alerts.mention_ids: its new mentions, then the earlier mentions
# it reports as no longer named. `content` tells the two apart (each item has a `kind`).
_CARRIED_SQL = """
select mention_id from (
    select 0 as part, mention_id, mention_id as n from outbox where alert_id = :id
    union all
    select 1, mention_id, id from change_alerts where alert_id = :id
) order by part, n
"""


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def claim(db: Database, channel: str, now: datetime, ignore_backoff: bool = False) -> list[dict]:
    """Put the channel's new outbox, change_alerts and health_alerts rows into an alert; return its alerts due now.

    New rows join the newest pending alert that cannot have reached anyone yet (so an
    outage ends in one message, not one per run); otherwise they start a new alert.
    """
    stamp = iso(now)
    with db.atomic():
        fresh = [row[0] for row in db.execute(_FRESH_SQL, [channel]).fetchall()]
        changes = [row[0] for row in db.execute(_FRESH_CHANGES_SQL, [channel]).fetchall()]
        health = [row[0] for row in db.execute(_FRESH_HEALTH_SQL, [channel]).fetchall()]
        if fresh or changes or health:
            alert_id = _open_alert(db, channel) or db["alerts"].insert(
                {"channel": channel, "status": "pending", "attempts": 0, "created_at": stamp,
                 "next_attempt_at": stamp, "maybe_delivered": 0, "parts_sent": 0}
            ).last_pk
            for table, ids in zip(_QUEUES, (fresh, changes, health), strict=True):
                if ids:
                    db.execute(f"update {table} set alert_id = ? where id in (select value from json_each(?))",
                               [alert_id, json.dumps(ids)])
            db.execute("update alerts set mention_ids = ? where id = ?", [json.dumps(carried(db, alert_id)), alert_id])
        return [dict(row) for row in db.query(
            "select * from alerts where channel = ? and status = 'pending' "
            "and (? or next_attempt_at is null or next_attempt_at <= ?) order by id",
            [channel, int(ignore_backoff), stamp])]


def revive_failed(db: Database, channels: Sequence[str]) -> int:
    """Make the channels' failed alerts pending again, with a fresh allowance of attempts; return how many.

    Their content and Message-ID are kept, so one that may have reached someone is resent as
    the same message; `error` keeps the last failure until the next attempt.
    """
    with db.atomic():
        return db.execute(
            "update alerts set status = 'pending', attempts = 0, next_attempt_at = null "
            "where status = 'failed' and channel in (select value from json_each(?))",
            [json.dumps(list(channels))]).rowcount


def carried(db: Database, alert_id: int) -> list[int]:
    """alerts.mention_ids: the alert's new mentions (by id), then the vanished ones (as queued)."""
    return [r[0] for r in db.execute(_CARRIED_SQL, {"id": alert_id})]


def _open_alert(db: Database, channel: str) -> int | None:
    row = db.execute(
        "select id from alerts where channel = ? and status = 'pending' and maybe_delivered = 0 "
        "order by id desc limit 1", [channel]).fetchone()
    return row[0] if row else None


def drop_if_empty(db: Database, alert_id: int) -> bool:
    """Delete an alert left with nothing to say (a review withdrew every row); True if so."""
    with db.atomic():
        for table in _QUEUES:
            if db.execute(f"select 1 from {table} where alert_id = ? limit 1", [alert_id]).fetchone():
                return False
        db.execute("delete from alerts where id = ? and status = 'pending' and maybe_delivered = 0", [alert_id])
        return True


def start_attempt(db: Database, alert: dict, now: datetime, domain: str) -> dict:
    """Record that an attempt begins; freeze what the alert says from here on. Returns the row.

    Until an attempt may have reached the recipient the text is rebuilt from the archive
    (a syndicated copy found meanwhile adds its link); after that it never changes, and
    neither does its Message-ID, so a resend is an exact duplicate a mail client can drop.
    """
    with db.atomic():
        row = dict(next(iter(db.query("select * from alerts where id = ?", [alert["id"]]))))
        if not row["maybe_delivered"] or not row["content"]:
            text = content.dumps(content.load_items(db, row["id"]))
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
            row["content"], row["message_id"] = text, f"<alert-{row['id']}.{digest}@{domain}>"
            # A review may have taken rows out since the claim (monitor/archive/review.py): say what goes.
            row["mention_ids"] = json.dumps(carried(db, row["id"]))
        row["attempts"] = (row["attempts"] or 0) + 1
        row["last_attempt_at"] = iso(now)
        db["alerts"].update(row["id"], {
            "content": row["content"], "message_id": row["message_id"], "mention_ids": row["mention_ids"],
            "attempts": row["attempts"],
            "last_attempt_at": row["last_attempt_at"], "maybe_delivered": 1,
        })
    return row


def record_parts(db: Database, alert_id: int, parts_sent: int) -> None:
    with db.atomic():
        db["alerts"].update(alert_id, {"parts_sent": parts_sent})


def mark_sent(db: Database, alert_id: int, now: datetime, note: str = "") -> None:
    with db.atomic():
        db["alerts"].update(alert_id, {"status": "sent", "sent_at": iso(now), "error": note or None,
                                       "next_attempt_at": None})


def mark_failed(
    db: Database,
    row: dict,
    error: DeliveryError,
    now: datetime,
    delay: timedelta,
    max_attempts: int,
    was_maybe_delivered: bool,
) -> str:
    """Record a failed attempt; return the alert's new status (pending or failed)."""
    attempts = row["attempts"]
    if not error.retryable or attempts >= max_attempts:
        status, next_at = "failed", None
    else:
        wait = max(delay, timedelta(seconds=error.retry_after or 0))
        status, next_at = "pending", iso(now + wait)
    with db.atomic():
        parts = db.execute("select parts_sent from alerts where id = ?", [row["id"]]).fetchone()[0] or 0
        db["alerts"].update(row["id"], {
            "status": status,
            "error": f"attempt {attempts}: {error}",
            "next_attempt_at": next_at,
            "maybe_delivered": int(was_maybe_delivered or error.maybe_delivered or parts > 0),
        })
    return status


def pending_count(db: Database, channel: str) -> int:
    return db.execute("select count(*) from alerts where channel = ? and status = 'pending'",
                      [channel]).fetchone()[0]
