"""Item pipelines, one stage each, in data-flow order: Extract -> Match -> Store."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from .archive import page_failures
from .context import CrawlContext
from .extract import build_article
from .items import Article, Page
from .match.article import article_mentions
from .workers import ExtractionPool, PageFailed, default_workers


class _Stage:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        return cls(crawler)

    @property
    def ctx(self) -> CrawlContext:
        return self.crawler.spider.ctx


def page_failed(ctx: CrawlContext, item: Page | Article, reason: str) -> bool:
    """Record a page that killed, hung or exhausted its worker; True once it is given up (crawl.page_attempts).

    Until then its source is fetched in full next run (no conditional GET), so the page is tried again.
    """
    allowed = ctx.config.crawl.page_attempts
    attempts = page_failures.record_failure(ctx.archive.db, item.url, item.source, reason, allowed)
    if attempts >= allowed:
        reason += f"; given up after {attempts} attempts (see the page_failures table)"
    else:
        ctx.source_stats(item.source, item.source_kind).retry_later = True
    ctx.error(item.source, item.source_kind, item.url, reason)
    return attempts >= allowed


class ExtractPipeline(_Stage):
    """Page -> Article with trafilatura in a process pool; a page with no text is dropped, naming the URL.

    A page given up on (monitor/archive/page_failures.py) is not extracted: its feed entry's text stands in.
    """

    def open_spider(self) -> None:
        workers = self.crawler.settings.getint("MONITOR_EXTRACT_WORKERS", default_workers())
        crawl = self.ctx.config.crawl
        self.pool = ExtractionPool(workers, self.ctx.config.people, crawl.extract_timeout, crawl.worker_memory_mb)

    def close_spider(self) -> None:
        self.pool.close()

    async def process_item(self, item: Page) -> Article:
        self.ctx.counts["pages"] += 1
        gave_up = bool(item.html) and page_failures.given_up(self.ctx.archive.db, item.url)
        fields = None
        if item.html and not gave_up:
            try:
                fields = await self.pool.extract(item.html, item.final_url or item.url)
            except PageFailed as failure:
                if not page_failed(self.ctx, item, failure.reason):
                    raise DropItem(f"{item.url}: {failure.reason}") from None
                gave_up = True
        article = build_article(item, fields)
        if article is None and gave_up:
            raise DropItem(f"{item.url}: given up (see the page_failures table)")
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
            try:
                item.mentions = await self.pool.match(item.title, item.text)
            except PageFailed as failure:
                page_failed(self.ctx, item, f"matching: {failure.reason}")
                raise DropItem(f"{item.url}: {failure.reason}") from None
        else:  # a big watchlist is compiled once, here, not in every worker
            item.mentions = article_mentions(item.title, item.text, self.ctx.watchlist)
        return item


class StorePipeline(_Stage):
    """Store the article, its mentions and their pending alerts in one transaction."""

    def process_item(self, item: Article) -> Article:
        saved = self.ctx.archive.save_article(item, item.mentions, self.ctx.people_ids, run_id=self.ctx.run_id)
        stats = self.ctx.source_stats(item.source, item.source_kind)
        if saved.is_new:
            stats.new += 1
            self.ctx.counts["articles"] += 1
            self.ctx.counts["mentions"] += len(saved.mention_ids)
        return item

