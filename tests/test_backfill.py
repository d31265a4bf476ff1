"""Say why nothing alerted, and `monitor alerts backfill`: real runs of `monitor` over a loopback site."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_monitor, write_config
from pages import article_html, rss

PEOPLE = '[[person]]\nname = "Andry José Hernández Romero"\ncontext = ["CECOT"]\n'
ALERTS = '[alerts]\nmin_score = 90\n\n[alerts.file]\ndir = "alerts"\n'


def alerted_urls(folder: Path) -> list[str]:
    return [item["url"].rsplit("/", 1)[1] for path in sorted(folder.glob("alert-*.json"))
            for item in json.loads(path.read_text(encoding="utf-8"))["mentions"]]


def test_run_says_why_old_mentions_did_not_alert_and_backfill_queues_them_once(tmp_path, site):
    paragraph = ("Andry José Hernández Romero, deported to the CECOT prison in March, has not called his "
                 "mother since, his lawyers said.")
    site.add("/news/old.html", article_html("Old news", [paragraph], date="2025-03-20"))
    other = ("A court in Washington was asked on Monday to order proof of life for Andry José Hernández "
             "Romero; the judge gave the government until Friday to answer the families' petition.")
    site.add("/news/older.html", article_html("Older news", [other], date="2025-01-10"))
    site.add("/feed.xml", rss([{"title": t, "link": f"{site.base}/news/{t}.html"} for t in ("old", "older")]),
             "application/rss+xml")
    config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n\n{ALERTS}', PEOPLE)

    result = run_monitor("run", "-c", str(config))
    assert result.returncode == 0, result.stderr
    assert "2 new mentions" in result.stdout
    summary = result.stdout.splitlines()[0]  # still the one line cron mails
    assert summary.endswith("; 2 mentions not alerted: 2 published more than 3 days ago (raise alerts.backfill_days, "
                            "or queue them once with `monitor alerts backfill --since DATE`)")
    assert alerted_urls(tmp_path / "alerts") == []

    result = run_monitor("alerts", "backfill", "--since", "2025-03-01", "-c", str(config))
    assert result.returncode == 0, result.stderr
    assert "queued 1 mention published since 2025-03-01" in result.stdout
    assert run_monitor("alerts", "send", "-c", str(config)).returncode == 0
    assert alerted_urls(tmp_path / "alerts") == ["old.html"]

    # Once: a second backfill and the next run add nothing.
    again = run_monitor("alerts", "backfill", "--since", "2025-03-01", "-c", str(config))
    assert "queued 0 mentions" in again.stdout
    assert run_monitor("run", "-c", str(config)).returncode == 0
    assert alerted_urls(tmp_path / "alerts") == ["old.html"]


def test_backfill_needs_a_date_and_a_channel(tmp_path):
    config = write_config(tmp_path, "", PEOPLE)
    bad = run_monitor("alerts", "backfill", "--since", "March", "-c", str(config))
    assert bad.returncode == 2 and "--since" in bad.stderr
    none = run_monitor("alerts", "backfill", "--since", "2025-03-01", "-c", str(config))
    assert none.returncode == 2 and "no alert channel configured" in none.stderr


def test_not_alerted_counts_each_reason_once_per_person_and_story(tmp_path):
    from alert_servers import ANDRY, MERWIL, NERI, AlertWorld

    from monitor.archive.unalerted import explain, not_alerted

    world = AlertWorld(tmp_path, None, None, file_channel=True)
    try:
        world.add(ANDRY, score=60)  # stored for review, below alerts.min_score
        world.add(MERWIL, published="2025-01-10T08:00:00Z")  # back catalogue
        world.add(NERI)  # alerts: not counted
        counts = not_alerted(world.db, None, world.settings)
        assert counts == {"low": 1, "old": 1}
        assert explain(counts, world.settings) == (
            "2 mentions not alerted: 1 below min_score 90 (lower alerts.min_score or the person's min_score, "
            "or review them in the review_queue), 1 published more than 3 days ago (raise alerts.backfill_days, "
            "or queue them once with `monitor alerts backfill --since DATE`)")
    finally:
        world.archive.close()


def test_rematch_says_why_new_mentions_did_not_alert(tmp_path, site):
    paragraph = ("Merwil Gutiérrez Flores, deported to the CECOT prison in March, has not called his "
                 "family since, his lawyers said on Thursday in Caracas.")
    site.add("/news/merwil.html", article_html("Old news", [paragraph], date="2025-03-20"))
    site.add("/feed.xml", rss([{"title": "merwil", "link": f"{site.base}/news/merwil.html"}]), "application/rss+xml")
    feed = f'[[feed]]\nurl = "{site.base}/feed.xml"\n\n{ALERTS}'
    config = write_config(tmp_path, feed, PEOPLE)
    assert run_monitor("run", "-c", str(config)).returncode == 0
    # Merwil joins the watchlist; the stored article names him, but it is months old.
    write_config(tmp_path, feed, PEOPLE + '\n[[person]]\nname = "Merwil Gutiérrez Flores"\n')
    result = run_monitor("rematch", "-c", str(config))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].endswith(
        "1 new mentions, 0 alerts queued; 1 mention not alerted: 1 published more than 3 days ago "
        "(raise alerts.backfill_days, or queue them once with `monitor alerts backfill --since DATE`)")
    assert alerted_urls(tmp_path / "alerts") == []
