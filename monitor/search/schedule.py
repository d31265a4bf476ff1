"""Which search queries a run sends: the due ones, most overdue first, within each service's budget.

A query is due when it has never answered, when its last answer was an error, or when it
last answered `every_hours` ago or more (`[[search]] every_hours`, default 6). At most
`max_requests` queries per service go out per run; the rest are due on the next run and,
having waited longest, go first then. A 10,000-person watchlist is thus asked about over
several runs, not in one five-hour run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlite_utils import Database

from ..config import Config, SearchSource
from .queries import SERVICE_BUDGETS, SERVICE_DELAYS, SearchQuery, source_queries


@dataclass
class Schedule:
    send: list[SearchQuery] = field(default_factory=list)
    not_due: int = 0  # asked recently enough
    over_budget: dict[str, int] = field(default_factory=dict)  # service -> due queries left for the next run


def service_budget(config: Config, service: str) -> int:
    for search in config.searches:
        if search.service == service and search.max_requests:
            return search.max_requests
    return SERVICE_BUDGETS[service]


def service_delay(config: Config, service: str) -> float:
    """Seconds between two requests to the service: the longest any of its [[search]] tables asks for."""
    delays = [s.delay for s in config.searches if s.service == service and s.delay is not None]
    return max(delays) if delays else SERVICE_DELAYS[service]


def slot_name(service: str) -> str:
    """The download slot of a service's queries, whatever host its base_url names."""
    return f"search:{service}"


Answers = dict[str, tuple[str | None, str | None]]  # query URL -> (last fetched at, last status)


def plan(config: Config, last: Answers, now: datetime | None = None) -> Schedule:
    """The queries to send now, given each query's last answer (`last_answers`)."""
    now = now or datetime.now(timezone.utc)
    schedule = Schedule()
    due: dict[str, list[tuple[str, SearchQuery]]] = {}
    for search in config.searches:
        for query in source_queries(search, config.people):
            when = _due_since(search, last.get(query.url))
            if when is None or when > now.isoformat():
                schedule.not_due += 1
            else:
                due.setdefault(query.service, []).append((when, query))
    for service, queries in due.items():
        queries.sort(key=lambda pair: pair[0])  # most overdue (never asked: "") first
        budget = service_budget(config, service)
        schedule.send.extend(query for _, query in queries[:budget])
        if len(queries) > budget:
            schedule.over_budget[service] = len(queries) - budget
    return schedule


def _due_since(search: SearchSource, row: tuple[str | None, str | None] | None) -> str | None:
    """When the query fell due (ISO text; "" if it never answered or last failed)."""
    if row is None or not row[0] or row[1] == "error":
        return ""
    asked = datetime.fromisoformat(row[0])
    if asked.tzinfo is None:
        asked = asked.replace(tzinfo=timezone.utc)
    return (asked + timedelta(hours=search.every_hours)).isoformat()


def last_answers(db: Database) -> Answers:
    """When each search query last answered, and how (its `sources` row), as the archive says."""
    rows = db.execute("select url, last_fetched_at, last_status from sources where kind = 'search'")
    return {url: (fetched, status) for url, fetched, status in rows}
