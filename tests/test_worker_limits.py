"""Extraction workers that die, hang or run out of memory cost only their page, and a poison page is given up.

Faults come from two places: a real SIGKILL of a real worker pid, and the worker-only fault
injection `MONITOR_WORKER_FAULTS` (monitor/workers.py), which makes the worker really kill
itself, really hang or really allocate without end on the pages it names.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

from conftest import run_monitor, write_config
from pages import article_html, rss
from test_workers import alive, descendants

NAME = "Andry José Hernández Romero"
PERSON = f'[[person]]\nname = "{NAME}"\n'


def feed_site(site, paths: list[str], descriptions: dict[str, str] | None = None) -> str:
    items = []
    for path in paths:
        site.add(path, article_html(f"Story {path}", [f"{NAME} was named in {path}."] * 5))
        item = {"title": f"Story {path}", "link": f"{site.base}{path}"}
        if descriptions and path in descriptions:
            item["description"] = descriptions[path]
        items.append(item)
    site.add("/feed.xml", rss(items), "application/rss+xml")
    return f'[[feed]]\nurl = "{site.base}/feed.xml"\n'


def config_with(tmp_path, body: str, **crawl) -> str:
    path = write_config(tmp_path, body, PERSON)
    with path.open("a", encoding="utf-8") as out:  # the file ends in its [crawl] table
        out.writelines(f"{key} = {value}\n" for key, value in crawl.items())
    return str(path)


def query(tmp_path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(tmp_path / "mentions.db") as db:
        return db.execute(sql, args).fetchall()


def stored_paths(tmp_path) -> set[str]:
    return {url.rsplit("/", 1)[1] for (url,) in query(tmp_path, "select url from articles")}


def test_a_worker_sigkilled_mid_run_is_replaced_and_the_run_stores_every_other_page(tmp_path, site):
    paths = [f"/a{n}.html" for n in range(120)]
    config = config_with(tmp_path, feed_site(site, paths))
    run = subprocess.Popen([sys.executable, "-m", "monitor", "run", "--no-alerts", "-c", config],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and run.poll() is None:
        # Workers are the forkserver's children, not the run's own (forkserver, resource tracker).
        workers = [pid for pid in descendants(run.pid) if _parent(pid) != run.pid]
        if workers and stored_so_far(tmp_path) >= 10:
            killed = workers[0]
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.05)
    try:
        assert killed, "the run ended before a worker could be killed"
        _, err = run.communicate(timeout=180)
    finally:
        if run.poll() is None:  # a stalled run must not outlive the test
            run.kill()
            run.communicate()
    assert run.returncode == 0, err
    died = [url for url, reason in query(tmp_path, "select url, reason from fetch_errors")
            if "extraction worker died" in reason]
    # The page the killed worker held, if it held one: reported as killed, or, when pebble
    # lost track of it, given up on after crawl.extract_timeout plus a grace ("died or hung").
    assert len(died) <= 1
    assert stored_paths(tmp_path) == {p.lstrip("/") for p in paths} - {url.rsplit("/", 1)[1] for url in died}
    assert query(tmp_path, "select status from runs") == [("ok",)]
    assert not alive(killed)


def stored_so_far(tmp_path) -> int:
    try:  # read-only: never create the archive before the run does
        with sqlite3.connect(f"file:{tmp_path / 'mentions.db'}?mode=ro", uri=True) as db:
            return db.execute("select count(*) from articles").fetchone()[0]
    except sqlite3.OperationalError:  # the run has not created it (or its tables) yet
        return 0


def _parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return -1


def test_a_page_that_always_kills_its_worker_is_given_up_after_its_attempts_across_runs(tmp_path, site):
    body = feed_site(site, ["/good1.html", "/poison-a.html", "/good2.html", "/poison-b.html"],
                     {"/poison-a.html": f"Feed summary: {NAME} was seen alive in CECOT, his family says."})
    config = config_with(tmp_path, body, page_attempts=2)
    env = {"MONITOR_WORKER_FAULTS": "kill:/poison"}
    for run in range(3):
        result = run_monitor("run", "--no-alerts", "-c", config, env=env, timeout=180)
        assert result.returncode == 0, result.stderr
        if run == 0:
            assert stored_paths(tmp_path) == {"good1.html", "good2.html"}
    errors = query(tmp_path, "select run_id, url, reason from fetch_errors where url like '%poison-b%' order by id")
    assert [(run_id, reason) for run_id, _, reason in errors] == [
        (1, "the extraction worker died (killed by SIGKILL)"),
        (2, "the extraction worker died (killed by SIGKILL); given up after 2 attempts "
            "(see the page_failures table)"),
    ]  # and nothing in run 3: the page was not given to a worker again
    assert errors[0][1] == f"{site.base}/poison-b.html"
    failures = query(tmp_path, "select url, attempts, given_up_at is not null from page_failures order by url")
    assert failures == [(f"{site.base}/poison-a.html", 2, 1), (f"{site.base}/poison-b.html", 2, 1)]
    # A given-up page with a feed entry is stored from the feed's text, and still matched.
    assert query(tmp_path, "select text_from, run_id from articles where url like '%poison-a%'") == [("feed", 2)]
    assert query(tmp_path, "select count(*) from mentions m join articles a on a.id = m.article_id "
                           "where a.url like '%poison-a%'") == [(1,)]
    assert query(tmp_path, "select distinct status from runs") == [("ok",)]


def test_a_hanging_and_a_memory_hungry_extraction_are_cut_off(tmp_path, site):
    body = feed_site(site, ["/good1.html", "/slow.html", "/hog.html", "/good2.html"])
    config = config_with(tmp_path, body, extract_timeout=3, worker_memory_mb=512)
    result = run_monitor("run", "--no-alerts", "-c", config, env={"MONITOR_WORKER_FAULTS": "hang:/slow;memory:/hog"},
                         timeout=120)
    assert result.returncode == 0, result.stderr
    assert stored_paths(tmp_path) == {"good1.html", "good2.html"}
    errors = dict(query(tmp_path, "select url, reason from fetch_errors"))
    assert errors == {
        f"{site.base}/slow.html": "extraction took longer than 3 s (crawl.extract_timeout)",
        f"{site.base}/hog.html": "extraction needed more than 512 MB (crawl.worker_memory_mb)",
    }
    assert f"{site.base}/slow.html: extraction took longer than 3 s" in result.stderr + result.stdout
