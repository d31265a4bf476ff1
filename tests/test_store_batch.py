"""The store writes in batches (MONITOR_STORE_BATCH_ITEMS / _MS): a crawl SIGKILLed mid-batch loses nothing.

What was in the unflushed batch was recorded nowhere, so the next run fetches it again
(the feed in full: its ETag was not kept) and stores every article exactly once, with
right counts and one alert per article. A quiet crawl still commits on the timer.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from badserver import end_group, monitor
from conftest import ROOT, wait_for, write_config
from pages import article_html, rss
from siteserver import send_body
from sqlite_utils import Database

PEOPLE = ("Andry José Hernández Romero", "Merwil Gutiérrez Flores")
WATCHLIST = "".join(f'[[person]]\nname = "{p}"\n' for p in PEOPLE)


def publish(site, n: int, blocked: set[int] = frozenset(), gate: threading.Event | None = None) -> list[str]:
    """n articles, each its own story naming one watched person, listed in a feed with an ETag."""
    links = []
    for i in range(n):
        person = PEOPLE[i % 2]
        own = [" ".join(f"a{i}p{k}w{j}" for j in range(40)) + "." for k in range(3)]
        page = article_html(f"Story {i}", [f"Relatives of {person} spoke on Monday.", *own]).encode()
        path = f"/news/{i}.html"
        if i in blocked:
            site.routes[path] = _held(page, gate)
        else:
            site.add(path, page)
        links.append(f"{site.base}{path}")
    site.add("/feed.xml", rss([{"title": f"Story {i}", "link": link} for i, link in enumerate(links)]),
             "application/rss+xml", validators=True)
    return links


def _held(body: bytes, gate: threading.Event):
    def handler(h) -> None:
        gate.wait(120)  # the page answers once the test lets it
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the crawl was killed meanwhile
            send_body(h, body, "text/html; charset=utf-8")

    return handler


def scrapy_crawl(config: Path, err, **settings) -> subprocess.Popen:
    args = [a for key, value in settings.items() for a in ("-s", f"{key}={value}")]
    return subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "monitor", "-s", "LOG_LEVEL=DEBUG", *args],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True,
                            env={**os.environ, "MONITOR_CONFIG": str(config)})


def count(db_path: Path, sql: str, *args) -> int:
    """One number from the archive, read-only (0 while the crawl has not created it yet)."""
    if not db_path.exists():
        return 0
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return db.execute(sql, args).fetchone()[0]
    except sqlite3.OperationalError as e:
        if "no such table" in str(e):
            return 0
        raise
    finally:
        db.close()


def test_a_crawl_killed_mid_batch_loses_nothing_and_the_next_run_stores_each_article_once(tmp_path, site):
    gate = threading.Event()
    links = publish(site, 11, blocked={10}, gate=gate)  # the last page holds the crawl open
    alerts_dir = tmp_path / "alerts"
    config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n'
                                    f'[alerts]\nbackfill_days = 36500\n[alerts.file]\ndir = "{alerts_dir}"\n',
                          WATCHLIST)
    db_path = tmp_path / "mentions.db"
    with tempfile.NamedTemporaryFile("w+b") as err:
        # Batches of 4, no timer flush: 10 articles in, 8 are committed, 2 wait in the batch.
        crawl = scrapy_crawl(config, err, MONITOR_STORE_BATCH_ITEMS=4, MONITOR_STORE_BATCH_MS=600_000)
        try:
            scraped = lambda: Path(err.name).read_bytes().count(b"Scraped Article")  # noqa: E731
            wait_for(lambda: scraped() >= 10, seconds=90)
            assert count(db_path, "select count(*) from articles") == 8
            os.kill(crawl.pid, signal.SIGKILL)
            crawl.wait(30)
        finally:
            end_group(crawl)
            gate.set()

    # Never half an article: each stored one has its mention and its alert row.
    assert count(db_path, "select count(*) from mentions") == 8
    assert count(db_path, "select count(*) from alert_queue where kind = 'mention'") == 8
    assert count(db_path, "select count(*) from sources where etag is not null") == 0  # validators not kept
    stored = {r[0] for r in Database(db_path).execute("select url from articles")}
    site.clear_log()

    again = monitor("run", "-c", str(config))
    assert again.returncode == 0, again.stderr
    db = Database(db_path)
    try:
        assert sorted(r[0] for r in db.execute("select url from articles")) == sorted(links)
        assert db.execute("select count(*) from mentions").fetchone()[0] == 11
        assert db.execute("select count(*), count(distinct story_id) from alert_queue").fetchone() == (11, 11)
        run = db.execute("select status, articles_new, mentions_new from runs order by id desc limit 1").fetchone()
        assert run == ("ok", 3, 3)  # the two lost from the batch, and the page that was held
        assert db.execute("select new from run_sources order by id desc limit 1").fetchone()[0] == 3
    finally:
        db.close()
    # The feed came again in full (no conditional GET), then only the 3 articles not stored.
    feed_asks = [h for path, h in site.log if path == "/feed.xml"]
    assert feed_asks and "if-none-match" not in feed_asks[0]
    assert sorted(f"{site.base}{path}" for path in site.requests_for("/news/")) == sorted(set(links) - stored)
    delivered = [item["url"] for p in alerts_dir.glob("alert-*.json")
                 for item in json.loads(p.read_text(encoding="utf-8"))["mentions"]]
    assert sorted(delivered) == sorted(links)  # each article alerted once


def test_a_quiet_crawl_commits_on_the_timer(tmp_path, site):
    gate = threading.Event()
    publish(site, 4, blocked={3}, gate=gate)
    config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n', WATCHLIST)
    with tempfile.NamedTemporaryFile("w+b") as err:
        # The batch never fills (1000): the 3 fast articles are committed by the timer
        # while the fourth page is still being waited for.
        crawl = scrapy_crawl(config, err, MONITOR_STORE_BATCH_ITEMS=1000, MONITOR_STORE_BATCH_MS=200)
        try:
            wait_for(lambda: site.requests_for("/news/3.html"), seconds=90)
            # Sooner than that request's timeout (10 s, tests/conftest.py), so not the close's flush.
            wait_for(lambda: count(tmp_path / "mentions.db", "select count(*) from articles") == 3, seconds=8)
            assert crawl.poll() is None
            gate.set()
            assert crawl.wait(60) == 0, Path(err.name).read_text()
        finally:
            gate.set()
            end_group(crawl)
    assert count(tmp_path / "mentions.db", "select count(*) from articles") == 4
