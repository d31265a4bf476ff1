"""A `monitor run` over one big sitemap, against the same pages listed in one RSS feed.

Usage: python benchmarks/big_sitemap.py [--urls 1000]

The loopback server generates the sitemap (or feed) and small article pages on the fly and
records when each page was asked for. The table gives pages per second and the stalls
(gaps of more than 0.5 s between two page requests) for both sources; the sitemap should
cost no more per page than the feed (ratio near 1.0). The last row serves the sitemap with
Python's default listen backlog of 5, which is where the 1 s stalls came from.
"""

from __future__ import annotations

import argparse
import itertools
import re
import tempfile
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from common import machine, run_monitor, table
from pages import article_html, rss, sitemap  # the tests' builders: common puts tests/ on the path
from siteserver import LoopbackServer, send_body

STALL = 0.5


class GeneratedSite(LoopbackServer):
    """/sitemap.xml and /feed.xml list `n` pages /a/N.html; page request times are recorded."""

    def __init__(self, n: int, backlog: int | None = None) -> None:
        self.times: list[float] = []
        server = self
        urls = [f"{{base}}/a/{i}.html" for i in range(n)]
        bodies = {"/sitemap.xml": sitemap(urls), "/feed.xml": rss([{"title": f"S {i}", "link": u}
                                                                   for i, u in enumerate(urls)])}

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                if path in bodies:
                    self._send(bodies[path].replace("{base}", server.base).encode(), "application/xml")
                elif m := re.fullmatch(r"/\w+/a/(\d+)\.html|/a/(\d+)\.html", path):
                    server.times.append(time.monotonic())
                    n = m.group(1) or m.group(2)
                    html = article_html(f"Hearing {n}", [f"Story {n}: the family of Andry Hernández spoke."])
                    self._send(html.encode(), "text/html; charset=utf-8")
                else:
                    self._send(b"", "text/plain", 404)

            def _send(self, data: bytes, content_type: str, status: int = 200) -> None:
                send_body(self, data, content_type, status)

            def log_message(self, *args) -> None:
                pass

        super().__init__(_Handler, backlog)


def measure(kind: str, n: int, backlog: int | None = None) -> list[object]:
    site = GeneratedSite(n, backlog).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "monitor.toml"
            table_name = "sitemap" if kind == "sitemap" else "feed"
            config.write_text(
                'database = "mentions.db"\n[[person]]\nname = "Andry José Hernández Romero"\n'
                f'[[{table_name}]]\nurl = "{site.base}/{kind}.xml"\n'
                f"[crawl]\ndelay = 0\nrobots_txt = false\nretries = 0\nmax_urls_per_source = {n}\n",
                encoding="utf-8",
            )
            run = run_monitor(config)
    finally:
        site.stop()
    times = sorted(site.times)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    gaps = [b - a for a, b in itertools.pairwise(times) if b - a > STALL]
    rate = f"{len(times) / span if span else 0:.0f}"
    return [kind, backlog or 128, len(times), f"{run.seconds:.1f}", rate, len(gaps), f"{sum(gaps):.1f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=1000)
    args = parser.parse_args()
    rows = [measure("feed", args.urls), measure("sitemap", args.urls), measure("sitemap", args.urls, backlog=5)]
    ratio = float(rows[0][4]) / max(float(rows[1][4]), 1e-9)
    print(machine())
    print(table(["source", "server backlog", "pages", "run s", "pages/s", f"stalls > {STALL} s", "stalled s"], rows))
    print(f"feed pages/s / sitemap pages/s: {ratio:.2f} (target: <= 1.2)")
    print("backlog 5 is Python's socketserver default: the 1 s stalls are dropped SYNs (see tests/siteserver.py)")


if __name__ == "__main__":
    main()
