"""The alert queue (`alert_queue`): what is due an alert on which channel, and the policy that decides it.

Every kind of notice waits here until the dispatcher (alerts/records.py) claims it into an
`alerts` row: `mention` (a confident new mention, once per channel, person and story),
`possible` (one below alerts.min_score, its own lane), `vanished` (a page no longer names
someone it named, once ever per channel, person and page) and `health` (a source that
needs a person, once per channel and episode). Rows are written inside the transaction
that stores what they are about, so both land or neither does.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlite_utils import Database

from ..config import AlertSettings
from ..dates import parse_datetime
from .routing import channels_for, person_name

# Shorter snippets ("Andry Hernández said.") say too little to stand for a namesake's story.
MIN_WORDING_CHARS = 40

logger = logging.getLogger(__name__)

MENTION, POSSIBLE, VANISHED, HEALTH = "mention", "possible", "vanished", "health"
# The kinds the dispatcher knows how to word (alerts/content.py): only these are claimed.
KINDS = (MENTION, POSSIBLE, VANISHED, HEALTH)


def queue_mention(
    db: Database,
    mention_id: int,
    person_id: int,
    article_id: int,
    story_id: int,
    published: str | None,
    settings: AlertSettings,
    now: str,
    snippet: str = "",
    possible: bool = False,
) -> int:
    """Queue an alert-worthy mention on every configured channel; return rows written.

    Called inside the transaction that stores the mention, so the mention and its
    pending alerts land together or not at all. One row per (channel, person, story):
    a syndicated copy of a story already queued adds nothing.

    `possible` (a mention below alerts.min_score, for the digest's "possible mentions"
    section) has a lane of its own: once per (channel, person, story) too, never where
    the story already alerted, and never in the way of a later confident row.
    """
    if possible and not settings.possible:
        return 0
    if not published:
        # No date on the page or in the feed: when the archive first saw it stands in, so a
        # rematch over old undated articles (a person just added) does not flood the team.
        row = db.execute("select fetched_at from articles where id = ?", [article_id]).fetchone()
        published = row[0] if row else None
    if rejected(db, person_id, story_id) or rejected_wording(db, person_id, snippet):
        return 0
    if not is_recent(published, settings, now):
        return 0
    written = 0
    for channel in channels_for(settings, person_name(db, person_id)):
        if possible and _alerted(db, channel, person_id, story_id):
            continue
        cursor = db.execute(
            "insert or ignore into alert_queue (kind, channel, person_id, story_id, article_id, mention_id, "
            "created_at) values (?, ?, ?, ?, ?, ?, ?)",
            [POSSIBLE if possible else MENTION, channel, person_id, story_id, article_id, mention_id, now],
        )
        written += cursor.rowcount
    return written


def _alerted(db: Database, channel: str, person_id: int, story_id: int) -> bool:
    """The story is already queued (or sent) as a confident alert on this channel."""
    row = db.execute(
        "select 1 from alert_queue where channel = ? and kind = 'mention' and person_id = ? and story_id = ? limit 1",
        [channel, person_id, story_id],
    ).fetchone()
    return row is not None


def queue_vanished(db: Database, person_id: int, article_id: int, story_id: int, mention_id: int, check_id: int,
                   channels: Sequence[str], now: str) -> int:
    """Queue "the page no longer names this person" on each channel, once ever per (person, page); rows written.

    The caller (monitor/archive/changes.py) has checked the mention was strong enough to alert;
    a (person, story) a reviewer rejected is not queued.
    """
    if rejected(db, person_id, story_id):
        return 0
    written = 0
    for channel in channels:
        written += db.execute(
            "insert or ignore into alert_queue (kind, channel, person_id, story_id, article_id, mention_id, check_id, "
            "created_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
            [VANISHED, channel, person_id, story_id, article_id, mention_id, check_id, now]).rowcount
    return written


def queue_health(db: Database, channel: str, url: str, kind: str, problem: str, detail: str, since: str,
                 run_id: int, now: str) -> int:
    """Queue a source-health notice on a channel, once per (source, problem, episode `since`); rows written."""
    return db.execute(
        "insert or ignore into alert_queue (kind, channel, source_url, source_kind, problem, detail, since, run_id, "
        "created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [HEALTH, channel, url, kind, problem, detail, since, run_id, now]).rowcount


# Rows waiting for an alert on a channel, minus those about a (person, story) a reviewer
# has since rejected: they stay unassigned, and go out if the verdict becomes confirmed.
_WAITING_SQL = """
select q.id from alert_queue q
where q.channel = ? and q.alert_id is null and q.kind in (select value from json_each(?))
and not exists (select 1 from rejected_stories x where x.person_id = q.person_id and x.story_id = q.story_id)
order by q.id
"""

# What an alert carries, for alerts.mention_ids: its new mentions (confident and possible,
# by mention id), then the earlier mentions it reports as no longer named (as queued).
_CARRIED_SQL = """
select mention_id from alert_queue where alert_id = :id and mention_id is not null
order by kind = 'vanished', case when kind = 'vanished' then id else mention_id end
"""


def waiting(db: Database, channel: str) -> list[int]:
    """Ids of the channel's rows due an alert and in none yet, oldest first."""
    return [row[0] for row in db.execute(_WAITING_SQL, [channel, json.dumps(KINDS)])]


def assign(db: Database, row_ids: Sequence[int], alert_id: int) -> None:
    """Put rows into an alert (the caller's transaction)."""
    db.execute("update alert_queue set alert_id = ? where id in (select value from json_each(?))",
               [alert_id, json.dumps(list(row_ids))])


def carried(db: Database, alert_id: int) -> list[int]:
    """alerts.mention_ids of an alert: its new mentions by id, then the vanished ones as queued."""
    return [r[0] for r in db.execute(_CARRIED_SQL, {"id": alert_id})]


def carries_anything(db: Database, alert_id: int) -> bool:
    return db.execute("select 1 from alert_queue where alert_id = ? limit 1", [alert_id]).fetchone() is not None


def withdraw(db: Database, person_id: int, story_id: int, unsent_alerts_sql: str) -> tuple[int, set[int]]:
    """Take the person's rows for a story out of the alerts `unsent_alerts_sql` selects; (rows, alerts touched)."""
    where = f"person_id = :person and story_id = :story and alert_id in ({unsent_alerts_sql})"
    params = {"person": person_id, "story": story_id}
    alert_ids = {r[0] for r in db.execute(f"select alert_id from alert_queue where {where}", params)}
    withdrawn = db.execute(f"update alert_queue set alert_id = null where {where}", params).rowcount
    return withdrawn, alert_ids


def rejected(db: Database, person_id: int, story_id: int) -> bool:
    """A reviewer said "not this person" for an article of this story (the `rejected_stories` view)."""
    row = db.execute("select 1 from rejected_stories where person_id = ? and story_id = ? limit 1",
                     [person_id, story_id]).fetchone()
    return row is not None


def rejected_wording(db: Database, person_id: int, snippet: str) -> bool:
    """A reviewer rejected this very sentence for this person, in another article.

    Negative context from reviews: the same wording about a namesake under another URL
    that is not the same story (a brief quoting one paragraph, a page republished with
    other text around it) is stored, but the reviewer is not alerted about it again.
    """
    if not snippet.strip():
        return False
    rows = db.execute(
        "select m.snippet from reviews r join mentions m on m.person_id = r.person_id "
        "and m.article_id = r.article_id where r.person_id = ? and r.verdict = 'rejected'",
        [person_id],
    )
    mine = snippet_key(snippet)
    return any(_same_wording(mine, snippet_key(other or "")) for (other,) in rows)


def _same_wording(a: str, b: str) -> bool:
    """One snippet holds the other whole (a headline or a neighbouring line may widen either)."""
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= MIN_WORDING_CHARS and shorter in longer


def snippet_key(snippet: str) -> str:
    """A snippet as compared with rejected ones: case and spacing do not count."""
    return " ".join(snippet.casefold().split())


def is_recent(published: str | None, settings: AlertSettings, now: str) -> bool:
    """Back catalogue (published before the backfill window) is stored but not alerted.

    This is what keeps a new feed, sitemap or site, or a person added and rematched,
    from flooding the team: only articles from the last `alerts.backfill_days` (3 by
    default) alert. Raise it to alert more of the back catalogue.
    """
    when = parse_datetime(published)
    if when is None:  # no date, or one we cannot read: alert rather than miss it
        if published and published.strip():
            logger.warning("unreadable publication date %r: alerting as if undated", published)
        return True
    cutoff = datetime.fromisoformat(now) - timedelta(days=settings.backfill_days)
    return when >= cutoff
