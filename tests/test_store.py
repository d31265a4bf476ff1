"""The archive: the people table follows the watchlist; articles are stored once per URL."""

from __future__ import annotations

import json

from monitor.archive.store import Archive
from monitor.items import Article, Person


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
