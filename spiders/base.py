"""What every source spider shares: the crawl context, article requests, error reporting."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Any

import scrapy
from scrapy import Request
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from monitor.config import load_config, resolve_config_path
from monitor.context import CrawlContext
from monitor.errors import ConfigError
from monitor.feeds import FeedEntry
from monitor.items import Page
from monitor.urls import canonical_url

# Only these are read as article pages; a PDF or an image promised as HTML is reported.
HTML_TYPES = (b"text/html", b"application/xhtml+xml", b"text/plain", b"")


def config_path_from(settings: BaseSettings) -> str:
    return str(resolve_config_path(settings.get("MONITOR_CONFIG") or os.environ.get("MONITOR_CONFIG")))


def apply_crawl_settings(settings: BaseSettings, config_path: str) -> None:
    """Map the config's `[crawl]` table onto Scrapy settings."""
    try:
        crawl = load_config(config_path).crawl
    except ConfigError:
        return  # reported when the spider opens, with the file and key
    values = {
        "DOWNLOAD_DELAY": crawl.delay,
        "AUTOTHROTTLE_START_DELAY": max(crawl.delay, 0.01),
        "AUTOTHROTTLE_ENABLED": crawl.delay > 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_per_domain,
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "DOWNLOAD_MAXSIZE": int(crawl.max_page_mb * 1024 * 1024),
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.robots_txt,
        "RETRY_TIMES": crawl.retries,
    }
    for name, value in values.items():
        settings.set(name, value, priority="spider")


class SourceSpider(scrapy.Spider):
    """Base of the source spiders; subclasses yield source requests from `start()`."""

    ctx: CrawlContext

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        apply_crawl_settings(settings, config_path_from(settings))

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.ctx = CrawlContext.open(
            config_path_from(crawler.settings),
            crawler.settings.getint("MONITOR_RUN_ID") or None,
            command=f"scrapy crawl {cls.name}",
        )
        crawler.signals.connect(spider.ctx_close, signal=scrapy.signals.spider_closed)
        return spider

    def ctx_close(self) -> None:
        self.ctx.close()

    # -- requests -----------------------------------------------------------------------

    def source_request(self, url: str, kind: str, callback, source: str = "", **meta: Any) -> Request:
        """A feed, sitemap or start page: fetched every run (conditionally where it can be)."""
        return Request(
            url,
            callback=callback,
            errback=self.source_failed,
            dont_filter=True,
            meta={"source": source or url, "kind": kind, "handle_httpstatus_list": [304], **meta},
        )

    def article_request(self, url: str, source: str, kind: str, entry: FeedEntry | None = None) -> Request:
        """An article page; skipped by the middleware if the archive already has it."""
        return Request(
            canonical_url(url),
            callback=self.parse_article,
            errback=self.article_failed,
            meta={"article": True, "source": source, "kind": kind, "entry": entry},
        )

    # -- callbacks ----------------------------------------------------------------------

    def parse_article(self, response: Response):
        meta = response.meta
        content_type = response.headers.get(b"Content-Type", b"").split(b";")[0].strip().lower()
        if not isinstance(response, TextResponse) or content_type not in HTML_TYPES:
            reason = f"not an HTML page (Content-Type {content_type.decode('latin-1') or 'unknown'})"
            yield from self._fallback_or_error(response.request, reason)
            return
        yield self.page(response.request, html=response.text, response=response)

    def article_failed(self, failure: Failure):
        yield from self._fallback_or_error(failure.request, _reason(failure))

    def source_failed(self, failure: Failure) -> None:
        request = failure.request
        self.ctx.error(request.meta["source"], request.meta["kind"], request.url, _reason(failure))

    def _fallback_or_error(self, request: Request, reason: str):
        entry: FeedEntry | None = request.meta.get("entry")
        self.ctx.error(request.meta["source"], request.meta["kind"], request.url, reason)
        if entry and entry.text:
            yield self.page(request, html="")

    def page(self, request: Request, html: str, response: Response | None = None) -> Page:
        entry: FeedEntry | None = request.meta.get("entry")
        self.ctx.source_stats(request.meta["source"], request.meta["kind"]).fetched += 1
        return Page(
            url=request.url,
            html=html,
            source=request.meta["source"],
            source_kind=request.meta["kind"],
            final_url=response.url if response is not None else request.url,
            status=response.status if response is not None else 0,
            headers=_headers(response) if response is not None else {},
            body=response.body if response is not None else b"",
            fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            feed_title=entry.title if entry else "",
            feed_text=entry.text if entry else "",
            feed_published=(entry.published or "") if entry else "",
            feed_outlet=entry.outlet if entry else "",
        )

    def remember_validators(self, response: Response) -> None:
        """After a source parsed well, keep its ETag/Last-Modified for the next run."""
        meta = response.meta
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        fields = {
            "etag": _header(response, b"ETag"),
            "last_modified": _header(response, b"Last-Modified"),
            "last_fetched_at": now,
            "last_status": "ok",
            "last_error": None,
            "consecutive_failures": 0,
        }
        if meta.get("full_fetch"):
            fields["last_full_fetch_at"] = now
        self.ctx.archive.update_source(response.url, meta["kind"], **fields)

    def not_modified(self, response: Response) -> bool:
        if response.status != 304:
            return False
        self.ctx.source_stats(response.meta["source"], response.meta["kind"]).not_modified = True
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.ctx.archive.update_source(response.url, response.meta["kind"], last_fetched_at=now, last_status="not_modified")
        return True


def _headers(response: Response) -> dict[str, str]:
    return {
        k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()
    }


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _reason(failure: Failure) -> str:
    """A one-line reason a user can act on: HTTP status, timeout, DNS, refused..."""
    from scrapy.spidermiddlewares.httperror import HttpError

    error = failure.value
    if isinstance(error, HttpError):
        return f"HTTP {error.response.status}"
    name = type(error).__name__
    text = str(error).strip()
    return f"{name}: {text}" if text else name
