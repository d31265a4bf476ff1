"""A run stopped by SIGINT/SIGTERM is recorded `interrupted` and frees the lock; `scrapy crawl`
holds the same lock as `monitor run`, so neither marks the other's live crawl killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from badserver import end_group, monitor, start_monitor
from conftest import ROOT, wait_for, write_config
from pages import article_html, rss
from sqlite_utils import Database

ANDRY = '[[person]]\nname = "Andry José Hernández Romero"\n'


def slow(seconds: float, body: bytes, content_type: str, until: threading.Event | None = None):
    """A handler that answers after `seconds` (at once after `until` is set)."""

    def handler(h) -> None:
        if until is None or not until.is_set():
            time.sleep(seconds)
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return handler


def statuses(db_path: Path) -> list[str]:
    return [row["status"] for row in Database(db_path).query("select status from runs order by id")]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signalled_run_is_recorded_interrupted_and_frees_the_lock(tmp_path, site, signum):
    links = [f"{site.base}/slow/{n}.html" for n in range(6)]
    site.add("/feed.xml", rss([{"title": f"S {n}", "link": link} for n, link in enumerate(links)]),
             "application/rss+xml")
    interrupted = threading.Event()  # the pages are slow only for the run that is signalled mid-crawl
    for n in range(6):
        page = article_html(f"S {n}", ["Andry José Hernández Romero was named in court."]).encode()
        site.routes[f"/slow/{n}.html"] = slow(1.5, page, "text/html; charset=utf-8", until=interrupted)
    config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n', ANDRY)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = start_monitor("run", "--no-alerts", "-c", str(config), out=out, err=err)
        try:
            wait_for(lambda: site.requests_for("/slow/"))
            os.kill(process.pid, signum)
            code = process.wait(60)
        finally:
            end_group(process)
        err.seek(0)
        stderr = err.read().decode()

    assert code == 1, stderr
    assert "interrupted" in stderr
    assert statuses(tmp_path / "mentions.db") == ["interrupted"]
    # The lock went with the run: the next one runs (not 75), and fetches what was left.
    interrupted.set()
    again = monitor("run", "--no-alerts", "-c", str(config))
    assert again.returncode == 0, again.stderr
    assert statuses(tmp_path / "mentions.db") == ["interrupted", "ok"]
    assert Database(tmp_path / "mentions.db")["articles"].count == 6


def scrapy_crawl(config: Path, out, err) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "monitor"], cwd=ROOT, stdout=out, stderr=err,
                            start_new_session=True, env={**os.environ, "MONITOR_CONFIG": str(config)})


def test_monitor_run_beside_a_live_scrapy_crawl_exits_75_and_leaves_it_running(tmp_path, site):
    body = rss([{"title": "A", "link": f"{site.base}/a.html"}]).encode()
    site.routes["/feed.xml"] = slow(3, body, "application/rss+xml")
    site.add("/a.html", article_html("A", ["Andry José Hernández Romero was named in court."]))
    config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n', ANDRY)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        crawl = scrapy_crawl(config, out, err)
        try:
            wait_for(lambda: site.requests_for("/feed.xml"))
            beside = monitor("run", "--no-alerts", "-c", str(config))
            assert statuses(tmp_path / "mentions.db") == ["running"]  # not marked killed
            code = crawl.wait(60)
        finally:
            end_group(crawl)
        err.seek(0)
        crawl_err = err.read().decode()

    assert beside.returncode == 75, beside.stderr
    assert "another run holds the lock" in beside.stderr
    assert code == 0, crawl_err
    assert statuses(tmp_path / "mentions.db") == ["ok"]
    assert Database(tmp_path / "mentions.db")["articles"].count == 1


def test_scrapy_crawl_beside_a_live_run_does_not_start(tmp_path, site):
    body = rss([{"title": "A", "link": f"{site.base}/a.html"}]).encode()
    # The feed answers only once the crawl beside has exited: the run is live all along,
    # however slowly a loaded machine starts Scrapy.
    release = threading.Event()
    answer = slow(0, body, "application/rss+xml")
    site.routes["/feed.xml"] = lambda h: (release.wait(120), answer(h))
    site.add("/a.html", article_html("A", ["Andry José Hernández Romero was named in court."]))
    config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n', ANDRY)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        run = start_monitor("run", "--no-alerts", "-c", str(config), out=out, err=err)
        try:
            wait_for(lambda: site.requests_for("/feed.xml"))
            with tempfile.TemporaryFile() as c_out, tempfile.TemporaryFile() as c_err:
                crawl = scrapy_crawl(config, c_out, c_err)
                crawl_code = crawl.wait(60)
                c_err.seek(0)
                crawl_err = c_err.read().decode()
            assert statuses(tmp_path / "mentions.db") == ["running"]
            release.set()
            code = run.wait(60)
        finally:
            release.set()
            end_group(run)
            run.wait(30)  # reaped: a Popen freed while its process lives warns in a later test

    assert crawl_code != 0
    assert "another run holds the lock" in crawl_err
    assert code == 0
    assert statuses(tmp_path / "mentions.db") == ["ok"]
    assert len(site.requests_for("/feed.xml")) == 1
