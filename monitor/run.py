"""One crawl's run, owned by a Scrapy extension: lock, run id, counts, per-source results, progress.

Spiders, middlewares and pipelines find it with `RunExtension.of(crawler)` (Scrapy's
`crawler.get_extension`); nothing is kept on the spider. Counts live in `crawler.stats`
under `monitor/...` keys. The archive-touching steps are the `_archive_*` methods, so a
variant without a local archive (a crawl node of a cluster) can replace just those.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TextIO

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import BaseSettings

from .archive import page_failures
from .archive.backlog import Backlog, pending_counts
from .archive.changes import due_rechecks, last_kept
from .archive.health import close_killed_runs
from .archive.history import prune_history
from .archive.store import Archive, utcnow
from .config import Config, load_config, resolve_config_path
from .lock import run_lock
from .match import Watchlist
from .match.cache import cache_path, cached_watchlist
from .search.schedule import Answers, last_answers
from .urls import url_key

MAX_ERRORS_PER_SOURCE = 20
STATS_PREFIX = "monitor/"
# Crawler stats key (outside STATS_PREFIX: not a count) for the first write the archive refused.
WRITE_ERROR_STAT = "monitor_archive_write_error"


# -- the config of the crawl ------------------------------------------------------------

_loaded: dict[Path, tuple[tuple, Config]] = {}


def config_path_from(settings: BaseSettings) -> Path:
    """MONITOR_CONFIG from the settings (`monitor run`, `-s`), else ./monitor.toml or $MONITOR_CONFIG."""
    return resolve_config_path(settings.get("MONITOR_CONFIG") or os.environ.get("MONITOR_CONFIG"))


def crawl_config(settings: BaseSettings) -> Config:
    """The config named by MONITOR_CONFIG, read once per crawl however many components ask.

    Spider settings, the DNS guard and the run extension all need it before or apart from
    one another; a 50,000-person people file takes a third of a second to read, so a read
    is reused while neither the config file nor its people file has changed on disk.
    Raises ConfigError naming the file and key.
    """
    path = config_path_from(settings).resolve()
    cached = _loaded.get(path)
    if cached is not None and cached[0] == _signature(path, cached[1].people_file):
        return cached[1]
    config = load_config(path)
    _loaded[path] = (_signature(path, config.people_file), config)
    return config


def _signature(path: Path, people_file: Path | None) -> tuple:
    def stat(p: Path | None) -> tuple:
        try:
            st = p.stat() if p else None
        except OSError:
            return (str(p), None)
        return (str(p), st.st_mtime_ns, st.st_size) if st else ()

    return stat(path), stat(people_file)


# -- small value classes ----------------------------------------------------------------


@dataclass
class SourceStats:
    kind: str
    fetched: int = 0
    new: int = 0
    errors: list[str] = field(default_factory=list)
    not_modified: bool = False
    read: bool = False  # the feed or sitemap itself was parsed
    reached: bool = False  # the source's own URL answered without an HTTP error
    failed: bool = False  # the source's own URL could not be fetched at all
    retry_later: bool = False  # an article failed in a way that may pass (5xx, timeout...)
    # URL asked -> (kind, ETag/Last-Modified fields), written at close if the run completed.
    validators: dict[str, tuple[str, dict]] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """ok | not_modified | error: error only when the source itself could not be read.

        A feed that answers but is not a feed is an error; one whose articles fail is not.
        A site crawl (or any other kind) succeeds when its start URL answers.
        """
        if self.not_modified and not self.read:
            return "not_modified"
        if self.read or (self.reached and self.kind not in ("feed", "sitemap")):
            return "ok"
        return "error" if self.errors or self.failed else "ok"


class Progress:
    """Live progress on stderr: a self-overwriting line on a terminal, or a line every few seconds (-v)."""

    def __init__(self, mode: str, stream: TextIO | None = None) -> None:
        self.mode = mode  # "bar" | "lines"
        self.stream = stream or sys.stderr
        self.started = self.last = time.monotonic()
        self.every = 0.2 if mode == "bar" else 5.0

    def update(self, counts: dict[str, int], force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.every:
            return
        self.last = now
        text = (
            f"{now - self.started:5.0f}s  {counts['responses']} responses, {counts['pages']} pages, "
            f"{counts['articles']} new articles, {counts['errors']} problems"
        )
        self.stream.write(f"\r{text}\x1b[K" if self.mode == "bar" else text + "\n")
        self.stream.flush()

    def finish(self, counts: dict[str, int]) -> None:
        if self.mode == "bar":
            self.stream.write("\r\x1b[K")  # leave the terminal clean for the summary line
            self.stream.flush()
        else:
            self.update(counts, force=True)


# -- the run ----------------------------------------------------------------------------


class RunExtension:
    """The run of one crawl, from the lock to the last source result.

    Under `monitor run` (MONITOR_RUN_ID set) the runner holds the lock for the whole
    cycle, alert delivery included, and has started the `runs` row; otherwise (`scrapy
    crawl`) this extension takes the lock and starts and finishes the row itself. A
    `scrapy crawl` beside a live run fails to start with the lock's message.
    """

    def __init__(self, crawler: Crawler, config: Config) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.config = config
        self.sources: dict[str, SourceStats] = {}
        # Feeds, sitemaps and child sitemaps asked for this run: a sitemap index that lists
        # itself, or A -> B -> A, is asked once (the configured URLs bypass the dupefilter).
        self.visited: set[str] = set()
        self.child_sitemaps: Counter[str] = Counter()  # source -> sitemaps its index led to this run
        self.progress: Progress | None = None
        self.closed = False
        self._lock = ExitStack()
        mode = crawler.settings.get("MONITOR_PROGRESS") or ""
        if mode in ("bar", "lines"):
            self.progress = Progress(mode)
        self.run_id = crawler.settings.getint("MONITOR_RUN_ID") or None
        self.owns_run = self.run_id is None  # `scrapy crawl`: this extension opens and closes the run
        if self.owns_run:
            self._lock.enter_context(run_lock(config.lock_path))  # LockedError: the crawl does not start
        try:
            self._archive_open(f"scrapy crawl {crawler.spidercls.name}")
        except BaseException:
            self._lock.close()
            raise
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)
        crawler.signals.connect(self.response_received, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunExtension:
        return cls(crawler, crawl_config(crawler.settings))  # ConfigError: the crawl does not start

    @staticmethod
    def of(crawler: Crawler) -> RunExtension:
        """The crawl's run; for components built after the extensions (middlewares, pipelines, callbacks)."""
        run = crawler.get_extension(RunExtension)
        if run is None:
            raise RuntimeError("RunExtension is not enabled (EXTENSIONS in monitor/settings.py)")
        return run

    @cached_property
    def watchlist(self) -> Watchlist:
        """The compiled watchlist, built on first use: only when this process matches (MatchPipeline).

        With matching in the extraction workers (a watchlist of up to 2,000 people) this
        process never needs it, and the matcher's tables and name data stay out of it.
        """
        return cached_watchlist(self.config.people, cache_path(self.config.database))

    # -- what components report ---------------------------------------------------------

    def source_stats(self, url: str, kind: str) -> SourceStats:
        return self.sources.setdefault(url, SourceStats(kind))

    def first_visit(self, url: str) -> bool:
        """True the first time this run asks for a source URL (feed, sitemap, child sitemap)."""
        if url in self.visited:
            return False
        self.visited.add(url)
        return True

    def admit_child_sitemap(self, source: str) -> bool:
        """True while `source` has led to fewer sitemaps this run than crawl.max_urls_per_source.

        An index may list a new, never-seen index for ever (`?page=N+1`): the visited set
        cannot end that, a budget per source and run does, like its article budget.
        """
        if self.child_sitemaps[source] >= self.config.crawl.max_urls_per_source:
            return False
        self.child_sitemaps[source] += 1
        return True

    def count(self, key: str, n: int = 1) -> None:
        self.stats.inc_value(STATS_PREFIX + key, n)

    def counts(self) -> dict[str, int]:
        """The run's counters (`monitor/...` in crawler.stats) without the prefix."""
        values = self.stats.get_stats()
        counts = {key: 0 for key in ("responses", "pages", "articles", "mentions", "errors")}
        counts.update({k[len(STATS_PREFIX):]: v for k, v in values.items() if k.startswith(STATS_PREFIX)})
        return counts

    def error(self, source: str, kind: str, url: str, reason: str) -> None:
        """Report a bad page or source: stored with the run, counted against the source."""
        self.source_stats(source, kind).errors.append(f"{url}: {reason}")
        self._archive_error(source, url, reason)
        self.count("errors")
        if self.progress and self.progress.mode == "lines":
            self.progress.stream.write(f"problem: {url}: {reason}\n")

    def is_stored(self, url: str) -> bool:
        """The archive has this article (as of the run's start, plus what the run stored)."""
        return url_key(url) in self.stored_keys

    def saved(self, url: str, source: str, kind: str, is_new: bool, mentions: int) -> None:
        """The store stage kept an article (new or not) with `mentions` new mentions."""
        self.stored_keys.add(url_key(url))
        if is_new:
            self.source_stats(source, kind).new += 1
            self.count("articles")
            self.count("mentions", mentions)

    def page_failure(self, url: str, source: str, reason: str) -> int:
        """Count one more failed extraction of `url` (killed, hung, exhausted); its attempts so far, across runs."""
        return self._archive_page_failure(url, source, reason)

    def given_up_pages(self) -> set[str]:
        """URL keys of the pages given up on after crawl.page_attempts: not extracted again."""
        return self._archive_given_up()

    def search_answers(self) -> Answers:
        """When each search query last answered, and how: what its due time follows from (search/schedule.py)."""
        return self._archive_search_answers()

    def due_rechecks(self) -> list[dict]:
        """The mentioned articles (id, url) due a re-check now (the change watch, archive/changes.py)."""
        return self._archive_due_rechecks()

    def last_kept(self, article_id: int) -> tuple[bytes, str] | None:
        """The body and final URL of the article's last kept version, which a re-check is compared with."""
        return self._archive_last_kept(article_id)

    # -- signals --------------------------------------------------------------------------

    def response_received(self, response: Response, request: Request) -> None:
        """One more response; a source's own URL that answered (2xx/3xx/304) was reached."""
        meta = request.meta
        if meta.get("top") and response.status < 400:
            self.source_stats(meta["source"], meta["kind"]).reached = True
        self.count("responses")
        if self.progress:
            self.progress.update(self.counts())

    def spider_closed(self, reason: str = "finished") -> None:
        self.close(complete=reason == "finished")

    def engine_stopped(self) -> None:
        self.close(complete=False)  # no-op after spider_closed; frees the lock whatever happened
        self._lock.close()

    def close(self, complete: bool = True) -> None:
        """Record each source's outcome; `complete` is False when the crawl was cut short."""
        if self.closed:
            return
        self.closed = True
        if self.progress:
            self.progress.finish(self.counts())
        try:
            self._archive_close(complete)
        except sqlite3.Error as e:
            self._write_failed(e)
        finally:
            self.archive.close()

    def _write_failed(self, error: sqlite3.Error) -> None:
        """The archive refused a write (disk full, I/O error): keep the first such error for
        the run's one-line failure (runner.py), instead of a traceback per write from Scrapy."""
        if not self.stats.get_value(WRITE_ERROR_STAT):
            self.stats.set_value(WRITE_ERROR_STAT, str(error))

    # -- the archive: every read and write of run bookkeeping ---------------------------

    def _archive_open(self, command: str) -> None:
        """Open the archive, the watchlist's ids, the backlog, and the run's row if this crawl owns it."""
        self.archive = Archive(self.config.database, self.config.alerts)
        self.people_ids: dict[str, int] = self.archive.sync_people(self.config.people)
        if self.owns_run:
            self.run_id = self.archive.start_run(command)
            open_run(self.archive, self.run_id, self.config)
        self.backlog = Backlog(self.archive.db, self.config.crawl.max_urls_per_source)
        # Every stored article's key in one query, for the dupefilter and the spiders: no SQL per request.
        self.stored_keys: set[str] = {key for (key,) in self.archive.db.execute("select url_key from articles")}

    def _archive_error(self, source: str, url: str, reason: str) -> None:
        try:
            self.archive.record_error(self.run_id, source, url, reason)
        except sqlite3.Error as e:  # still counted and in the summary; the run fails at its end
            self._write_failed(e)

    def _archive_page_failure(self, url: str, source: str, reason: str) -> int:
        return page_failures.record_failure(self.archive.db, url, source, reason, self.config.crawl.page_attempts)

    def _archive_given_up(self) -> set[str]:
        return page_failures.given_up_keys(self.archive.db)

    def _archive_search_answers(self) -> Answers:
        return last_answers(self.archive.db)

    def _archive_due_rechecks(self) -> list[dict]:
        return due_rechecks(self.archive.db, self.config.evidence.recheck_days)

    def _archive_last_kept(self, article_id: int) -> tuple[bytes, str] | None:
        return last_kept(self.archive.db, article_id)

    def _archive_close(self, complete: bool) -> None:
        """Each source's result and health; validators only for sources seen through; the run's row."""
        now = utcnow()
        self.backlog.close(complete)
        waiting = pending_counts(self.archive.db)  # per source, after this run: what the next runs fetch
        self.stats.set_value(STATS_PREFIX + "deferred", sum(waiting.get(url, 0) for url in self.sources))
        for url, stats in self.sources.items():
            self._keep_validators(stats, complete)
            self._record_health(url, stats, now)
            self.archive.record_source_result(
                self.run_id, url, stats.kind, status=stats.status, fetched=stats.fetched,
                new=stats.new, errors=len(stats.errors), error="\n".join(stats.errors[:20]) or None,
                deferred=waiting.get(url, 0),
            )
        if self.owns_run:
            finish_run(self.archive, self.run_id, "ok" if complete else "interrupted")

    def _keep_validators(self, stats: SourceStats, complete: bool) -> None:
        """ETag/Last-Modified for the next run's conditional GET, only if this run saw the source through.

        Otherwise they are cleared, so the next run fetches the source in full and retries
        what is left (articles already stored are still skipped).
        """
        for url, (kind, fields) in stats.validators.items():
            if not complete or stats.retry_later:
                fields = {**fields, "etag": None, "last_modified": None}
                fields.pop("last_full_fetch_at", None)
            self.archive.update_source(url, kind, **fields)

    def _record_health(self, url: str, stats: SourceStats, now: str) -> None:
        """Keep the source's row current: failures in a row, last new article (see archive/health.py)."""
        row = self.archive.source(url) or {}
        fields: dict = {"last_fetched_at": now, "last_status": stats.status}
        if stats.status == "error":
            fields["consecutive_failures"] = (row.get("consecutive_failures") or 0) + 1
            fields["last_error"] = stats.errors[0] if stats.errors else "failed"
        else:
            fields["consecutive_failures"] = 0
            fields["last_error"] = None
        if stats.new:
            fields["last_new_at"] = now
        self.archive.update_source(url, stats.kind, **fields)


# -- the `runs` row, the same whoever started the crawl ---------------------------------


def open_run(archive: Archive, run_id: int, config: Config) -> None:
    """What a run does first, holding the lock: close runs a killed process left, prune old history."""
    close_killed_runs(archive.db, run_id)
    prune_history(archive.db, config.archive.keep_history_days)


def finish_run(archive: Archive, run_id: int, status: str) -> None:
    archive.finish_run(run_id, status=status, **run_counts(archive, run_id))


def source_errors(archive: Archive, run_id: int) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for row in archive.db.query("select source, url, reason from fetch_errors where run_id = ? order by id", [run_id]):
        errors.setdefault(row["source"], []).append(f"{row['url']}: {row['reason']}")
    return errors


def run_counts(archive: Archive, run_id: int) -> dict[str, int | str]:
    """The `runs` row's counts, and its per-source errors (the first few of each; all are in fetch_errors)."""
    db = archive.db
    one = lambda sql, *args: db.execute(sql, args).fetchone()[0]  # noqa: E731
    errors = {source: reasons[:MAX_ERRORS_PER_SOURCE] for source, reasons in source_errors(archive, run_id).items()}
    return {
        "pages_fetched": one("select coalesce(sum(fetched), 0) from run_sources where run_id = ?", run_id),
        "articles_new": one("select count(*) from articles where run_id = ?", run_id),
        "mentions_new": one("select count(*) from mentions where run_id = ?", run_id),
        "errors": one("select count(*) from fetch_errors where run_id = ?", run_id),
        "source_errors": json.dumps(errors, ensure_ascii=False),
    }
