"""One monitoring cycle: lock, crawl every source (collect -> extract -> match -> store), alert."""

from __future__ import annotations

import logging
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from .archive.health import queue_health_notices, source_problems
from .archive.store import Archive
from .archive.unalerted import explain, not_alerted
from .config import Config
from .errors import MonitorError
from .lock import run_lock
from .run import STATS_PREFIX, WRITE_ERROR_STAT, RunExtension, finish_run, open_run, source_errors
from .sources import describe_search_counts, search_counts

logger = logging.getLogger(__name__)

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
                _finish(archive, run_id, status)  # the same row a `scrapy crawl` leaves
            if deliver is not None and not summary.interrupted:  # a stopped run stops; the next delivers
                summary.alerts = deliver(archive.db, config.alerts)
                archive.db["runs"].update(run_id, getattr(summary.alerts, "run_counts", dict)())
            return summary
        finally:
            archive.close()


def crawl(config: Config, run_id: int, archive: Archive, verbose: bool = False) -> RunSummary:
    """Run the `monitor` spider over every source, in this process."""
    open_run(archive, run_id, config)
    crawler = run_monitor_spider(scrapy_settings(config, run_id, verbose), verbose)
    if failed := crawler.stats.get_value(WRITE_ERROR_STAT):
        raise MonitorError(
            f"{config.database}: the archive could not be written ({failed}; is the disk full?). "
            "What it holds is whole; the next run fetches what this one could not store."
        )
    counts = monitor_counts(crawler)
    problems = source_problems(archive.db, run_id)
    queue_health_notices(archive.db, run_id, problems, config.alerts)  # once per episode, sent with the mentions
    return RunSummary(
        run_id=run_id,
        sources=len(config.feeds) + len(config.sitemaps) + len(config.sites) + len(config.searches),
        pages=counts.get("pages", 0),
        articles_new=counts.get("articles", 0),
        mentions_new=counts.get("mentions", 0),
        by_person=archive.mentions_in_run(run_id),
        source_errors=source_errors(archive, run_id),
        by_service=search_counts(archive.db, run_id),
        health=[problem.line() for problem in problems],
        not_alerted=explain(not_alerted(archive.db, run_id, config.alerts), config.alerts),
        deferred=counts.get("deferred", 0),
        searches_waiting=counts.get("searches_over_budget", 0),
        # SIGINT/SIGTERM: Scrapy closes the spider with "shutdown" and returns normally.
        interrupted=crawler.stats.get_value("finish_reason") != "finished",
    )



def _finish(archive: Archive, run_id: int, status: str) -> None:
    """Close the run's row; on a full disk that write fails too, and must not hide why the run failed."""
    try:
        finish_run(archive, run_id, status)
    except sqlite3.Error:
        if status != "error":
            raise
        # The row stays "running"; the next run's close_killed_runs marks it killed.


def run_monitor_spider(settings: Settings, verbose: bool = False) -> Crawler:
    """Run the `monitor` spider to its end in this process; the crawler, for its stats."""
    # Live progress on stderr: lines with -v, a self-overwriting line on a terminal.
    settings.set("MONITOR_PROGRESS", "lines" if verbose else "bar" if sys.stderr.isatty() else "", priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("monitor")
    process.crawl(crawler)
    process.start()
    if not _started(crawler):
        # Scrapy logs the failure and returns; without this the run would "succeed"
        raise MonitorError("the crawl could not start (Scrapy's error is above; run with -v for more)")
    return crawler


def monitor_counts(crawler: Crawler) -> dict[str, int]:
    """The run's own counts from Scrapy's stats (`monitor/pages` -> `pages`, ...)."""
    return {k[len(STATS_PREFIX):]: v for k, v in crawler.stats.get_stats().items() if k.startswith(STATS_PREFIX)}

def _started(crawler) -> bool:
    """The crawl got as far as opening its run (the extension manager and RunExtension exist)."""
    try:
        return crawler.get_extension(RunExtension) is not None
    except RuntimeError:  # Scrapy failed before building its extensions
        return False
