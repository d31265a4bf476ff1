"""Change watch: re-checks on a schedule, edits, 404s, redirects, vanished names (loopback and in-process)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import run_monitor, write_config
from pages import article_html, rss
from sqlite_utils import Database

from monitor.archive.changes import Fetched, due_rechecks, record_check
from monitor.archive.review import review
from monitor.archive.store import Archive, utcnow
from monitor.config import AlertSettings, FileChannelSettings
from monitor.extract import extract_fields
from monitor.items import Article, Person
from monitor.match import compile_watchlist
from monitor.match.article import article_mentions

ANDRY = Person("Andry José Hernández Romero", context=("CECOT",))
MERWIL = Person("Merwil Gutiérrez Flores")
PEOPLE = '[[person]]\nname = "Andry José Hernández Romero"\n\n[[person]]\nname = "Merwil Gutiérrez Flores"\n'
NAMED = "Relatives of Andry José Hernández Romero, who was sent to CECOT in 2025, spoke on Monday."
UNNAMED = "Relatives of a man who was sent to CECOT in 2025 spoke on Monday."


# -- in-process: an archive built with the store, checks recorded directly ---------------


class Stored:
    """A fresh archive holding articles stored the way the pipeline stores them."""

    def __init__(self, path: Path, channels: bool = True):
        alerts = AlertSettings(backfill_days=36500, file=FileChannelSettings(path / "alerts") if channels else None)
        self.archive = Archive(path / "mentions.db", alerts)
        self.people = (ANDRY, MERWIL)
        self.people_ids = self.archive.sync_people(self.people)
        self.watchlist = compile_watchlist(self.people)
        self.db = self.archive.db

    def add(self, url: str, paragraphs: list[str], title: str = "Families ask for proof of life") -> int | None:
        """Store a page; return the id of its first mention (None if it names nobody)."""
        html = article_html(title, paragraphs).encode()
        fields = extract_fields(html, url)
        article = Article(url=url, title=fields["title"], text=fields["text"], source="test", final_url=url,
                          status=200, headers={"Content-Type": "text/html"}, body=html, fetched_at=utcnow())
        saved = self.archive.save_article(article, article_mentions(article.title, article.text, self.watchlist),
                                          self.people_ids)
        return saved.mention_ids[0] if saved.mention_ids else None

    def check(self, article_id: int, paragraphs: list[str] | None, status: int = 200, error: str = "") -> dict:
        body = article_html("Families ask for proof of life", paragraphs).encode() if paragraphs is not None else None
        url = self.db["articles"].get(article_id)["url"]
        fetched = Fetched(status if body is not None or status else None, url, {}, body, error)
        return record_check(self.db, article_id, fetched, self.watchlist, self.people_ids, self.archive.alerts)


@pytest.fixture
def stored(tmp_path):
    s = Stored(tmp_path)
    yield s
    s.archive.close()


def test_schedule_counts_checks_from_first_fetch(stored):
    stored.add("http://news.test/a.html", [NAMED])
    now = datetime.now(timezone.utc)
    days = (1.0, 7.0, 30.0)
    assert due_rechecks(stored.db, days, now) == []
    assert [a["url"] for a in due_rechecks(stored.db, days, now + timedelta(days=1, minutes=1))] == [
        "http://news.test/a.html"]
    stored.check(1, [NAMED])
    assert due_rechecks(stored.db, days, now + timedelta(days=6)) == []
    assert len(due_rechecks(stored.db, days, now + timedelta(days=7, minutes=1))) == 1
    stored.check(1, [NAMED])
    stored.check(1, [NAMED])
    assert due_rechecks(stored.db, days, now + timedelta(days=400)) == []


def test_articles_without_a_mention_are_not_watched(stored):
    stored.add("http://news.test/quiet.html", ["Nobody on the watchlist is named here at all, the clerk said."])
    assert due_rechecks(stored.db, (0.0,)) == []


def test_unchanged_page_with_new_markup_is_unchanged(stored):
    stored.add("http://news.test/a.html", [NAMED])
    check = stored.check(1, [NAMED])
    assert (check["status"], check["mentions_present"], check["http_status"]) == ("unchanged", 1, 200)
    assert stored.db["responses"].count == 1  # only a changed version is kept


def test_edit_that_keeps_the_name_is_changed_without_alert(stored):
    stored.add("http://news.test/a.html", [NAMED])
    check = stored.check(1, [NAMED, "Update: the ministry answered the families' letter on Tuesday."])
    assert (check["status"], check["mentions_present"]) == ("changed", 1)
    assert stored.db["change_alerts"].count == 0
    kinds = [r["kind"] for r in stored.db.query("select kind from responses order by id")]
    assert kinds == ["first", "recheck"]


def test_removed_name_is_recorded_and_queued_once(stored):
    mention_id = stored.add("http://news.test/a.html", [NAMED])
    first = stored.check(1, [UNNAMED])
    assert (first["status"], first["mentions_present"]) == ("changed", 0)
    assert first["note"] == "no longer names: Andry José Hernández Romero"
    assert stored.db["mentions"].get(mention_id)["vanished_at"] == first["checked_at"]
    again = stored.check(1, [UNNAMED])
    assert again["status"] == "unchanged"
    rows = list(stored.db.query("select channel, kind, person_id, mention_id, check_id from change_alerts"))
    assert rows == [{"channel": "file", "kind": "vanished", "person_id": stored.people_ids[ANDRY.name],
                     "mention_id": mention_id, "check_id": first["id"]}]


def test_removed_name_of_a_rejected_mention_is_not_alerted(stored):
    mention_id = stored.add("http://news.test/a.html", [NAMED])
    review(stored.db, mention_id, "rejected", "a namesake")
    assert stored.check(1, [UNNAMED])["note"].startswith("no longer names")
    assert stored.db["change_alerts"].count == 0


def test_gone_and_unreachable_are_told_apart(stored):
    stored.add("http://news.test/a.html", [NAMED])
    gone = stored.check(1, [], status=404)
    assert (gone["status"], gone["http_status"], gone["note"]) == ("gone", 404, "HTTP 404")
    down = stored.check(1, None, status=0, error="ConnectionRefusedError")
    assert (down["status"], down["http_status"], down["note"]) == ("unreachable", None, "ConnectionRefusedError")
    error = stored.check(1, [], status=503)
    assert (error["status"], error["http_status"]) == ("unreachable", 503)
    assert stored.db["change_alerts"].count == 0 and stored.db["mentions"].get(1)["vanished_at"] is None


def test_empty_page_is_unreachable_not_a_vanished_name(stored):
    stored.add("http://news.test/a.html", [NAMED])
    url = stored.db["articles"].get(1)["url"]
    fetched = Fetched(200, url, {}, b"<html><body><div>Checking your browser</div></body></html>")
    check = record_check(stored.db, 1, fetched, stored.watchlist, stored.people_ids, stored.archive.alerts)
    assert check["status"] == "unreachable"
    assert stored.db["change_alerts"].count == 0


# -- end to end: `monitor run` re-checks on loopback ----------------------------------


@pytest.fixture
def watched_site(site):
    site.add("/news/edited.html", article_html("Edited", [NAMED]))
    site.add("/news/removed.html", article_html("Removed", ["Merwil Gutiérrez Flores was seen, his sister said."]))
    site.add("/news/new.html", article_html("Moved", ["Andry José Hernández Romero's lawyer filed a motion."]))
    site.add("/news/old.html", b"", "text/html", status=301, headers={"Location": f"{site.base}/news/new.html"})
    site.add("/news/flaky.html", article_html("Flaky", ["Merwil Gutiérrez Flores wrote a letter home."]))
    items = [{"title": p, "link": f"{site.base}/news/{p}.html"} for p in ("edited", "removed", "old", "flaky")]
    site.add("/feed.xml", rss(items), "application/rss+xml")
    return site


def test_run_rechecks_edits_404s_redirects_and_outages(tmp_path, watched_site):
    site = watched_site
    body = (f'[[feed]]\nurl = "{site.base}/feed.xml"\n\n[evidence]\nrecheck_days = [0, 0]\n\n'
            '[alerts]\nbackfill_days = 36500\n\n[alerts.file]\ndir = "alerts"\n')
    config = str(write_config(tmp_path, body, PEOPLE))
    assert run_monitor("run", "--no-alerts", "-c", config).returncode == 0
    db = Database(tmp_path / "mentions.db")
    # The feed links /news/old.html, which redirects: the page's final URL is recorded.
    moved = list(db.query("select a.final_url, r.final_url as response_final, r.status from articles a "
                          "join responses r on r.article_id = a.id where a.title = 'Moved'"))
    assert moved == [{"final_url": f"{site.base}/news/new.html", "response_final": f"{site.base}/news/new.html",
                      "status": 200}]

    site.add("/news/edited.html", article_html("Edited", [UNNAMED]))
    del site.routes["/news/removed.html"]
    site.add("/news/flaky.html", b"down for maintenance", "text/plain", status=503)
    site.clear_log()
    result = run_monitor("run", "--no-alerts", "-c", config)
    assert result.returncode == 0, result.stderr
    rechecked = {"/news/edited.html", "/news/flaky.html", "/news/new.html", "/news/removed.html"}
    assert rechecked <= set(site.requests_for("/news/"))
    assert checks(db) == {"edited": ["changed"], "removed": ["gone"], "new": ["unchanged"], "flaky": ["unreachable"]}
    assert [r["note"] for r in db.query("select note from checks where status = 'changed'")] == [
        "no longer names: Andry José Hernández Romero"]
    assert db["change_alerts"].count == 1
    codes = {r["status"]: r["http_status"] for r in db.query("select status, http_status from checks")}
    assert codes == {"changed": 200, "gone": 404, "unchanged": 200, "unreachable": 503}

    assert run_monitor("run", "--no-alerts", "-c", config).returncode == 0
    assert checks(db)["edited"] == ["changed", "unchanged"]
    assert db["change_alerts"].count == 1  # one alert for one removed name, however often it is seen


def checks(db: Database) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for row in db.query("select a.url, c.status from checks c join articles a on a.id = c.article_id order by c.id"):
        found.setdefault(row["url"].rsplit("/", 1)[1].removesuffix(".html"), []).append(row["status"])
    return found
