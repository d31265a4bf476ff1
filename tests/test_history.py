"""Run history stays cheap for years: every history query uses an index, old bookkeeping is pruned,
and "new in this run" is the run's own rows, not a clock comparison."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from conftest import run_monitor, write_config
from pages import article_html, rss

from monitor.archive.health import close_killed_runs, gone_dark, source_problems
from monitor.archive.history import prune_history
from monitor.archive.store import Archive
from monitor.run import run_counts, source_errors
from monitor.sources import search_counts

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def fill_history(db, runs: int = 60, sources: int = 5, start: datetime = NOW - timedelta(days=30)) -> int:
    """`runs` runs over `sources` sources, the last source failing; returns the last run id."""
    for s in range(sources):
        db["sources"].insert({"url": f"https://s{s}.example/feed", "kind": "feed", "consecutive_failures":
                              3 if s == sources - 1 else 0, "last_error": "HTTP 503"})
    run_id = 0
    for n in range(runs):
        when = (start + timedelta(hours=6 * n)).isoformat(timespec="seconds")
        run_id = db["runs"].insert({"started_at": when, "finished_at": when, "status": "ok"}).last_pk
        for s in range(sources):
            failing = s == sources - 1
            db["run_sources"].insert({"run_id": run_id, "url": f"https://s{s}.example/feed", "kind": "feed",
                                      "status": "error" if failing else "ok", "new": 0 if failing else n % 2})
            if failing:
                db["fetch_errors"].insert({"run_id": run_id, "source": f"https://s{s}.example/feed",
                                           "url": f"https://s{s}.example/feed", "reason": "HTTP 503", "at": when})
    return run_id


def test_every_history_query_uses_an_index(tmp_path):
    archive = Archive(tmp_path / "a.db")
    db = archive.db
    run_id = fill_history(db)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    source_problems(db, run_id, NOW)
    gone_dark(db, "https://s0.example/feed", NOW)
    search_counts(db, run_id)
    source_errors(archive, run_id)
    run_counts(archive, run_id)
    archive.mentions_in_run(run_id)
    close_killed_runs(db, run_id)
    prune_history(db, 90, NOW)
    db.conn.set_trace_callback(None)
    history = ("runs", "run_sources", "fetch_errors", "articles", "mentions")
    scans = {}
    for sql in statements:
        if not sql.lstrip().lower().startswith(("select", "update", "delete")):
            continue
        plan = [row[3] for row in db.execute(f"explain query plan {sql}")]
        bad = [step for step in plan if step.startswith("SCAN") and step.split()[1] in history]
        if bad:
            scans[sql] = bad
    assert len(statements) > 10
    assert scans == {}
    archive.close()


def test_old_run_bookkeeping_is_pruned_and_nothing_else(tmp_path, site):
    site.add("/a.html", article_html("Seen", ["Andry José Hernández Romero was seen in CECOT."] * 3))
    site.add("/feed.xml", rss([{"title": "Seen", "link": f"{site.base}/a.html"}]), "application/rss+xml")
    config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n[archive]\nkeep_history_days = 30\n',
                          '[[person]]\nname = "Andry José Hernández Romero"\n')
    first = run_monitor("run", "--no-alerts", "-c", str(config))
    assert first.returncode == 0, first.stderr
    now = datetime.now(timezone.utc)
    archive = Archive(tmp_path / "mentions.db")
    # Run 1 (which stored the article) happened 45 days ago; 80 more runs followed, 6-hourly.
    archive.db["runs"].update(1, {"started_at": (now - timedelta(days=45)).isoformat(timespec="seconds")})
    # (3 hours off the 6-hour grid: no run starts near the 30-day cut-off)
    fill_history(archive.db, runs=80, sources=2, start=now - timedelta(days=40, hours=3))
    cutoff = (now - timedelta(days=30)).isoformat()
    old = [r[0] for r in archive.db.execute("select id from runs where started_at < ?", [cutoff])]
    kept = {row["id"]: row["n"] for row in archive.db.query(
        "select r.id, count(rs.id) as n from runs r left join run_sources rs on rs.run_id = r.id "
        "where r.started_at >= ? group by r.id", [cutoff])}
    before = {t: archive.db[t].count for t in ("articles", "mentions", "responses", "people", "sources")}
    archive.close()
    assert 1 in old and len(old) > 10 and kept

    result = run_monitor("run", "--no-alerts", "-c", str(config))
    assert result.returncode == 0, result.stderr
    archive = Archive(tmp_path / "mentions.db")
    one = lambda sql: archive.db.execute(sql).fetchone()[0]  # noqa: E731
    marks = ",".join(map(str, old))
    assert archive.db.execute(f"select id, started_at, status from runs where id in ({marks})").fetchall() == []
    assert one(f"select count(*) from run_sources where run_id in ({marks})") == 0
    assert one(f"select count(*) from fetch_errors where run_id in ({marks})") == 0
    # The recent runs keep all their rows.
    marks = ",".join(map(str, kept))
    assert one(f"select count(*) from run_sources where run_id in ({marks})") == sum(kept.values())
    assert one(f"select count(*) from runs where id in ({marks})") == len(kept)
    # What users keep: the article run 1 stored, its mentions, its evidence.
    after = {t: archive.db[t].count for t in ("articles", "mentions", "responses", "people", "sources")}
    assert after == before and before["mentions"] == 3 and before["responses"] == 1
    assert one("select count(*) from articles where run_id = 1") == 1
    archive.close()


def test_the_run_summary_lists_only_this_runs_mentions_even_when_the_clock_steps_back(tmp_path, site):
    site.add("/a.html", article_html("First", ["Andry José Hernández Romero was seen in CECOT."] * 3))
    site.add("/b.html", article_html("Second", ["Kilmar Abrego García spoke from Maryland today."] * 3))
    site.add("/feed.xml", rss([{"title": "First", "link": f"{site.base}/a.html"}]), "application/rss+xml")
    config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n',
                          '[[person]]\nname = "Andry José Hernández Romero"\n'
                          '[[person]]\nname = "Kilmar Abrego García"\n')
    first = run_monitor("run", "--no-alerts", "-c", str(config))
    assert "3 new mentions: Andry José Hernández Romero (1 articles)" in first.stdout, first.stdout
    # The server's clock is set back an hour (NTP): run 1's rows now look later than run 2's start.
    with sqlite3.connect(tmp_path / "mentions.db") as db:
        later = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat(timespec="seconds")
        db.execute("update mentions set created_at = ?", [later])
        db.execute("update articles set fetched_at = ?", [later])
    site.add("/feed.xml", rss([{"title": "First", "link": f"{site.base}/a.html"},
                               {"title": "Second", "link": f"{site.base}/b.html"}]), "application/rss+xml")
    second = run_monitor("run", "--no-alerts", "-c", str(config))
    assert second.returncode == 0, second.stderr
    assert "1 new articles, 3 new mentions: Kilmar Abrego García (1 articles)" in second.stdout, second.stdout
    assert "Andry" not in second.stdout.partition("not alerted")[0], second.stdout
    with sqlite3.connect(tmp_path / "mentions.db") as db:
        assert db.execute("select articles_new, mentions_new from runs where id = 2").fetchone() == (1, 3)
        assert db.execute("select run_id from mentions order by id").fetchall() == [(1,)] * 3 + [(2,)] * 3
