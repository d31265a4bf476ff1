"""Every source the config yields (generated search queries included), with its last status."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from .archive.backlog import pending_counts
from .config import Config
from .search.queries import search_queries, service_of


@dataclass(frozen=True)
class SourceRow:
    kind: str  # feed | sitemap | site | search
    url: str
    name: str  # the configured name; for a search, service, language and people
    status: str  # ok | not_modified | error | never run
    checked_at: str | None = None  # start of the run that last fetched it
    new: int = 0  # articles it added in that run
    error: str | None = None
    waiting: int = 0  # article URLs over crawl.max_urls_per_source, for later runs


def list_sources(config: Config) -> list[SourceRow]:
    """The configured feeds, sitemaps, sites and every search request URL, in config order."""
    configured = [("feed", f.url, f.name) for f in config.feeds]
    configured += [("sitemap", s.url, s.name) for s in config.sitemaps]
    configured += [("site", s.start_url, s.name) for s in config.sites]
    configured += [("search", q.url, q.label) for q in search_queries(config)]
    last = last_results(config)
    waiting = waiting_urls(config)
    rows = []
    for kind, url, name in configured:
        seen = last.get(url)
        if seen is None:
            rows.append(SourceRow(kind, url, name, "never run"))
            continue
        rows.append(SourceRow(kind, url, name, seen["status"] or "ok", seen["started_at"], seen["new"] or 0,
                              seen["error"], waiting.get(url, 0)))
    return rows


def waiting_urls(config: Config) -> dict[str, int]:
    """source -> article URLs it listed over crawl.max_urls_per_source, not fetched yet."""
    if not config.database.exists():
        return {}
    db = Database(config.database)
    try:
        return pending_counts(db)
    finally:
        db.close()


def last_results(config: Config) -> dict[str, dict]:
    """url -> its latest `run_sources` row (with the run's start); empty before the first run."""
    if not config.database.exists():
        return {}
    db = Database(config.database)
    try:
        if not db["run_sources"].exists():
            return {}
        rows = db.query(
            "select rs.url, rs.status, rs.new, rs.error, r.started_at from run_sources rs "
            "left join runs r on r.id = rs.run_id "
            "where rs.id in (select (select id from run_sources where url = s.url "
            "order by run_id desc, id desc limit 1) from sources s)"
        )
        return {row["url"]: row for row in rows}
    finally:
        db.close()


def search_counts(db: Database, run_id: int) -> dict[str, dict[str, int]]:
    """Per search service, for one run: queries sent, failed, new articles and new mentions."""
    counts: dict[str, dict[str, int]] = {}

    def of(service: str) -> dict[str, int]:
        return counts.setdefault(service, {"queries": 0, "failed": 0, "articles": 0, "mentions": 0})

    for row in db.query("select url, status, new from run_sources where run_id = ? and kind = 'search'", [run_id]):
        service = service_of(row["url"])
        if service:
            of(service)["queries"] += 1
            of(service)["failed"] += row["status"] == "error"
            of(service)["articles"] += row["new"] or 0
    mentions = db.query(
        "select a.source, count(*) as n from mentions m join articles a on a.id = m.article_id "
        "where m.run_id = ? and a.source_kind = 'search' group by a.source", [run_id])
    for row in mentions:
        service = service_of(row["source"])
        if service:
            of(service)["mentions"] += row["n"]
    return counts


def describe_search_counts(counts: dict[str, dict[str, int]]) -> str:
    """ "search: google_news 2 new articles (3 mentions), gdelt 0 new articles (1 of 2 queries failed)"."""
    parts = []
    for service, c in counts.items():
        text = f"{service} {c['articles']} new articles ({c['mentions']} mentions"
        if c["failed"]:
            text += f", {c['failed']} of {c['queries']} queries failed"
        parts.append(text + ")")
    return "search: " + ", ".join(parts) if parts else ""
