"""Stored articles are never asked for again: Scrapy's dupefilter knows the archive's URL keys,
read once when the run opens, and one page under two spellings of its URL is fetched once."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from badserver import monitor
from conftest import ROOT, write_config
from pages import article_html, rss
from sqlite_utils import Database

ANDRY = '[[person]]\nname = "Andry José Hernández Romero"\n'


def story(n: int) -> str:
    return article_html(f"Hearing {n}", [f"Story {n}: the lawyer of Andry José Hernández Romero filed papers.",
                                         f"Day {n} of the hearing went on without the family present."])


def serve(site) -> str:
    """A site whose start page links each story, one of them twice (with and without a trailing slash),
    and a feed that links the same stories."""
    links = [f"{site.base}/s/1.html", f"{site.base}/s/1.html/", f"{site.base}/s/2.html", f"{site.base}/s/3.html"]
    site.add("/", "<html><body>" + "".join(f'<a href="{link}">story</a>' for link in links) + "</body></html>")
    for n in (1, 2, 3):
        site.add(f"/s/{n}.html", story(n))
    site.add("/s/1.html/", story(1))
    site.add("/feed.xml", rss([{"title": f"Hearing {n}", "link": f"{site.base}/s/{n}.html"} for n in (1, 2, 3)]),
             "application/rss+xml")
    return (f'[[feed]]\nurl = "{site.base}/feed.xml"\n'
            f'[[site]]\nstart_url = "{site.base}/"\nmax_depth = 1\n')


def story_hits(site) -> list[str]:
    return sorted(site.requests_for("/s/"))


def test_one_page_is_fetched_once_and_a_second_run_fetches_no_stored_article(tmp_path, site):
    config = write_config(tmp_path, serve(site), ANDRY)

    first = monitor("run", "--no-alerts", "-c", str(config))
    assert first.returncode == 0, first.stderr
    hits = story_hits(site)
    assert len(hits) == 3 and {h.rstrip("/") for h in hits} == {"/s/1.html", "/s/2.html", "/s/3.html"}
    assert Database(tmp_path / "mentions.db")["articles"].count == 3

    site.clear_log()
    env = {**os.environ, "MONITOR_CONFIG": str(config)}
    second = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "monitor", "-s", "LOG_LEVEL=INFO"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, env=env)
    assert second.returncode == 0, second.stderr[-2000:]
    assert story_hits(site) == []
    assert site.requests_for("/feed.xml") and [p for p, _ in site.log if p == "/"]  # the sources were read
    # The site's four links to stored pages were dropped by the dupefilter, and counted.
    assert re.search(r"'monitor/articles_already_stored': 4\b", second.stderr), second.stderr[-3000:]
    assert Database(tmp_path / "mentions.db")["articles"].count == 3
