"""Sitemaps that cannot stall a run: index cycles end, a bad <loc> costs one entry, and a huge
sitemap is spread over runs by crawl.max_urls_per_source with every URL stored once."""

from __future__ import annotations

import hashlib
import re
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from badserver import monitor
from conftest import write_config
from pages import article_html, sitemap, sitemap_index
from siteserver import LoopbackServer, send_body
from sqlite_utils import Database

ANDRY = '[[person]]\nname = "Andry José Hernández Romero"\n'


WORDS = ("court judge family lawyer prison hearing appeal letter visit transfer report officials "
         "ministry embassy detainee release protest statement record evidence").split()


def page(n: int) -> str:
    """An article about Andry whose text differs from every other page's (so none is a syndicated copy)."""
    digest = hashlib.sha256(str(n).encode()).digest()
    words = " ".join(WORDS[b % len(WORDS)] for b in digest)
    return article_html(f"Hearing {n}", [f"Story {n}: relatives of Andry José Hernández Romero spoke.",
                                         f"Notes {n}: {words}.", f"More {n}: {words[::-1]}."])


def with_crawl(path: Path, **keys) -> Path:
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "".join(f"{k} = {v}\n" for k, v in keys.items()), encoding="utf-8")
    return path


def test_sitemap_index_cycles_end_and_each_sitemap_is_fetched_once(tmp_path, site):
    base = site.base
    # A self-listing index that also leads into A -> B -> A; B lists the real URL set too.
    site.add("/index.xml", sitemap_index([f"{base}/index.xml", f"{base}/a.xml"]), "application/xml")
    site.add("/a.xml", sitemap_index([f"{base}/b.xml", f"{base}/a.xml"]), "application/xml")
    site.add("/b.xml", sitemap_index([f"{base}/a.xml", f"{base}/index.xml", f"{base}/urls.xml"]), "application/xml")
    site.add("/urls.xml", sitemap([f"{base}/s/1.html", f"{base}/s/2.html", f"{base}/s/1.html"]), "application/xml")
    for n in (1, 2):
        site.add(f"/s/{n}.html", page(n))
    config = write_config(tmp_path, f'[[sitemap]]\nurl = "{base}/index.xml"\n', ANDRY)

    result = monitor("run", "--no-alerts", "-c", str(config), timeout=90)

    assert result.returncode == 0, result.stderr
    asked = [path for path, _ in site.log if path != "/robots.txt"]
    assert sorted(asked) == ["/a.xml", "/b.xml", "/index.xml", "/s/1.html", "/s/2.html", "/urls.xml"]
    assert Database(tmp_path / "mentions.db")["articles"].count == 2


def test_a_bad_loc_is_one_reported_line_and_later_entries_are_stored(tmp_path, site):
    base = site.base
    locs = [f"{base}/s/1.html", "javascript:alert(1)", "http://[::1/broken", f"{base}/s/2.html", f"{base}/s/3.html"]
    site.add("/sitemap.xml", sitemap(locs), "application/xml")
    site.add("/index.xml", sitemap_index(["http://[::1/broken-index", f"{base}/sitemap.xml"]), "application/xml")
    for n in (1, 2, 3):
        site.add(f"/s/{n}.html", page(n))
    config = write_config(tmp_path, f'[[sitemap]]\nurl = "{base}/index.xml"\n', ANDRY)

    result = monitor("run", "--no-alerts", "-c", str(config), timeout=90)

    assert result.returncode == 0, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    db = Database(tmp_path / "mentions.db")
    assert sorted(r["url"].rsplit("/", 1)[1] for r in db.query("select url from articles")) == [
        "1.html", "2.html", "3.html"]
    errors = {r["url"]: r["reason"] for r in db.query("select url, reason from fetch_errors")}
    assert set(errors) == {"javascript:alert(1)", "http://[::1/broken", "http://[::1/broken-index"}
    lines = [line for line in result.stderr.splitlines() if "[::1/broken" in line or "javascript:" in line]
    assert len(lines) == 3, result.stderr
    assert any(re.search(r"javascript:alert\(1\): not an http\(s\) URL", line) for line in lines)
    assert any(re.search(r"http://\[::1/broken: not a usable URL", line) for line in lines)


class BigSitemapServer(LoopbackServer):
    """/sitemap.xml lists N article URLs, generated on the fly; every page request is counted."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        server = self
        body = sitemap([f"{{base}}/a/{i}.html" for i in range(n)])

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                if self.path == "/sitemap.xml":
                    self._send(body.replace("{base}", server.base).encode(), "application/xml")
                elif m := re.fullmatch(r"/a/(\d+)\.html", self.path):
                    with server._lock:
                        server.hits[self.path] = server.hits.get(self.path, 0) + 1
                    self._send(page(int(m.group(1))).encode(), "text/html; charset=utf-8")
                else:
                    self._send(b"User-agent: *\n", "text/plain")

            def _send(self, data: bytes, content_type: str) -> None:
                send_body(self, data, content_type)

            def log_message(self, *args) -> None:
                pass

        super().__init__(_Handler)


def test_a_huge_sitemap_is_spread_over_runs_and_every_url_is_stored_once(tmp_path):
    # Big enough that the first run defers over 1,000 URLs (the backlog writes them in batches of
    # 1,000) and a later run takes over 500 (it forgets them in chunks of 500): both batch edges.
    total, cap = 1600, 550
    server = BigSitemapServer(total).start()
    try:
        config = with_crawl(write_config(tmp_path, f'[[sitemap]]\nurl = "{server.base}/sitemap.xml"\n', ANDRY),
                            max_urls_per_source=cap)
        db_path = tmp_path / "mentions.db"
        stored = []
        for _ in range(3):
            result = monitor("run", "--no-alerts", "-c", str(config), timeout=600)
            assert result.returncode == 0, result.stderr
            db = Database(db_path)
            stored.append(db["articles"].count)
            waiting = total - stored[-1]
            if waiting:
                assert f"{waiting} URLs deferred to later runs" in result.stdout, result.stdout
                sources = monitor("sources", "-c", str(config))
                assert f"{waiting} URLs waiting for later runs" in sources.stdout, sources.stdout
            db.close()
        assert stored == [cap, 2 * cap, total]
        assert len(server.hits) == total and set(server.hits.values()) == {1}
        runs = Database(db_path).query("select status, pages_fetched from runs order by id")
        assert [(r["status"], r["pages_fetched"]) for r in runs] == [("ok", cap), ("ok", cap), ("ok", total - 2 * cap)]
    finally:
        server.stop()


class EndlessIndexServer(LoopbackServer):
    """/index-N.xml lists /index-(N+1).xml and /urls-N.xml, for every N: a chain with no end."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.asked.append(self.path)
                if m := re.fullmatch(r"/index-(\d+)\.xml", self.path):
                    n = int(m.group(1))
                    body = sitemap_index([f"{server.base}/index-{n + 1}.xml", f"{server.base}/urls-{n}.xml"])
                    send_body(self, body.encode(), "application/xml")
                elif m := re.fullmatch(r"/urls-(\d+)\.xml", self.path):
                    send_body(self, sitemap([f"{server.base}/a/{m.group(1)}.html"]).encode(), "application/xml")
                elif m := re.fullmatch(r"/a/(\d+)\.html", self.path):
                    send_body(self, page(int(m.group(1))).encode(), "text/html; charset=utf-8")
                else:
                    send_body(self, b"User-agent: *\n", "text/plain")

            def log_message(self, *args) -> None:
                pass

        super().__init__(_Handler)


def test_an_index_that_leads_to_new_indexes_without_end_stops_and_says_so(tmp_path):
    # Every index is a URL never seen before, so asking each once does not end it: the
    # nesting limit does, and the run ends (and lets go of the cron lock) with a reason.
    server = EndlessIndexServer().start()
    try:
        config = write_config(tmp_path, f'[[sitemap]]\nurl = "{server.base}/index-0.xml"\n', ANDRY)
        result = monitor("run", "--no-alerts", "-c", str(config), timeout=120)
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    assert "index-3.xml: sitemap index nested more than 3 deep: its sitemaps are not followed" in result.stderr
    assert sorted(p for p in server.asked if p.startswith("/index")) == [f"/index-{n}.xml" for n in range(4)]
    assert Database(tmp_path / "mentions.db")["articles"].count == 3  # what the first levels listed is stored


def test_an_index_listing_more_sitemaps_than_the_source_budget_stops_at_the_budget(tmp_path, site):
    base = site.base
    site.add("/index.xml", sitemap_index([f"{base}/s{n}.xml" for n in range(8)]), "application/xml")
    for n in range(8):
        site.add(f"/s{n}.xml", sitemap([f"{base}/a/{n}.html"]), "application/xml")
        site.add(f"/a/{n}.html", page(n))
    config = with_crawl(write_config(tmp_path, f'[[sitemap]]\nurl = "{base}/index.xml"\n', ANDRY),
                        max_urls_per_source=5)
    result = monitor("run", "--no-alerts", "-c", str(config), timeout=120)
    assert result.returncode == 0, result.stderr
    assert "3 sitemaps over crawl.max_urls_per_source not followed this run" in result.stderr
    assert sorted(p for p, _ in site.log if p.startswith("/s")) == [f"/s{n}.xml" for n in range(5)]
    assert Database(tmp_path / "mentions.db")["articles"].count == 5
