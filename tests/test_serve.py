"""`monitor serve`: Datasette's own client against the real app over a real archive."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor.archive.store import Archive
from monitor.config import load_config
from monitor.errors import MonitorError
from monitor.items import Article, Mention, Person
from monitor.web.serve import build_datasette, export_metadata, metadata_for

ANDRY = Person("Andry José Hernández Romero", aliases=("Andry Hernández",), context=("CECOT",))
NEVER = Person("Nadie Todavía Mencionado")
TEXT = (
    "Andry José Hernández Romero, a makeup artist from Venezuela, was deported to the "
    "CECOT prison in El Salvador. His mother keeps a candle lit in Capacho."
)
OTHER = "Lawmakers in Caracas debated the budget; nobody on the watchlist was named."


def ago(**delta: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(**delta)).isoformat(timespec="seconds")


def mention(text: str) -> Mention:
    start = text.index(ANDRY.name)
    return Mention(ANDRY, ANDRY.name, start, start + len(ANDRY.name), 100, snippet=text[:80])


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    """An archive filled through the store: 3 articles, 2 mentions, a run, a failing source."""
    path = tmp_path / "mentions.db"
    archive = Archive(path)
    ids = archive.sync_people([ANDRY, NEVER])
    first = archive.save_article(
        Article(url="https://diario.example/andry", title="Deportado a El Salvador", text=TEXT,
                source="https://diario.example/rss", outlet="Diario", language="es",
                published="2025-03-16T09:00:00Z"),
        [mention(TEXT)], ids)
    recent = archive.save_article(
        Article(url="https://news.example/cecot", title="Families wait for word", text=TEXT,
                source="https://news.example/feed", outlet="News", language="en",
                published=ago(hours=2)),
        [mention(TEXT)], ids)
    archive.save_article(
        Article(url="https://news.example/budget", title="Budget", text=OTHER,
                source="https://news.example/feed", outlet="News", language="en"), [], ids)
    # The first mention was found three days ago: in the 7-day list, not the 24-hour one.
    archive.db["mentions"].update(first.mention_ids[0], {"created_at": ago(days=3)})

    run_id = archive.start_run("run")
    archive.update_source("https://news.example/feed", "feed", last_status="ok",
                          last_fetched_at=ago(minutes=5))
    archive.update_source("https://broken.example/rss", "feed", last_status="error",
                          last_error="HTTP 503", consecutive_failures=2)
    archive.record_source_result(run_id, "https://news.example/feed", "feed", status="ok",
                                 fetched=2, new=2, errors=0)
    archive.record_source_result(run_id, "https://broken.example/rss", "feed", status="error",
                                 fetched=0, new=0, errors=1, error="HTTP 503")
    archive.record_source_result(run_id, "https://site.example/", "site", status="ok",
                                 fetched=1, new=0, errors=0)
    archive.record_error(run_id, "https://broken.example/rss", "https://broken.example/rss",
                         "HTTP 503")
    archive.finish_run(run_id, articles_new=3, mentions_new=2)
    archive.db["alerts"].insert_all([
        {"channel": "email", "status": "failed", "attempts": 8, "error": "SMTP refused",
         "created_at": ago(hours=1), "mention_ids": json.dumps([recent.mention_ids[0]])},
        {"channel": "slack", "status": "pending", "attempts": 0, "created_at": ago(hours=1),
         "mention_ids": json.dumps([recent.mention_ids[0]])},
        {"channel": "file", "status": "sent", "attempts": 1, "created_at": ago(hours=1),
         "sent_at": ago(hours=1), "mention_ids": json.dumps([recent.mention_ids[0]])},
    ])
    archive.close()
    return path


def fetch(path: Path, *urls: str, method: str = "GET", **kwargs) -> list:
    """Request each URL from a fresh app over the archive; return the responses."""

    async def go() -> list:
        ds = build_datasette(path)
        responses = [await ds.client.request(method, url, **kwargs) for url in urls]
        for db in ds.databases.values():
            db.close()
        return responses

    return asyncio.run(go())


def rows(path: Path, url: str) -> list[dict]:
    (response,) = fetch(path, url)
    assert response.status_code == 200, response.text
    return response.json()


def test_home_and_database_pages_render(archive_path: Path) -> None:
    home, database, row, article = fetch(archive_path, "/", "/mentions", "/mentions/articles/1", "/-/article/1")
    assert home.status_code == database.status_code == article.status_code == 200
    # Datasette's row page of an article opens the readable article page.
    assert row.status_code == 302 and row.headers["location"] == "/-/article/1"
    assert "Mention monitor archive" in home.text
    assert 'href="/mentions/latest_mentions_7d"' in home.text
    assert "Search all articles" in database.text


def test_mentions_link_to_article_and_person(archive_path: Path) -> None:
    (first, *_) = rows(archive_path, "/mentions/mentions.json?_shape=array&_labels=on")
    assert first["person_id"] == {"value": 1, "label": ANDRY.name}
    assert first["article_id"]["label"] == "Families wait for word"  # newest first
    (page,) = fetch(archive_path, "/mentions/mentions")
    assert 'href="/mentions/people/1"' in page.text
    assert 'href="/mentions/articles/' in page.text


def test_table_metadata_facets_and_hidden_tables(archive_path: Path) -> None:
    (response,) = fetch(archive_path, "/mentions/mentions.json")
    facets = response.json()["facet_results"]
    assert {"person_id", "created_at"} <= set(facets)
    assert facets["person_id"]["results"][0]["label"] == ANDRY.name
    (response,) = fetch(archive_path, "/mentions/articles.json")
    assert {"source", "language", "fetched_at"} <= set(response.json()["facet_results"])
    (response,) = fetch(archive_path, "/mentions.json")
    hidden = {t["name"] for t in response.json()["tables"] if t["hidden"]}
    assert {"alert_queue", "responses", "_sqlite_migrations", "articles_fts"} <= hidden


def test_contract_tables_and_columns_are_described(archive_path: Path) -> None:
    tables = metadata_for("mentions")["databases"]["mentions"]["tables"]
    contract = {
        "people": ["id", "name", "aliases", "context"],
        "articles": ["id", "url", "title", "text", "published", "fetched_at", "source", "language"],
        "mentions": ["id", "article_id", "person_id", "matched", "start", "end", "score",
                     "snippet", "created_at"],
        "alerts": ["id", "channel", "status", "attempts", "sent_at", "error", "mention_ids"],
        "runs": ["id", "started_at", "finished_at", "source_errors"],
    }
    for table, columns in contract.items():
        assert tables[table]["description"]
        missing = [c for c in columns if c not in tables[table].get("columns", {})]
        assert not missing, f"describe {table}.{missing} in monitor/web/metadata.yml"


def test_latest_mentions(archive_path: Path) -> None:
    day = rows(archive_path, "/mentions/latest_mentions_24h.json?_shape=array")
    week = rows(archive_path, "/mentions/latest_mentions_7d.json?_shape=array")
    assert [r["title"] for r in day] == ["Families wait for word"]
    assert [r["title"] for r in week] == ["Families wait for word", "Deportado a El Salvador"]
    assert week[0]["person"] == ANDRY.name and week[0]["url"] == "https://news.example/cecot"


def test_person_mentions_with_snippets(archive_path: Path) -> None:
    found = rows(archive_path, "/mentions/person_mentions.json?_shape=array&person=Hernández")
    assert len(found) == 2
    assert all(r["snippet"].startswith("Andry José") for r in found)
    assert rows(archive_path, "/mentions/person_mentions.json?_shape=array&person=Nadie") == []


def test_person_timeline_counts_per_day(archive_path: Path) -> None:
    timeline = rows(archive_path, "/mentions/person_timeline.json?_shape=array&person=Andry")
    assert timeline[-1] == {"day": "2025-03-16", "mentions": 1, "articles": 1, "people": 1,
                            "names": ANDRY.name}
    assert sum(r["mentions"] for r in timeline) == 2
    chart = rows(archive_path, "/mentions/mentions_over_time.json?_shape=array")
    assert chart[0] == {"day": "2025-03-16", "person": ANDRY.name, "mentions": 1, "articles": 1}


def test_first_mentions_lists_everyone(archive_path: Path) -> None:
    first, never = rows(archive_path, "/mentions/first_mentions.json?_shape=array")
    assert first["person"] == ANDRY.name
    assert first["title"] == "Deportado a El Salvador" and first["mentions_total"] == 2
    assert never["person"] == NEVER.name and never["mention_id"] is None


def test_outlets_that_named_a_person(archive_path: Path) -> None:
    outlets = rows(archive_path, "/mentions/person_outlets.json?_shape=array&person=Andry")
    assert {r["outlet"]: r["articles"] for r in outlets} == {"Diario": 1, "News": 1}


def test_full_text_search_finds_a_word_in_the_body(archive_path: Path) -> None:
    found = rows(archive_path, "/mentions/search_articles.json?_shape=array&q=candle")
    assert {r["title"] for r in found} == {"Deportado a El Salvador", "Families wait for word"}
    assert "**candle**" in found[0]["snippet"]
    assert found[0]["people_named"] == ANDRY.name
    # Accents ignored, punctuation harmless, quotes escaped, empty query empty.
    assert len(rows(archive_path, "/mentions/search_articles.json?_shape=array&q=hernandez-romero")) == 2
    assert len(rows(archive_path, '/mentions/search_articles.json?_shape=array&q="budget')) == 1
    assert rows(archive_path, "/mentions/search_articles.json?_shape=array&q=") == []
    table = rows(archive_path, "/mentions/articles.json?_shape=array&_search=budget")
    assert [r["title"] for r in table] == ["Budget"]


def test_alerts_failed_or_pending(archive_path: Path) -> None:
    alerts = rows(archive_path, "/mentions/alerts_not_sent.json?_shape=array")
    assert [(a["channel"], a["status"]) for a in alerts] == [("email", "failed"), ("slack", "pending")]
    assert alerts[0]["error"] == "SMTP refused"


def test_source_health(archive_path: Path) -> None:
    broken, ok, site = rows(archive_path, "/mentions/source_health.json?_shape=array")
    assert broken["url"] == "https://broken.example/rss"
    assert (broken["last_status"], broken["failed_runs_7d"], broken["errors_7d"],
            broken["page_errors_7d"], broken["last_success"]) == ("error", 1, 1, 1, None)
    assert ok["url"] == "https://news.example/feed" and ok["last_success"] is not None
    assert ok["articles_new"] == 2
    # A source seen only in a run (a site crawl the sources table does not list) shows too.
    assert (site["url"], site["kind"], site["last_status"]) == ("https://site.example/", "site", "ok")


def test_no_write_queries_and_writes_refused(archive_path: Path) -> None:
    queries = metadata_for("mentions")["databases"]["mentions"]["queries"]
    assert queries and not any(q.get("write") for q in queries.values())
    insert = "insert into people (name) values ('Intruder')"
    attempts = fetch(
        archive_path,
        f"/mentions.json?sql={insert}",
        f"/mentions.json?sql=with x as (select 1) {insert}",
        "/mentions.json?sql=select 1; delete from people",
    )
    assert all(r.status_code == 400 for r in attempts), [r.text for r in attempts]
    posts = fetch(archive_path, "/mentions/people/-/insert", "/mentions/-/create",
                  "/mentions/latest_mentions_24h", method="POST",
                  json={"row": {"name": "Intruder"}, "table": "x", "rows": [{"a": 1}]})
    assert all(r.status_code == 405 for r in posts), [r.status_code for r in posts]
    assert "read-only" in posts[0].text
    assert len(rows(archive_path, "/mentions/people.json?_shape=array")) == 2
    assert len(rows(archive_path, "/mentions.json?_shape=array&sql=select+name+from+sqlite_master")) > 10


def test_write_canned_query_and_plugin_writes_refused(archive_path: Path) -> None:
    write = {"databases": {"mentions": {"queries": {"add": {"sql": "delete from people",
                                                            "write": True}}}}}
    with pytest.raises(MonitorError, match="write query"):
        build_datasette(archive_path, metadata=write)

    async def plugin_write() -> None:
        ds = build_datasette(archive_path)
        await ds.get_database("mentions").execute_write("delete from people")

    from datasette.utils.asgi import Forbidden

    with pytest.raises(Forbidden):
        asyncio.run(plugin_write())
    assert len(rows(archive_path, "/mentions/people.json?_shape=array")) == 2


WRITER = textwrap.dedent("""
    import sys, time
    from monitor.items import Article, Mention, Person
    from monitor.archive.store import Archive
    person = Person("Andry José Hernández Romero")
    archive = Archive(sys.argv[1])
    ids = archive.sync_people([person])
    print("ready", flush=True)
    n, end = 0, time.monotonic() + float(sys.argv[2])
    while time.monotonic() < end:
        text = "Andry José Hernández Romero named again, batch %d." % n
        mention = Mention(person, person.name, 0, len(person.name), 100, snippet=text)
        archive.save_article(Article(url="https://w.example/%d" % n, title="Run %d" % n,
                                     text=text, source="https://w.example/rss"), [mention], ids)
        n += 1
    print(n, flush=True)
""")


def test_reads_while_a_run_writes(archive_path: Path) -> None:
    """A separate process writes articles non-stop (as `monitor run` would) while we read."""
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(archive_path), "3"],
        stdout=subprocess.PIPE, text=True,
    )
    assert writer.stdout.readline().strip() == "ready"

    async def read_until_done() -> list[int]:
        ds = build_datasette(archive_path)
        counts, started = [], time.monotonic()
        while writer.poll() is None and time.monotonic() - started < 10:
            for url in ("/mentions/latest_mentions_24h.json?_shape=array",
                        "/mentions/search_articles.json?_shape=array&q=batch",
                        "/mentions/mentions.json?_shape=array&_size=5"):
                response = await ds.client.get(url)
                assert response.status_code == 200, response.text
                assert "locked" not in response.text
            (count,) = (await ds.client.get("/mentions.json?_shape=arrayfirst&sql="
                                            "select+count(*)+from+mentions")).json()
            counts.append(count)
        return counts

    counts = asyncio.run(read_until_done())
    written = int(writer.communicate(timeout=10)[0].strip())
    assert writer.returncode == 0
    assert written > 20 and len(counts) > 10
    assert counts[-1] > counts[1], "reads saw the writer's new rows"


def test_fresh_config_serves_an_empty_archive(tmp_path: Path) -> None:
    (tmp_path / "monitor.toml").write_text('database = "data/fresh.db"\n', encoding="utf-8")
    config = load_config(tmp_path / "monitor.toml")
    assert rows(config.database, "/fresh/first_mentions.json?_shape=array") == []
    metadata = json.loads(export_metadata(config.database, tmp_path / "m.json").read_text())
    assert "fresh" in metadata["databases"]
    assert 'href="/fresh/search_articles"' in metadata["description_html"]


def test_dashboard_chart_when_the_plugin_is_installed(archive_path: Path) -> None:
    pytest.importorskip("datasette_dashboards")
    (page,) = fetch(archive_path, "/-/dashboards/mentions?person=Andry")
    assert page.status_code == 200
    assert "renderChart('timeline'" in page.text and '"db": "mentions"' in page.text
