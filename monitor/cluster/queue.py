"""Adapters to scrapy-redis: a queue whose popped requests stay in Redis until done; a quieter Scheduler.

The queue plugs into scrapy-redis's own extension point (`SCHEDULER_QUEUE_CLASS`); the
Scheduler and RFPDupeFilter are scrapy-redis's, barely changed. Its stock queues pop a
request out of Redis for good, so a node killed with requests in its downloader would
lose them; this one moves each into the node's in-flight hash (see inflight.py).
"""

from __future__ import annotations

from scrapy import Request
from scrapy.utils.misc import load_object
from scrapy_redis import scheduler as scrapy_redis_scheduler
from scrapy_redis.queue import PriorityQueue

from .inflight import META_KEY, Inflight


class InflightQueue(PriorityQueue):
    """PriorityQueue whose pop is a move to this node's in-flight hash (node id: MONITOR_CLUSTER_NODE)."""

    def __init__(self, server, spider, key, serializer=None) -> None:
        super().__init__(server, spider, key, serializer)
        self.inflight = Inflight(server, spider.settings.get("MONITOR_CLUSTER_NODE"))

    def push(self, request: Request) -> None:
        # A retry or redirect carries the in-flight key of the request it replaces: once it
        # is queued, the original is done. (Requests a callback yields never carry one:
        # the spider middleware drops it.)
        replaces = request.meta.pop(META_KEY, None)
        self.inflight.push(self.key, self._encode_request(request), -request.priority, replaces)

    def pop(self, timeout: int = 0) -> Request | None:
        popped = self.inflight.pop(self.key)
        if popped is None:
            return None
        field, data = popped
        request = self._decode_request(data)
        request.meta[META_KEY] = field
        return request


class Scheduler(scrapy_redis_scheduler.Scheduler):
    """scrapy-redis's Scheduler without the calls newer Scrapy deprecates.

    `StatsCollector.inc_value(..., spider=...)` (Scrapy 2.17+) and `Spider.log()` (2.19)
    warn, and the warnings land in every cron mail; otherwise this is scrapy-redis's
    Scheduler unchanged.
    """

    def open(self, spider) -> None:
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key % {"spider": spider.name}, serializer=self.serializer)
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if self.flush_on_start:
            self.flush()
        if len(self.queue):
            spider.logger.info("Resuming crawl (%d requests scheduled)", len(self.queue))

    def enqueue_request(self, request: Request) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self) -> Request | None:
        request = self.queue.pop(self.idle_before_close)
        if request and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request
