"""Search sources: per-person news queries for Google News, Bing News and GDELT; no I/O.

A `[[search]]` table asks a news search service about every watched person (or a chosen
subset; never one with `search = false`). Each person yields a few query terms (the quoted
full name, each alias, the short form the matcher accepts); terms are OR-ed into batches
that stay within the service's limits, and each batch becomes one request URL per
language. The spider fetches those URLs like feeds; `search_results` parses the answers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from ..config import Config, SearchSource
from ..items import Person
from ..match.forms import parse_name
from ..match.names import PARTICLES
from ..match.normalize import fold

DEFAULT_BASE_URLS = {
    "google_news": "https://news.google.com",
    "bing_news": "https://www.bing.com",
    "gdelt": "https://api.gdeltproject.org",
}

SEARCH_PATHS = {"google_news": "/rss/search", "bing_news": "/news/search", "gdelt": "/api/v2/doc/doc"}


@dataclass(frozen=True)
class Limits:
    """How much one query may ask of a service (see docs/search.md for where each comes from)."""

    max_chars: int  # length of the query text, before URL encoding
    max_words: int  # words, counting each OR
    max_terms: int  # OR-ed names: more means the result cap cuts some of them off


LIMITS = {
    # Google ignores words past the 32nd; a search feed holds at most 100 items.
    "google_news": Limits(max_chars=400, max_words=32, max_terms=8),
    # The RSS answer is one short page of results: few names per query.
    "bing_news": Limits(max_chars=300, max_words=24, max_terms=4),
    # GDELT refuses long queries ("too short or too long"); at most 250 records a query.
    "gdelt": Limits(max_chars=450, max_words=60, max_terms=12),
}
# GDELT asks for one request every 5 seconds; the others get a polite 2.
SERVICE_DELAYS = {"google_news": 2.0, "bing_news": 2.0, "gdelt": 5.0}
# Requests per service per run ([[search]] max_requests): about ten minutes of each delay.
SERVICE_BUDGETS = {"google_news": 300, "bing_news": 300, "gdelt": 120}
GDELT_TIMESPAN = "3months"  # the DOC API's whole window
GDELT_MAX_RECORDS = 250


class SearchError(ValueError):
    """A search service answered with something that is not a result list."""


@dataclass(frozen=True)
class SearchQuery:
    """One request to one service: a batch of OR-ed name terms in one language."""

    service: str
    language: str  # "" for GDELT, which searches every language at once
    query: str  # the query text as sent
    url: str
    people: tuple[str, ...]  # configured names the batch asks about
    bucket: str = ""  # which people it asks about, as a hash prefix (see `people_buckets`)

    @property
    def label(self) -> str:
        where = f" {self.language}" if self.language else ""
        bucket = f" #{self.bucket}" if self.bucket else ""
        return f"{self.service}{where}{bucket}: {', '.join(self.people)}"


# -- who and what to ask ------------------------------------------------------------------


def searchable_people(search: SearchSource, people: Sequence[Person]) -> list[Person]:
    """The people a `[[search]]` table asks about: its subset (or everyone), never `search = false`."""
    if not search.people:
        return [p for p in people if p.search]
    wanted = {name.casefold() for name in search.people}
    return [p for p in people if p.search and ({p.name.casefold(), *(a.casefold() for a in p.aliases)} & wanted)]


def unknown_people(search: SearchSource, people: Sequence[Person]) -> list[str]:
    """Names in a `[[search]]` subset that are not on the watchlist."""
    known = {n.casefold() for p in people for n in (p.name, *p.aliases)}
    return [name for name in search.people if name.casefold() not in known]


def person_terms(person: Person) -> list[str]:
    """The name forms to search for: full name, aliases, and the short form of each."""
    terms: list[str] = []
    seen: set[str] = set()
    for name in (person.name, *person.aliases):
        for term in (written_order(name), short_form(name)):
            key = " ".join(fold(w) for w in (term or "").split())
            if term and key not in seen:
                seen.add(key)
                terms.append(" ".join(term.split()))
    return terms


def written_order(name: str) -> str:
    """ "HERNÁNDEZ ROMERO, Andry José" -> "Andry José HERNÁNDEZ ROMERO", the order news text uses."""
    family, comma, given = name.partition(",")
    return f"{given.strip()} {family.strip()}" if comma and given.strip() else name


def short_form(name: str) -> str | None:
    """First given name + first surname ("Andry Hernández"), when the matcher takes it as strong.

    None when the name has no such shorter form, or when both words are very common names
    ("José Hernández"): a search for those would return namesakes by the hundred.
    """
    model = parse_name(name, 0)
    if model is None or not model.given or not model.surnames:
        return None
    first_given = model.given[0]
    first_surname = [p for p in model.surnames if p.unit == 0]
    if first_given.common and all(p.common for p in first_surname):
        return None
    if "," in name:
        family, _, given = name.partition(",")
        given_words, family_words = given.split(), family.split()
    else:
        words = name.split()
        n_given = len({p.unit for p in model.given})
        given_words, family_words = _split_after(words, n_given)
    if not given_words or not family_words:
        return None
    surname = _first_unit(family_words)
    short = f"{given_words[0]} {surname}"
    return short if fold(short) != fold(name) and len(short.split()) < len(name.split()) else None


def _split_after(words: list[str], n_given: int) -> tuple[list[str], list[str]]:
    """Split name words after the n-th given name (particles do not count as names)."""
    count = 0
    for i, word in enumerate(words):
        if fold(word) not in PARTICLES:
            count += 1
        if count == n_given:
            return words[: i + 1], words[i + 1 :]
    return words, []


def _first_unit(words: list[str]) -> str:
    """The first surname with the particles before it ("de la Cruz")."""
    for i, word in enumerate(words):
        if fold(word) not in PARTICLES:
            return " ".join(words[: i + 1])
    return " ".join(words)


# -- batching -----------------------------------------------------------------------------


def quote_term(term: str, service: str) -> str:
    """A name as a phrase; GDELT refuses quoted single words, so those go bare."""
    if service == "gdelt" and " " not in term:
        return term
    return '"' + term.replace('"', "") + '"'


def join_terms(terms: Sequence[str], service: str) -> str:
    text = " OR ".join(quote_term(t, service) for t in terms)
    # GDELT: "Queries containing OR'd terms must be surrounded by ()."
    return f"({text})" if service == "gdelt" and len(terms) > 1 else text


def _fits(terms: Sequence[str], service: str) -> bool:
    limits = LIMITS[service]
    words = sum(len(t.split()) for t in terms) + len(terms) - 1
    if len(terms) > limits.max_terms or words > limits.max_words:
        return False
    return len(join_terms(terms, service)) <= limits.max_chars


def batch_terms(groups: Sequence[tuple[str, Sequence[str]]], service: str) -> list[tuple[tuple[str, ...], str]]:
    """(person, terms) groups -> (people, query text) batches within the service's limits.

    A person's terms stay together where they fit, so one query answers for whole people;
    a term too long for any query is sent alone (the service says what it thinks of it).
    """
    batches: list[tuple[list[str], list[str]]] = []
    for person, terms in groups:
        if batches and not _fits([*batches[-1][1], *terms], service) and _fits(terms, service):
            batches.append(([], []))  # the whole person fits a query of their own: start one
        for term in terms:
            if batches and _fits([*batches[-1][1], term], service):
                if person not in batches[-1][0]:
                    batches[-1][0].append(person)
                batches[-1][1].append(term)
            else:
                batches.append(([person], [term]))
    return [(tuple(people), join_terms(terms, service)) for people, terms in batches]


# -- request URLs -------------------------------------------------------------------------


def search_queries(config: Config) -> list[SearchQuery]:
    """Every search request the config yields, in config order."""
    queries: list[SearchQuery] = []
    for search in config.searches:
        queries.extend(source_queries(search, config.people))
    return queries


def source_queries(search: SearchSource, people: Sequence[Person]) -> list[SearchQuery]:
    """The request URLs of one `[[search]]` table."""
    groups = [(p.name, person_terms(p)) for p in searchable_people(search, people)]
    base = (search.base_url or DEFAULT_BASE_URLS[search.service]).rstrip("/")
    languages: Iterable[str] = [""] if search.service == "gdelt" else dict.fromkeys(search.languages)
    return [
        SearchQuery(search.service, language, query, query_url(search.service, base, query, language), names, bucket)
        for language in languages
        for bucket, members in people_buckets(groups, search.service)
        for names, query in batch_terms(members, search.service)
    ]


def people_buckets(
    groups: Sequence[tuple[str, Sequence[str]]], service: str
) -> list[tuple[str, list[tuple[str, Sequence[str]]]]]:
    """People grouped into queries by a hash of their name, not by their place in the list.

    A bucket is a prefix of the bits of each name's hash; it is split in two only while
    its people do not fit one query. Adding someone therefore changes the one query they
    land in (or splits it), never the others: their URLs, validators and history stay.
    """
    keyed = sorted((_name_bits(name), name, terms) for name, terms in groups)

    def split(prefix: str, members: list) -> list:
        terms = [t for _, _, person_terms in members for t in person_terms]
        if len(members) <= 1 or _fits(terms, service) or len(prefix) >= _HASH_BITS:
            return [(prefix, [(name, person_terms) for _, name, person_terms in members])]
        depth = len(prefix)
        return [part for bit in "01" for part in split(
            prefix + bit, [m for m in members if m[0][depth] == bit]) if part[1]]

    return split("", keyed) if keyed else []


_HASH_BITS = 32


def _name_bits(name: str) -> str:
    digest = hashlib.sha256(" ".join(fold(w) for w in name.split()).encode()).digest()
    return format(int.from_bytes(digest[:4], "big"), f"0{_HASH_BITS}b")


def query_url(service: str, base: str, query: str, language: str = "") -> str:
    if service == "google_news":
        params = {"q": query, **google_locale(language)}
        return f"{base}{SEARCH_PATHS[service]}?{_encode(params)}"
    if service == "bing_news":
        params = {"q": query, "format": "rss", "mkt": bing_market(language)}
        return f"{base}{SEARCH_PATHS[service]}?{_encode(params)}"
    params = {
        "query": query, "mode": "artlist", "format": "json", "maxrecords": GDELT_MAX_RECORDS,
        "sort": "datedesc", "timespan": GDELT_TIMESPAN,
    }
    return f"{base}{SEARCH_PATHS['gdelt']}?{_encode(params)}"


def _encode(params: dict) -> str:
    return urlencode(params, quote_via=quote, safe="")


# Spanish editions of Google News outside Spain are es-419 ("Latin America").
_SPAIN = {"ES"}


def google_locale(language: str) -> dict[str, str]:
    """A locale ("en-US", "es-419", "es-MX", "pt-BR", "fr") -> Google News hl, gl, ceid."""
    lang, _, region = (language or "en-US").replace("_", "-").partition("-")
    lang = lang.lower()
    region = region.upper()
    if lang == "es":
        if region in _SPAIN:
            return {"hl": "es", "gl": "ES", "ceid": "ES:es"}
        country = region if len(region) == 2 else "US"
        return {"hl": "es-419", "gl": country, "ceid": f"{country}:es-419"}
    if lang == "pt":
        country = region if len(region) == 2 else "BR"
        edition = "pt-PT" if country == "PT" else "pt-419"
        return {"hl": "pt-PT" if country == "PT" else "pt-BR", "gl": country, "ceid": f"{country}:{edition}"}
    if lang == "en":
        country = region if len(region) == 2 else "US"
        return {"hl": f"en-{country}", "gl": country, "ceid": f"{country}:en"}
    country = region if len(region) == 2 else lang.upper()
    return {"hl": lang, "gl": country, "ceid": f"{country}:{lang}"}


def bing_market(language: str) -> str:
    """A locale -> a Bing market code; Bing calls Spanish for Latin America es-XL."""
    lang, _, region = (language or "en-US").replace("_", "-").partition("-")
    if region == "419":
        region = "XL"
    return f"{lang.lower()}-{region.upper()}" if region else lang.lower()


# -- results ------------------------------------------------------------------------------


def service_of(url: str) -> str | None:
    """Which service a search request URL asks, from its path (base URLs may point anywhere)."""
    path = urlsplit(url).path
    for service, suffix in SEARCH_PATHS.items():
        if path.endswith(suffix):
            return service
    return None
