"""The run is owned by a Scrapy extension: `scrapy crawl` and `monitor run` leave the same rows,
counts show in Scrapy's stats, the config is read from its file once per crawl, and no
component keeps run state on the spider."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from badserver import monitor
from conftest import ROOT, write_config
from pages import article_html, rss
from scrapy.settings import Settings
from sqlite_utils import Database

from monitor.run import crawl_config

ANDRY = '[[person]]\nname = "Andry José Hernández Romero"\n'
# What differs between two runs by nature, not by the command that ran them.
NOT_COMPARED = {"id", "run_id", "started_at", "finished_at", "command", "source_id"}


def news(site) -> str:
    """A feed with two articles about Andry, and one whose page is gone (reported, its entry text kept)."""
    entries = [
        {"title": "Court hearing", "link": f"{site.base}/a.html"},
        {"title": "Family visit", "link": f"{site.base}/b.html"},
        {"title": "Gone", "link": f"{site.base}/gone.html",
         "description": "Andry José Hernández Romero's lawyer spoke on Sunday about the new petition."},
    ]
    site.add("/feed.xml", rss(entries), "application/rss+xml")
    site.add("/a.html", article_html("Court hearing", ["Andry José Hernández Romero was named in court today."]))
    site.add("/b.html", article_html("Family visit", ["The family of Andry José Hernández Romero visited him."]))
    return f'[[feed]]\nurl = "{site.base}/feed.xml"\n'


def scrapy_crawl(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scrapy", "crawl", "monitor", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "MONITOR_CONFIG": str(config)})


def rows(db_path: Path, table: str) -> list[dict]:
    db = Database(db_path)
    return [{k: v for k, v in row.items() if k not in NOT_COMPARED} for row in db[table].rows]


def test_scrapy_crawl_and_monitor_run_record_the_same_run_rows(tmp_path, site):
    body = news(site)
    by_run, by_crawl = tmp_path / "run", tmp_path / "crawl"
    by_run.mkdir()
    by_crawl.mkdir()
    run = monitor("run", "--no-alerts", "-c", str(write_config(by_run, body, ANDRY)))
    crawl = scrapy_crawl(write_config(by_crawl, body, ANDRY))
    assert run.returncode == 0, run.stderr
    assert crawl.returncode == 0, crawl.stderr[-2000:]

    run_row, crawl_row = rows(by_run / "mentions.db", "runs"), rows(by_crawl / "mentions.db", "runs")
    assert run_row[0]["status"] == "ok" and run_row[0]["articles_new"] == 3 and run_row[0]["errors"] == 1
    assert "gone.html: HTTP 404" in run_row[0]["source_errors"]
    assert crawl_row == run_row
    assert rows(by_crawl / "mentions.db", "run_sources") == rows(by_run / "mentions.db", "run_sources")
    assert Database(by_crawl / "mentions.db")["runs"].get(1)["command"] == "scrapy crawl monitor"


def test_the_runs_counts_are_in_scrapys_stats(tmp_path, site):
    config = write_config(tmp_path, news(site), ANDRY)
    crawl = scrapy_crawl(config, "-s", "LOG_LEVEL=INFO")
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    dumped = crawl.stderr[crawl.stderr.index("Dumping Scrapy stats"):]
    stats = {key: int(value) for key, value in re.findall(r"'(monitor/\w+)': (\d+)", dumped)}
    assert stats["monitor/pages"] == 3
    assert stats["monitor/articles"] == 3
    assert stats["monitor/mentions"] == 3
    assert stats["monitor/errors"] == 1
    assert stats["monitor/responses"] >= 4  # the feed and three pages (robots.txt too)


def test_a_crawl_reads_its_config_file_once_and_again_after_it_changes(tmp_path):
    config = write_config(tmp_path, "", ANDRY)
    settings = Settings({"MONITOR_CONFIG": str(config)})
    first = crawl_config(settings)
    assert crawl_config(settings) is first  # spider settings, DNS guard and run share one read
    config.write_text(config.read_text(encoding="utf-8").replace("Andry", "Andrés"), encoding="utf-8")
    os.utime(config, ns=(0, config.stat().st_mtime_ns + 1_000_000_000))
    assert [p.name for p in crawl_config(settings).people] == ["Andrés José Hernández Romero"]


def test_no_component_keeps_run_state_on_the_spider():
    """Run state lives in monitor/run.py's extension; nothing hangs it on the spider or smuggles it in settings."""
    sources = [p for folder in ("monitor", "spiders") for p in (ROOT / folder).rglob("*.py")]
    offending = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sources if path.name != "run.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.ctx\b|CrawlContext|MONITOR_LOADED_CONFIG|spider\.\w+\s*=(?!=)", line)
    ]
    assert offending == []


def test_a_recheck_that_hangs_its_worker_is_cut_off_by_the_pools_timeout(tmp_path, site):
    """Re-checks are extracted in the worker pool like any page: a page that hangs its worker is
    recorded `unreachable` with the pool's reason, and the other re-checks of the run go on."""
    for name in ("stuck", "fine"):
        site.add(f"/news/{name}.html", article_html(name.title(), [f"{name}: Andry José Hernández Romero spoke."]))
    site.add("/feed.xml", rss([{"title": n, "link": f"{site.base}/news/{n}.html"} for n in ("stuck", "fine")]),
             "application/rss+xml")
    config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n[evidence]\nrecheck_days = [0]\n',
                          ANDRY)
    config.write_text(config.read_text(encoding="utf-8") + "extract_timeout = 2\n", encoding="utf-8")
    assert monitor("run", "--no-alerts", "-c", str(config)).returncode == 0

    again = monitor("run", "--no-alerts", "-c", str(config), env={"MONITOR_WORKER_FAULTS": "hang:/news/stuck"})

    assert again.returncode == 0, again.stderr
    db = Database(tmp_path / "mentions.db")
    checks = {row["url"].rsplit("/", 1)[1]: (row["status"], row["note"]) for row in db.query(
        "select a.url, c.status, c.note from checks c join articles a on a.id = c.article_id")}
    assert checks == {"stuck.html": ("unreachable", "extraction took longer than 2 s (crawl.extract_timeout)"),
                      "fine.html": ("unchanged", None)}
