"""Change watch: which mentioned articles are due a re-check, and what a re-check found.

Each article that yielded a mention is fetched again `recheck_days` after it was first
fetched (default 1, 7 and 30 days). A check is recorded as `unchanged`, `changed` (the
extracted text differs from the last version kept), `gone` (HTTP 404 or 410) or
`unreachable` (any other failure: a down server is not a deleted article). When the page
no longer names a person it named before, the mention gets `vanished_at` and one
`vanished` row per channel is queued in `change_alerts` for the dispatcher.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlite_utils import Database

from ..config import AlertSettings
from ..extract import MIN_TEXT_CHARS, extract_fields
from ..match import Watchlist
from ..match.article import article_mentions
from .routing import channels_for, person_name
from .store import utcnow

GONE = (404, 410)


@dataclass(frozen=True)
class Fetched:
    """What a re-check fetch returned: a response (body set), or a failure (error set)."""

    http_status: int | None = None
    final_url: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    error: str = ""


def due_rechecks(db: Database, days: tuple[float, ...], now: datetime | None = None) -> list[dict]:
    """Articles (id, url) whose next scheduled re-check has come: the n-th check is due `days[n]` after first fetch.

    Only articles whose page response was kept (those that yielded a mention) are watched.
    A monitor that was off catches up one check per run.
    """
    now = now or datetime.now(timezone.utc)
    rows = db.query(
        "select a.id, a.url, a.fetched_at, (select count(*) from checks c where c.article_id = a.id) as done "
        "from articles a where exists (select 1 from responses r where r.article_id = a.id and r.kind = 'first') "
        "order by a.id")
    due = []
    for row in rows:
        if row["done"] >= len(days) or not row["fetched_at"]:
            continue
        first = datetime.fromisoformat(row["fetched_at"].replace("Z", "+00:00"))
        if first.tzinfo is None:
            first = first.replace(tzinfo=timezone.utc)
        if now >= first + timedelta(days=days[row["done"]]):
            due.append({"id": row["id"], "url": row["url"]})
    return due


def record_check(
    db: Database,
    article_id: int,
    fetched: Fetched,
    watchlist: Watchlist,
    people_ids: Mapping[str, int],
    alerts: AlertSettings,
) -> dict:
    """Compare a re-check with the last kept version of the article; store and return the check row."""
    now = utcnow()
    row = {"article_id": article_id, "checked_at": now, "http_status": fetched.http_status,
           "sha256": hashlib.sha256(fetched.body).hexdigest() if fetched.body is not None else None}
    fields = None
    if fetched.http_status in GONE:
        row.update(status="gone", note=f"HTTP {fetched.http_status}")
    elif fetched.body is None or (fetched.http_status or 0) >= 400:
        row.update(status="unreachable", note=fetched.error or f"HTTP {fetched.http_status}")
    else:
        fields = extract_fields(fetched.body, fetched.final_url)  # bytes: trafilatura finds the encoding
        stored = db.execute("select length(text) from articles where id = ?", [article_id]).fetchone()[0] or 0
        if fields is None or len(fields["text"]) < min(MIN_TEXT_CHARS, stored):
            # A consent wall or bot challenge must not read as "the name was removed".
            row.update(status="unreachable", note="no article text on the page (an error or challenge page?)")
            fields = None
    with db.atomic():
        if fields is not None:
            _compare(db, row, fields, fetched, watchlist, people_ids, alerts)
        vanished = row.pop("vanished", [])
        row["id"] = db["checks"].insert(row).last_pk
        for person_id in vanished:
            _vanished(db, article_id, person_id, row["id"], alerts, now)
    return row


def _compare(db: Database, row: dict, fields: dict, fetched: Fetched, watchlist: Watchlist,
             people_ids: Mapping[str, int], alerts: AlertSettings) -> None:
    """Fill in status, mentions_present and the people no longer named; keep a changed version."""
    article_id = row["article_id"]
    last = db.execute("select body_gz, final_url from responses where article_id = ? order by id desc limit 1",
                      [article_id]).fetchone()
    before = extract_fields(gzip.decompress(last[0]), last[1]) if last else None
    changed = _text(before) != _text(fields)
    names = {people_ids[m.person.name] for m in article_mentions(fields["title"], fields["text"], watchlist)
             if m.person.name in people_ids}
    watched = set(people_ids.values())
    earlier = {r[0] for r in db.execute("select distinct person_id from mentions where article_id = ?", [article_id])}
    earlier &= watched  # someone who left the watchlist cannot be looked for
    gone = sorted(earlier - names)
    row.update(status="changed" if changed else "unchanged", mentions_present=len(earlier & names), vanished=gone)
    if gone:
        people = [r[0] for r in db.execute(
            "select name from people where id in (select value from json_each(?)) order by name", [json.dumps(gone)])]
        row["note"] = "no longer names: " + "; ".join(people)
    if changed:
        db["responses"].insert({
            "article_id": article_id, "url": db["articles"].get(article_id)["url"], "final_url": fetched.final_url,
            "status": fetched.http_status, "headers": json.dumps(dict(fetched.headers), ensure_ascii=False),
            "body_gz": gzip.compress(fetched.body), "sha256": row["sha256"], "fetched_at": row["checked_at"],
            "kind": "recheck",
        })


def _text(fields: dict | None) -> str:
    if not fields:
        return ""
    return " ".join(f"{fields.get('title') or ''}\n{fields.get('text') or ''}".split())


def _vanished(db: Database, article_id: int, person_id: int, check_id: int, alerts: AlertSettings, now: str) -> None:
    """Mark the person's mentions in the article vanished; queue one alert per channel, once ever.

    Not for a (person, story) a reviewer rejected, nor for mentions too weak to have alerted.
    """
    db.execute("update mentions set vanished_at = ? where article_id = ? and person_id = ? and vanished_at is null",
               [now, article_id, person_id])
    mention = db.execute(
        "select id from mentions where article_id = ? and person_id = ? and alertable = 1 order by id limit 1",
        [article_id, person_id]).fetchone()
    if mention is None or _rejected(db, person_id, article_id):
        return
    for channel in channels_for(alerts, person_name(db, person_id)):
        db.execute(
            "insert or ignore into change_alerts (channel, kind, person_id, article_id, mention_id, check_id, "
            "created_at) values (?, 'vanished', ?, ?, ?, ?, ?)",
            [channel, person_id, article_id, mention[0], check_id, now])


def _rejected(db: Database, person_id: int, article_id: int) -> bool:
    row = db.execute(
        "select 1 from reviews r join articles a on a.id = r.article_id join articles b on b.id = ? "
        "where r.person_id = ? and r.verdict = 'rejected' "
        "and (a.id = b.id or a.story_id = coalesce(b.story_id, b.id)) limit 1",
        [article_id, person_id]).fetchone()
    return row is not None
