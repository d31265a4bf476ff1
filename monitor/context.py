"""What one crawl shares between its spider, middlewares and pipelines: config, archive, run."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .config import Config, load_config
from .match import Watchlist, compile_watchlist
from .store import Archive


@dataclass
class SourceStats:
    kind: str
    fetched: int = 0
    new: int = 0
    errors: list[str] = field(default_factory=list)
    not_modified: bool = False

    @property
    def status(self) -> str:
        if self.errors and not self.fetched:
            return "error"
        return "not_modified" if self.not_modified else "ok"


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

    @classmethod
    def open(cls, config_path: str | None, run_id: int | None, command: str) -> CrawlContext:
        config = load_config(config_path)
        archive = Archive(config.database, config.alerts)
        people_ids = archive.sync_people(config.people)
        owns_run = not run_id
        if owns_run:
            run_id = archive.start_run(command)
        return cls(config, archive, compile_watchlist(config.people), people_ids, run_id, owns_run)

    def source_stats(self, url: str, kind: str) -> SourceStats:
        return self.sources.setdefault(url, SourceStats(kind))

    def error(self, source: str, kind: str, url: str, reason: str) -> None:
        """Report a bad page or source: stored with the run, counted against the source."""
        self.source_stats(source, kind).errors.append(f"{url}: {reason}")
        self.archive.record_error(self.run_id, source, url, reason)
        self.counts["errors"] += 1

    def close(self) -> None:
        for url, stats in self.sources.items():
            self.archive.record_source_result(
                self.run_id, url, stats.kind, status=stats.status, fetched=stats.fetched,
                new=stats.new, errors=len(stats.errors), error="\n".join(stats.errors[:20]) or None,
            )
        if self.owns_run:
            self.archive.finish_run(self.run_id, **self.run_counts())
        self.archive.close()

    def run_counts(self) -> dict[str, int]:
        return {
            "pages_fetched": self.counts["pages"],
            "articles_new": self.counts["articles"],
            "mentions_new": self.counts["mentions"],
            "errors": self.counts["errors"],
        }
