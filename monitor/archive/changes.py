"""Change watch: which mentioned articles are due a re-check, and what a re-check found.

Each article that yielded a mention is fetched again `recheck_days` after it was first
fetched (default 1, 7 and 30 days). A check is recorded as `unchanged`, `changed` (the
extracted text differs from the last version kept), `gone` (HTTP 404 or 410) or
`unreachable` (any other failure: a down server is not a deleted article). When the page
no longer names a person it named before, the mention gets `vanished_at` and one
`vanished` row per channel is queued in `alert_queue` (monitor/archive/queue.py) for the dispatcher.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone

from sqlite_utils import Database

from ..config import AlertSettings
from ..extract import MIN_TEXT_CHARS, extract_fields
from ..items import Fetched, Mention
from ..match import Watchlist
from ..match.article import article_mentions
from . import queue
from .routing import channels_for, person_name
from .store import utcnow

GONE = (404, 410)



def due_rechecks(db: Database, days: tuple[float, ...], now: datetime | None = None) -> list[dict]:
    """Articles (id, url) whose next scheduled re-check has come: the n-th check is due `days[n]` after first fetch.

    Only articles that name someone (at fetch time or found later by `monitor rematch`) and
    whose page response was kept are watched. A monitor that was off catches up one check
    per run; a mention rematch finds in an old article joins with its overdue checks.
    """
    now = now or datetime.now(timezone.utc)
    rows = db.query(
        "select a.id, a.url, a.fetched_at, (select count(*) from checks c where c.article_id = a.id) as done "
        "from articles a where exists (select 1 from responses r where r.article_id = a.id and r.kind = 'first') "
        "and exists (select 1 from mentions m where m.article_id = a.id) order by a.id")
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


def needs_text(fetched: Fetched) -> bool:
    """The re-check answered with a page whose text decides the check (not gone, not a failure)."""
    return fetched.http_status not in GONE and fetched.body is not None and (fetched.http_status or 0) < 400


def last_kept(db: Database, article_id: int) -> tuple[bytes, str] | None:
    """The body and final URL of the article's last kept version, to extract and compare with."""
    last = last_kept_gz(db, article_id)
    return (gzip.decompress(last[0]), last[1]) if last else None


def last_kept_gz(db: Database, article_id: int) -> tuple[bytes, str] | None:
    """`last_kept`, its body still gzip-compressed as stored."""
    return db.execute("select body_gz, final_url from responses where article_id = ? order by id desc limit 1",
                      [article_id]).fetchone()


def record_check(
    db: Database,
    article_id: int,
    fetched: Fetched,
    watchlist: Watchlist,
    people_ids: Mapping[str, int],
    alerts: AlertSettings,
) -> dict:
    """Compare a re-check with the last kept version of the article, extracting in this process; store the check.

    A crawl extracts and matches in its worker pool instead and calls `store_check`.
    """
    fields = before = None
    mentions: list[Mention] = []
    if needs_text(fetched):
        fields = extract_fields(fetched.body, fetched.final_url)  # bytes: trafilatura finds the encoding
        last = last_kept(db, article_id)
        before = extract_fields(*last) if last else None
        if fields is not None:
            mentions = article_mentions(fields["title"], fields["text"], watchlist)
    return store_check(db, article_id, fetched, fields, before, mentions, people_ids, alerts)


def store_check(
    db: Database,
    article_id: int,
    fetched: Fetched,
    fields: dict | None,
    before: dict | None,
    mentions: Sequence[Mention],
    people_ids: Mapping[str, int],
    alerts: AlertSettings,
    failure: str = "",
) -> dict:
    """Store and return the check row, given the page's extracted `fields` (None if none), the last kept
    version's `before`, and the `mentions` found in `fields`; `failure` says why the page could not be read."""
    now = utcnow()
    row = {"article_id": article_id, "checked_at": now, "http_status": fetched.http_status,
           "sha256": hashlib.sha256(fetched.body).hexdigest() if fetched.body is not None else None}
    if fetched.http_status in GONE:
        row.update(status="gone", note=f"HTTP {fetched.http_status}")
        fields = None
    elif not needs_text(fetched):
        row.update(status="unreachable", note=fetched.error or f"HTTP {fetched.http_status}")
        fields = None
    elif failure:
        row.update(status="unreachable", note=failure)  # the worker died, hung or ran out of memory on it
        fields = None
    else:
        stored = db.execute("select length(text) from articles where id = ?", [article_id]).fetchone()[0] or 0
        if fields is None or len(fields["text"]) < min(MIN_TEXT_CHARS, stored):
            # A consent wall or bot challenge must not read as "the name was removed".
            row.update(status="unreachable", note="no article text on the page (an error or challenge page?)")
            fields = None
    with db.atomic():
        if fields is not None:
            _compare(db, row, fields, before, mentions, fetched, people_ids)
        vanished = row.pop("vanished", [])
        row["id"] = db["checks"].insert(row).last_pk
        for person_id in vanished:
            _vanished(db, article_id, person_id, row["id"], alerts, now)
    return row


def _compare(db: Database, row: dict, fields: dict, before: dict | None, mentions: Sequence[Mention],
             fetched: Fetched, people_ids: Mapping[str, int]) -> None:
    """Fill in status, mentions_present and the people no longer named; keep a changed version."""
    article_id = row["article_id"]
    changed = _text(before) != _text(fields)
    names = {people_ids[m.person.name] for m in mentions if m.person.name in people_ids}
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
        "select m.id, coalesce(a.story_id, a.id) from mentions m join articles a on a.id = m.article_id "
        "where m.article_id = ? and m.person_id = ? and m.alertable = 1 order by m.id limit 1",
        [article_id, person_id]).fetchone()
    if mention is None:
        return
    mention_id, story_id = mention
    queue.queue_vanished(db, person_id, article_id, story_id, mention_id, check_id,
                         channels_for(alerts, person_name(db, person_id)), now)
