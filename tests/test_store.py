"""The archive: the people table follows the watchlist; articles are stored once per URL, in batches."""

from __future__ import annotations

import json

from sqlite_utils import Database

from monitor.archive.store import BATCH_MAX_BYTES, Archive, Batch
from monitor.config import AlertSettings, FileChannelSettings
from monitor.items import Article, Mention, Person


def test_people_follow_the_watchlist_and_leavers_keep_their_rows(tmp_path):
    archive = Archive(tmp_path / "m.db")
    first = archive.sync_people([Person("Andry José Hernández Romero"), Person("Merwil Gutiérrez Flores")])
    second = archive.sync_people(
        [Person("Andry José Hernández Romero", aliases=("Andry Hernández",)), Person("Neri José Alvarado Borges")]
    )
    assert second["Andry José Hernández Romero"] == first["Andry José Hernández Romero"]
    assert set(second) == {"Andry José Hernández Romero", "Neri José Alvarado Borges"}
    rows = {r["name"]: r for r in archive.db.query("select * from people")}
    assert json.loads(rows["Andry José Hernández Romero"]["aliases"]) == ["Andry Hernández"]
    assert rows["Merwil Gutiérrez Flores"]["active"] == 0  # left the watchlist; its mentions still resolve
    assert rows["Neri José Alvarado Borges"]["active"] == 1
    archive.close()


def test_the_same_article_under_another_url_form_is_stored_once(tmp_path):
    archive = Archive(tmp_path / "m.db")
    text = "Relatives of Andry José Hernández Romero spoke on Monday. " * 10
    first = archive.save_article(Article("https://www.example.org/a/?utm_source=x", "T", text, "feed"), [], {})
    again = archive.save_article(Article("http://example.org/a#comments", "T", text, "sitemap"), [], {})
    assert first.is_new and not again.is_new and again.article_id == first.article_id
    assert archive.has_article("https://example.org/a/")
    assert archive.db["articles"].count == 1
    archive.close()


def test_every_migration_function_is_registered_in_order():
    """A migration missing its decorator is silently never applied: its tables then never exist."""
    import re

    from monitor.archive import schema

    defined = sorted(name for name in vars(schema) if re.fullmatch(r"m\d{3}_\w+", name))
    registered = [m.name for m in schema.migrations._migrations]
    assert sorted(registered) == defined
    assert registered == sorted(registered), "migrations apply in file order: keep their numbers rising"


def _articles(n: int, person: Person) -> list[Article]:
    out = []
    for i in range(n):
        own = " ".join(f"b{i}w{j}" for j in range(40))
        text = f"Relatives of {person.name} spoke on Monday. {own}."
        start = text.index(person.name)
        article = Article(f"https://news.example.org/{i}", f"Story {i}", text, "https://news.example.org/feed")
        article.mentions = [Mention(person, person.name, start, start + len(person.name), 95, snippet=text[:80])]
        out.append(article)
    return out


def test_a_batch_is_one_transaction_of_n_articles_and_the_rest_waits_for_the_flush(tmp_path):
    andry = Person("Andry José Hernández Romero")
    archive = Archive(tmp_path / "m.db", AlertSettings(file=FileChannelSettings(tmp_path / "alerts")))
    saved: list[tuple[str, bool]] = []
    batch = Batch(archive, archive.sync_people([andry]), None, max_items=3, max_ms=60_000,
                  on_saved=lambda article, s: saved.append((article.url, s.is_new)))
    articles = _articles(5, andry)
    for article in articles:
        batch.add(article)
    # Another connection (Datasette, a crash's survivor) sees the first three with their rows, no more.
    reader = Database(tmp_path / "m.db")
    assert [reader[t].count for t in ("articles", "mentions", "alert_queue")] == [3, 3, 3]
    assert len(saved) == 3 and not batch.due()
    assert batch.flush() == 2
    assert [reader[t].count for t in ("articles", "mentions", "alert_queue")] == [5, 5, 5]
    batch.add(articles[0])  # the same URL again, as another source would list it
    assert batch.flush() == 1 and saved[-1] == (articles[0].url, False)  # not new: counted once
    assert reader["articles"].count == 5
    reader.close()
    archive.close()


def test_an_article_the_archive_refuses_costs_only_itself(tmp_path):
    andry = Person("Andry José Hernández Romero")
    archive = Archive(tmp_path / "m.db")
    # A refusal the store cannot foresee (a constraint, a full disk on one write): here a trigger.
    archive.db.execute("create trigger refuse before insert on articles when new.url like '%/2' "
                       "begin select raise(abort, 'refused by the test'); end")
    failed: list[tuple[str, str]] = []
    batch = Batch(archive, archive.sync_people([andry]), None, max_items=5, max_ms=60_000,
                  on_failed=lambda article, error: failed.append((article.url, str(error))))
    for article in _articles(5, andry):
        batch.add(article)
    assert failed == [("https://news.example.org/2", "refused by the test")]
    stored = sorted(r[0] for r in archive.db.execute("select url from articles"))
    assert stored == [f"https://news.example.org/{i}" for i in (0, 1, 3, 4)]
    assert archive.db["mentions"].count == 4
    archive.close()


def test_a_batch_of_big_pages_is_flushed_before_it_fills(tmp_path):
    andry = Person("Andry José Hernández Romero")
    archive = Archive(tmp_path / "m.db")
    batch = Batch(archive, archive.sync_people([andry]), None, max_items=1000, max_ms=60_000)
    articles = _articles(3, andry)
    for article in articles:
        article.body = b"<html>" + b" " * (BATCH_MAX_BYTES // 2) + b"</html>"  # pages near the download cap
        batch.add(article)
    assert archive.db["articles"].count == 2 and len(batch.waiting) == 1
    archive.close()
