"""The alerts table's life cycle: claim queued rows into an alert, record each attempt and its outcome.

One queue feeds an alert: `alert_queue` (monitor/archive/queue.py), whose rows are new mentions
(confident or possible), "vanished" notices (a page no longer names someone it named) and
source-health notices. A channel's waiting rows are claimed in one transaction.

Every step is its own short transaction, so a run killed at any instant leaves either the
state before the step or after it. See docs/alerts.md for the one window that can repeat.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from sqlite_utils import Database

from monitor.archive import queue

from . import content
from .errors import DeliveryError


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def claim(db: Database, channel: str, now: datetime, ignore_backoff: bool = False) -> list[dict]:
    """Put the channel's waiting alert_queue rows into an alert; return its alerts due now.

    New rows join the newest pending alert that cannot have reached anyone yet (so an
    outage ends in one message, not one per run); otherwise they start a new alert.
    """
    stamp = iso(now)
    with db.atomic():
        fresh = queue.waiting(db, channel)
        if fresh:
            alert_id = _open_alert(db, channel) or db["alerts"].insert(
                {"channel": channel, "status": "pending", "attempts": 0, "created_at": stamp,
                 "next_attempt_at": stamp, "maybe_delivered": 0, "parts_sent": 0}
            ).last_pk
            queue.assign(db, fresh, alert_id)
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


carried = queue.carried


def _open_alert(db: Database, channel: str) -> int | None:
    row = db.execute(
        "select id from alerts where channel = ? and status = 'pending' and maybe_delivered = 0 "
        "order by id desc limit 1", [channel]).fetchone()
    return row[0] if row else None


def drop_if_empty(db: Database, alert_id: int) -> bool:
    """Delete an alert left with nothing to say (a review withdrew every row); True if so."""
    with db.atomic():
        if queue.carries_anything(db, alert_id):
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
