"""The last pipeline stage on a node: push the matched article or re-check to Redis for ingest, not store it."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

from ..archive.changes import needs_text
from ..items import Article, Recheck
from ..run import RunExtension
from ..urls import url_key
from .connection import KEYS
from .records import article_record, recheck_record

logger = logging.getLogger(__name__)


class PushPipeline:
    """Article (with its mentions) -> the results list; its URL key joins the stored set in the same step.

    From then on no node fetches it again: the record is safe in Redis until ingest has
    committed it (ingest's processing list), so counting it as stored loses nothing.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PushPipeline:
        return cls(crawler)

    def process_item(self, item: Article | Recheck) -> Article | Recheck:
        run = RunExtension.of(self.crawler)
        if isinstance(item, Recheck):
            return self.push_recheck(run, item)
        pipe = run.server.pipeline(transaction=True)
        pipe.lpush(KEYS.results, article_record(item, run.cycle))
        pipe.sadd(KEYS.stored, url_key(item.url))
        pipe.execute()
        run.count("articles")  # pushed; ingest says which were new
        run.count("mentions", len(item.mentions))
        return item

    def push_recheck(self, run: RunExtension, item: Recheck) -> Recheck:
        """Ingest records the check with the change watch's own function (archive/changes.py `store_check`)."""
        if needs_text(item.fetched) and not run.server.hexists(KEYS.recheck_last, item.article_id):
            # Without the version it is compared with, a page would read as changed: the check stays
            # due, and the next cycle makes it (ingest publishes the version with each due check).
            logger.warning("%s: re-check not recorded: its last kept version is not in Redis (%s)",
                           item.url, KEYS.recheck_last)
            return item
        run.server.lpush(KEYS.results, recheck_record(item, run.cycle))
        run.count("rechecks")
        return item
