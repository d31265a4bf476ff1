"""Hostile bodies in a real `monitor run`: gzip bombs and broken gzip, bodies that name local
files, deeply nested feed text, URLs too long to fetch. Each is reported with its URL, the
run exits 0, and the good sources beside them are stored."""

from __future__ import annotations

import gzip
import time

import pytest
from badserver import monitor
from conftest import write_config
from pages import article_html, rss, sitemap
from sqlite_utils import Database

ANDRY = "Andry José Hernández Romero"
PEOPLE = f'[[person]]\nname = "{ANDRY}"\ncontext = ["CECOT"]\n'


def good_page(n: int) -> str:
    return article_html(f"Hearing {n}", [f"Story {n}, case {n * 7919}: relatives of {ANDRY}, held in CECOT, spoke."])


def run(tmp_path, body: str, **crawl):
    path = write_config(tmp_path, body, PEOPLE)
    path.write_text(path.read_text(encoding="utf-8") + "".join(f"{k} = {v}\n" for k, v in crawl.items()),
                    encoding="utf-8")
    result = monitor("run", "--no-alerts", "-c", str(path), timeout=120)
    db = Database(tmp_path / "mentions.db")
    stored = {r["url"] for r in db.query("select url from articles")}
    errors = {r["url"]: r["reason"] for r in db.query("select url, reason from fetch_errors")}
    db.close()
    return result, stored, errors


def test_gzipped_sitemaps_that_are_bombs_or_broken_are_reported_and_the_rest_stored(tmp_path, site):
    """crawl.max_page_mb = 1: a 2 KB .xml.gz that unpacks to 20 MB, and gzip data cut short."""
    base = site.base
    site.add("/good/1.html", good_page(1))
    site.add("/sitemap.xml", sitemap([f"{base}/good/1.html"]), "application/xml")
    site.add("/bomb.xml.gz", gzip.compress(b"<urlset>" + b" " * (20 * 1024 * 1024) + b"</urlset>", 9),
             "application/x-gzip")
    site.add("/cut.xml.gz", gzip.compress(sitemap([f"{base}/good/1.html"]).encode() * 50)[:40], "application/x-gzip")
    body = "".join(f'[[sitemap]]\nurl = "{base}/{name}"\n' for name in ("sitemap.xml", "bomb.xml.gz", "cut.xml.gz"))

    result, stored, errors = run(tmp_path, body, max_page_mb=1)

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{base}/good/1.html" in stored
    assert errors[f"{base}/bomb.xml.gz"] == "larger than the size cap of 1 MB once gunzipped (crawl.max_page_mb)"
    assert f"{base}/bomb.xml.gz: larger than the size cap" in result.stderr
    assert "internal error" not in errors[f"{base}/cut.xml.gz"]
    assert errors[f"{base}/cut.xml.gz"].startswith("not a sitemap")


def test_a_sitemap_whose_body_is_a_local_path_is_not_opened(tmp_path, site):
    """The body names an RSS file on this machine: reading it would say "this is an RSS feed".
    (A body of `/dev/zero` was read until memory ran out.)"""
    local = tmp_path / "local-feed.xml"
    local.write_text(rss([{"title": "Local secret", "link": "http://example.org/x"}]), encoding="utf-8")
    base = site.base
    site.add("/good/1.html", good_page(1))
    site.add("/sitemap.xml", sitemap([f"{base}/good/1.html"]), "application/xml")
    site.add("/path-sitemap.xml", str(local), "application/xml")
    body = f'[[sitemap]]\nurl = "{base}/sitemap.xml"\n[[sitemap]]\nurl = "{base}/path-sitemap.xml"\n'

    result, stored, errors = run(tmp_path, body)

    assert result.returncode == 0, result.stderr
    assert f"{base}/good/1.html" in stored
    assert errors[f"{base}/path-sitemap.xml"] == "not a sitemap (an empty or unreadable answer)"


@pytest.mark.parametrize("name", ["bomb.html", "bomb.xml"])
def test_a_content_encoding_bomb_is_reported_as_over_the_size_cap(tmp_path, site, name):
    """Content-Encoding: gzip that unpacks past crawl.max_page_mb, as a feed entry's page or a sitemap."""
    base = site.base
    bomb = gzip.compress(b"<p>" + b" " * (20 * 1024 * 1024), 9)
    site.add("/good/1.html", good_page(1))
    site.add(f"/{name}", bomb, "text/html" if name.endswith("html") else "application/xml",
             headers={"Content-Encoding": "gzip"})
    if name.endswith("html"):
        site.add("/feed.xml", rss([{"title": "Good", "link": f"{base}/good/1.html"},
                                   {"title": "Bomb", "link": f"{base}/{name}"}]), "application/rss+xml")
        body = f'[[feed]]\nurl = "{base}/feed.xml"\n'
    else:
        site.add("/sitemap.xml", sitemap([f"{base}/good/1.html"]), "application/xml")
        body = f'[[sitemap]]\nurl = "{base}/sitemap.xml"\n[[sitemap]]\nurl = "{base}/{name}"\n'

    result, stored, errors = run(tmp_path, body, max_page_mb=1)

    assert result.returncode == 0, result.stderr
    assert f"{base}/good/1.html" in stored
    assert errors[f"{base}/{name}"] == "larger than the size cap of 1 MB once decompressed (crawl.max_page_mb)"
    assert "WARNING" not in result.stderr


def slow_page(n: int):
    """An article of 400 KB that takes about 1.5 s to arrive, well inside crawl.timeout. (Its
    size matters: a body larger than one socket read is still being read when the loop wakes.)"""
    body = good_page(n).replace("</body>", "<!-- " + "padding " * 50_000 + "--></body>").encode()
    step = len(body) // 6 + 1

    def handler(h) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        for i in range(0, len(body), step):
            h.wfile.write(body[i:i + step])
            h.wfile.flush()
            time.sleep(0.25)

    return handler


def late(resource_body: str, pause: float):
    def handler(h) -> None:
        time.sleep(pause)
        data = resource_body.encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    return handler


def test_a_feed_that_takes_seconds_to_parse_does_not_stall_the_other_downloads(tmp_path, site):
    """250,000 nested tags in an entry keep feedparser busy for seconds (about 9 here). While it
    parsed on the event loop, the articles downloading beside it waited past crawl.timeout (3 s)
    and were lost as "timed out"; parsed in a thread, they arrive in their 1.5 s."""
    base = site.base
    for n in range(1, 4):
        site.routes[f"/slow/{n}.html"] = slow_page(n)
    site.add("/good.xml", rss([{"title": f"Hearing {n}", "link": f"{base}/slow/{n}.html"} for n in range(1, 4)]),
             "application/rss+xml")
    depth = 250_000
    nested = rss([{"title": "Nested", "link": f"{base}/nested.html",
                   "description": "<div>" * depth + "x" + "</div>" * depth}])
    # Served half a second late, so the slow articles are downloading when it is parsed.
    site.routes["/nested.xml"] = late(nested, 0.5)
    path = write_config(tmp_path, f'[[feed]]\nurl = "{base}/good.xml"\n[[feed]]\nurl = "{base}/nested.xml"\n',
                        PEOPLE)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("timeout = 10\n", "timeout = 3\nconcurrent_per_domain = 4\n"), encoding="utf-8")

    result = monitor("run", "--no-alerts", "-c", str(path), timeout=180)

    db = Database(tmp_path / "mentions.db")
    stored = {r["url"] for r in db.query("select url from articles")}
    errors = {r["url"]: r["reason"] for r in db.query("select url, reason from fetch_errors")}
    db.close()
    assert result.returncode == 0, result.stderr
    assert {f"{base}/slow/{n}.html" for n in range(1, 4)} <= stored, errors
