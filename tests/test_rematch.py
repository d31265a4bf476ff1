"""`monitor rematch`: only new or changed people, only articles naming a word of theirs; evidence, change watch."""

from __future__ import annotations

import json
import re

from conftest import run_monitor, write_config
from pages import article_html, rss
from sqlite_utils import Database
from test_evidence import verify

from monitor.archive.changes import due_rechecks

ANDRY = '[[person]]\nname = "Andry José Hernández Romero"\n'
NERI = '[[person]]\nname = "Neri José Alvarado Borges"\n'
PAGES = {
    "andry": ["Relatives of Andry José Hernández Romero, who was sent to CECOT in 2025, spoke on Monday."],
    "neri": ["The lawyers of Neri Alvarado Borges filed a new petition on Tuesday, his family said."],
    "quiet": ["Nobody on the watchlist is named here; the clerk read the weather report twice."],
}


def crawl_then_add_neri(tmp_path, site):
    """A run watching Andry over three pages, then Neri added to the watchlist: the config path."""
    served = {}
    for name, paragraphs in PAGES.items():
        served[name] = article_html(f"Story {name}", paragraphs).encode()
        site.add(f"/news/{name}.html", served[name])
    site.add("/feed.xml", rss([{"title": n, "link": f"{site.base}/news/{n}.html"} for n in PAGES]),
             "application/rss+xml")
    body = f'[[feed]]\nurl = "{site.base}/feed.xml"\n'
    config = write_config(tmp_path, body, ANDRY)
    assert run_monitor("run", "--no-alerts", "-c", str(config)).returncode == 0
    write_config(tmp_path, body, ANDRY + NERI)
    return config, served


def searched(stdout: str) -> tuple[int, int]:
    found = re.search(r"(\d+) articles searched for (\d+) new or changed", stdout)
    assert found, stdout
    return int(found.group(1)), int(found.group(2))


def test_rematch_searches_only_articles_naming_a_word_of_the_new_person(tmp_path, site):
    config, _ = crawl_then_add_neri(tmp_path, site)

    result = run_monitor("rematch", "-c", str(config))

    assert result.returncode == 0, result.stderr
    # Andry's page shares "José" with Neri's name: searched too, and rightly finds no Neri there.
    assert searched(result.stdout) == (2, 1)
    db = Database(tmp_path / "mentions.db")
    found = list(db.query("select p.name, a.url, r.command from mentions m join people p on p.id = m.person_id "
                          "join articles a on a.id = m.article_id join runs r on r.id = m.run_id order by m.id"))
    assert [(f["name"], f["url"].rsplit("/", 1)[1], f["command"]) for f in found] == [
        ("Andry José Hernández Romero", "andry.html", "run"),
        ("Neri José Alvarado Borges", "neri.html", "rematch"),
    ]
    # Nothing changed since: the next rematch has nobody and nothing to search.
    again = run_monitor("rematch", "-c", str(config))
    assert again.returncode == 0, again.stderr
    assert searched(again.stdout) == (0, 0)
    # Changing Neri's entry (an alias) makes him due again.
    write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n',
                 ANDRY + NERI + 'aliases = ["Neri Alvarado"]\n')
    assert searched(run_monitor("rematch", "-c", str(config)).stdout)[1] == 1


def test_a_mention_rematch_finds_has_evidence_and_joins_the_change_watch(tmp_path, site):
    config, served = crawl_then_add_neri(tmp_path, site)
    assert run_monitor("rematch", "-c", str(config)).returncode == 0
    db = Database(tmp_path / "mentions.db")
    mention_id, article_id = next(db.execute(
        "select m.id, m.article_id from mentions m join people p on p.id = m.person_id where p.name like 'Neri%'"))
    out = tmp_path / "bundle"

    result = run_monitor("evidence", str(mention_id), "-c", str(config), "--out", str(out))

    assert result.returncode == 0, result.stderr
    manifest = verify(out)
    # The page as received when it was first fetched, by the run, not a copy fetched later.
    assert (out / "original.html").read_bytes() == served["neri"]
    assert manifest["response"]["fetched_at"] == manifest["article"]["fetched_at"]
    assert manifest["article"]["text_from"] == "page" and manifest["note"] is None
    assert manifest["mention"]["found_by"] == "rematch"
    assert manifest["mention"]["matched"] in (out / "text.txt").read_text(encoding="utf-8")
    # The change watch re-checks the page now that it names someone; the quiet page stays unwatched.
    assert [a["id"] for a in due_rechecks(db, (0.0,))] == sorted(
        [article_id, next(db.execute("select id from articles where url like '%/andry.html'"))[0]])


def test_bundle_of_a_page_whose_response_was_not_kept_does_not_say_feed(tmp_path, site):
    """An archive from before every response was kept: its rematch mentions have no original.html."""
    config, _ = crawl_then_add_neri(tmp_path, site)
    db = Database(tmp_path / "mentions.db")
    with db.conn:
        db.execute("delete from responses where url like '%/neri.html'")
    assert run_monitor("rematch", "-c", str(config)).returncode == 0
    mention_id = next(db.execute("select max(id) from mentions"))[0]
    out = tmp_path / "bundle"

    assert run_monitor("evidence", str(mention_id), "-c", str(config), "--out", str(out)).returncode == 0

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["response"] is None and manifest["article"]["text_from"] == "page"
    assert "feed" not in manifest["note"]
    assert "extracted from the page fetched at " + manifest["article"]["fetched_at"] in manifest["note"]


def test_rematch_without_worker_processes_finds_the_same(tmp_path, site):
    """A watchlist too big for the workers is matched in the rematch's own process: same mentions."""
    from monitor.config import load_config
    from monitor.rematch import rematch

    config, _ = crawl_then_add_neri(tmp_path, site)

    summary = rematch(load_config(str(config)), workers=0)

    assert (summary.articles, summary.people, summary.failed) == (2, 1, 0)
    db = Database(tmp_path / "mentions.db")
    assert [r[0] for r in db.execute("select a.url from mentions m join people p on p.id = m.person_id "
                                     "join articles a on a.id = m.article_id where p.name like 'Neri%'")] == [
        f"{site.base}/news/neri.html"]
