"""Item pipelines, one stage each, in data-flow order: Extract -> Match -> Store.

Pages become articles; re-checks of watched articles (the change watch) take the same
stages and the same worker pool, and the store stage records the check.
"""

from __future__ import annotations

import logging

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from twisted.internet import task

from .archive.changes import needs_text, store_check
from .archive.store import Batch, Saved
from .extract import build_article
from .items import Article, Mention, Page, Recheck
from .match import Watchlist
from .match.article import article_mentions
from .run import RunExtension
from .urls import url_key
from .workers import ExtractionPool, PageFailed, default_workers

logger = logging.getLogger(__name__)


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
    attempts = run.page_failure(item.url, item.source, reason)
    if attempts >= allowed:
        reason += f"; given up after {attempts} attempts (see the page_failures table)"
    else:
        run.source_stats(item.source, item.source_kind).retry_later = True
    run.error(item.source, item.source_kind, item.url, reason)
    return attempts >= allowed


class ExtractPipeline(_Stage):
    """Page -> Article with trafilatura in a process pool; a page with no text is dropped, naming the URL.

    A page given up on (monitor/archive/page_failures.py) is not extracted: its feed entry's text stands in.
    """

    def open_spider(self) -> None:
        workers = self.crawler.settings.getint("MONITOR_EXTRACT_WORKERS", default_workers())
        crawl = self.run.config.crawl
        self.pool = ExtractionPool(workers, self.run.config.people, crawl.extract_timeout, crawl.worker_memory_mb)
        self.given_up = self.run.given_up_pages()  # read once, not once per page
        if workers > 0:
            self.crawler.signals.connect(self._first_page_request, signal=signals.request_scheduled)

    def _first_page_request(self, request: Request) -> None:
        """Launch the workers (in the background) as soon as a page is asked for, not once it came back.

        The forkserver's imports then overlap the first pages' downloads; a run that fetches
        no page never starts it.
        """
        if request.meta.get("article") or request.meta.get("kind") == "site":
            self.crawler.signals.disconnect(self._first_page_request, signal=signals.request_scheduled)
            self.pool.start()

    def close_spider(self) -> None:
        self.pool.close()

    async def process_item(self, item: Page | Recheck) -> Article | Recheck:
        if isinstance(item, Recheck):
            return await self.extract_recheck(item)
        self.run.count("pages")
        # The page's bytes go to a worker, which decodes them (item.html: a spider decoded it already).
        has_page = bool(item.body or item.html)
        gave_up = has_page and url_key(item.url) in self.given_up
        fields = None
        if has_page and not gave_up:
            try:
                body = item.body or item.html.encode("utf-8")
                content_type = item.headers.get("Content-Type", "") if item.body else "text/html; charset=utf-8"
                fields = await self.pool.extract(body, content_type, item.final_url or item.url)
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
        if fields and item.body:
            article.body_gz = fields["body_gz"]
        return article

    async def extract_recheck(self, item: Recheck) -> Recheck:
        """The re-checked page's text and its last kept version's, both in the pool; the store compares them."""
        if not needs_text(item.fetched):
            return item  # gone or unreachable: nothing to read
        last = self.run.last_kept(item.article_id)
        try:
            # Bytes, as they were kept: trafilatura finds the encoding the same way for both versions.
            item.fields = await self.pool.extract(item.fetched.body, None, item.fetched.final_url)
            if last is not None:
                item.before = await self.pool.extract(last[0], None, last[1])
        except PageFailed as failure:
            item.failure = failure.reason
        return item


class MatchPipeline(_Stage):
    """Find watched people in the article's text and headline."""

    def open_spider(self) -> None:
        # The same worker processes as extraction: they hold the watchlist already.
        self.pool: ExtractionPool = self.crawler.get_item_pipeline(ExtractPipeline).pool
        # A watchlist too big for the workers is compiled here, once, before the first page;
        # a small one never in this process (RunExtension.watchlist is built on first use).
        self.watchlist: Watchlist | None = None if self.pool.matches_in_workers else self.run.watchlist

    async def process_item(self, item: Article | Recheck) -> Article | Recheck:
        if isinstance(item, Recheck):
            if item.fields is not None and not item.failure:
                try:
                    item.mentions = await self.mentions(item.fields["title"], item.fields["text"])
                except PageFailed as failure:
                    item.failure = f"matching: {failure.reason}"
            return item
        try:
            item.mentions = await self.mentions(item.title, item.text)
        except PageFailed as failure:
            page_failed(self.run, item, f"matching: {failure.reason}")
            raise DropItem(f"{item.url}: {failure.reason}") from None
        return item

    async def mentions(self, title: str, text: str) -> list[Mention]:
        if self.watchlist is None:
            return await self.pool.match(title, text)
        return article_mentions(title, text, self.watchlist)


class StorePipeline(_Stage):
    """Store articles with their mentions and pending alerts, in batches: one transaction per N articles or T ms.

    MONITOR_STORE_BATCH_ITEMS (N) and MONITOR_STORE_BATCH_MS (T) set the batch; a timer on
    the reactor flushes a batch that waited T even when no new article comes, and closing
    the spider flushes the rest. An article is counted (new articles, new mentions, the
    source's `new`) once its batch committed.
    """

    def open_spider(self) -> None:
        settings = self.crawler.settings
        wait_ms = settings.getfloat("MONITOR_STORE_BATCH_MS", 500)
        self.batch = Batch(self.run.archive, self.run.people_ids, self.run.run_id,
                           settings.getint("MONITOR_STORE_BATCH_ITEMS", 50), wait_ms,
                           on_saved=self._saved, on_failed=self._failed)
        self.timer = task.LoopingCall(self._tick)
        # A few ticks per T, so no article waits much longer than T.
        self.timer.start(max(wait_ms, 40) / 4000, now=False)

    def close_spider(self) -> None:
        if self.timer.running:
            self.timer.stop()
        self.batch.flush()

    def process_item(self, item: Article | Recheck) -> Article | Recheck:
        if isinstance(item, Recheck):
            run = self.run
            store_check(run.archive.db, item.article_id, item.fetched, item.fields, item.before, item.mentions,
                        run.people_ids, run.config.alerts, failure=item.failure)
            run.count("rechecks")
            return item
        self.batch.add(item)
        return item

    def _tick(self) -> None:
        try:
            if self.batch.due():
                self.batch.flush()
        except Exception:  # a LoopingCall that raises stops for good: log, keep ticking
            logger.exception("storing a batch of articles failed")

    def _saved(self, item: Article, saved: Saved) -> None:
        self.run.saved(item.url, item.source, item.source_kind, saved.is_new, len(saved.mention_ids))

    def _failed(self, item: Article, error: Exception) -> None:
        # Not stored: the source is fetched in full next run (no conditional GET), so the
        # article comes again.
        self.run.source_stats(item.source, item.source_kind).retry_later = True
        self.run.error(item.source, item.source_kind, item.url, f"could not be stored: {error}")
