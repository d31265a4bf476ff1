"""Downloader middlewares: conditional GET, compressed bodies, refuse non-pages, retry with backoff."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyMetaRefreshMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response, TextResponse

from .run import RunExtension


class BadResponse(IgnoreRequest):
    """A response that is not what was asked for (bot wall, binary body); its message is the reason."""


class ConditionalGetMiddleware:
    """Send If-None-Match / If-Modified-Since for sources marked `conditional`.

    Every `crawl.full_fetch_hours` the validators are left off once, because some
    servers keep sending the same ETag after the feed changed; 0 means every run.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalGetMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if not request.meta.get("conditional") or request.meta.get("redirect_urls"):
            return
        run = RunExtension.of(self.crawler)
        source = run.archive.source(request.url)
        if not source or _full_fetch_due(source, run.config.crawl.full_fetch_hours):
            request.meta["full_fetch"] = True
            return
        if source.get("etag"):
            request.headers.setdefault("If-None-Match", source["etag"])
        if source.get("last_modified"):
            request.headers.setdefault("If-Modified-Since", source["last_modified"])


def _full_fetch_due(source: dict, hours: float) -> bool:
    last = source.get("last_full_fetch_at")
    if not last or hours <= 0:
        return True
    return datetime.fromisoformat(last) < datetime.now(timezone.utc) - timedelta(hours=hours)


class CompressedBodyMiddleware:
    """Hand a compressed text response to HttpCompressionMiddleware as a plain Response.

    HttpCompressionMiddleware builds the decompressed response with `response.replace`,
    which reads every attribute of the old one, `encoding` included: for a page whose
    Content-Type names no charset, that runs Scrapy's charset detection
    (charset_normalizer) over the gzip bytes, whose result is thrown away (the new
    response detects its own), a few milliseconds per page on the reactor's process.
    A plain Response has no `encoding`; the decompressed one gets its class from its
    headers and body exactly as before.
    """

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse) or not response.headers.get(b"Content-Encoding"):
            return response
        return Response(**{name: getattr(response, name) for name in Response.attributes})


class ResponseCheckMiddleware:
    """Turn a response that only looks like success into a reported failure.

    A bot wall or challenge page (often HTTP 200) is never a feed, sitemap or article;
    a PDF, image or other binary body is not a page, whatever its Content-Type says.
    Both reach the request's errback as `BadResponse` with the reason.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResponseCheckMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status == 304 or 300 <= response.status < 400:
            return response
        reason = challenge_reason(response)
        if reason is None and _wants_html(request):
            reason = not_html_reason(response)
        if reason:
            self.crawler.stats.inc_value("monitor/bad_responses")
            raise BadResponse(reason)
        return response


def _wants_html(request: Request) -> bool:
    return bool(request.meta.get("article")) or request.meta.get("kind") == "site"


# Titles and markers of the interstitials that CDNs and bot managers answer instead of a page.
# Not markers that ordinary pages behind the same CDN carry too ("challenge-platform" for
# Cloudflare, "_Incapsula_Resource" for Imperva): those would hide real articles.
_CHALLENGE_TITLES = re.compile(
    r"^\s*(just a moment|attention required|please wait|checking your browser|ddos-guard|"
    r"access denied|security check|are you a (ro)?bot|robot check|human verification|"
    r"verify(ing)? you are (a )?human|pardon our interruption|one more step|captcha)",
    re.IGNORECASE,
)
_CHALLENGE_MARKERS = (
    b"_cf_chl_opt", b"cf-browser-verification", b"cf_chl_prog",
    b"Checking your browser before accessing", b"Enable JavaScript and cookies to continue",
    b"Incapsula incident ID", b"captcha-delivery.com", b"px-captcha",
    b"/_sec/cp_challenge", b"sucuri_cloudproxy_js",
)
_CAPTCHA_WIDGETS = (b"g-recaptcha", b"h-captcha", b"cf-turnstile")
_TITLE = re.compile(rb"<title[^>]*>(.{0,200}?)</title", re.IGNORECASE | re.DOTALL)
_HTML_START = re.compile(
    rb"^(\xef\xbb\xbf)?\s*(<!--.*?-->\s*)*<(!doctype html|html|head|body|meta|title|script|div)",
    re.IGNORECASE | re.DOTALL,
)
# Real interstitials are small; a long article that mentions "captcha" is not one.
_CHALLENGE_MAX_BYTES = 256 * 1024


def challenge_reason(response: Response) -> str | None:
    """'bot wall or challenge page (...)' when the response is one, else None.

    Only HTML documents are looked at: a feed or sitemap that quotes a challenge page's
    words in an entry is still a feed.
    """
    if response.headers.get(b"cf-mitigated", b"").lower() == b"challenge":
        return "bot wall or challenge page (Cloudflare cf-mitigated: challenge)"
    body = response.body
    if len(body) > _CHALLENGE_MAX_BYTES or not _HTML_START.match(body[:4096]):
        return None
    match = _TITLE.search(body)
    title = " ".join(match.group(1).decode("utf-8", "replace").split()) if match else ""
    if title and _CHALLENGE_TITLES.match(title):
        return f"bot wall or challenge page (title {title!r})"
    for marker in _CHALLENGE_MARKERS:
        if marker in body:
            return f"bot wall or challenge page ({marker.decode()!r} in the page)"
    if len(body) < 20_000 and b"<article" not in body and any(w in body for w in _CAPTCHA_WIDGETS):
        return "bot wall or challenge page (a small page that is mostly a captcha)"
    return None


_HTML_TYPES = (b"text/html", b"application/xhtml+xml", b"text/plain", b"")
_MAGIC = (
    (b"%PDF-", "PDF"), (b"\x89PNG", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
    (b"PK\x03\x04", "ZIP archive"), (b"\x1f\x8b", "gzip data"), (b"RIFF", "RIFF media"), (b"ID3", "MP3 audio"),
    (b"\x00\x00\x00", "binary data"),
)


def not_html_reason(response: Response) -> str | None:
    """Why a response promised as a page is not one (its type or its bytes), or None."""
    content_type = response.headers.get(b"Content-Type", b"").split(b";")[0].strip().lower()
    shown = content_type.decode("latin-1") or "none"
    if content_type not in _HTML_TYPES:
        return f"not an HTML page (Content-Type {shown})"
    head = response.body[:1024].lstrip()
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return f"binary body ({name}) where HTML was promised (Content-Type {shown})"
    if b"\x00" in head:
        return f"binary body where HTML was promised (Content-Type {shown})"
    return None


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries (429, 5xx, timeouts, dropped connections), spaced out without sleeping.

    The pause doubles with each attempt from `MONITOR_RETRY_BACKOFF` seconds; a
    Retry-After header is obeyed, and one beyond `MONITOR_RETRY_BACKOFF_MAX` means
    "not this run": the failure is reported instead. The pause is not a sleep here (that
    would hold a downloader place, and enough of them stop every host): the host's
    download slot delay grows to it and the retry goes back to the scheduler, so it waits
    in that host's slot while other hosts go on. A good answer from the host puts its
    delay back.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        self.backoff = crawler.settings.getfloat("MONITOR_RETRY_BACKOFF", 1.0)
        self.backoff_max = crawler.settings.getfloat("MONITOR_RETRY_BACKOFF_MAX", 60.0)
        self._base_delays: dict[str, tuple[float, bool]] = {}  # slot key -> (delay, randomize) before backing off

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in self.retry_http_codes or request.meta.get("dont_retry"):
            self._recovered(request)
            return response
        wait = _retry_after(response)
        if wait is not None and wait > self.backoff_max:
            return response
        retry = super().process_response(request, response)
        if isinstance(retry, Request):
            self._back_off(retry, wait)
        return retry

    def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request):
            self._back_off(retry, None)
        return retry

    def _back_off(self, retry: Request, wait: float | None) -> None:
        attempt = retry.meta.get("retry_times", 1)
        delay = wait if wait is not None else min(self.backoff * 2 ** (attempt - 1), self.backoff_max)
        key, slot = self._slot(retry)
        if slot is None or delay <= 0:
            return
        self._base_delays.setdefault(key, (slot.delay, slot.randomize_delay))
        slot.delay = max(slot.delay, delay)
        # Scrapy draws each delay between 0.5x and 1.5x of it (RANDOMIZE_DOWNLOAD_DELAY):
        # a Retry-After of 2 s could come back after 1 s. A pause asked for is waited in full.
        slot.randomize_delay = False
        self.crawler.stats.inc_value("monitor/retry_backoffs")

    def _recovered(self, request: Request) -> None:
        key, slot = self._slot(request)
        if slot is not None and key in self._base_delays:
            slot.delay, slot.randomize_delay = self._base_delays.pop(key)

    def _slot(self, request: Request):
        engine = self.crawler.engine
        if engine is None:
            return None, None
        key = engine.downloader.get_slot_key(request)
        return key, engine.downloader.slots.get(key)


def _retry_after(response: Response) -> float | None:
    value = response.headers.get(b"Retry-After")
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)


# Four bytes per character at most: Scrapy looks for a refresh in the first 4,096 characters.
_REFRESH_WINDOW = 4 * 4096
_REFRESH = re.compile(rb"(?i)refresh")
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")  # UTF-16 and UTF-32: "refresh" would not be ASCII bytes


class MetaRefreshMiddleware(ScrapyMetaRefreshMiddleware):
    """Scrapy's `<meta http-equiv="refresh">` redirects, without decoding the pages that hold none.

    Scrapy decodes every HTML response to look (charset_normalizer when nothing declares a
    charset): on the reactor's process, for a page the extraction worker decodes again.
    In an ASCII-compatible encoding a refresh has the ASCII bytes "refresh"; a page
    without them (and without NUL bytes or a UTF-16/32 byte-order mark) cannot refresh.
    """

    def process_response(self, request: Request, response: Response) -> Request | Response:
        head = response.body[:_REFRESH_WINDOW]
        if isinstance(response, HtmlResponse) and not _REFRESH.search(head) and b"\x00" not in head \
                and not head.startswith(_WIDE_BOMS):
            return response
        return super().process_response(request, response)
