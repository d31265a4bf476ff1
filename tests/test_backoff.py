"""Backoff without sleeping: a host answering 429 + Retry-After is slowed down in its own download
slot; requests to another host are not held up meanwhile."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

from conftest import ROOT, write_config
from pages import article_html, rss
from siteserver import SiteServer
from sqlite_utils import Database

ANDRY = '[[person]]\nname = "Andry José Hernández Romero"\n'
RETRY_AFTER = 3


def test_429_on_one_host_does_not_delay_another(tmp_path, site):
    other = SiteServer(host="127.0.0.2").start()  # a second host: its own download slot
    try:
        log: list[tuple[str, float]] = []  # (host/path, when the server saw the request)
        lock = threading.Lock()

        def page(name: str, first_status: int, pause: float = 0.0):
            body = article_html(name, ["Andry José Hernández Romero was named in court."]).encode()

            def handler(h) -> None:
                with lock:
                    attempt = sum(1 for seen, _ in log if seen == name)
                    log.append((name, time.monotonic()))
                time.sleep(pause)
                status = first_status if attempt == 0 else 200
                h.send_response(status)
                h.send_header("Content-Type", "text/html; charset=utf-8")
                if status == 429:
                    h.send_header("Retry-After", str(RETRY_AFTER))
                h.send_header("Content-Length", str(len(body)))
                h.end_headers()
                h.wfile.write(body)

            return handler

        busy = [f"/a/{n}.html" for n in range(5)]
        calm = [f"/b/{n}.html" for n in range(8)]
        for path in busy:
            site.routes[path] = page("busy" + path, 429)
        other.add("/robots.txt", "User-agent: *\n", "text/plain")
        for path in calm:
            other.routes[path] = page("calm" + path, 200, pause=0.2)
        # The scheduler is last in, first out: the busy host's pages go out first.
        links = [other.base + p for p in calm] + [site.base + p for p in busy]
        site.add("/feed.xml", rss([{"title": f"S {n}", "link": u} for n, u in enumerate(links)]),
                 "application/rss+xml")
        config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n', ANDRY)
        # Both hosts are ours: allow the second loopback address past the private-network guard.
        config.write_text(config.read_text().replace("retries = 0", "retries = 2")
                          .replace('"127.0.0.1/32"]', '"127.0.0.1/32", "127.0.0.2/32"]'))

        # Four downloader places in all, so four sleeping retries would be enough to stop every host.
        result = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "monitor", "-s", "CONCURRENT_REQUESTS=4"],
            cwd=ROOT, capture_output=True, text=True, timeout=180, env={**os.environ, "MONITOR_CONFIG": str(config)},
        )
    finally:
        other.stop()

    assert result.returncode == 0, result.stderr
    assert Database(tmp_path / "mentions.db")["articles"].count == len(busy) + len(calm)
    first_seen: dict[str, float] = {}
    retries = []
    for name, when in log:
        if name in first_seen:
            retries.append(when)
        first_seen.setdefault(name, when)
    assert len(retries) == len(busy)  # each busy page: one 429, then one retry that worked
    calm_done = max(when for name, when in log if name.startswith("calm"))
    assert calm_done < min(retries), "the calm host waited for the busy host's Retry-After"
