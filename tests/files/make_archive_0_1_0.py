"""Builds archive-0.1.0.sqlite: an archive as release 0.1.0 left it, for the migration test.

Run with release 0.1.0 installed (`python tests/files/make_archive_0_1_0.py OUT.sqlite`);
later code no longer has the tables this fills, which is the point. It fills every
queue table 0.1.0 had (`outbox` with its `possible` lane, `change_alerts`,
`health_alerts`) with rows in every state: waiting, carried by a sent alert, carried by a
failed alert, carried by a pending alert that may have been delivered, and held back by a
reviewer's rejection. The channels are `file` and `slack` (as tests/test_archive_upgrade.py
configures them).
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from monitor.changes import Fetched, record_check
from monitor.health import HealthProblem, queue_health_notices
from monitor.review import review
from monitor.store import Archive

from alerts import records
from alerts.errors import DeliveryError
from monitor.config import AlertSettings, FileChannelSettings, SlackSettings
from monitor.items import Article, Mention, Person
from monitor.match import compile_watchlist

PEOPLE = (Person("Andry José Hernández Romero"), Person("Merwil Gutiérrez Flores"), Person("Neri José Alvarado Borges"))
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def _page(n: int, person: Person, extra: str = "") -> tuple[str, str]:
    unique = " ".join(f"s{n}w{i}" for i in range(25))
    text = (f"Story {n}: {unique}. Relatives of {person.name} said they had no news since March, "
            f"when {person.name} was sent to CECOT. {extra}{unique}.")
    html = f"<html><body><article><h1>Story {n}</h1><p>{text}</p></article></body></html>"
    return text, html


def _store(archive: Archive, ids: dict, n: int, person: Person, score: int = 95, text: str = "") -> int:
    body_text, html = _page(n, person)
    text = text or body_text
    start = text.index(person.name)
    article = Article(url=f"https://news{n}.example.org/story/{n}", title=f"Story {n}", text=text,
                      source="https://example.org/rss.xml", published=NOW.isoformat(), outlet="Example News",
                      final_url=f"https://news{n}.example.org/story/{n}", status=200,
                      headers={"Content-Type": "text/html"}, body=html.encode(), fetched_at=NOW.isoformat())
    mention = Mention(person=person, matched=person.name, start=start, end=start + len(person.name), score=score,
                      snippet=text[max(0, start - 60): start + len(person.name) + 60])
    saved = archive.save_article(article, [mention], ids)
    return saved.article_id


def _recheck(db, article_id: int, watchlist, ids: dict, settings: AlertSettings) -> None:
    """A re-check that finds the page rewritten without the name it had."""
    url = db["articles"].get(article_id)["url"]
    _, html = _page(100 + article_id, Person("Someone Else Entirely"))
    record_check(db, article_id, Fetched(200, url, {}, html.encode()), watchlist, ids, settings)


def build(out: Path) -> None:
    out.unlink(missing_ok=True)
    settings = AlertSettings(min_score=90, backfill_days=36500, file=FileChannelSettings(dir=out.parent / "x"),
                             slack=SlackSettings(webhook_url_env="TEST_SLACK_WEBHOOK"))
    archive = Archive(out, alerts=settings)
    db = archive.db
    ids = archive.sync_people(PEOPLE)
    andry, merwil, neri = PEOPLE
    # 1-2: alerted, then sent on both channels.
    first = [_store(archive, ids, 1, andry), _store(archive, ids, 2, merwil)]
    for channel in ("file", "slack"):
        for due in records.claim(db, channel, NOW):
            row = records.start_attempt(db, due, NOW, "example.org")
            records.mark_sent(db, row["id"], NOW)
    # 3: carried by a file alert that failed for good, and by a slack alert that may have
    # been delivered and waits for a retry.
    _store(archive, ids, 3, neri)
    later = NOW + timedelta(hours=1)
    (due,) = records.claim(db, "file", later)
    row = records.start_attempt(db, due, later, "example.org")
    records.mark_failed(db, row, DeliveryError("disk full", retryable=False), later, timedelta(0), 3, False)
    (due,) = records.claim(db, "slack", later)
    row = records.start_attempt(db, due, later, "example.org")
    records.mark_failed(db, row, DeliveryError("timed out", retryable=True, maybe_delivered=True), later,
                        timedelta(minutes=5), 3, False)
    # A re-check of article 1 no longer names Andry, and a failing source: sent on both channels.
    watchlist = compile_watchlist(PEOPLE)
    _recheck(db, first[0], watchlist, ids, settings)
    run_id = archive.start_run("run")
    queue_health_notices(db, run_id, [HealthProblem("https://down.example.org/rss", "feed", "failing",
                                                    "failed 3 runs in a row (last: HTTP 500)", "2026-11-28")],
                         settings, NOW)
    sent_at = later + timedelta(hours=1)
    for channel in ("file", "slack"):
        for due in records.claim(db, channel, sent_at, ignore_backoff=True):
            if due["maybe_delivered"]:
                continue  # the slack alert of story 3 stays pending, frozen
            row = records.start_attempt(db, due, sent_at, "example.org")
            records.mark_sent(db, row["id"], sent_at)
    # Waiting, in no alert yet: story 4, a possible mention (5, below min_score), a
    # re-check of article 2 that no longer names Merwil, a source gone dark.
    _store(archive, ids, 4, merwil)
    _store(archive, ids, 5, andry, score=85)
    _recheck(db, first[1], watchlist, ids, settings)
    queue_health_notices(db, run_id, [HealthProblem("https://quiet.example.org/sitemap.xml", "sitemap", "dark",
                                                    "went dark: nothing new for 9 days", "2026-11-20")],
                         settings, NOW)
    # 6: rejected by a reviewer before dispatch: its rows wait, held back for good.
    rejected = _store(archive, ids, 6, neri)
    mention_id = db.execute("select id from mentions where article_id = ?", [rejected]).fetchone()[0]
    review(db, mention_id, "rejected", note="a namesake")
    archive.finish_run(run_id, "ok", pages_fetched=6, articles_new=6, mentions_new=6)
    db.execute("vacuum")
    archive.close()


if __name__ == "__main__":
    build(Path(sys.argv[1]))
