"""The last pipeline stage on a node: push the matched article to Redis for ingest, instead of storing it."""

from __future__ import annotations

from scrapy.crawler import Crawler

from ..items import Article
from ..run import RunExtension
from ..urls import url_key
from .connection import KEYS
from .records import article_record


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

    def process_item(self, item: Article) -> Article:
        run = RunExtension.of(self.crawler)
        pipe = run.server.pipeline(transaction=True)
        pipe.lpush(KEYS.results, article_record(item, run.cycle))
        pipe.sadd(KEYS.stored, url_key(item.url))
        pipe.execute()
        run.count("articles")  # pushed; ingest says which were new
        run.count("mentions", len(item.mentions))
        return item
