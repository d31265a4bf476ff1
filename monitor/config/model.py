"""The configuration as the rest of the program sees it: frozen dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..items import Person

DEFAULT_USER_AGENT = "mention-monitor/0.1 (+https://github.com/mention-monitor/mention-monitor)"
SEARCH_SERVICES = ("google_news", "bing_news", "gdelt")


@dataclass(frozen=True)
class FeedSource:
    url: str
    name: str = ""


@dataclass(frozen=True)
class SitemapSource:
    url: str
    name: str = ""


@dataclass(frozen=True)
class SiteSource:
    start_url: str
    allow: tuple[str, ...] = ()
    max_depth: int = 2
    name: str = ""


@dataclass(frozen=True)
class SearchSource:
    service: str
    languages: tuple[str, ...] = ("en-US",)
    base_url: str = ""
    people: tuple[str, ...] = ()  # empty: everyone with search = true
    every_hours: float = 6.0  # each query is asked again this long after it last answered
    max_requests: int | None = None  # per run; None: the service's default (monitor/search/queries.py)
    delay: float | None = None  # seconds between requests to the service; None: its default


@dataclass(frozen=True)
class CrawlSettings:
    delay: float = 1.0
    concurrent_per_domain: int = 2
    timeout: float = 30.0
    max_page_mb: float = 10.0
    user_agent: str = DEFAULT_USER_AGENT
    robots_txt: bool = True
    retries: int = 2
    # Fetch feeds and sitemaps unconditionally at least this often, in case a server's
    # ETag/Last-Modified never change (Media Cloud found many such feeds).
    full_fetch_hours: float = 24.0
    # Articles published longer ago than this are not fetched from feeds and sitemaps.
    max_age_days: float | None = None
    # CIDRs the crawl may reach although they are private, loopback or link-local.
    allow_private_networks: tuple[str, ...] = ()
    # Article requests one feed or sitemap may make per run; the rest wait for the next runs.
    max_urls_per_source: int = 2000
    # Limits on one page's extraction in a worker process (monitor/workers.py).
    extract_timeout: float = 60.0  # seconds
    worker_memory_mb: int = 1024  # address space per worker
    page_attempts: int = 3  # a page that kills, hangs or exhausts its worker is given up after this


@dataclass(frozen=True)
class EmailSettings:
    smtp_host: str
    to: tuple[str, ...]
    sender: str  # `from` in the TOML
    smtp_port: int = 587
    starttls: bool = True
    ssl: bool = False  # implicit TLS (port 465)
    username_env: str = ""
    password_env: str = ""
    timeout: float = 30.0
    people: tuple[str, ...] = ()  # only these people's mentions go to `to`; () = everyone


@dataclass(frozen=True)
class SlackSettings:
    webhook_url_env: str
    timeout: float = 30.0
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileChannelSettings:
    dir: Path
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class AppriseSettings:
    """One [[alerts.apprise]] table: a channel to any service Apprise speaks to."""

    name: str
    url_env: str  # the Apprise URL carries tokens: only ever read from the environment
    people: tuple[str, ...] = ()
    format: str = ""  # text | markdown; "" = what the service takes natively


@dataclass(frozen=True)
class AlertSettings:
    min_score: int = 90
    max_attempts: int = 8  # after this many failed tries an alert is marked failed
    # A new source or person alerts only articles published (or first seen) within
    # this many days; older back catalogue is stored but not alerted.
    backfill_days: float = 3.0
    email: EmailSettings | None = None
    slack: SlackSettings | None = None
    file: FileChannelSettings | None = None
    max_items: int = 50  # per message; the rest as "and N more" with the archive link
    operators: tuple[str, ...] = ()  # addresses or channel names for source-health notices
    apprise: tuple[AppriseSettings, ...] = ()
    # (person name, addresses) from the watchlist's notify_email: they get that person's mentions only.
    notify_email: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # serve.public_url (no trailing slash): "and N more" and each alert's mention page link there.
    public_url: str = ""
    # Mentions below min_score go into each digest's "possible mentions: please check" section.
    possible: bool = True

    @property
    def channels(self) -> tuple[str, ...]:
        names = [("email", self.email), ("slack", self.slack), ("file", self.file)]
        return tuple(name for name, value in names if value is not None) + tuple(a.name for a in self.apprise)


@dataclass(frozen=True)
class EvidenceSettings:
    # Re-check each mentioned article this many days after it was first fetched.
    recheck_days: tuple[float, ...] = (1.0, 7.0, 30.0)


@dataclass(frozen=True)
class ArchiveSettings:
    # Run bookkeeping (runs, run_sources, fetch_errors) older than this is pruned;
    # articles, mentions, alerts and evidence are kept forever.
    keep_history_days: float = 90.0


@dataclass(frozen=True)
class ClusterSettings:
    # The environment variable holding the Redis URL (it may carry a password: never in the config).
    redis_url_env: str = "REDIS_URL"
    # A `monitor crawl` node silent this long is taken for dead: its requests go back in the queue.
    node_timeout: float = 30.0


@dataclass(frozen=True)
class Config:
    path: Path
    database: Path
    people: tuple[Person, ...] = ()
    feeds: tuple[FeedSource, ...] = ()
    sitemaps: tuple[SitemapSource, ...] = ()
    sites: tuple[SiteSource, ...] = ()
    searches: tuple[SearchSource, ...] = ()
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    people_file: Path | None = None
    evidence: EvidenceSettings = field(default_factory=EvidenceSettings)
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    cluster: ClusterSettings | None = None  # `[cluster]`: `monitor crawl` nodes and `monitor ingest`

    @property
    def lock_path(self) -> Path:
        return self.database.with_name(self.database.name + ".lock")
