"""End to end on a loopback site: each source kind through collect -> extract -> match -> store."""

from __future__ import annotations

import json

import pytest
from conftest import run_monitor, write_config
from pages import article_html, corpus_page, gz, rss, sitemap, sitemap_index
from sqlite_utils import Database

ANDRY = '[[person]]\nname = "Andry José Hernández Romero"\ncontext = ["CECOT"]\n'
MERWIL = '[[person]]\nname = "Merwil Gutiérrez Flores"\n'


def found(db: Database) -> set[tuple[str, str]]:
    """(article path, person name) pairs the archive holds."""
    rows = db.query(
        "select a.url, p.name from mentions m join articles a on a.id = m.article_id "
        "join people p on p.id = m.person_id"
    )
    return {(r["url"].split("/", 3)[3], r["name"]) for r in rows}


@pytest.fixture
def news_site(site):
    """A feed of four entries: two real pages, one naming Andry, one with no article text."""
    site.add(
        "/news/andry.html",
        article_html(
            "Families ask for proof of life",
            ["Relatives of Andry José Hernández Romero, who was sent to CECOT in 2025, spoke on Monday."],
        ),
    )
    site.add("/news/empty.html", "<html><head><title>x</title></head><body></body></html>")
    site.add("/news/abc.html", corpus_page("ABC_2025_01_13.html.gz"), "text/html", headers={"Content-Encoding": "gzip"})
    site.add(
        "/news/travail.html",
        corpus_page("archive.org-travaillent.html.gz"),
        "text/html",
        headers={"Content-Encoding": "gzip"},
    )
    items = [
        {"title": "Proof of life", "link": f"{site.base}/news/andry.html?utm_source=rss", "guid": "1"},
        {"title": "Empty page", "link": f"{site.base}/news/empty.html", "guid": "2"},
        {"title": "ABC", "link": f"{site.base}/news/abc.html", "guid": "3"},
        {"title": "Travail", "link": f"{site.base}/news/travail.html", "guid": "4"},
        {
            "title": "Brief",
            "guid": "urn:brief:5",
            "description": "<p>Merwil Gutiérrez Flores's mother delivered a letter to the consulate.</p>",
        },
        {
            "title": "Gone",
            "link": f"{site.base}/news/gone.html",
            "guid": "6",
            "description": "Andry José Hernández Romero's case was heard again on Tuesday, lawyers said.",
        },
    ]
    site.add("/feed.xml", rss(items), "application/rss+xml", validators=True)
    return site


def test_feed_run_stores_articles_mentions_and_problems(tmp_path, news_site):
    config = write_config(tmp_path, f'[[feed]]\nurl = "{news_site.base}/feed.xml"\n', ANDRY + MERWIL)
    result = run_monitor("run", "--no-alerts", "-c", str(config))
    assert result.returncode == 0, result.stderr
    db = Database(tmp_path / "mentions.db")
    urls = {r["url"].split("/", 3)[3]: r for r in db.query("select url, text_from, text, language from articles")}
    # The tracking parameter is gone from the stored URL; the page without text is not stored.
    assert "news/andry.html" in urls
    assert "news/empty.html" not in urls
    # A link-less entry and an entry whose page 404s are kept from the feed's own text.
    linkless = [u for u in urls if "monitor-entry=" in u]
    assert len(linkless) == 1 and urls[linkless[0]]["text_from"] == "feed"
    assert urls["news/gone.html"]["text_from"] == "feed"
    # A Spanish page and an ISO-8859-1 French page, decoded right.
    assert urls["news/abc.html"]["language"] == "es"
    assert "350 000 emplois créés" in " ".join(urls["news/travail.html"]["text"].split())
    assert found(db) == {
        ("news/andry.html", "Andry José Hernández Romero"),
        ("news/gone.html", "Andry José Hernández Romero"),
        (linkless[0], "Merwil Gutiérrez Flores"),
    }
    for m in db.query(
        "select m.start, m.end, m.matched, m.field, a.text, a.title from mentions m "
        "join articles a on a.id = m.article_id"
    ):
        assert (m["text"] if m["field"] == "text" else m["title"])[m["start"] : m["end"]] == m["matched"]
    # Each bad page is reported with its URL and reason, and the run still exits 0.
    errors = {r["url"].split("/", 3)[3]: r["reason"] for r in db.query("select url, reason from fetch_errors")}
    assert errors["news/empty.html"] == "no article text found"
    assert errors["news/gone.html"] == "HTTP 404"
    per_source = json.loads(db["runs"].get(1)["source_errors"])  # the run's own record, by source
    assert [e for e in per_source[f"{news_site.base}/feed.xml"] if e.endswith("gone.html: HTTP 404")]
    assert "news/gone.html" in result.stderr
    assert "3 new mentions" in result.stdout


def test_rerun_fetches_no_article_again_and_adds_nothing(tmp_path, news_site):
    config = write_config(tmp_path, f'[[feed]]\nurl = "{news_site.base}/feed.xml"\n', ANDRY)
    assert run_monitor("run", "--no-alerts", "-c", str(config)).returncode == 0
    db = Database(tmp_path / "mentions.db")
    before = (db["articles"].count, db["mentions"].count)
    news_site.clear_log()
    second = run_monitor("run", "--no-alerts", "-c", str(config))
    assert second.returncode == 0, second.stderr
    # Only the feed was asked for, conditionally; the 404 page is retried (it may come back).
    fetched = [p for p, _ in news_site.log if p.startswith("/news/")]
    assert fetched == []
    feed_requests = [h for p, h in news_site.log if p == "/feed.xml"]
    assert len(feed_requests) == 1 and "if-none-match" in feed_requests[0]
    assert (db["articles"].count, db["mentions"].count) == before
    assert "0 new articles" in second.stdout


def test_new_entry_in_feed_is_picked_up_on_rerun(tmp_path, site):
    site.add("/a.html", article_html("A", ["Andry José Hernández Romero was moved, a relative said."]))
    site.add("/feed.xml", rss([{"title": "A", "link": f"{site.base}/a.html"}]), "application/rss+xml", validators=True)
    config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n', ANDRY)
    assert run_monitor("run", "--no-alerts", "-c", str(config)).returncode == 0
    site.add("/b.html", article_html("B", ["Merwil Gutiérrez Flores and Andry José Hernández Romero were named."]))
    items = [{"title": "B", "link": f"{site.base}/b.html"}, {"title": "A", "link": f"{site.base}/a.html"}]
    site.add("/feed.xml", rss(items), "application/rss+xml", validators=True)
    site.clear_log()
    assert run_monitor("run", "--no-alerts", "-c", str(config)).returncode == 0
    assert site.requests_for("/a.html") == [] and site.requests_for("/b.html") == ["/b.html"]
    assert found(Database(tmp_path / "mentions.db")) == {
        ("a.html", "Andry José Hernández Romero"),
        ("b.html", "Andry José Hernández Romero"),
    }


def test_sitemaps_plain_gzipped_news_and_index(tmp_path, site):
    for name in ("one", "two", "three"):
        site.add(f"/s/{name}.html", article_html(name, [f"In story {name}, Andry José Hernández Romero was named."]))
    site.add("/news-sitemap.xml", sitemap([f"{site.base}/s/one.html"], news=True), "application/xml", validators=True)
    site.add("/sitemap.xml.gz", gz(sitemap([f"{site.base}/s/two.html"])), "application/x-gzip")
    site.add(
        "/index.xml", sitemap_index([f"{site.base}/news-sitemap.xml", f"{site.base}/sitemap.xml.gz"]), "application/xml"
    )
    site.add("/plain.xml", sitemap([f"{site.base}/s/three.html"]), "application/xml")
    site.add("/challenge.xml", "<html><body>Checking your browser...</body></html>", "text/html")
    body = "".join(f'[[sitemap]]\nurl = "{site.base}/{n}"\n' for n in ("index.xml", "plain.xml", "challenge.xml"))
    config = write_config(tmp_path, body, ANDRY)
    result = run_monitor("run", "--no-alerts", "-c", str(config))
    assert result.returncode == 0, result.stderr
    db = Database(tmp_path / "mentions.db")
    assert {p for p, _ in found(db)} == {"s/one.html", "s/two.html", "s/three.html"}
    titles = {r["url"].rsplit("/", 1)[1]: r["title"] for r in db.query("select url, title from articles")}
    assert titles["one.html"] == "one"
    errors = list(db.query("select url, reason from fetch_errors"))
    assert [e["url"].rsplit("/", 1)[1] for e in errors] == ["challenge.xml"]
    assert "not a sitemap" in errors[0]["reason"]


def test_site_crawl_follows_allowed_links_within_depth_and_obeys_robots(tmp_path, site):
    site.add(
        "/",
        '<html><body><a href="/news/">News</a> <a href="/about/">About</a>'
        '<a href="/private/p.html">p</a></body></html>',
    )
    site.add("/news/", '<html><body><a href="/news/a.html">A</a> <a href="/about/team.html">T</a></body></html>')
    site.add(
        "/news/a.html",
        article_html("A", ["Merwil Gutiérrez Flores was seen, his sister said."])
        + '<a href="/news/deeper.html">deeper</a>',
    )
    site.add("/news/deeper.html", article_html("Deep", ["Merwil Gutiérrez Flores again."]))
    site.add("/about/team.html", article_html("Team", ["Merwil Gutiérrez Flores is not on our team."]))
    site.add("/private/p.html", article_html("P", ["Merwil Gutiérrez Flores private."]))
    config = write_config(
        tmp_path, f'[[site]]\nstart_url = "{site.base}/"\nallow = ["/news/"]\nmax_depth = 2\n', MERWIL
    )
    result = run_monitor("run", "--no-alerts", "-c", str(config))
    assert result.returncode == 0, result.stderr
    db = Database(tmp_path / "mentions.db")
    assert found(db) == {("news/a.html", "Merwil Gutiérrez Flores")}
    assert site.requests_for("/private/") == []
    assert site.requests_for("/news/deeper.html") == []  # depth 3
    assert site.requests_for("/about/") == []  # not allowed


def test_match_command_prints_json_lines(tmp_path):
    config = write_config(tmp_path, "", ANDRY + MERWIL)
    text = tmp_path / "story.txt"
    text.write_text("Ayer, Merwil Gutiérrez Flores habló.\nNadie más.", encoding="utf-8")
    result = run_monitor("match", "-c", str(config), str(text))
    assert result.returncode == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 1
    hit = lines[0]
    assert hit["file"] == str(text) and hit["person"] == "Merwil Gutiérrez Flores"
    assert text.read_text(encoding="utf-8")[hit["start"] : hit["end"]] == hit["matched"] == "Merwil Gutiérrez Flores"
    assert 0 <= hit["score"] <= 100


def test_match_reads_stdin(tmp_path):
    config = write_config(tmp_path, "", ANDRY)
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "monitor", "match", "-c", str(config), "-"],
        input="ANDRY JOSÉ HERNÁNDEZ ROMERO, 31",
        capture_output=True,
        text=True,
    )
    assert json.loads(result.stdout)["file"] == "-"


def test_scrapy_crawl_feeds_works_from_the_project_root(tmp_path, news_site):
    """Scrapy users expect `scrapy list` and `scrapy crawl feeds` to work; config from $MONITOR_CONFIG."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    config = write_config(tmp_path, f'[[feed]]\nurl = "{news_site.base}/feed.xml"\n', ANDRY)
    env = {**os.environ, "MONITOR_CONFIG": str(config)}
    scrapy = [sys.executable, "-m", "scrapy.cmdline"]
    listed = subprocess.run([*scrapy, "list"], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert {"feeds", "sitemaps", "sites", "search", "monitor"} <= set(listed.stdout.split())
    crawl = subprocess.run([*scrapy, "crawl", "feeds"], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    db = Database(tmp_path / "mentions.db")
    assert ("news/andry.html", "Andry José Hernández Romero") in found(db)
    assert db["runs"].get(1)["command"] == "scrapy crawl feeds"


def test_linkless_entry_with_a_guid_on_the_feeds_site_links_to_that_page(tmp_path, site):
    story = "Lawyers for Andry José Hernández Romero, held at CECOT since March, filed a new petition."
    site.add("/news/petition.html", article_html("A new petition", [story]))
    brief = "<p>Andry José Hernández Romero's mother spoke to reporters in Capacho on Sunday.</p>"
    items = "".join(
        f'<item><title>{title}</title><guid isPermaLink="false">{guid}</guid>'
        f"<description><![CDATA[{brief}]]></description></item>"
        for title, guid in [("On the site", f"{site.base}/news/petition.html"),
                            ("Elsewhere", "https://elsewhere.example/story/7"),
                            ("Not a web address", "file:///etc/passwd")])
    site.add("/feed.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>Gazette</title>'
             f"<link>{site.base}/</link>{items}</channel></rss>", "application/rss+xml")
    config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n', ANDRY)
    result = run_monitor("run", "--no-alerts", "-c", str(config))
    assert result.returncode == 0, result.stderr
    db = Database(tmp_path / "mentions.db")
    rows = {r["title"]: r for r in db.query("select url, title, text_from, text from articles")}
    # The guid on the feed's own site is the entry's page: fetched, stored and linked as such.
    assert rows["A new petition"]["url"] == f"{site.base}/news/petition.html"
    assert rows["A new petition"]["text_from"] == "page"
    # A guid on another site, or not http(s), is no address: the entry is kept as feed text.
    for title in ("Elsewhere", "Not a web address"):
        assert "monitor-entry=" in rows[title]["url"] and rows[title]["text_from"] == "feed", rows[title]
    assert len(rows) == 3
