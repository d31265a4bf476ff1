"""Re-match the stored archive against the current watchlist, without fetching anything."""

from __future__ import annotations

from dataclasses import dataclass

from .archive.store import Archive
from .archive.unalerted import explain, not_alerted
from .config import Config
from .lock import run_lock
from .match.article import article_mentions
from .match.cache import cache_path, cached_watchlist


@dataclass
class RematchSummary:
    run_id: int
    articles: int = 0
    mentions_new: int = 0
    alerts_queued: int = 0
    alerts: object = None
    not_alerted: str = ""  # new mentions that queued no alert, by reason, with the key to change

    def line(self) -> str:
        text = (
            f"rematch {self.run_id}: {self.articles} articles searched, {self.mentions_new} new mentions, "
            f"{self.alerts_queued} alerts queued"
        )
        return f"{text}; {self.not_alerted}" if self.not_alerted else text


def rematch(config: Config, deliver=None) -> RematchSummary:
    """Find mentions the stored articles hold for the current watchlist; alert new ones."""
    with run_lock(config.lock_path):
        archive = Archive(config.database, config.alerts)
        try:
            people_ids = archive.sync_people(config.people)
            watchlist = cached_watchlist(config.people, cache_path(config.database))
            summary = RematchSummary(archive.start_run("rematch"))
            for row in archive.iter_articles():
                mentions = article_mentions(row["title"] or "", row["text"] or "", watchlist)
                saved = archive.add_mentions(row["id"], mentions, people_ids, summary.run_id)
                summary.articles += 1
                summary.mentions_new += len(saved.mention_ids)
                summary.alerts_queued += saved.queued
            archive.finish_run(summary.run_id, mentions_new=summary.mentions_new)
            summary.not_alerted = explain(not_alerted(archive.db, summary.run_id, config.alerts), config.alerts)
            if deliver is not None:
                summary.alerts = deliver(archive.db, config.alerts)
            return summary
        finally:
            archive.close()
