"""Per-domain politeness across nodes: requests to one domain start `crawl.delay` apart cluster-wide.

Each node still applies Scrapy's own per-domain delay, concurrency and AutoThrottle; this
adds one shared clock per domain in Redis. Just before a request goes on the wire (in the
download handler, after the node's own download slot let it through) it claims the
domain's next free start time (Redis's own clock, so machines need not agree on the time)
and waits for it; the wait counts against the node's per-domain concurrency like the
download itself.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from .connection import KEYS

_CLAIM = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local delay = tonumber(ARGV[1])
local start = math.max(t, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], tostring(start + delay), 'PX', math.ceil((start + delay - t) * 1000) + 60000)
return tostring(start - t)
"""


class SharedDelayHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, each download starting at its domain's turn on the cluster's clock."""

    def __init__(self, crawler: Crawler) -> None:
        import redis

        super().__init__(crawler)
        self.crawler = crawler
        self.delay = crawler.settings.getfloat("DOWNLOAD_DELAY")
        server = redis.Redis.from_url(crawler.settings.get("REDIS_URL"), socket_timeout=30)
        self._claim = server.register_script(_CLAIM)

    async def download_request(self, request: Request) -> Response:
        host = (urlsplit(request.url).netloc or "").lower()
        if host and self.delay > 0:
            wait = float(self._claim(keys=[KEYS.domain(host)], args=[self.delay]))
            if wait > 0:
                from twisted.internet import reactor  # the one Scrapy installed; importing it early would pick another

                self.crawler.stats.inc_value("monitor/cluster/politeness_waits")
                await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        return await super().download_request(request)
