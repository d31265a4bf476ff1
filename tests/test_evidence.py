"""Evidence bundles: the bytes served, hashes that verify, the fetch-time hash, and the CLI's errors."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from conftest import run_monitor, write_config
from pages import article_html, gz, rss
from siteserver import SiteServer
from sqlite_utils import Database
from test_changes import NAMED, UNNAMED, Stored

from monitor.archive.evidence import UnknownMention, write_bundle
from monitor.errors import MonitorError

PEOPLE = '[[person]]\nname = "Andry José Hernández Romero"\ncontext = ["CECOT"]\n'


def verify(folder: Path) -> dict:
    """Check the bundle as a lawyer would: every line of SHA256SUMS, and the manifest's own list."""
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name, info in manifest["files"].items():
        data = (folder / name).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (info["sha256"], info["bytes"]), name
    listed = {line.split("  ", 1)[1] for line in (folder / "SHA256SUMS").read_text().splitlines()}
    assert listed == set(manifest["files"]) | {"manifest.json"}
    return manifest


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """A run over a feed: a plain page, a gzip-encoded page and a redirected one, all naming Andry."""
    site = SiteServer().start()
    tmp_path = tmp_path_factory.mktemp("crawled")
    pages = {
        "plain": article_html("Proof of life", [NAMED]).encode(),
        "zipped": article_html("Hearing", ["Andry José Hernández Romero's case was heard in CECOT court."]).encode(),
        "new": article_html("Moved", ["Andry José Hernández Romero's lawyer filed a motion about CECOT."]).encode(),
    }
    site.add("/news/plain.html", pages["plain"], headers={"X-Served-By": "loopback"})
    site.add("/news/zipped.html", gz(pages["zipped"]), headers={"Content-Encoding": "gzip"})
    site.add("/news/new.html", pages["new"])
    site.add("/news/old.html", b"", status=302, headers={"Location": f"{site.base}/news/new.html"})
    items = [{"title": p, "link": f"{site.base}/news/{p}.html"} for p in ("plain", "zipped", "old")]
    site.add("/feed.xml", rss(items), "application/rss+xml")
    config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n', PEOPLE)
    result = run_monitor("run", "--no-alerts", "-c", str(config))
    assert result.returncode == 0, result.stderr
    db = Database(tmp_path / "mentions.db")
    ids = {r["path"]: r["id"] for r in db.query(
        "select substr(a.final_url, instr(a.final_url, '/news/') + 6) as path, min(m.id) as id "
        "from mentions m join articles a on a.id = m.article_id group by a.id")}
    db.close()
    yield config, ids, pages, site
    site.stop()


def test_bundle_holds_the_bytes_served_and_verifies(tmp_path, crawled):
    config, ids, pages, site = crawled
    out = tmp_path / "bundle"
    result = run_monitor("evidence", str(ids["plain.html"]), "-c", str(config), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "sha256sum -c SHA256SUMS" in result.stdout
    manifest = verify(out)
    assert (out / "original.html").read_bytes() == pages["plain"]
    # The bundle's page is the one hashed at fetch time, not a copy made later.
    assert manifest["response"]["sha256_at_fetch"] == hashlib.sha256(pages["plain"]).hexdigest()
    assert manifest["files"]["original.html"]["sha256"] == manifest["response"]["sha256_at_fetch"]
    assert manifest["response"]["url"] == manifest["response"]["final_url"] == f"{site.base}/news/plain.html"
    assert manifest["response"]["http_status"] == 200
    assert manifest["response"]["fetched_at"].endswith("+00:00")  # UTC
    headers = json.loads((out / "headers.json").read_text())
    assert headers["X-Served-By"] == "loopback" and headers["Content-Type"].startswith("text/html")
    mention = manifest["mention"]
    assert mention["person"] == "Andry José Hernández Romero"
    text = (out / "text.txt").read_text(encoding="utf-8")
    assert text[mention["start"]:mention["end"]] == mention["matched"]
    assert (out / "snippet.txt").read_text(encoding="utf-8") == mention["snippet"]
    assert mention["matched"] in mention["snippet"]


def test_bundle_of_compressed_and_redirected_pages(tmp_path, crawled):
    config, ids, pages, site = crawled
    for name, page in (("zipped.html", "zipped"), ("new.html", "new")):
        out = tmp_path / name
        assert run_monitor("evidence", str(ids[name]), "-c", str(config), "--out", str(out)).returncode == 0
        manifest = verify(out)
        # The page as the server meant it: after the transfer's gzip is undone.
        assert (out / "original.html").read_bytes() == pages[page]
    assert manifest["response"]["final_url"] == manifest["article"]["final_url"] == f"{site.base}/news/new.html"


def test_unknown_mention_and_used_folder_are_refused(tmp_path, crawled):
    config, ids, _, _ = crawled
    missing = run_monitor("evidence", "999", "-c", str(config), "--out", str(tmp_path / "x"))
    assert missing.returncode == 2 and "no mention with id 999" in missing.stderr
    assert not (tmp_path / "x").exists()
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    result = run_monitor("evidence", str(ids["plain.html"]), "-c", str(config), "--out", str(used))
    assert result.returncode == 1 and "not an empty folder" in result.stderr
    assert sorted(p.name for p in used.iterdir()) == ["notes.txt"]


def test_damaged_archive_gives_no_bundle(tmp_path):
    stored = Stored(tmp_path)
    mention_id = stored.add("http://news.test/a.html", [NAMED])
    stored.archive.close()
    with sqlite3.connect(tmp_path / "mentions.db") as conn:
        conn.execute("update responses set body_gz = ?", [gz("<html>something else</html>")])
    db = Database(tmp_path / "mentions.db")
    with pytest.raises(MonitorError, match="does not match its fetch-time SHA-256"):
        write_bundle(db, mention_id, tmp_path / "out")
    with pytest.raises(UnknownMention):
        write_bundle(db, 12345, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_bundle_keeps_later_versions_checks_and_review(tmp_path):
    stored = Stored(tmp_path)
    mention_id = stored.add("http://news.test/a.html", [NAMED])
    stored.check(1, [UNNAMED])
    stored.db.execute("insert into reviews (person_id, article_id, mention_id, verdict, note, reviewed_at) "
                      "values (1, 1, ?, 'confirmed', 'his sister', '2026-11-29T00:00:00+00:00')", [mention_id])
    manifest = write_bundle(stored.db, mention_id, tmp_path / "out")
    verify(tmp_path / "out")
    assert [r["file"] for r in manifest["rechecks"]] == ["recheck-1.html"]
    assert b"Andry" not in (tmp_path / "out" / "recheck-1.html").read_bytes()
    assert [c["status"] for c in manifest["checks"]] == ["changed"]
    assert manifest["mention"]["vanished_at"] == manifest["checks"][0]["checked_at"]
    assert manifest["mention"]["review"]["verdict"] == "confirmed"


def test_feed_text_mention_has_a_bundle_without_a_page(tmp_path, site):
    site.add("/feed.xml", rss([{"title": "Brief", "guid": "urn:1",
                                "description": "Andry José Hernández Romero's mother wrote to CECOT again."}]),
             "application/rss+xml")
    config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n', PEOPLE)
    assert run_monitor("run", "--no-alerts", "-c", str(config)).returncode == 0
    out = tmp_path / "out"
    result = run_monitor("evidence", "1", "-c", str(config), "--out", str(out))
    assert result.returncode == 0, result.stderr
    manifest = verify(out)
    assert manifest["response"] is None and "feed entry" in manifest["note"]
    assert "Andry José Hernández Romero" in (out / "text.txt").read_text(encoding="utf-8")


def test_demo_mention_to_bundle_in_one_command(tmp_path, demo):
    directory, done = demo
    assert done.returncode == 0, done.stderr
    db = Database(directory / "demo.db")
    paged = "select min(m.id) as id from mentions m join responses r on r.article_id = m.article_id"
    mention_id = next(db.query(paged))["id"]
    out = tmp_path / "bundle"
    result = run_monitor("evidence", str(mention_id), "-c", str(directory / "monitor.toml"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    manifest = verify(out)
    site_dir = Path(__file__).resolve().parent.parent / "monitor" / "demo" / "site"
    served = site_dir / manifest["article"]["url"].split("/", 3)[3]
    assert (out / "original.html").read_bytes() == served.read_bytes()
