"""What one crawl shares between its spider, middlewares and pipelines: config, archive, run."""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TextIO

from .archive.backlog import Backlog, pending_counts
from .archive.store import Archive, utcnow
from .config import Config
from .match import Watchlist, compile_watchlist


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


@dataclass
class CrawlContext:
    config: Config
    archive: Archive
    watchlist: Watchlist
    people_ids: dict[str, int]
    run_id: int
    owns_run: bool  # True when the crawl was started by `scrapy crawl`, not `monitor run`
    sources: dict[str, SourceStats] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    progress: Progress | None = None
    backlog: Backlog | None = None
    # Feeds, sitemaps and child sitemaps asked for this run: a sitemap index that lists
    # itself, or A -> B -> A, is asked once (the configured URLs bypass the dupefilter).
    visited: set[str] = field(default_factory=set)

    @classmethod
    def open(cls, config: Config, run_id: int | None, command: str, progress: str = "") -> CrawlContext:
        archive = Archive(config.database, config.alerts)
        people_ids = archive.sync_people(config.people)
        owns_run = not run_id
        if owns_run:
            run_id = archive.start_run(command)
        ctx = cls(config, archive, compile_watchlist(config.people), people_ids, run_id, owns_run)
        ctx.backlog = Backlog(archive.db, config.crawl.max_urls_per_source)
        if progress in ("bar", "lines"):
            ctx.progress = Progress(progress)
        return ctx

    def source_stats(self, url: str, kind: str) -> SourceStats:
        return self.sources.setdefault(url, SourceStats(kind))

    def first_visit(self, url: str) -> bool:
        """True the first time this run asks for a source URL (feed, sitemap, child sitemap)."""
        if url in self.visited:
            return False
        self.visited.add(url)
        return True

    def error(self, source: str, kind: str, url: str, reason: str) -> None:
        """Report a bad page or source: stored with the run, counted against the source."""
        self.source_stats(source, kind).errors.append(f"{url}: {reason}")
        self.archive.record_error(self.run_id, source, url, reason)
        self.counts["errors"] += 1
        if self.progress and self.progress.mode == "lines":
            self.progress.stream.write(f"problem: {url}: {reason}\n")

    def tick(self) -> None:
        """One more response downloaded."""
        self.counts["responses"] += 1
        if self.progress:
            self.progress.update(self.counts)

    def close(self, complete: bool = True) -> None:
        """Record each source's outcome; `complete` is False when the crawl was cut short."""
        if self.progress:
            self.progress.finish(self.counts)
        now = utcnow()
        if self.backlog:
            self.backlog.close(complete)
        waiting = pending_counts(self.archive.db)  # per source, after this run: what the next runs fetch
        self.counts["deferred"] = sum(waiting.get(url, 0) for url in self.sources)
        for url, stats in self.sources.items():
            self._keep_validators(stats, complete)
            self._record_health(url, stats, now)
            self.archive.record_source_result(
                self.run_id, url, stats.kind, status=stats.status, fetched=stats.fetched,
                new=stats.new, errors=len(stats.errors), error="\n".join(stats.errors[:20]) or None,
                deferred=waiting.get(url, 0),
            )
        if self.owns_run:
            self.archive.finish_run(self.run_id, status="ok" if complete else "interrupted", **self.run_counts())
        self.archive.close()

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

    def run_counts(self) -> dict[str, int]:
        return {
            "pages_fetched": self.counts["pages"],
            "articles_new": self.counts["articles"],
            "mentions_new": self.counts["mentions"],
            "errors": self.counts["errors"],
        }
