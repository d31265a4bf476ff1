"""The Scrapy settings a node adds to `monitor run`'s: scrapy-redis's scheduler and dupefilter, push not store."""

from __future__ import annotations

from pathlib import Path

from scrapy.settings import Settings

from .connection import PREFIX


def apply_node_settings(settings: Settings, redis_url: str, node: str, scratch: Path, node_timeout: float) -> None:
    """Turn a `monitor run` settings object into a crawl node's."""
    overlay = {
        # scrapy-redis: one queue and one dupefilter for every node (keys per spider name).
        "SCHEDULER": "monitor.cluster.queue.Scheduler",
        "SCHEDULER_QUEUE_CLASS": "monitor.cluster.queue.InflightQueue",
        "SCHEDULER_QUEUE_KEY": PREFIX + "%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": PREFIX + "%(spider)s:dupefilter",
        "DUPEFILTER_CLASS": "monitor.cluster.dupefilter.StoredDupeFilter",
        # A node that finishes early must not flush what the others still work on; the
        # last node out clears the cycle's dupefilter (inflight.py).
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_FLUSH_ON_START": False,
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,  # a blocking pop would stall the reactor
        "REDIS_URL": redis_url,
        "MONITOR_CLUSTER_NODE": node,
        "MONITOR_CLUSTER_SCRATCH": str(scratch),
        "MONITOR_CLUSTER_TIMEOUT": node_timeout,
        # A node owns no archive run (the cycle's run is ingest's): with a run id given,
        # the run extension takes no archive lock and starts no `runs` row.
        "MONITOR_RUN_ID": 1,
    }
    for name, value in overlay.items():
        settings.set(name, value, priority="cmdline")
    _replace(settings, "ITEM_PIPELINES", {"monitor.pipelines.StorePipeline": None,
                                          "monitor.cluster.push.PushPipeline": 300})
    # No archive on a node: NodeRun keeps the run's bookkeeping in Redis and a scratch file.
    _replace(settings, "EXTENSIONS", {"monitor.run.RunExtension": None, "monitor.cluster.node_run.NodeRun": 0,
                                      "monitor.cluster.node.NodeExtension": 10})
    # Each download takes its turn on the domain's shared clock (politeness.py).
    _replace(settings, "DOWNLOAD_HANDLERS", {"http": "monitor.cluster.politeness.SharedDelayHandler",
                                             "https": "monitor.cluster.politeness.SharedDelayHandler"})
    _replace(settings, "SPIDER_MIDDLEWARES", {"monitor.cluster.node.NodeSpiderMiddleware": 10})


def _replace(settings: Settings, name: str, changes: dict) -> None:
    merged = dict(settings.getdict(name))
    merged.update(changes)
    settings.set(name, merged, priority="cmdline")
