"""Hostile bodies in a real `monitor run`: gzip bombs and broken gzip, bodies that name local
files, deeply nested feed text, URLs too long to fetch. Each is reported with its URL, the
run exits 0, and the good sources beside them are stored."""

from __future__ import annotations

import gzip

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
