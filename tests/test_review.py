"""Review: a rejected mention never alerts again (run, syndicated copy, rematch); first-mention flags."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import run_monitor, write_config
from pages import article_html, rss
from sqlite_utils import Database
from test_changes import NAMED, Stored

from alerts.dispatch import Backoff, send_pending
from alerts.records import claim
from monitor.archive.review import rejected_snippets, review

ANDRY = '[[person]]\nname = "Andry José Hernández Romero"\ncontext = ["CECOT"]\n'
MERWIL = '[[person]]\nname = "Merwil Gutiérrez Flores"\n'
NERI = '[[person]]\nname = "Neri José Alvarado Borges"\n'
ALERTS = '[alerts]\nbackfill_days = 36500\n\n[alerts.file]\ndir = "alerts"\n'


def alerted(folder: Path) -> list[tuple[str, str, bool]]:
    """(person, article path, first_for_person) of every mention in the alert files written."""
    found = []
    for path in sorted(folder.glob("alert-*.json")):
        for item in json.loads(path.read_text(encoding="utf-8"))["mentions"]:
            found.append((item["person"], item["url"].split("/", 3)[3], item["first_for_person"]))
    return found


def test_rejection_holds_across_run_syndication_and_rematch(tmp_path, site):
    andry = article_html("Proof of life", [NAMED, "Neri José Alvarado Borges was also named by the lawyers."])
    site.add("/news/andry.html", andry)
    site.add("/news/merwil.html", article_html("Letter", ["Merwil Gutiérrez Flores wrote a letter, his sister said."]))
    feed = [{"title": p, "link": f"{site.base}/news/{p}.html"} for p in ("andry", "merwil")]
    site.add("/feed.xml", rss(feed), "application/rss+xml")
    body = f'[[feed]]\nurl = "{site.base}/feed.xml"\n\n{ALERTS}'
    config = write_config(tmp_path, body, ANDRY + MERWIL)
    assert run_monitor("run", "--no-alerts", "-c", str(config)).returncode == 0
    db = Database(tmp_path / "mentions.db")
    mention_id = next(db.query("select min(m.id) as id from mentions m join people p on p.id = m.person_id "
                               "where p.name like 'Andry%'"))["id"]

    result = run_monitor("review", str(mention_id), "-c", str(config), "--reject", "--note", "a namesake")
    assert result.returncode == 0, result.stderr
    assert "rejected" in result.stdout
    assert run_monitor("run", "-c", str(config)).returncode == 0
    assert alerted(tmp_path / "alerts") == [("Merwil Gutiérrez Flores", "news/merwil.html", True)]

    # The same story syndicated elsewhere is stored with its mention, and not alerted.
    site.add("/wire/andry.html", andry)
    wire = {"title": "wire", "link": f"{site.base}/wire/andry.html"}
    site.add("/feed.xml", rss([*feed, wire]), "application/rss+xml")
    assert run_monitor("run", "-c", str(config)).returncode == 0
    copy = list(db.query("select m.id from mentions m join articles a on a.id = m.article_id "
                         "join people p on p.id = m.person_id where a.url like '%/wire/andry.html' "
                         "and p.name like 'Andry%'"))
    assert copy
    # rematch with a new person: the article's other name alerts, the rejected one does not.
    write_config(tmp_path, body, ANDRY + MERWIL + NERI)
    result = run_monitor("rematch", "-c", str(config))
    assert result.returncode == 0, result.stderr
    assert run_monitor("run", "-c", str(config)).returncode == 0
    found = alerted(tmp_path / "alerts")
    assert [f for f in found if f[0].startswith("Andry")] == []
    assert ("Neri José Alvarado Borges", "news/andry.html", True) in found
    row = next(db.query("select verdict, note from reviews where mention_id = ?", [mention_id]))
    assert row == {"verdict": "rejected", "note": "a namesake"}
    # Judged: it left the queue of mentions waiting for a reviewer.
    assert not list(db.query("select 1 from review_queue where mention_id = ?", [mention_id]))


def test_first_mention_flag_is_set_once_per_person(tmp_path, site):
    stories = {  # two different stories (no shared filler, or they would count as one syndicated story)
        "one": "Merwil Gutiérrez Flores was named in a court filing on Monday. The government's lawyers asked "
               "for more time; the judge gave them until December to answer the petition in full.",
        "two": "A handwritten letter from Merwil Gutiérrez Flores reached his mother in Caracas. Neighbours "
               "gathered outside the family's house, and a priest read the letter aloud at a vigil.",
    }
    for name, text in stories.items():
        site.add(f"/news/{name}.html", f'<html lang="en"><head><title>{name}</title><meta property="og:type" '
                 f'content="article"></head><body><article><h1>{name}</h1><p>{text}</p></article></body></html>')
    site.add("/feed.xml", rss([{"title": n, "link": f"{site.base}/news/{n}.html"} for n in ("one", "two")]),
             "application/rss+xml")
    config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n\n{ALERTS}', MERWIL)
    assert run_monitor("run", "-c", str(config)).returncode == 0
    db = Database(tmp_path / "mentions.db")
    flags = [r["first_for_person"] for r in db.query("select first_for_person from mentions order by id")]
    assert flags[0] == 1 and set(flags[1:]) == {0}
    found = alerted(tmp_path / "alerts")
    assert [f[2] for f in found] == [True, False]  # the first-ever mention leads


# -- in-process: the outbox and alerts tables around a verdict ------------------------


@pytest.fixture
def stored(tmp_path):
    s = Stored(tmp_path)
    yield s
    s.archive.close()


def deliver(stored: Stored) -> list:
    send_pending(stored.db, stored.archive.alerts, backoff=Backoff(0, 0))
    return alerted(stored.archive.alerts.file.dir)


def test_rejection_withdraws_a_claimed_alert_not_yet_sent(stored):
    andry = stored.add("http://news.test/a.html", [NAMED])
    merwil = stored.add("http://news.test/b.html", ["Merwil Gutiérrez Flores wrote home, his sister said."])
    claim(stored.db, "file", datetime.now(timezone.utc))  # both rows now belong to one pending alert
    row = review(stored.db, andry, "rejected", "namesake")
    assert row["withdrawn"] == 1
    assert json.loads(stored.db["alerts"].get(1)["mention_ids"]) == [merwil]
    assert [f[0] for f in deliver(stored)] == ["Merwil Gutiérrez Flores"]


def test_alert_left_empty_by_a_rejection_is_dropped(stored):
    andry = stored.add("http://news.test/a.html", [NAMED])
    claim(stored.db, "file", datetime.now(timezone.utc))
    review(stored.db, andry, "rejected")
    assert stored.db["alerts"].count == 0
    assert deliver(stored) == []


def test_confirming_after_a_rejection_lets_the_alert_go(stored):
    andry = stored.add("http://news.test/a.html", [NAMED])
    review(stored.db, andry, "rejected")
    assert deliver(stored) == []
    confirmed = review(stored.db, andry, "confirmed", "his sister recognised him")
    assert confirmed["verdict"] == "confirmed"
    assert [f[0] for f in deliver(stored)] == ["Andry José Hernández Romero"]
    assert stored.db["reviews"].count == 1  # one verdict per (person, article), the latest


def test_sent_alert_is_left_alone(stored):
    andry = stored.add("http://news.test/a.html", [NAMED])
    assert len(deliver(stored)) == 1
    assert review(stored.db, andry, "rejected")["withdrawn"] == 0
    assert stored.db["alerts"].get(1)["status"] == "sent"


def test_rejected_snippets_per_person(stored):
    andry = stored.add("http://news.test/a.html", [NAMED])
    stored.add("http://news.test/b.html", ["Andry José Hernández Romero, the astronaut, visited a school."])
    review(stored.db, andry, "rejected")
    snippets = rejected_snippets(stored.db)
    assert list(snippets) == ["Andry José Hernández Romero"]
    assert len(snippets["Andry José Hernández Romero"]) == 1 and "CECOT" in snippets["Andry José Hernández Romero"][0]


def test_review_cli_errors(tmp_path):
    stored = Stored(tmp_path)
    stored.add("http://news.test/a.html", [NAMED])
    stored.archive.close()
    config = write_config(tmp_path, "", ANDRY)
    unknown = run_monitor("review", "77", "-c", str(config), "--reject")
    assert unknown.returncode == 2 and "no mention with id 77" in unknown.stderr
    no_verdict = run_monitor("review", "1", "-c", str(config))
    assert no_verdict.returncode == 2 and "--confirm or --reject" in no_verdict.stderr
    (tmp_path / "mentions.db").rename(tmp_path / "elsewhere.db")
    missing = run_monitor("review", "1", "-c", str(config), "--confirm")
    assert missing.returncode == 2 and "does not exist yet" in missing.stderr


def test_rejection_withdraws_an_unsent_vanished_alert(stored):
    from test_changes import UNNAMED

    andry = stored.add("http://news.test/a.html", [NAMED])
    send_pending(stored.db, stored.archive.alerts, backoff=Backoff(0, 0))  # the mention's own alert goes out
    stored.check(1, [UNNAMED])
    # As the dispatcher would: the vanished row joins a new alert that has not been tried yet.
    alert_id = stored.db["alerts"].insert({"channel": "file", "status": "pending", "maybe_delivered": 0}).last_pk
    stored.db.execute("update alert_queue set alert_id = ? where kind = 'vanished'", [alert_id])
    assert review(stored.db, andry, "rejected")["withdrawn"] == 1
    assert [r[0] for r in stored.db.execute("select alert_id from alert_queue where kind = 'vanished'")] == [None]
    assert [r["id"] for r in stored.db.query("select id from alerts")] == [1]  # the sent one stays



def plain_page(title: str, paragraphs: list[str]) -> str:
    """An article page with only these paragraphs (no shared filler, so stories stay apart)."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="og:type" content="article"></head><body><article><h1>{title}</h1>'
            f"{body}</article></body></html>")


def test_a_rejected_sentence_does_not_alert_again_in_another_story(tmp_path, site):
    """Negative context: the same wording about a namesake, in an article that is not the same story."""
    namesake = "José Hernández Romero, the retired footballer, opened a school in Valencia on Monday."
    site.add("/sport/one.html", plain_page("School opens", [
        namesake, "Parents queued for places from early morning, and the mayor cut a ribbon at noon while a band "
        "played. The school will teach two hundred children and has room for a football pitch behind it."]))
    site.add("/feed.xml", rss([{"title": "one", "link": f"{site.base}/sport/one.html"}]), "application/rss+xml")
    person = '[[person]]\nname = "José Hernández Romero"\n'
    config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n\n{ALERTS}', person)
    assert run_monitor("run", "--no-alerts", "-c", str(config)).returncode == 0
    db = Database(tmp_path / "mentions.db")
    [first] = list(db.query("select id from mentions"))
    assert run_monitor("review", str(first["id"]), "-c", str(config), "--reject").returncode == 0

    site.add("/sport/two.html", plain_page("Football roundup", [
        "The derby ended in a draw after a late goal, and the visitors' coach blamed the referee for the result.",
        namesake, "Next week the league resumes with four matches on Saturday and two more on Sunday evening."]))
    items = [{"title": p, "link": f"{site.base}/sport/{p}.html"} for p in ("one", "two")]
    site.add("/feed.xml", rss(items), "application/rss+xml")
    assert run_monitor("run", "-c", str(config)).returncode == 0
    assert db.execute("select count(distinct story_id) from articles").fetchone()[0] == 2
    assert db["mentions"].count == 2  # stored, for the record
    second = next(db.query("select id from mentions where article_id = 2"))["id"]
    assert not list(db.query("select 1 from outbox where mention_id = ?", [second]))  # not queued
    assert alerted(tmp_path / "alerts") == []  # and nothing was sent
