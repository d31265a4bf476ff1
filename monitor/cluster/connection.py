"""The Redis connection named by `[cluster] redis_url_env`, and the names of the keys the cluster shares."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..config import ClusterSettings, Config
from ..errors import ConfigError, MonitorError

# Every key the cluster writes starts with this; scrapy-redis's own keys too (see settings.py).
PREFIX = "monitor:"


@dataclass(frozen=True)
class Keys:
    """Redis key names, in one place so nodes and ingest cannot disagree."""

    queue: str = PREFIX + "monitor:requests"  # scrapy-redis PriorityQueue (SCHEDULER_QUEUE_KEY, spider "monitor")
    dupefilter: str = PREFIX + "monitor:dupefilter"  # scrapy-redis RFPDupeFilter set, cleared per cycle
    stored: str = PREFIX + "stored"  # url_key of every article stored or on its way to ingest
    cycle: str = PREFIX + "cycle"  # the open cycle's id; absent between cycles
    cycle_counter: str = PREFIX + "cycle:counter"
    nodes: str = PREFIX + "cycle:nodes"  # ids of the nodes working on the open cycle
    closed: str = PREFIX + "cycle:closed"  # the cycle just closed, for `node_timeout` seconds after
    results: str = PREFIX + "results"  # what nodes push for ingest (JSON records, oldest on the right)
    processing: str = PREFIX + "results:processing"  # popped by ingest, removed once committed
    sources: str = PREFIX + "sources"  # url -> the archive's `sources` row (JSON), mirrored by ingest
    # The archive's page_failures as ingest last published them, plus nodes' failures since:
    page_attempts: str = PREFIX + "pages:attempts"  # url_key -> failed extractions so far (all cycles, all nodes)
    given_up: str = PREFIX + "pages:given_up"  # url_key of each page no node extracts again
    search_answers: str = PREFIX + "search:answers"  # query URL -> [last answered at, status], published by ingest
    rechecks: str = PREFIX + "rechecks"  # article id -> {url, version} of each re-check due (the change watch)
    recheck_last: str = PREFIX + "rechecks:last"  # article id -> its last kept version ({final_url, body_gz})

    def inflight(self, node: str) -> str:
        """Requests node `node` popped and has not finished (hash: key -> encoded request)."""
        return f"{PREFIX}inflight:{node}"

    def alive(self, node: str) -> str:
        """Present while node `node` is running (refreshed well inside `node_timeout`)."""
        return f"{PREFIX}node:{node}"

    def reports(self, cycle: str) -> str:
        """Each finished node's per-source results for cycle `cycle` (list of JSON)."""
        return f"{PREFIX}cycle:{cycle}:reports"

    def domain(self, slot: str) -> str:
        """When the next request to download slot (domain) `slot` may start, cluster-wide."""
        return f"{PREFIX}domain:{slot}"


KEYS = Keys()


def cluster_settings(config: Config) -> ClusterSettings:
    if config.cluster is None:
        raise ConfigError(f"{config.path}: no [cluster] table: `monitor crawl` and `monitor ingest` need "
                          '[cluster] redis_url_env = "REDIS_URL" (see docs/cluster.md)')
    return config.cluster


def redis_url(config: Config) -> str:
    """The Redis URL from the environment variable `[cluster] redis_url_env` names."""
    name = cluster_settings(config).redis_url_env
    url = os.environ.get(name, "").strip()
    if not url:
        raise ConfigError(f"{config.path}: cluster.redis_url_env: the environment variable {name} is not set "
                          "(it holds the Redis URL, e.g. redis://host:6379/0)")
    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise ConfigError(f"{config.path}: cluster.redis_url_env: ${name} is not a redis:// URL ({shown(url)})")
    return url


def shown(url: str) -> str:
    """A Redis URL fit for messages and logs: the password left out."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def require_packages() -> None:
    """scrapy-redis and redis are the `cluster` extra: say how to get them rather than fail at import."""
    try:
        import redis  # noqa: F401
        import scrapy_redis  # noqa: F401
    except ImportError as e:
        raise MonitorError(f"{e.name} is not installed: pip install 'mention-monitor[cluster]'") from None


def connect(config: Config):
    """A checked Redis client for the config's cluster (raises MonitorError naming the server if down)."""
    require_packages()
    import redis

    url = redis_url(config)
    client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10, retry_on_timeout=True)
    try:
        client.ping()
    except redis.RedisError as e:
        raise MonitorError(f"cannot reach Redis at {shown(url)} (from ${config.cluster.redis_url_env}): {e}") from None
    return client
