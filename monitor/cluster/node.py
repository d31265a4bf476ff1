"""One `monitor crawl` node as a Scrapy extension: join (or open and seed) the cycle, ack, exit when drained.

- Sources are enqueued once per cycle for the whole cluster: the node that finds no open
  cycle opens one and queues every source request in the same Redis transaction; the
  others join it and only consume.
- A request popped from the shared queue stays in this node's in-flight hash until its
  response and everything that came of it (items through the pipelines, new requests
  queued) are handled; then it is acked (see inflight.py).
- The node closes when the shared queue is empty and no node of the cycle holds a
  request; until then an idle node keeps polling. The last node out closes the cycle.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from twisted.internet.defer import Deferred

from ..run import RunExtension
from .connection import KEYS
from .inflight import META_KEY, Inflight
from .queue import InflightQueue

POLL_SECONDS = 0.5  # how often an idle node looks for work other nodes queued


def new_node_id() -> str:
    return uuid.uuid4().hex[:12]


class NodeExtension:
    def __init__(self, crawler: Crawler, server, node: str, timeout: float) -> None:
        self.crawler = crawler
        self.server = server
        self.node = node
        self.timeout = timeout
        self.inflight = Inflight(server, node, timeout)
        self.cycle = ""
        self._loops: list = []
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.idle, signal=signals.spider_idle)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)
        crawler.signals.connect(self.dropped, signal=signals.request_dropped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NodeExtension:
        import redis

        settings = crawler.settings
        node = settings.get("MONITOR_CLUSTER_NODE")
        if not node:
            raise NotConfigured
        server = redis.Redis.from_url(settings.get("REDIS_URL"), socket_timeout=30, socket_connect_timeout=10)
        return cls(crawler, server, node, settings.getfloat("MONITOR_CLUSTER_TIMEOUT", 30.0))

    # -- joining ------------------------------------------------------------------------

    async def opened(self, spider) -> None:
        self._ack_when_scraped()
        self._beat()
        self.inflight.reap(joining=True)
        cycle, seeded = await self._join(spider)
        stats = self.crawler.stats
        stats.set_value("monitor/cluster/seeded", seeded)
        if cycle is None:  # the cycle of this cron tick closed a moment ago: nothing to do
            closed = self.server.get(KEYS.closed)
            stats.set_value("monitor/cluster/cycle", f"{closed.decode() if closed else '?'} (closed already)")
            return
        self.cycle = cycle
        RunExtension.of(self.crawler).join_cycle(cycle, seeded)
        stats.set_value("monitor/cluster/cycle", cycle)
        self._loops = [self._every(self.timeout / 3, self._beat), self._every(POLL_SECONDS, self._poll)]

    async def _join(self, spider) -> tuple[str | None, bool]:
        """(cycle id, whether this node opened it and queued the sources); None if one closed just now."""
        import redis

        encoded = None
        while True:
            with self.server.pipeline() as pipe:
                try:
                    pipe.watch(KEYS.cycle, KEYS.closed)
                    current = pipe.get(KEYS.cycle)
                    if current is None and pipe.exists(KEYS.closed):
                        pipe.unwatch()
                        return None, False
                    if current is None and encoded is None:
                        pipe.unwatch()
                        encoded = await self._source_requests(spider)
                        continue
                    pipe.multi()
                    pipe.sadd(KEYS.nodes, self.node)
                    if current is not None:
                        pipe.execute()
                        return current.decode(), False
                    cycle = str(self.server.incr(KEYS.cycle_counter))
                    pipe.set(KEYS.cycle, cycle)
                    pipe.delete(KEYS.dupefilter)  # a new cycle fetches its sources' pages anew
                    for data, score in encoded:
                        pipe.execute_command("ZADD", KEYS.queue, score, data)
                    pipe.execute()
                    return cycle, True
                except redis.WatchError:
                    continue  # another node opened or closed a cycle meanwhile: look again

    async def _source_requests(self, spider) -> list[tuple[bytes, float]]:
        """Every source request of the configured spider, encoded as scrapy-redis queues them."""
        queue = InflightQueue(self.server, spider, KEYS.queue)
        return [(queue._encode_request(r), -r.priority) async for r in spider.start() if isinstance(r, Request)]

    # -- while crawling -----------------------------------------------------------------

    def _ack_when_scraped(self) -> None:
        """Ack each request once the scraper is done with it: callback or errback, items, new requests.

        Scrapy has no signal for that moment; `Scraper.enqueue_scrape` returns a Deferred
        that fires then, so the engine's call to it is wrapped.
        """
        scraper = self.crawler.engine.scraper
        original = scraper.enqueue_scrape

        def enqueue_scrape(result, request: Request) -> Deferred:
            return original(result, request).addBoth(self._acked, request)

        scraper.enqueue_scrape = enqueue_scrape

    def _acked(self, result, request: Request):
        field = request.meta.get(META_KEY)
        if field:
            self.inflight.ack(field)
        return result

    def dropped(self, request: Request) -> None:
        """A redirect the dupefilter refused: the request it came from is done."""
        self._acked(None, request)

    def idle(self, spider) -> None:
        if not self.cycle:
            return  # joined no cycle: done at once
        self.inflight.reap()
        if not self.inflight.drained():
            raise DontCloseSpider

    def _poll(self) -> None:
        # An idle engine looks at its scheduler only every 5 s; other nodes' requests should not wait that long.
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and slot.closing is None:
            slot.nextcall.schedule()

    def _beat(self) -> None:
        self.server.set(KEYS.alive(self.node), 1, px=int(self.timeout * 1000))

    def _every(self, seconds: float, call):
        from twisted.internet.task import LoopingCall

        loop = LoopingCall(call)
        loop.start(seconds, now=False)
        return loop

    # -- leaving ------------------------------------------------------------------------

    def closed(self, spider, reason: str) -> None:
        for loop in self._loops:
            if loop.running:
                loop.stop()
        requeued = self.inflight.requeue()  # none after a drained finish; a stopped node's unfinished work
        if self.cycle:
            run = RunExtension.of(self.crawler)
            report = {
                "node": self.node, "reason": reason, "requeued": requeued, "counts": run.counts(),
                "sources": {url: asdict(stats) for url, stats in run.sources.items()},
            }
            self.crawler.stats.set_value("monitor/cluster/closed_cycle", self.inflight.leave(self.cycle, report))
        self.crawler.stats.set_value("monitor/cluster/requeued", requeued)
        self.server.delete(KEYS.alive(self.node))


class NodeSpiderMiddleware:
    """Start requests come from Redis, not from this node's spider; new requests never inherit an in-flight key."""

    async def process_start(self, start):
        return
        yield  # an async generator that yields nothing: the sources are queued by NodeExtension

    def process_spider_output(self, response, result):
        for output in result:
            yield _fresh(output)

    async def process_spider_output_async(self, response, result):
        async for output in result:
            yield _fresh(output)


def _fresh(output):
    if isinstance(output, Request):
        output.meta.pop(META_KEY, None)
    return output
