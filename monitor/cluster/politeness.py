"""Per-domain politeness across nodes: requests to one domain start `crawl.delay` apart cluster-wide.

Each node still applies Scrapy's own per-domain delay, concurrency and AutoThrottle; this
adds one shared clock per domain in Redis. A request claims the next free start time for
its domain (Redis's own clock, so machines need not agree on the time) and waits for it
without holding the domain's download slot.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
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


class SharedDelayMiddleware:
    def __init__(self, crawler: Crawler, delay: float) -> None:
        self.crawler = crawler
        self.delay = delay
        self._claim = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedDelayMiddleware:
        delay = crawler.settings.getfloat("DOWNLOAD_DELAY")
        if delay <= 0 or not crawler.settings.get("MONITOR_CLUSTER_NODE"):
            raise NotConfigured
        return cls(crawler, delay)

    async def process_request(self, request: Request) -> None:
        host = (urlsplit(request.url).netloc or "").lower()
        if not host:
            return
        server = self.crawler.spider.ctx.archive.server
        if self._claim is None:
            self._claim = server.register_script(_CLAIM)
        wait = float(self._claim(keys=[KEYS.domain(host)], args=[self.delay]))
        if wait > 0:
            from twisted.internet import reactor  # the one Scrapy installed; importing it early would pick another

            self.crawler.stats.inc_value("monitor/cluster/politeness_waits")
            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
