"""Downloader middlewares: skip article URLs already stored; conditional GET on feeds and sitemaps."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest


class SkipStoredArticlesMiddleware:
    """An article page already in the archive is never fetched again."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SkipStoredArticlesMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if request.meta.get("article") and self.crawler.spider.ctx.archive.has_article(request.url):
            self.crawler.stats.inc_value("monitor/articles_already_stored")
            raise IgnoreRequest(f"{request.url}: already stored")


class ConditionalGetMiddleware:
    """Send If-None-Match / If-Modified-Since for sources marked `conditional`.

    Every `crawl.full_fetch_hours` the validators are left off once, because some
    servers keep sending the same ETag after the feed changed.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalGetMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if not request.meta.get("conditional"):
            return
        ctx = self.crawler.spider.ctx
        source = ctx.archive.source(request.url)
        if not source or _full_fetch_due(source, ctx.config.crawl.full_fetch_hours):
            request.meta["full_fetch"] = True
            return
        if source.get("etag"):
            request.headers.setdefault("If-None-Match", source["etag"])
        if source.get("last_modified"):
            request.headers.setdefault("If-Modified-Since", source["last_modified"])


def _full_fetch_due(source: dict, hours: float) -> bool:
    last = source.get("last_full_fetch_at")
    if not last:
        return True
    return datetime.fromisoformat(last) < datetime.now(timezone.utc) - timedelta(hours=hours)
