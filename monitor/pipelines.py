"""Item pipelines, one stage each, in data-flow order: Extract -> Match -> Store."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from .context import CrawlContext
from .extract import build_article
from .finder import article_mentions
from .items import Article, Page
from .workers import ExtractionPool, default_workers


class _Stage:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        return cls(crawler)

    @property
    def ctx(self) -> CrawlContext:
        return self.crawler.spider.ctx


class ExtractPipeline(_Stage):
    """Page -> Article with trafilatura in a process pool; a page with no text is dropped, naming the URL."""

    def open_spider(self) -> None:
        workers = self.crawler.settings.getint("MONITOR_EXTRACT_WORKERS", default_workers())
        self.pool = ExtractionPool(workers, self.ctx.config.people)

    def close_spider(self) -> None:
        self.pool.close()

    async def process_item(self, item: Page) -> Article:
        self.ctx.counts["pages"] += 1
        fields = await self.pool.extract(item.html, item.final_url or item.url) if item.html else None
        article = build_article(item, fields)
        if article is None:
            # In a site crawl most pages are indexes, not articles: not worth reporting.
            if item.source_kind != "site":
                self.ctx.error(item.source, item.source_kind, item.url, "no article text found")
            raise DropItem(f"{item.url}: no article text found")
        if article.text_from == "page":
            article.sketch = fields["sketch"]  # computed by the worker
        return article


class MatchPipeline(_Stage):
    """Find watched people in the article's text and headline."""

    def open_spider(self) -> None:
        # The same worker processes as extraction: they hold the watchlist already.
        self.pool: ExtractionPool = self.crawler.get_item_pipeline(ExtractPipeline).pool

    async def process_item(self, item: Article) -> Article:
        if self.pool.matches_in_workers:
            item.mentions = await self.pool.match(item.title, item.text)
        else:  # a big watchlist is compiled once, here, not in every worker
            item.mentions = article_mentions(item.title, item.text, self.ctx.watchlist)
        return item


class StorePipeline(_Stage):
    """Store the article, its mentions and their pending alerts in one transaction."""

    def process_item(self, item: Article) -> Article:
        saved = self.ctx.archive.save_article(item, item.mentions, self.ctx.people_ids)
        stats = self.ctx.source_stats(item.source, item.source_kind)
        if saved.is_new:
            stats.new += 1
            self.ctx.counts["articles"] += 1
            self.ctx.counts["mentions"] += len(saved.mention_ids)
        return item

