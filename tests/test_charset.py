"""Pages whose declared charset lies: names come out right in the archive and match (issue 14)."""

from __future__ import annotations

import asyncio
import gzip

from badserver import monitor
from conftest import write_config
from pages import article_html, rss
from sqlite_utils import Database

ANDRY = '[[person]]\nname = "Andry José Hernández Romero"\ncontext = ["CECOT"]\n'
STORY = "La sanción contra Andry José Hernández Romero, enviado al CECOT, sigue vigente."


def test_wrong_declared_charsets_are_decoded_by_the_bytes(tmp_path, site):
    page = article_html("Sanción en El Salvador", [STORY], lang="es")
    # cp1252 bytes under a UTF-8 declaration; UTF-8 bytes under ISO-8859-15; and text
    # that was double-encoded before it reached the page.
    site.add("/a/cp1252.html", page.encode("cp1252"), "text/html; charset=utf-8")
    site.add("/a/utf8.html", page.encode("utf-8"), "text/html; charset=ISO-8859-15")
    doubled = page.replace("sanción", "sanciÃ³n").replace("Hernández", "HernÃ¡ndez")
    site.add("/a/doubled.html", doubled.encode("utf-8"), "text/html; charset=utf-8")
    feed = rss([{"title": f"Sanción {n}", "link": f"{site.base}/a/{n}.html"} for n in ("cp1252", "utf8", "doubled")])
    site.add("/feed.xml", feed, "application/rss+xml")
    path = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n', ANDRY)

    result = monitor("run", "--no-alerts", "-c", str(path))

    assert result.returncode == 0, result.stderr
    db = Database(tmp_path / "mentions.db")
    texts = {r["url"].rsplit("/", 1)[1]: r["text"] for r in db.query("select url, text from articles")}
    assert set(texts) == {"cp1252.html", "utf8.html", "doubled.html"}
    for name, text in texts.items():
        assert "sanción contra Andry José Hernández Romero" in text, name
        assert "Ã" not in text and "\ufffd" not in text, name
    matched = {r["url"].rsplit("/", 1)[1]: r["matched"] for r in db.query(
        "select a.url, m.matched from mentions m join articles a on a.id = m.article_id where m.field = 'text'"
    )}
    assert matched == dict.fromkeys(texts, "Andry José Hernández Romero")


def test_a_worker_decodes_the_page_bytes_by_their_declared_charset_and_content():
    """The reactor hands the worker the raw body and Content-Type; the name comes out right anyway."""
    from monitor.workers import ExtractionPool

    page = article_html("Sanción en El Salvador", [STORY] * 3, lang="es")
    pool = ExtractionPool(1, timeout=60, memory_mb=0)
    try:
        latin1 = asyncio.run(pool.extract(page.encode("latin-1"), "text/html; charset=utf-8", "http://n.test/a"))
        undeclared = asyncio.run(pool.extract(page.encode("cp1252"), "text/html", "http://n.test/b"))
    finally:
        pool.close()
    for fields in (latin1, undeclared):
        assert "Andry José Hernández Romero" in fields["text"]
        assert "\ufffd" not in fields["text"] and "Ã" not in fields["text"]
        assert gzip.decompress(fields["body_gz"]).startswith(b"<")  # the bytes as received, for the evidence


def test_meta_refresh_pages_still_lead_to_the_article_whatever_their_encoding(tmp_path, site):
    """The refresh check no longer decodes pages without one; pages with one still redirect, declared charset or not."""
    page = article_html("Sanción en El Salvador", [STORY], lang="es")
    refresh = '<html><head><title>Sanción</title><meta http-equiv="REFRESH" content="0; url={}"></head></html>'
    for name, encoding in (("utf8", "utf-8"), ("cp1252", "cp1252")):
        site.add(f"/a/{name}-story.html", page.encode("utf-8"), "text/html; charset=utf-8")
        site.add(f"/a/{name}.html", refresh.format(f"{site.base}/a/{name}-story.html").encode(encoding), "text/html")
    feed = rss([{"title": f"Sanción {n}", "link": f"{site.base}/a/{n}.html"} for n in ("utf8", "cp1252")])
    site.add("/feed.xml", feed, "application/rss+xml")
    path = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n', ANDRY)

    result = monitor("run", "--no-alerts", "-c", str(path))

    assert result.returncode == 0, result.stderr
    db = Database(tmp_path / "mentions.db")
    rows = list(db.query("select url, text from articles order by url"))
    assert [r["url"].rsplit("/", 1)[1] for r in rows] == ["cp1252-story.html", "utf8-story.html"]
    assert all("Andry José Hernández Romero" in row["text"] for row in rows)
