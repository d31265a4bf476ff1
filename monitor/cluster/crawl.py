"""`monitor crawl`: run one node of the cycle in this process and say what it did."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..runner import monitor_counts, run_monitor_spider, scrapy_settings
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
    rechecks: int
    requeued: int
    interrupted: bool

    def line(self) -> str:
        text = (f"node {self.node}: cycle {self.cycle or '?'}, {self.pages} pages, {self.pushed} articles "
                f"and {self.mentions} mentions pushed to ingest, {self.errors} problems")
        if self.rechecks:
            text += f", {self.rechecks} re-checks pushed"
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
        apply_node_settings(settings, redis_url(config), node, scratch, settings_of_cluster.node_timeout)
        crawler = run_monitor_spider(settings, verbose)
        stats = crawler.stats
        counts = monitor_counts(crawler)
        return NodeSummary(
            node=node,
            cycle=stats.get_value("monitor/cluster/cycle") or "",
            seeded=bool(stats.get_value("monitor/cluster/seeded")),
            closed_cycle=bool(stats.get_value("monitor/cluster/closed_cycle")),
            pages=counts.get("pages", 0),
            pushed=counts.get("articles", 0),
            mentions=counts.get("mentions", 0),
            errors=counts.get("errors", 0),
            rechecks=counts.get("rechecks", 0),
            requeued=stats.get_value("monitor/cluster/requeued") or 0,
            interrupted=stats.get_value("finish_reason") != "finished",
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
