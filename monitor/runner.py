"""One monitoring cycle: lock, crawl every source (collect -> extract -> match -> store), alert."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from .archive.health import close_killed_runs, queue_health_notices, source_problems
from .archive.history import prune_history
from .archive.store import Archive
from .archive.unalerted import explain, not_alerted
from .config import Config
from .errors import MonitorError
from .lock import run_lock
from .sources import describe_search_counts, search_counts

logger = logging.getLogger(__name__)
MAX_ERRORS_PER_SOURCE = 20

# A function that delivers pending alerts and returns a report with `.lines()`;
# passed in by the CLI so the core never imports the alerts package.
Deliver = Callable[[Any, Any], Any]


@dataclass
class RunSummary:
    run_id: int
    sources: int
    pages: int
    articles_new: int
    mentions_new: int
    by_person: list[dict]
    source_errors: dict[str, list[str]] = field(default_factory=dict)
    alerts: Any = None
    by_service: dict[str, dict[str, int]] = field(default_factory=dict)  # search service -> counts
    health: list[str] = field(default_factory=list)  # sources failing run after run, or gone dark
    not_alerted: str = ""  # new mentions that queued no alert, by reason, with the key to change
    deferred: int = 0  # article URLs over crawl.max_urls_per_source, waiting for the next runs
    interrupted: bool = False  # stopped by SIGINT/SIGTERM: recorded `interrupted`, no alerts sent
    searches_waiting: int = 0  # due search queries over their service's max_requests, sent next run

    def line(self) -> str:
        people = ", ".join(f"{p['person']} ({p['n']} articles)" for p in self.by_person[:5])
        text = (
            f"run {self.run_id}: {self.sources} sources, {self.pages} pages fetched, "
            f"{self.articles_new} new articles, {self.mentions_new} new mentions"
        )
        if people:
            text += f": {people}"
        if self.by_service:
            text += "; " + describe_search_counts(self.by_service)
        if self.source_errors:
            text += (
                f"; {sum(len(v) for v in self.source_errors.values())} problems in {len(self.source_errors)} sources"
            )
        if self.deferred:
            text += f"; {self.deferred} URLs deferred to later runs (crawl.max_urls_per_source)"
        if self.searches_waiting:
            text += f"; {self.searches_waiting} due search queries left for the next run (max_requests)"
        if self.interrupted:
            text += "; interrupted before the end"
        if self.health:
            text += f"; {len(self.health)} sources need attention"
        if self.not_alerted:
            text += f"; {self.not_alerted}"
        return text


def scrapy_settings(config: Config, run_id: int | None = None, verbose: bool = False) -> Settings:
    settings = Settings()
    settings.setmodule("monitor.settings", priority="project")
    settings.set("MONITOR_CONFIG", str(config.path), priority="cmdline")
    settings.set("MONITOR_LOADED_CONFIG", config, priority="cmdline")  # read once per run
    if run_id:
        settings.set("MONITOR_RUN_ID", run_id, priority="cmdline")
    settings.set("LOG_LEVEL", "DEBUG" if verbose else "WARNING", priority="cmdline")
    return settings


def run_cycle(
    config: Config, deliver: Deliver | None = None, verbose: bool = False, command: str = "run"
) -> RunSummary:
    """Collect, extract, match and store every configured source, then deliver alerts.

    Raises LockedError if another run holds the archive.
    """
    with run_lock(config.lock_path):
        archive = Archive(config.database, config.alerts)
        try:
            run_id = archive.start_run(command)
            status = "error"
            try:
                summary = crawl(config, run_id, archive, verbose)
                status = "interrupted" if summary.interrupted else "ok"
            except KeyboardInterrupt:
                status = "interrupted"
                raise
            finally:
                archive.finish_run(run_id, status=status, **_run_counts(archive, run_id))
            if deliver is not None and not summary.interrupted:  # a stopped run stops; the next delivers
                summary.alerts = deliver(archive.db, config.alerts)
                archive.db["runs"].update(run_id, getattr(summary.alerts, "run_counts", dict)())
            return summary
        finally:
            archive.close()


def crawl(config: Config, run_id: int, archive: Archive, verbose: bool = False) -> RunSummary:
    """Run the `monitor` spider over every source, in this process."""
    close_killed_runs(archive.db, run_id)
    prune_history(archive.db, config.archive.keep_history_days)
    settings = scrapy_settings(config, run_id, verbose)
    # Live progress on stderr: lines with -v, a self-overwriting line on a terminal.
    settings.set("MONITOR_PROGRESS", "lines" if verbose else "bar" if sys.stderr.isatty() else "", priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("monitor")
    process.crawl(crawler)
    process.start()
    if crawler.spider is None or not crawler.spider.opened:
        # Scrapy logs the failure and returns; without this the run would "succeed"
        raise MonitorError("the crawl could not start (Scrapy's error is above; run with -v for more)")
    counts = crawler.spider.ctx.counts
    problems = source_problems(archive.db, run_id)
    queue_health_notices(archive.db, run_id, problems, config.alerts)  # once per episode, sent with the mentions
    return RunSummary(
        run_id=run_id,
        sources=len(config.feeds) + len(config.sitemaps) + len(config.sites) + len(config.searches),
        pages=counts.get("pages", 0),
        articles_new=counts.get("articles", 0),
        mentions_new=counts.get("mentions", 0),
        by_person=archive.mentions_in_run(run_id),
        source_errors=_source_errors(archive, run_id),
        by_service=search_counts(archive.db, run_id),
        health=[problem.line() for problem in problems],
        not_alerted=explain(not_alerted(archive.db, run_id, config.alerts), config.alerts),
        deferred=counts.get("deferred", 0),
        searches_waiting=counts.get("searches_over_budget", 0),
        # SIGINT/SIGTERM: Scrapy closes the spider with "shutdown" and returns normally.
        interrupted=crawler.stats.get_value("finish_reason") != "finished",
    )


def _source_errors(archive: Archive, run_id: int) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for row in archive.db.query("select source, url, reason from fetch_errors where run_id = ? order by id", [run_id]):
        errors.setdefault(row["source"], []).append(f"{row['url']}: {row['reason']}")
    return errors


def _run_counts(archive: Archive, run_id: int) -> dict[str, int | str]:
    """The `runs` row's counts, and its per-source errors (the first few of each; all are in fetch_errors)."""
    db = archive.db
    one = lambda sql, *args: db.execute(sql, args).fetchone()[0]  # noqa: E731
    errors = {source: reasons[:MAX_ERRORS_PER_SOURCE] for source, reasons in _source_errors(archive, run_id).items()}
    return {
        "pages_fetched": one("select coalesce(sum(fetched), 0) from run_sources where run_id = ?", run_id),
        "articles_new": one("select count(*) from articles where run_id = ?", run_id),
        "mentions_new": one("select count(*) from mentions where run_id = ?", run_id),
        "errors": one("select count(*) from fetch_errors where run_id = ?", run_id),
        "source_errors": json.dumps(errors, ensure_ascii=False),
    }
