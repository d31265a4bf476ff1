"""What every source spider shares: the run it reports to, article requests, error reporting."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import Request, signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from monitor.errors import ConfigError
from monitor.feeds import FeedEntry
from monitor.items import Page
from monitor.middlewares import BadResponse, not_html_reason
from monitor.netguard import NOT_HTTP, RefusedURL, is_http_url
from monitor.run import RunExtension, crawl_config
from monitor.urls import canonical_url

# Scrapy repeats, as warnings and tracebacks, failures the run reports itself, once each, by
# source; these loggers are turned down unless the run is verbose.
_DUPLICATE_LOGGERS = (
    "scrapy.downloadermiddlewares.robotstxt",
    "scrapy.core.downloader.handlers.http11",
    "scrapy.core.downloader.handlers.http2",
    "scrapy.downloadermiddlewares.httpcompression",
)


def apply_crawl_settings(settings: BaseSettings) -> None:
    """Map the config's `[crawl]` table onto Scrapy settings."""
    try:
        crawl = crawl_config(settings).crawl
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
        # The first pause before a retry: the per-domain delay, but never hammering.
        "MONITOR_RETRY_BACKOFF": max(crawl.delay, 0.5),
    }
    for name, value in values.items():
        settings.set(name, value, priority="spider")


class SourceSpider(scrapy.Spider):
    """Base of the source spiders; subclasses yield source requests from `start()`."""

    @property
    def run(self) -> RunExtension:
        """The crawl's run (monitor/run.py): config, archive, counts, per-source results."""
        return RunExtension.of(self.crawler)

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        apply_crawl_settings(settings)

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider.callback_crashed, signal=signals.spider_error)
        crawler.signals.connect(spider.item_crashed, signal=signals.item_error)
        if crawler.settings.get("LOG_LEVEL") not in ("DEBUG", "INFO"):
            for name in _DUPLICATE_LOGGERS:
                logging.getLogger(name).setLevel(logging.CRITICAL)
        # Scrapy decodes pages without a declared charset through charset_normalizer, whose
        # DEBUG records cost about a second per 300 pages even though no handler shows them.
        if crawler.settings.get("LOG_LEVEL") != "DEBUG":
            logging.getLogger("charset_normalizer").setLevel(logging.WARNING)
        return spider

    # -- requests -----------------------------------------------------------------------

    def source_request(self, url: str, kind: str, callback, source: str = "", **meta: Any) -> Request:
        """A feed, sitemap or start page: fetched every run (conditionally where it can be).

        `source` is given for requests a source leads to (a sitemap index's sitemaps);
        the configured URL itself is the `top` request, whose failure fails the source.
        Only the configured URL bypasses the dupefilter (it is fetched every run); a URL a
        source leads to goes through it, and through the run's visited set.
        """
        if not source:
            self.run.first_visit(url)
        return Request(
            url,
            callback=callback,
            errback=self.source_failed,
            dont_filter=not source,
            meta={"source": source or url, "kind": kind, "top": not source, "handle_httpstatus_list": [304], **meta},
        )

    def article_request(self, url: str, source: str, kind: str, entry: FeedEntry | None = None) -> Request:
        """An article page; dropped by the dupefilter (monitor/dupefilter.py) if the archive already has it."""
        return Request(
            canonical_url(url),
            callback=self.parse_article,
            errback=self.article_failed,
            meta={"article": True, "source": source, "kind": kind, "entry": entry},
        )

    def http_only(self, url: str, source: str, kind: str) -> bool:
        """True for an http(s) URL; any other (file:, data:, ftp:, javascript:...) is reported and skipped."""
        if is_http_url(url):
            return True
        self.run.error(source, kind, url, NOT_HTTP)
        return False

    def admitted(self, request: Request):
        """The article request, if its source has budget left this run (crawl.max_urls_per_source).

        Over the budget it waits in the archive's backlog for a later run; one already
        stored costs nothing and is not asked for at all.
        """
        meta = request.meta
        if self.run.is_stored(request.url):
            return
        if self.run.backlog.admit(meta["source"], meta["kind"], request.url, meta.get("entry")):
            yield request

    def backlog_requests(self, response: Response):
        """What earlier runs deferred for this source, oldest first, within this run's budget.

        Asked for once the source's own URL answers (even 304), from its callback: not when
        it is down, and not as start requests, which Scrapy feeds in more slowly.
        """
        meta = response.meta
        if not meta.get("top"):
            return
        for url, kind, entry in self.run.backlog.take(meta["source"]):
            yield self.article_request(url, meta["source"], kind, entry)

    # -- callbacks ----------------------------------------------------------------------

    def parse_article(self, response: Response):
        if not isinstance(response, TextResponse):
            reason = not_html_reason(response) or "not a text page"
            yield from self._fallback_or_error(response.request, reason)
            return
        yield self.page(response.request, html="", response=response)  # a worker decodes the body

    def article_failed(self, failure: Failure):
        request = failure.request
        if failure.check(RefusedURL):
            # Nothing is stored under a refused URL, not even the entry's own text.
            self.run.error(request.meta["source"], request.meta["kind"], request.url, _reason(failure))
            return
        if _forbidden_by_robots(failure) and request.meta["kind"] == "site":
            return  # a site's own links into places its robots.txt closes: not a problem
        if _transient(failure):
            # Worth another try: the next run fetches the source in full, not conditionally.
            self.run.source_stats(request.meta["source"], request.meta["kind"]).retry_later = True
        yield from self._fallback_or_error(request, _reason(failure))

    def source_failed(self, failure: Failure) -> None:
        request = failure.request
        meta = request.meta
        if meta.get("top"):
            self.run.source_stats(meta["source"], meta["kind"]).failed = True
        self.run.error(meta["source"], meta["kind"], request.url, _reason(failure))

    def _fallback_or_error(self, request: Request, reason: str):
        entry: FeedEntry | None = request.meta.get("entry")
        self.run.error(request.meta["source"], request.meta["kind"], request.url, reason)
        if entry and entry.text:
            yield self.page(request, html="")

    # -- signals ------------------------------------------------------------------------

    def request_dropped(self, request: Request) -> None:
        """A redirect back to a URL of its own chain was dropped as a duplicate: a loop."""
        meta = request.meta
        chain = meta.get("redirect_urls") or []
        if request.url in chain and meta.get("source"):
            self.run.error(meta["source"], meta.get("kind", ""), chain[0], f"redirect loop (back to {request.url})")

    def callback_crashed(self, failure: Failure, response: Response) -> None:
        """A bug met on one page: reported with the page, and the run goes on."""
        meta = response.meta if response is not None else {}
        if meta.get("source"):
            self.run.error(meta["source"], meta.get("kind", ""), response.url, f"internal error: {_reason(failure)}")

    def item_crashed(self, item: Any, response: Response, failure: Failure) -> None:
        if isinstance(item, Page):
            self.run.error(item.source, item.source_kind, item.url, f"internal error: {_reason(failure)}")

    def page(self, request: Request, html: str, response: Response | None = None) -> Page:
        entry: FeedEntry | None = request.meta.get("entry")
        self.run.source_stats(request.meta["source"], request.meta["kind"]).fetched += 1
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
        """After a source parsed well, keep its ETag/Last-Modified for the next run.

        They are kept under the URL asked for, which is where the next run asks again, and
        written when the crawl closes (RunExtension.close): a run killed before then, or
        one whose articles failed for now, asks again in full and picks up where it stopped.
        """
        meta = response.meta
        stats = self.run.source_stats(meta["source"], meta["kind"])
        stats.read = True
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        fields = {
            "etag": _header(response, b"ETag"),
            "last_modified": _header(response, b"Last-Modified"),
            "last_fetched_at": now,
        }
        if meta.get("full_fetch"):
            fields["last_full_fetch_at"] = now
        stats.validators[_asked_url(response)] = (meta["kind"], fields)

    def not_modified(self, response: Response) -> bool:
        if response.status != 304:
            return False
        self.run.source_stats(response.meta["source"], response.meta["kind"]).not_modified = True
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.run.archive.update_source(
            _asked_url(response), response.meta["kind"], last_fetched_at=now, last_status="not_modified",
            last_error=None, consecutive_failures=0,
        )
        return True


def _headers(response: Response) -> dict[str, str]:
    return {
        k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()
    }


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _asked_url(response: Response) -> str:
    """The URL the request was made for, before any redirect."""
    return (response.meta.get("redirect_urls") or [response.url])[0]


def _forbidden_by_robots(failure: Failure) -> bool:
    return failure.check(IgnoreRequest) is not None and "robots.txt" in str(failure.value)


def _transient(failure: Failure) -> bool:
    """A failure that may well pass by the next run: 429/5xx, timeouts, DNS, dropped connections."""
    error = failure.value
    if isinstance(error, HttpError):
        return error.response.status in (408, 429) or error.response.status >= 500
    return not isinstance(error, (IgnoreRequest, DownloadCancelledError))


def _reason(failure: Failure) -> str:
    """A one-line reason a user can act on: HTTP status, timeout, size cap, DNS, bot wall..."""
    error = failure.value
    text = str(error).strip()
    if isinstance(error, HttpError):
        return f"HTTP {error.response.status}"
    if isinstance(error, BadResponse):
        return text
    if isinstance(error, IgnoreRequest):
        if "max redirections" in text:
            return "too many redirects (a redirect loop?)"
        if cap := re.search(r"exceeded DOWNLOAD_MAXSIZE \((\d+) B\) during decompression", text):
            # HttpCompressionMiddleware's words for a gzip/deflate/br body (a bomb) that unpacks past the cap
            mb = int(cap.group(1)) / 1048576
            return f"larger than the size cap of {mb:g} MB once decompressed (crawl.max_page_mb)"
        return "forbidden by robots.txt" if "robots.txt" in text else text or "skipped"
    if isinstance(error, DownloadTimeoutError):
        return f"timed out after {_timeout_of(failure, text)} s (crawl.timeout)"
    if isinstance(error, DownloadCancelledError):
        size = re.search(r"max size \((\d+)\)", text)
        cap = f" of {int(size.group(1)) / 1048576:g} MB" if size else ""
        return f"larger than the size cap{cap} (crawl.max_page_mb)"
    if isinstance(error, CannotResolveHostError):
        request = getattr(failure, "request", None)
        return f"DNS lookup failed for {urlsplit(request.url).hostname}" if request is not None else text
    if isinstance(error, DownloadConnectionRefusedError):
        return "connection refused"
    if isinstance(error, ResponseDataLossError):
        return "connection closed before the whole response arrived (data loss)"
    name = type(error).__name__
    return f"{name}: {text}" if text else name


def _timeout_of(failure: Failure, text: str) -> str:
    """The download timeout that applied, from the request: a timed-out connect's message has none."""
    request = getattr(failure, "request", None)
    limit = request.meta.get("download_timeout") if request is not None else None
    if isinstance(limit, (int, float)):
        return f"{limit:g}"
    took = re.search(r"longer than ([\d.]+) seconds", text)
    return took.group(1) if took else "?"
