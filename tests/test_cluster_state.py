"""The archive's run state holds across cluster cycles: a poison page's attempts, search queries' due times,
the change watch's re-checks.

Real `monitor crawl` and `monitor ingest` processes on a real redis-server, one cycle after
another over a loopback site, as cron would run them.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
import test_changes
import test_cluster
from conftest import run_monitor, write_config
from pages import article_html
from sqlite_utils import Database
from test_changes import PEOPLE, UNNAMED, checks
from test_cluster import REDIS_ENV, crawl_node, finished
from test_search_schedule import GdeltStandIn, people, person_toml
from test_worker_limits import NAME, config_with, feed_site

from monitor.config import SearchSource
from monitor.search.queries import source_queries

pytestmark = pytest.mark.slow
redis_url = test_cluster.redis_url  # a real redis-server on loopback, per module
redis_db = test_cluster.redis_db  # ... emptied for each test
watched_site = test_changes.watched_site  # mentioned articles to re-check: one edited, one removed, one down...

NODE_TIMEOUT = 1  # seconds; a node started sooner after a cycle closed counts as late for it


def cluster_config(tmp_path: Path, body: str, **crawl) -> Path:
    path = Path(config_with(tmp_path, body, **crawl))
    with path.open("a", encoding="utf-8") as out:
        out.write(f'\n[cluster]\nredis_url_env = "{REDIS_ENV}"\nnode_timeout = {NODE_TIMEOUT}\n')
    return path


def cycle(path: Path, url: str, nodes: int = 1, env: dict | None = None, before_ingest=None) -> list[str]:
    """One cron tick: `nodes` crawl nodes to the end of their cycle, then one ingest."""
    started = [crawl_node(path, url, env) for _ in range(nodes)]
    lines = [finished(node) for node in started]
    assert sum("cycle complete" in line for line in lines) == 1, lines
    if before_ingest:
        before_ingest()
    ingested = run_monitor("ingest", "-c", str(path), env={REDIS_ENV: url})
    assert ingested.returncode == 0, ingested.stderr[-3000:]
    time.sleep(NODE_TIMEOUT + 0.2)  # the next tick opens a new cycle
    return [*lines, ingested.stdout]


def query(tmp_path: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(tmp_path / "mentions.db") as db:
        return db.execute(sql, args).fetchall()


def test_a_page_that_always_kills_its_worker_is_given_up_after_its_attempts_across_cycles(
        redis_db, redis_url, tmp_path, site):
    body = feed_site(site, ["/good1.html", "/poison-a.html", "/good2.html", "/poison-b.html"],
                     {"/poison-a.html": f"Feed summary: {NAME} was seen alive in CECOT, his family says."})
    path = cluster_config(tmp_path, body, page_attempts=2)
    faults = {"MONITOR_WORKER_FAULTS": "kill:/poison"}
    outputs = [cycle(path, redis_url, nodes=2 if n == 0 else 1, env=faults) for n in range(3)]

    runs = [run_id for (run_id,) in query(tmp_path, "select id from runs where command like 'cluster cycle %' "
                                                    "order by id")]
    assert len(runs) == 3
    errors = query(tmp_path, "select run_id, reason from fetch_errors where url like '%poison-b%' order by id")
    assert errors == [
        (runs[0], "the extraction worker died (killed by SIGKILL)"),
        (runs[1], "the extraction worker died (killed by SIGKILL); given up after 2 attempts "
                  "(see the page_failures table)"),
    ], outputs  # and nothing in the third cycle: no node gave the page to a worker again
    failures = query(tmp_path, "select url, attempts, given_up_at is not null from page_failures order by url")
    assert failures == [(f"{site.base}/poison-a.html", 2, 1), (f"{site.base}/poison-b.html", 2, 1)]
    # A given-up page with a feed entry is stored from the feed's text, and still matched.
    assert query(tmp_path, "select text_from, run_id from articles where url like '%poison-a%'") == [("feed", runs[1])]
    assert query(tmp_path, "select count(*) from mentions m join articles a on a.id = m.article_id "
                           "where a.url like '%poison-a%'") == [(1,)]
    assert "2 pages given up" in outputs[1][-1] and "given up" not in outputs[2][-1], outputs
    # The third cycle fetched the page again (it is not stored) but did not extract it.
    assert sum(p == "/poison-b.html" for p, _ in site.log) == 3


def test_deleting_a_given_up_row_makes_the_next_cycle_try_the_page_again(redis_db, redis_url, tmp_path, site):
    body = feed_site(site, ["/good1.html", "/poison-b.html"])
    path = cluster_config(tmp_path, body, page_attempts=1)
    faults = {"MONITOR_WORKER_FAULTS": "kill:/poison"}
    cycle(path, redis_url, env=faults)
    assert query(tmp_path, "select attempts, given_up_at is not null from page_failures") == [(1, 1)]
    with sqlite3.connect(tmp_path / "mentions.db") as db:
        db.execute("delete from page_failures")
    run_monitor("ingest", "-c", str(path), env={REDIS_ENV: redis_url})  # publishes what the archive gives up on
    cycle(path, redis_url)  # no fault any more: the page is extracted and stored
    assert query(tmp_path, "select count(*) from articles where url like '%poison-b%'") == [(1,)]


@pytest.fixture
def gdelt():
    server = GdeltStandIn().start()
    yield server
    server.stop()


def test_search_queries_are_asked_when_due_across_cycles_within_the_service_budget(redis_db, redis_url, tmp_path,
                                                                                    gdelt):
    watchlist = people(40)
    queries = source_queries(SearchSource("gdelt", base_url=gdelt.base), watchlist)
    budget = (len(queries) + 1) // 2
    body = f'[[search]]\nservice = "gdelt"\nbase_url = "{gdelt.base}"\ndelay = 0\nmax_requests = {budget}\n'
    path = write_config(tmp_path, body, person_toml(watchlist))
    with path.open("a", encoding="utf-8") as out:
        out.write(f'\n[cluster]\nredis_url_env = "{REDIS_ENV}"\nnode_timeout = {NODE_TIMEOUT}\n')

    asked = []
    for _ in range(3):
        gdelt.asked.clear()
        cycle(path, redis_url, nodes=2)
        asked.append([query for _, query in gdelt.asked])
    first, second, third = asked
    assert len(first) == len(set(first)) == budget  # once each for the whole cluster
    assert len(second) == len(set(second)) == len(queries) - budget  # the ones left over, not the first again
    assert set(first) | set(second) == {q.query for q in queries} and not set(first) & set(second)
    assert third == []  # asked less than every_hours (6) ago: not due, whichever node opens the cycle


def test_queries_a_monitor_run_asked_are_not_due_for_the_cluster(redis_db, redis_url, tmp_path, gdelt):
    watchlist = people(12)
    body = f'[[search]]\nservice = "gdelt"\nbase_url = "{gdelt.base}"\ndelay = 0\n'
    path = write_config(tmp_path, body, person_toml(watchlist))
    assert run_monitor("run", "--no-alerts", "-c", str(path)).returncode == 0
    assert gdelt.asked
    with path.open("a", encoding="utf-8") as out:
        out.write(f'\n[cluster]\nredis_url_env = "{REDIS_ENV}"\nnode_timeout = {NODE_TIMEOUT}\n')
    assert run_monitor("ingest", "-c", str(path), env={REDIS_ENV: redis_url}).returncode == 0
    gdelt.asked.clear()
    cycle(path, redis_url)
    assert gdelt.asked == []


def test_the_change_watch_rechecks_mentioned_articles_across_cycles(redis_db, redis_url, tmp_path, watched_site):
    site = watched_site
    body = (f'[[feed]]\nurl = "{site.base}/feed.xml"\n\n[evidence]\nrecheck_days = [0, 0]\n\n'
            '[alerts]\nbackfill_days = 36500\n\n[alerts.file]\ndir = "alerts"\n')
    path = write_config(tmp_path, body, PEOPLE)
    with path.open("a", encoding="utf-8") as out:
        out.write(f'\n[cluster]\nredis_url_env = "{REDIS_ENV}"\nnode_timeout = {NODE_TIMEOUT}\n')
    cycle(path, redis_url)
    db = Database(tmp_path / "mentions.db")
    assert db["checks"].count == 0 and db["articles"].count == 4
    alerts_before = set((tmp_path / "alerts").iterdir())

    site.add("/news/edited.html", article_html("Edited", [UNNAMED]))
    del site.routes["/news/removed.html"]
    site.add("/news/flaky.html", b"down for maintenance", "text/plain", status=503)
    site.clear_log()
    outputs = cycle(path, redis_url, nodes=2)
    rechecked = {"/news/edited.html", "/news/flaky.html", "/news/new.html", "/news/removed.html"}
    assert rechecked <= set(site.requests_for("/news/"))
    assert checks(db) == {"edited": ["changed"], "removed": ["gone"], "new": ["unchanged"], "flaky": ["unreachable"]}
    assert [r["note"] for r in db.query("select note from checks where status = 'changed'")] == [
        "no longer names: Andry José Hernández Romero"]
    codes = {r["status"]: r["http_status"] for r in db.query("select status, http_status from checks")}
    assert codes == {"changed": 200, "gone": 404, "unchanged": 200, "unreachable": 503}
    assert "4 re-checks recorded" in outputs[-1], outputs
    assert sum(int(line.split(" re-checks pushed")[0].rsplit(", ", 1)[1])
               for line in outputs[:-1] if "re-checks pushed" in line) == 4, outputs
    # The changed version is kept as evidence; the vanished name alerts, by file, once.
    assert db.execute("select count(*) from responses where kind = 'recheck'").fetchone()[0] == 1
    assert db["change_alerts"].count == 1
    vanished = set((tmp_path / "alerts").iterdir()) - alerts_before
    assert len(vanished) == 1 and "Andry" in next(iter(vanished)).read_text(encoding="utf-8")

    pushed = []
    cycle(path, redis_url, before_ingest=lambda: pushed.extend(  # the second scheduled check
        raw for raw in redis_db.lrange("monitor:results", 0, -1) if b'"kind": "recheck"' in raw))
    assert checks(db)["edited"] == ["changed", "unchanged"]
    # The same results again (fetched by a cycle that opened before ingest ran, or handled again after
    # an ingest died): the articles are not due any more, so nothing is recorded twice.
    assert len(pushed) == 4
    redis_db.lpush("monitor:results", *pushed)
    again = run_monitor("ingest", "-c", str(path), env={REDIS_ENV: redis_url})
    assert again.returncode == 0 and "re-checks recorded" not in again.stdout, again.stdout
    assert len(checks(db)["edited"]) == 2
    assert db["change_alerts"].count == 1  # one alert for one removed name, however often it is seen
    site.clear_log()
    cycle(path, redis_url)  # both checks done: nothing is fetched again
    assert not rechecked & set(site.requests_for("/news/"))
    assert len(checks(db)["edited"]) == 2
