"""A crawl over two machines' worth of `monitor crawl` nodes and one `monitor ingest`, on a real redis-server.

Against a single-node `monitor run` over the same loopback site: each page is fetched
once across the nodes, each article is stored once, with the same mentions and the same
alerts (once); a node SIGKILLed mid-crawl loses nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import CORPUS, run_monitor, write_config
from pages import article_html, rss
from redisserver import redis_server_binary, running_redis
from siteserver import SiteServer, send_body
from sqlite_utils import Database

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CORPUS / "index.jsonl").exists(), reason=f"the shared corpus is not at {CORPUS}"),
]

PAGES = 30
WATCHLIST = ["Donald Trump", "Joe Biden", "Jeffrey Epstein", "Pedro Sánchez", "Giorgia Meloni", "Elon Musk",
             "Jeff Bezos", "Taylor Swift", "Julian Assange", "Mario Vargas Llosa"]
REDIS_ENV = "TEST_MONITOR_REDIS_URL"


@pytest.fixture(scope="module")
def redis_url():
    """A real redis-server on a free loopback port, nothing written to disk."""
    binary = redis_server_binary()
    if binary is None:
        if os.environ.get("MONITOR_REQUIRE_REDIS") == "1":
            pytest.fail("redis-server is not installed (apt-get install redis-server); MONITOR_REQUIRE_REDIS=1")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with running_redis(binary) as url:
        yield url


@pytest.fixture
def redis_db(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushall()
    yield client
    client.close()


@pytest.fixture(scope="module")
def news():
    """The first corpus pages behind one feed; every hit logged."""
    site = SiteServer().start()
    site.add("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
    pages = [json.loads(line) for line in (CORPUS / "index.jsonl").read_text().splitlines() if line.strip()][:PAGES]
    items = []
    for number, page in enumerate(pages):
        path = f"/article/{number}.html"
        site.add(path, (CORPUS / page["path"]).read_bytes(), "text/html", headers={"Content-Encoding": "gzip"})
        items.append({"title": page.get("title") or f"Story {number}", "link": site.base + path, "guid": path})
    site.add("/feed.xml", rss(items), "application/rss+xml", validators=True)
    yield site
    site.stop()


def config(directory: Path, site: SiteServer, cluster: bool, node_timeout: float = 2) -> Path:
    people = "".join(f'[[person]]\nname = "{name}"\n' for name in WATCHLIST)
    # The corpus pages are years old: alerts.backfill_days lets their mentions alert.
    body = f'[[feed]]\nurl = "{site.base}/feed.xml"\n\n[alerts]\nbackfill_days = 36500\n[alerts.file]\ndir = "alerts"\n'
    if cluster:
        body += f'\n[cluster]\nredis_url_env = "{REDIS_ENV}"\nnode_timeout = {node_timeout}\n'
    directory.mkdir(parents=True, exist_ok=True)
    return write_config(directory, body, people)


def crawl_node(path: Path, url: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "monitor", "crawl", "-c", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {}), REDIS_ENV: url}, start_new_session=True)


def finished(node: subprocess.Popen) -> str:
    out, err = node.communicate(timeout=120)
    assert node.returncode == 0, err[-3000:]
    return out


def archive(path: Path) -> dict:
    """What a user checks in the archive: articles, mentions and alerts, by URL and person (not by row id)."""
    db = Database(path.parent / "mentions.db")
    try:
        urls = {r["id"]: r["url_key"] for r in db.query("select id, url_key from articles")}
        mentions = {r["id"]: (urls[r["article_id"]], r["name"], r["matched"], r["start"], r["field"], r["score"])
                    for r in db.query("select m.*, p.name from mentions m join people p on p.id = m.person_id")}
        alerts = Counter(
            (r["channel"], r["status"], frozenset(mentions[i][:2] for i in json.loads(r["mention_ids"])))
            for r in db.query("select * from alerts"))
        return {
            "articles": db.execute("select count(*) from articles").fetchone()[0],
            "urls": set(urls.values()),
            "mentions": sorted(mentions.values()),
            "alerts": alerts,
        }
    finally:
        db.close()


@pytest.fixture(scope="module")
def single(news, tmp_path_factory):
    """The single-machine baseline: `monitor run` over the same site."""
    path = config(tmp_path_factory.mktemp("single"), news, cluster=False)
    done = run_monitor("run", "-c", str(path))
    assert done.returncode == 0, done.stderr[-3000:]
    news.clear_log()
    return archive(path)


def article_hits(site: SiteServer) -> Counter:
    return Counter(p for p, _ in site.log if p.startswith("/article/"))


def test_two_nodes_and_ingest_match_a_single_run(news, single, redis_db, redis_url, tmp_path):
    news.clear_log()
    path = config(tmp_path, news, cluster=True, node_timeout=60)
    nodes = [crawl_node(path, redis_url) for _ in range(2)]
    lines = [finished(node) for node in nodes]
    assert sum("queued the sources" in line for line in lines) == 1, lines
    assert sum("cycle complete" in line for line in lines) == 1, lines
    # The feed once for the whole cluster, each page once across the nodes.
    assert [p for p, _ in news.log].count("/feed.xml") == 1
    hits = article_hits(news)
    assert len(hits) == PAGES and set(hits.values()) == {1}, hits

    ingested = run_monitor("ingest", "-c", str(path), env={REDIS_ENV: redis_url})
    assert ingested.returncode == 0, ingested.stderr[-3000:]
    assert "closed cycle 1" in ingested.stdout
    stored = archive(path)
    assert stored["articles"] == len(stored["urls"]) == single["articles"]
    assert stored["urls"] == single["urls"]
    assert stored["mentions"] == single["mentions"] and stored["mentions"]
    assert stored["alerts"] == single["alerts"] and all(status == "sent" for _, status, _ in stored["alerts"])
    assert stored["alerts"], "the watched people's mentions alert"
    assert len(list((tmp_path / "alerts").iterdir())) == len(list(stored["alerts"].elements()))

    # A node of the same cron tick that starts after the cycle closed opens no second cycle;
    # another ingest (nothing waiting) sends nothing again.
    late = finished(crawl_node(path, redis_url))
    assert "closed already" in late and "0 pages" in late
    assert [p for p, _ in news.log].count("/feed.xml") == 1 and article_hits(news) == hits
    run_monitor("ingest", "-c", str(path), env={REDIS_ENV: redis_url})
    assert archive(path)["alerts"] == single["alerts"]


def test_a_node_killed_mid_crawl_loses_nothing(news, single, redis_db, redis_url, tmp_path):
    news.clear_log()
    path = config(tmp_path, news, cluster=True)
    first = crawl_node(path, redis_url)
    deadline = time.monotonic() + 60
    # Killed once it has pushed a few articles, with the rest of its requests still its own.
    while redis_db.llen("monitor:results") < 5 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.02)
    os.killpg(first.pid, signal.SIGKILL)  # the node and its extraction workers
    first.communicate(timeout=10)  # reaps it and closes its pipes
    held = sum(redis_db.hlen(k) for k in redis_db.keys("monitor:inflight:*"))
    assert held > 0, "the node was killed with requests of its own in flight"
    assert redis_db.get("monitor:cycle") is not None  # the cycle is not over

    # The next node finishes the killed node's cycle from what it held: no new cycle, no second
    # fetch of the feed (a feed that had moved on would no longer list what was lost).
    second = finished(crawl_node(path, redis_url))
    assert "cycle 1," in second and "cycle complete" in second and "queued the sources" not in second
    assert [p for p, _ in news.log].count("/feed.xml") == 1
    ingested = run_monitor("ingest", "-c", str(path), env={REDIS_ENV: redis_url})
    assert ingested.returncode == 0, ingested.stderr[-3000:]
    stored = archive(path)
    assert stored["articles"] == len(stored["urls"])  # each once
    assert stored["urls"] == single["urls"]
    assert stored["mentions"] == single["mentions"]
    assert stored["alerts"] == single["alerts"]

    # The next cycle (node_timeout later) reads the feed again and fetches no stored article.
    hits = article_hits(news)
    time.sleep(2)  # node_timeout: a node starting sooner would count as late for the cycle just closed
    nxt = finished(crawl_node(path, redis_url))
    assert "cycle 2," in nxt and "queued the sources" in nxt
    assert [p for p, _ in news.log].count("/feed.xml") == 2 and article_hits(news) == hits


def test_requests_to_one_domain_start_crawl_delay_apart_across_nodes(redis_db, redis_url, tmp_path):
    # More stories than one node takes from the queue at a time (CONCURRENT_REQUESTS), so both get some.
    stories, delay = 36, 0.25
    site = SiteServer().start()
    arrivals: list[float] = []
    page = article_html("A story", ["A long enough paragraph about the day's news, said twice. " * 4] * 3).encode()

    def article(handler) -> None:
        arrivals.append(time.monotonic())
        send_body(handler, page, "text/html; charset=utf-8")

    try:
        site.add("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
        links = []
        for number in range(stories):
            site.routes[f"/story/{number}.html"] = article
            links.append({"title": f"Story {number}", "link": f"{site.base}/story/{number}.html"})
        site.add("/feed.xml", rss(links), "application/rss+xml")
        path = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n\n[cluster]\n'
                                      f'redis_url_env = "{REDIS_ENV}"\n', '[[person]]\nname = "Nobody Inparticular"\n')
        path.write_text(path.read_text(encoding="utf-8").replace("delay = 0\n", f"delay = {delay}\n"), encoding="utf-8")
        lines = [finished(node) for node in [crawl_node(path, redis_url) for _ in range(2)]]
    finally:
        site.stop()
    assert len(arrivals) == stories
    assert all(" 0 pages" not in line for line in lines), f"both nodes fetched: {lines}"
    gaps = [later - earlier for earlier, later in pairwise(sorted(arrivals))]
    # Starts at least crawl.delay apart, as the server saw them: a thread of this (loaded) test
    # process may see two arrivals late and together, so one or two close pairs are tolerated
    # (two nodes each keeping only their own delay make a third of the pairs close).
    close = [round(gap, 3) for gap in gaps if gap < delay / 2]
    assert len(close) <= 2, (close, gaps)


def test_crawl_without_a_cluster_table_or_its_variable_is_a_config_error(news, tmp_path):
    plain = config(tmp_path / "plain", news, cluster=False)
    done = run_monitor("crawl", "-c", str(plain))
    assert done.returncode == 2 and "no [cluster] table" in done.stderr
    clustered = config(tmp_path / "clustered", news, cluster=True)
    done = run_monitor("ingest", "-c", str(clustered), env={REDIS_ENV: ""})
    assert done.returncode == 2 and f"{REDIS_ENV} is not set" in done.stderr
