"""Search sources: query forms, batching, request URLs, result parsing, and a run against loopback services."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from conftest import FILES, run_monitor, write_config
from sqlite_utils import Database

from monitor.config import SearchSource, load_config
from monitor.items import Person
from monitor.match.normalize import fold
from monitor.search.queries import (
    LIMITS,
    SearchError,
    batch_terms,
    google_locale,
    person_terms,
    search_queries,
    short_form,
    source_queries,
)
from monitor.search.results import bing_publisher_url, parse_bing, parse_gdelt, parse_google_news

SEARCH_FILES = FILES / "search"
ANDRY = Person("Andry José Hernández Romero", aliases=("Andry Hernández",), context=("CECOT",))
MERWIL = Person("Merwil Gutiérrez Flores")
SECRET = Person("Yusmary Secreta Ocultada", search=False)
PEOPLE_TOML = (
    '[[person]]\nname = "Andry José Hernández Romero"\ncontext = ["CECOT"]\n'
    '[[person]]\nname = "Merwil Gutiérrez Flores"\n'
    '[[person]]\nname = "Yusmary Secreta Ocultada"\nsearch = false\n'
)
BASE = "http://search.test"


def fixture(name: str, base: str = BASE) -> bytes:
    """A recorded-format response with the loopback base URL and recent dates filled in."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    text = (SEARCH_FILES / name).read_text(encoding="utf-8")
    for key, value in {
        "{base_q}": quote(base, safe="").lower(),  # Bing writes lower-case escapes
        "{base}": base,
        "{rfc822}": format_datetime(now, usegmt=True),
        "{seendate}": now.strftime("%Y%m%dT%H%M%SZ"),
        "{iso}": now.isoformat(),
    }.items():
        text = text.replace(key, value)
    return text.encode("utf-8")


# -- query forms --------------------------------------------------------------------------


def test_terms_are_full_name_aliases_and_short_forms():
    assert person_terms(ANDRY) == ["Andry José Hernández Romero", "Andry Hernández"]
    assert person_terms(Person("HERNÁNDEZ ROMERO, Andry José")) == ["Andry José HERNÁNDEZ ROMERO", "Andry HERNÁNDEZ"]
    assert person_terms(Person("Merwil Gutiérrez Flores", aliases=("Merwil Gutierrez",))) == [
        "Merwil Gutiérrez Flores", "Merwil Gutiérrez"]  # the alias folds to the short form already there


def test_short_form_skipped_when_both_words_are_common_names():
    assert short_form("Andry José Hernández Romero") == "Andry Hernández"
    assert short_form("José Hernández López") is None  # would find namesakes by the hundred
    assert short_form("Neri Alvarado") is None  # already short


@pytest.mark.parametrize("service", ["google_news", "bing_news", "gdelt"])
def test_batches_stay_within_limits_and_cover_every_term(service):
    people = [Person(f"Persona{i} Nombre{i} Apellido{i} Segundo{i}") for i in range(40)]
    groups = [(p.name, person_terms(p)) for p in people]
    batches = batch_terms(groups, service)
    limits = LIMITS[service]
    sent = []
    for names, query in batches:
        assert len(query) <= limits.max_chars
        assert len(query.split()) <= limits.max_words
        terms = query.strip("()").split(" OR ")
        assert len(terms) <= limits.max_terms
        sent += [t.strip('"') for t in terms]
        assert names  # each batch says whom it asks about
    assert sent == [t for _, terms in groups for t in terms]
    assert 1 < len(batches) < len(sent)
    assert all(len(names) * 2 == len(query.split(" OR ")) for names, query in batches)  # people kept whole


def test_gdelt_wraps_or_in_parentheses_and_leaves_single_words_bare():
    [(_, query)] = batch_terms([("A", ["Andry Hernández", "Andrycito"])], "gdelt")
    assert query == '("Andry Hernández" OR Andrycito)'
    [(_, query)] = batch_terms([("A", ["Andry Hernández"])], "google_news")
    assert query == '"Andry Hernández"'


def test_google_news_urls_per_language_with_hl_gl_ceid():
    search = SearchSource("google_news", ("en-US", "es-419"))
    queries = source_queries(search, [ANDRY, MERWIL, SECRET])
    assert [q.language for q in queries] == ["en-US", "es-419"]
    en, es = (parse_qs(urlsplit(q.url).query) for q in queries)
    assert urlsplit(queries[0].url)[:3] == ("https", "news.google.com", "/rss/search")
    assert (en["hl"], en["gl"], en["ceid"]) == (["en-US"], ["US"], ["US:en"])
    assert (es["hl"], es["gl"], es["ceid"]) == (["es-419"], ["US"], ["US:es-419"])
    # People are ordered by a hash of their name (stable however the list is sorted; see people_buckets).
    assert en["q"] == ['"Merwil Gutiérrez Flores" OR "Merwil Gutiérrez" OR "Andry José Hernández Romero" OR '
                       '"Andry Hernández"']
    assert queries[0].people == ("Merwil Gutiérrez Flores", "Andry José Hernández Romero")
    assert google_locale("pt-BR") == {"hl": "pt-BR", "gl": "BR", "ceid": "BR:pt-419"}
    assert google_locale("es-MX") == {"hl": "es-419", "gl": "MX", "ceid": "MX:es-419"}


def test_bing_and_gdelt_urls():
    [bing] = source_queries(SearchSource("bing_news", ("es-419",), base_url="http://proxy.example/bing/"), [MERWIL])
    assert bing.url.startswith("http://proxy.example/bing/news/search?")
    assert parse_qs(urlsplit(bing.url).query) == {
        "q": ['"Merwil Gutiérrez Flores" OR "Merwil Gutiérrez"'], "format": ["rss"], "mkt": ["es-XL"]}
    [gdelt] = source_queries(SearchSource("gdelt", ("en-US", "es-419")), [MERWIL])  # languages ignored
    params = parse_qs(urlsplit(gdelt.url).query)
    assert gdelt.url.startswith("https://api.gdeltproject.org/api/v2/doc/doc?")
    assert params["mode"] == ["artlist"] and params["format"] == ["json"] and params["maxrecords"] == ["250"]
    assert params["query"] == ['("Merwil Gutiérrez Flores" OR "Merwil Gutiérrez")']


def test_people_subset_and_search_false(tmp_path):
    config = load_config(write_config(tmp_path, '[[search]]\nservice = "gdelt"\n'
                                      'people = ["Merwil Gutiérrez Flores", "Yusmary Secreta Ocultada"]\n'
                                      '[[search]]\nservice = "bing_news"\n', PEOPLE_TOML))
    gdelt, bing = search_queries(config)
    assert gdelt.people == ("Merwil Gutiérrez Flores",)  # named in the subset, but search = false wins
    assert set(bing.people) == {"Andry José Hernández Romero", "Merwil Gutiérrez Flores"}
    assert not any("secreta" in fold(unquote(q.url)) for q in (gdelt, bing))


# -- parsing recorded responses ----------------------------------------------------------


def test_parse_google_news():
    entries = parse_google_news(fixture("google_news_en.xml"), f"{BASE}/rss/search?q=x")
    first = entries[0]
    assert first.link == f"{BASE}/rss/articles/CBMiakFVX3lxTE5hbmRyeS1oZWFyaW5nLWZhbWlsaWVzLWNlY290?oc=5"
    assert first.title == "Families of men sent to CECOT ask court for proof of life"
    assert first.outlet == "The Loopback Herald"
    assert first.text == "Families of men sent to CECOT ask court for proof of life\nThe Loopback Herald"
    assert first.published is not None
    assert entries[1].outlet == "Loopback Times"


def test_parse_bing_extracts_publisher_urls():
    entries = parse_bing(fixture("bing_news.xml"), f"{BASE}/news/search?q=x")
    assert entries[0].link == f"{BASE}/news/andry-hearing.html?utm_source=bing"
    assert entries[0].outlet == "The Loopback Herald"
    assert entries[0].text.splitlines() == [
        "Families of men sent to CECOT ask court for proof of life", "The Loopback Herald",
        "Relatives of Andry José Hernández Romero, a makeup artist deported to El Salvador in March 2025, "
        "asked a federal judge on Monday to order proof of life."]
    assert entries[0].published is not None
    assert bing_publisher_url("http://www.bing.com/news/apiclick.aspx?ref=FexRss&url=javascript%3aalert(1)") == ""
    assert bing_publisher_url("https://example.org/a") == "https://example.org/a"


def test_parse_gdelt():
    entries = parse_gdelt(fixture("gdelt.json"))
    assert [e.link for e in entries] == [
        f"{BASE}/news/andry-hearing.html",
        f"{BASE}/noticias/merwil-carta.html?utm_source=gdelt&utm_medium=api",
        f"{BASE}/mundo/merwil-traslado.html",
    ]
    assert entries[2].title == "Trasladan a venezolanos del CECOT, entre ellos Merwil Gutiérrez Flores"
    assert entries[2].outlet == "mundoloopback.example"
    assert entries[2].published and entries[2].published.endswith("+00:00")
    assert parse_gdelt(b"{}") == []  # no results


def test_gdelt_plain_text_refusal_is_an_error():
    with pytest.raises(SearchError, match="Please limit requests"):
        parse_gdelt(b"Please limit requests to one every 5 seconds or contact kalev.leetaru5@gmail.com.")


# -- end to end on loopback ---------------------------------------------------------------


def _send(handler, status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8", **headers):
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    for key, value in headers.items():
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def services(site):
    """Google News, Bing News and GDELT stand-ins on loopback, with the publisher pages they point at."""
    base = site.base

    def param(handler, name):
        return parse_qs(urlsplit(handler.path).query).get(name, [""])[0]

    def google(handler):
        name = "google_news_es.xml" if param(handler, "hl") == "es-419" else "google_news_en.xml"
        _send(handler, 200, fixture(name, base), "application/xml; charset=utf-8")

    def bing(handler):
        name = "bing_news_es.xml" if param(handler, "mkt") == "es-XL" else "bing_news.xml"
        _send(handler, 200, fixture(name, base), "application/rss+xml; charset=utf-8")

    def gdelt(handler):
        _send(handler, 200, fixture("gdelt.json", base), "application/json; charset=utf-8")

    site.routes["/rss/search"] = google
    site.routes["/news/search"] = bing
    site.routes["/api/v2/doc/doc"] = gdelt
    # Google News links: one redirects to the publisher, one 404s, one stays on a script page.
    hearing = f"{base}/news/andry-hearing.html"
    site.routes["/rss/articles/CBMiakFVX3lxTE5hbmRyeS1oZWFyaW5nLWZhbWlsaWVzLWNlY290"] = (
        lambda h: _send(h, 302, Location=hearing))
    site.routes["/rss/articles/CBMiX0FVX3lxTE1lcndpbC1jZWNvdC1saXN0LWludGVyc3RpdGlhbA"] = (
        lambda h: _send(h, 200, fixture("pages/google-interstitial.html", base)))
    for path, page in {
        "/news/andry-hearing.html": "andry-hearing.html",
        "/wire/andry-hearing-copy.html": "andry-hearing-copy.html",
        "/noticias/merwil-carta.html": "merwil-carta.html",
        "/mundo/merwil-traslado.html": "merwil-traslado.html",
    }.items():
        site.add(path, fixture(f"pages/{page}", base))
    feed = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Herald</title><link>{base}/</link>'
            f"<description>d</description><item><title>Families of men sent to CECOT ask court for proof of life"
            f"</title><link>{hearing}?utm_source=rss</link></item></channel></rss>")
    site.add("/herald.xml", feed, "application/rss+xml")
    return site


SEARCH_TOML = """
[[feed]]
url = "{base}/herald.xml"

[[search]]
service = "google_news"
languages = ["en-US", "es-419"]
base_url = "{base}"
delay = 0  # loopback: the services' politeness delays are tested in test_search_schedule.py

[[search]]
service = "bing_news"
languages = ["en-US", "es-419"]
base_url = "{base}"
delay = 0  # loopback: the services' politeness delays are tested in test_search_schedule.py

[[search]]
service = "gdelt"
base_url = "{base}"
delay = 0

[alerts.file]
dir = "alerts"
"""


def _archive(tmp_path: Path):
    db = Database(tmp_path / "mentions.db")
    rows = db.query(
        "select a.url, a.source, a.text_from, a.story_id, p.name, m.score from mentions m "
        "join articles a on a.id = m.article_id join people p on p.id = m.person_id")
    return db, list(rows)


def test_search_run_finds_each_story_once_from_all_three_services(tmp_path, services):
    base = services.base
    config = write_config(tmp_path, SEARCH_TOML.replace("{base}", base), PEOPLE_TOML)
    result = run_monitor("run", "-c", str(config))
    assert result.returncode == 0, result.stderr
    db, mentions = _archive(tmp_path)

    def path(url):
        return url.removeprefix(base)

    found = {(path(m["url"]), m["name"]) for m in mentions}
    gn_stub = "/rss/articles/CBMiVkFVX3lxTE9tYWRyZS1kZS1hbmRyeS1wcnVlYmEtZGUtdmlkYQ?oc=5"
    gn_script = "/rss/articles/CBMiX0FVX3lxTE1lcndpbC1jZWNvdC1saXN0LWludGVyc3RpdGlhbA?oc=5"
    assert {(p, n) for p, n in found if n.startswith("Andry")} == {
        ("/news/andry-hearing.html", "Andry José Hernández Romero"),  # GN redirect, Bing, GDELT and the feed
        ("/wire/andry-hearing-copy.html", "Andry José Hernández Romero"),  # syndicated copy via Bing
        (gn_stub, "Andry José Hernández Romero"),  # Google link 404s: stored from its headline
    }
    assert {(p, n) for p, n in found if n.startswith("Merwil")} == {
        ("/noticias/merwil-carta.html", "Merwil Gutiérrez Flores"),  # Bing and GDELT (with utm_ tags)
        ("/mundo/merwil-traslado.html", "Merwil Gutiérrez Flores"),  # GDELT only
        (gn_script, "Merwil Gutiérrez Flores"),  # Google link stays on a script page: headline
    }
    # Same canonical URL -> one article, whichever service or feed led to it.
    urls = [path(r["url"]) for r in db.query("select url from articles")]
    assert len(urls) == len(set(urls)) == 6
    # Each service contributed; the stubs are marked as taken from the item itself.
    by_url = {path(m["url"]): m for m in mentions}
    assert by_url[gn_stub]["text_from"] == "feed" and "/rss/search" in by_url[gn_stub]["source"]
    assert "/api/v2/doc/doc" in by_url["/mundo/merwil-traslado.html"]["source"]
    assert by_url["/news/andry-hearing.html"]["text_from"] == "page"
    # The syndicated copy is the same story: one alert per (person, story).
    assert by_url["/news/andry-hearing.html"]["story_id"] == by_url["/wire/andry-hearing-copy.html"]["story_id"]
    outbox = [(r["name"], r["story_id"]) for r in db.query(
        "select p.name, o.story_id from outbox o join people p on p.id = o.person_id")]
    assert sorted(n.split()[0] for n, _ in outbox) == ["Andry", "Andry", "Merwil", "Merwil", "Merwil", "Yusmary"]
    assert (ANDRY.name, by_url["/wire/andry-hearing-copy.html"]["story_id"]) in outbox
    # The publisher page was fetched once, though four sources pointed at it.
    assert len(services.requests_for("/news/andry-hearing.html")) == 1
    # A search = false name never left the machine; the mention in a page is still found.
    assert not any("secreta" in fold(unquote(p)) for p, _ in services.log)
    assert ("/news/andry-hearing.html", "Yusmary Secreta Ocultada") in found
    # One request per language for Google and Bing (both people fit one query), one for GDELT.
    assert len(services.requests_for("/rss/search")) == 2
    assert len(services.requests_for("/news/search")) == 2
    assert len(services.requests_for("/api/v2/doc/doc")) == 1
    # Which service found what. A page several sources point at is credited to whichever
    # response arrived first (the feed, for the one page it lists too); the two Google-only
    # stubs are always Google's, and the services are credited with every article they led to.
    summary = result.stdout.splitlines()[0]
    credited = {s: int(n) for s, n in re.findall(r"(google_news|bing_news|gdelt) (\d+) new articles", summary)}
    assert set(credited) == {"google_news", "bing_news", "gdelt"}, summary
    from_searches = db.execute("select count(*) from articles where source_kind = 'search'").fetchone()[0]
    assert credited["google_news"] >= 2 and sum(credited.values()) == from_searches >= 5, summary
    errors = {path(r["url"]): r["reason"] for r in db.query("select url, reason from fetch_errors")}
    assert errors == {gn_stub: "HTTP 404"}

    # A second run (the queries are not due again for every_hours) fetches no page and adds nothing.
    services.clear_log()
    again = run_monitor("run", "-c", str(config))
    assert again.returncode == 0, again.stderr
    assert db["articles"].count == 6
    asked = ("/rss/search", "/news/search", "/api/", "/robots", "/herald.xml")
    assert [p for p, _ in services.log if not p.startswith(asked)] == []  # no page, no Google link


def test_sources_command_lists_generated_queries_with_status(tmp_path, services):
    config = write_config(tmp_path, SEARCH_TOML.replace("{base}", services.base), PEOPLE_TOML)
    before = run_monitor("sources", "-c", str(config))
    assert before.returncode == 0, before.stderr
    assert before.stdout.count("never run") == 6  # a feed, 2 Google, 2 Bing, 1 GDELT queries
    assert "google_news es-419: Merwil Gutiérrez Flores, Andry José Hernández Romero" in before.stdout
    assert "Yusmary" not in before.stdout
    services.routes["/api/v2/doc/doc"] = lambda h: _send(
        h, 200, b"Please limit requests to one every 5 seconds or contact kalev.leetaru5@gmail.com.", "text/plain")
    assert run_monitor("run", "--no-alerts", "-c", str(config)).returncode == 0
    after = run_monitor("sources", "-c", str(config)).stdout
    lines = after.splitlines()
    gdelt_line = next(i for i, line in enumerate(lines) if line.startswith("search") and "gdelt" in line)
    assert " error " in lines[gdelt_line]
    assert "GDELT answered: Please limit requests" in "\n".join(lines[gdelt_line:gdelt_line + 3])
    assert after.count("search   ok ") == 4
    assert "/api/v2/doc/doc?query=" in after
