"""Search scheduling: stable query identities, due times, a per-service budget per run, and service
delays that AutoThrottle does not lower."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest
from badserver import monitor
from conftest import write_config
from siteserver import LoopbackServer, send_body

from monitor.config import SearchSource
from monitor.items import Person
from monitor.search.queries import source_queries

SURNAMES = ["Hernández", "Gutiérrez", "Romero", "Flores", "Zambrano", "Rodríguez", "Pérez", "Mendoza", "Castillo"]
GIVEN = ["Andry", "Merwil", "Yusmary", "Wilmer", "Neri", "Arturo", "Frizgeralth", "Jerce", "Luis", "Kevin", "Edwuar"]


def people(n: int) -> list[Person]:
    names = (f"{g} {a} {b}" for g, a, b in itertools.product(GIVEN, SURNAMES, reversed(SURNAMES)) if a != b)
    return [Person(name) for name in itertools.islice(names, n)]


@pytest.mark.parametrize("service", ["google_news", "bing_news", "gdelt"])
def test_adding_a_person_keeps_the_other_queries_identities(service):
    search = SearchSource(service, ("en-US",))
    watchlist = people(60)
    before = source_queries(search, watchlist)
    assert len(before) > 4  # enough queries for the test to mean something
    newcomer = Person("Maikel Alexander Zambrano Pérez")
    for position in (0, 30, 60):  # wherever the newcomer is added in the list
        after = source_queries(search, [*watchlist[:position], newcomer, *watchlist[position:]])
        gone = {b.url for b in before} - {a.url for a in after}
        new = [a for a in after if a.url not in {b.url for b in before}]
        # Only the one query whose bucket the newcomer joined is replaced (by one, or by its two halves);
        # every other query keeps its URL, so its validators, health and history stay.
        assert len(gone) == 1 and 1 <= len(new) <= 2
        assert any(newcomer.name in q.people for q in new)
        assert all(newcomer.name not in q.people for q in after if q not in new)
        assert {n for q in after for n in q.people} == {p.name for p in watchlist} | {newcomer.name}


class GdeltStandIn(LoopbackServer):
    """Answers GDELT DOC queries with an empty article list; records when each query came."""

    def __init__(self) -> None:
        self.asked: list[tuple[float, str]] = []
        lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path == "/api/v2/doc/doc":
                    with lock:
                        server.asked.append((time.monotonic(), parse_qs(parts.query)["query"][0]))
                    body, kind = b'{"articles": []}', "application/json"
                else:
                    body, kind = b"User-agent: *\n", "text/plain"
                send_body(self, body, kind)

            def log_message(self, *args) -> None:
                pass

        super().__init__(_Handler)


def person_toml(watchlist: list[Person]) -> str:
    return "".join(f'[[person]]\nname = "{p.name}"\n' for p in watchlist)


@pytest.fixture
def gdelt():
    server = GdeltStandIn().start()
    yield server
    server.stop()


def test_gdelt_delay_holds_under_autothrottle(tmp_path, gdelt):
    watchlist = people(40)
    expected = len(source_queries(SearchSource("gdelt", base_url=gdelt.base), watchlist))
    assert expected >= 4
    delay = 1.0  # GDELT's own is 5 s; configurable, and kept short here
    body = f'[[search]]\nservice = "gdelt"\nbase_url = "{gdelt.base}"\ndelay = {delay}\n'
    config = write_config(tmp_path, body, person_toml(watchlist))
    # A small crawl.delay turns AutoThrottle on: it would bring the slot's delay down to it.
    config.write_text(config.read_text().replace("delay = 0\n", "delay = 0.05\n"))

    result = monitor("run", "--no-alerts", "-c", str(config))

    assert result.returncode == 0, result.stderr
    times = [when for when, _ in gdelt.asked]
    assert len(times) == expected
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= delay * 0.95, gaps  # every one: not lowered, not jittered


def test_each_query_is_asked_when_due_within_the_service_budget(tmp_path, gdelt):
    watchlist = people(40)
    queries = source_queries(SearchSource("gdelt", base_url=gdelt.base), watchlist)
    budget = (len(queries) + 1) // 2
    body = f'[[search]]\nservice = "gdelt"\nbase_url = "{gdelt.base}"\ndelay = 0\nmax_requests = {budget}\n'
    config = write_config(tmp_path, body, person_toml(watchlist))

    asked = []
    for _ in range(3):
        gdelt.asked.clear()
        result = monitor("run", "--no-alerts", "-c", str(config))
        assert result.returncode == 0, result.stderr
        asked.append({query for _, query in gdelt.asked})
        left = len(queries) - budget if len(asked) == 1 else 0
        assert (f"{left} due search queries left for the next run" in result.stdout) == bool(left), result.stdout
    first, second, third = asked
    assert len(first) == budget and len(second) == len(queries) - budget
    assert first | second == {q.query for q in queries} and not first & second
    assert third == set()  # asked less than every_hours (6) ago: not due

    # A newcomer's query is new, so due at once; the others wait for their time.
    newcomer = Person("Maikel Alexander Zambrano Pérez")
    config.write_text(config.read_text() + person_toml([newcomer]))
    gdelt.asked.clear()
    assert monitor("run", "--no-alerts", "-c", str(config)).returncode == 0
    now_asked = [query for _, query in gdelt.asked]
    assert now_asked and all("Maikel" in q or q not in first | second for q in now_asked)
    assert len(now_asked) <= 2


def test_every_hours_is_a_search_key(tmp_path):
    from monitor.config import load_config

    config = write_config(tmp_path, '[[search]]\nservice = "gdelt"\nevery_hours = 0.5\nmax_requests = 7\ndelay = 9\n')
    [search] = load_config(str(config)).searches
    assert (search.every_hours, search.max_requests, search.delay) == (0.5, 7, 9.0)
    assert replace(search, every_hours=6.0) == SearchSource("gdelt", max_requests=7, delay=9.0)
