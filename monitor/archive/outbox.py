"""Decides which stored mentions are due an alert and queues them, once per channel and story."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlite_utils import Database

from ..config import AlertSettings
from ..dates import parse_datetime
from .routing import channels_for, person_name

# Shorter snippets ("Andry Hernández said.") say too little to stand for a namesake's story.
MIN_WORDING_CHARS = 40

logger = logging.getLogger(__name__)


def queue(
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
    if _rejected(db, person_id, story_id) or _rejected_wording(db, person_id, snippet):
        return 0
    if not is_recent(published, settings, now):
        return 0
    written = 0
    for channel in channels_for(settings, person_name(db, person_id)):
        if possible and _alerted(db, channel, person_id, story_id):
            continue
        cursor = db.execute(
            "insert or ignore into outbox (channel, person_id, story_id, mention_id, created_at, possible) "
            "values (?, ?, ?, ?, ?, ?)",
            [channel, person_id, story_id, mention_id, now, int(possible)],
        )
        written += cursor.rowcount
    return written


def _alerted(db: Database, channel: str, person_id: int, story_id: int) -> bool:
    """The story is already queued (or sent) as a confident alert on this channel."""
    row = db.execute(
        "select 1 from outbox where channel = ? and person_id = ? and story_id = ? and possible = 0 limit 1",
        [channel, person_id, story_id],
    ).fetchone()
    return row is not None


def _rejected(db: Database, person_id: int, story_id: int) -> bool:
    """A reviewer said "not this person" for an article of this story."""
    row = db.execute(
        "select 1 from reviews r join articles a on a.id = r.article_id "
        "where r.person_id = ? and r.verdict = 'rejected' and (a.story_id = ? or a.id = ?) limit 1",
        [person_id, story_id, story_id],
    ).fetchone()
    return row is not None


def _rejected_wording(db: Database, person_id: int, snippet: str) -> bool:
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
