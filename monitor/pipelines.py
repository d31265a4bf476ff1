"""Item pipelines, one stage each, in data-flow order: Extract -> Match -> Store."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from . import page_failures
from .extract import build_article
from .finder import article_mentions
from .items import Article, Page
from .run import RunExtension
from .workers import ExtractionPool, PageFailed, default_workers


class _Stage:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        return cls(crawler)

    @property
    def run(self) -> RunExtension:
        return RunExtension.of(self.crawler)


def page_failed(run: RunExtension, item: Page | Article, reason: str) -> bool:
    """Record a page that killed, hung or exhausted its worker; True once it is given up (crawl.page_attempts).

    Until then its source is fetched in full next run (no conditional GET), so the page is tried again.
    """
    allowed = run.config.crawl.page_attempts
    attempts = page_failures.record_failure(run.archive.db, item.url, item.source, reason, allowed)
    if attempts >= allowed:
        reason += f"; given up after {attempts} attempts (see the page_failures table)"
    else:
        run.source_stats(item.source, item.source_kind).retry_later = True
    run.error(item.source, item.source_kind, item.url, reason)
    return attempts >= allowed


class ExtractPipeline(_Stage):
    """Page -> Article with trafilatura in a process pool; a page with no text is dropped, naming the URL.

    A page given up on (monitor/page_failures.py) is not extracted: its feed entry's text stands in.
    """

    def open_spider(self) -> None:
        workers = self.crawler.settings.getint("MONITOR_EXTRACT_WORKERS", default_workers())
        crawl = self.run.config.crawl
        self.pool = ExtractionPool(workers, self.run.config.people, crawl.extract_timeout, crawl.worker_memory_mb)

    def close_spider(self) -> None:
        self.pool.close()

    async def process_item(self, item: Page) -> Article:
        self.run.count("pages")
        gave_up = bool(item.html) and page_failures.given_up(self.run.archive.db, item.url)
        fields = None
        if item.html and not gave_up:
            try:
                fields = await self.pool.extract(item.html, item.final_url or item.url)
            except PageFailed as failure:
                if not page_failed(self.run, item, failure.reason):
                    raise DropItem(f"{item.url}: {failure.reason}") from None
                gave_up = True
        article = build_article(item, fields)
        if article is None and gave_up:
            raise DropItem(f"{item.url}: given up (see the page_failures table)")
        if article is None:
            # In a site crawl most pages are indexes, not articles: not worth reporting.
            if item.source_kind != "site":
                self.run.error(item.source, item.source_kind, item.url, "no article text found")
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
                page_failed(self.run, item, f"matching: {failure.reason}")
                raise DropItem(f"{item.url}: {failure.reason}") from None
        else:  # a big watchlist is compiled once, here, not in every worker
            item.mentions = article_mentions(item.title, item.text, self.run.watchlist)
        return item


class StorePipeline(_Stage):
    """Store the article, its mentions and their pending alerts in one transaction."""

    def process_item(self, item: Article) -> Article:
        run = self.run
        saved = run.archive.save_article(item, item.mentions, run.people_ids, run_id=run.run_id)
        run.saved(item.url, item.source, item.source_kind, saved.is_new, len(saved.mention_ids))
        return item

