"""`monitor crawl`: run one node of the cycle in this process and say what it did."""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scrapy.crawler import CrawlerProcess

from ..config import Config
from ..errors import MonitorError
from ..run import STATS_PREFIX
from ..runner import _started, scrapy_settings
from .connection import cluster_settings, connect, redis_url


@dataclass
class NodeSummary:
    node: str
    cycle: str
    seeded: bool
    closed_cycle: bool
    pages: int
    pushed: int
    mentions: int
    errors: int
    requeued: int
    interrupted: bool

    def line(self) -> str:
        text = (f"node {self.node}: cycle {self.cycle or '?'}, {self.pages} pages, {self.pushed} articles "
                f"and {self.mentions} mentions pushed to ingest, {self.errors} problems")
        if self.seeded:
            text += "; queued the sources"
        if self.closed_cycle:
            text += "; last node out: cycle complete"
        if self.interrupted:
            text += f"; interrupted, {self.requeued} requests put back for the other nodes"
        return text


def crawl_node(config: Config, verbose: bool = False) -> NodeSummary:
    """Work on the cluster's current cycle (opening it if none is open) until its queue is drained."""
    settings_of_cluster = cluster_settings(config)
    connect(config).close()  # a down or wrong Redis is one clear message, before Scrapy starts
    from .node import new_node_id
    from .settings import apply_node_settings

    node = new_node_id()
    scratch = Path(tempfile.mkdtemp(prefix="monitor-node-"))
    try:
        settings = scrapy_settings(config, None, verbose)
        settings.set("MONITOR_PROGRESS", "lines" if verbose else "bar" if sys.stderr.isatty() else "",
                     priority="cmdline")
        apply_node_settings(settings, redis_url(config), node, scratch, settings_of_cluster.node_timeout)
        process = CrawlerProcess(settings)
        crawler = process.create_crawler("monitor")
        process.crawl(crawler)
        process.start()
        if not _started(crawler):
            raise MonitorError("the crawl could not start (Scrapy's error is above; run with -v for more)")
        stats = crawler.stats
        counts = {k[len(STATS_PREFIX):]: v for k, v in stats.get_stats().items() if k.startswith(STATS_PREFIX)}
        return NodeSummary(
            node=node,
            cycle=stats.get_value("monitor/cluster/cycle") or "",
            seeded=bool(stats.get_value("monitor/cluster/seeded")),
            closed_cycle=bool(stats.get_value("monitor/cluster/closed_cycle")),
            pages=counts.get("pages", 0),
            pushed=counts.get("articles", 0),
            mentions=counts.get("mentions", 0),
            errors=counts.get("errors", 0),
            requeued=stats.get_value("monitor/cluster/requeued") or 0,
            interrupted=stats.get_value("finish_reason") != "finished",
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
