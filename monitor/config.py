"""monitor.toml and the people CSV -> frozen dataclasses, validated up front.

Every error is a ConfigError naming the file, the line where it can be found, and the key.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import math
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import alert_keys
from .errors import ConfigError
from .items import Person
from .peoplecsv import load_people_csv

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

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
    max_requests: int | None = None  # per run; None: the service's default (monitor/search.py)
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

    def __deepcopy__(self, memo: dict) -> Config:
        # Immutable all the way down; Scrapy deep-copies its settings, where `monitor run`
        # hands the loaded config to the spider, and copying 50,000 people costs 0.7 s.
        return self

    @property
    def lock_path(self) -> Path:
        return self.database.with_name(self.database.name + ".lock")


TOP_KEYS = {
    "database", "people_file", "person", "feed", "sitemap", "site", "search", "crawl", "alerts", "evidence", "serve",
    "archive", "cluster",
}
PERSON_KEYS = {"name", "aliases", "context", "exclude", "search", "notes", "min_score", "notify_email"}


def resolve_config_path(path: str | os.PathLike | None) -> Path:
    """`-c` if given, else ./monitor.toml, else $MONITOR_CONFIG (SPEC order)."""
    if path:
        return Path(path)
    local = Path("monitor.toml")
    if local.exists():
        return local
    env = os.environ.get("MONITOR_CONFIG")
    if env:
        return Path(env)
    return local


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Read and validate a monitor.toml (and the people CSV it names)."""
    path = resolve_config_path(path)
    try:
        raw_text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (run `monitor init` to write one)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read config: {e}") from None
    try:
        data = tomllib.loads(raw_text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from None
    return _Reader(path, raw_text).config(data)


class _Reader:
    """Validates one parsed TOML document, knowing its text so errors can cite lines."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.lines = text.splitlines()

    # -- errors -------------------------------------------------------------------------

    def fail(self, where: str, message: str, table: str = "", index: int = 0) -> ConfigError:
        key = where.rsplit(".", 1)[-1].split("[")[0]
        line = self._header_line(where) or self._line_of(key, table, index)
        at = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(f"{at}: {where}: {message}")

    def _header_line(self, where: str) -> int | None:
        """The line of a `[where]` table header (or of a sub-table), e.g. a misspelt `[alert.file]`."""
        if "[" in where:
            return None
        header = re.compile(r"^\s*\[\[?\s*" + re.escape(where) + r"\s*(\]|\.)")
        return next((n + 1 for n, line in enumerate(self.lines) if header.match(line)), None)

    def _line_of(self, key: str, table: str, index: int) -> int | None:
        """Best-effort line number of `key` inside the index-th `[table]`/`[[table]]`."""
        start = 0
        if table:
            header = re.compile(r"^\s*\[\[?\s*" + re.escape(table) + r"\s*\]\]?\s*(#.*)?$")
            seen = -1
            for number, line in enumerate(self.lines):
                if header.match(line):
                    seen += 1
                    if seen == index:
                        start = number
                        break
            else:
                return None
        key_re = re.compile(r"^\s*\"?" + re.escape(key) + r"\"?\s*=")
        for number in range(start, len(self.lines)):
            if number > start and table and self.lines[number].lstrip().startswith("["):
                break
            if key_re.match(self.lines[number]):
                return number + 1
        return start + 1 if table else None

    # -- typed getters ------------------------------------------------------------------

    def check_keys(self, data: dict, allowed: set[str], prefix: str, table: str = "", index: int = 0):
        for key in data:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                guess = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean {guess[0]!r}? " if guess else ""
                raise self.fail(f"{prefix}{key}", f"unknown key ({hint}known: {known})", table, index)

    def string(self, data: dict, key: str, prefix: str, table="", index=0, default=None, required=False):
        value = data.get(key, default)
        if value is None:
            if required:
                raise self.fail(f"{prefix}{key}", "is required", table, index)
            return default
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(f"{prefix}{key}", f"must be a non-empty string, got {value!r}", table, index)
        return value.strip()

    def number(self, data: dict, key: str, prefix: str, default, table="", index=0, minimum=0, kind=float):
        value = data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"{prefix}{key}", f"must be a number, got {value!r}", table, index)
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(f"{prefix}{key}", f"must be a finite number, got {value!r}", table, index)
        if kind is int and not isinstance(value, int):
            raise self.fail(f"{prefix}{key}", f"must be a whole number, got {value!r}", table, index)
        if value < minimum:
            raise self.fail(f"{prefix}{key}", f"must be at least {minimum}, got {value!r}", table, index)
        return kind(value)

    def boolean(self, data: dict, key: str, prefix: str, default: bool, table="", index=0) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{prefix}{key}", f"must be true or false, got {value!r}", table, index)
        return value

    def strings(self, data: dict, key: str, prefix: str, table="", index=0) -> tuple[str, ...]:
        value = data.get(key, [])
        if isinstance(value, str):  # a one-word list written without brackets: say how to write it
            quoted = json.dumps(value, ensure_ascii=False)
            raise self.fail(f"{prefix}{key}", f"must be a list in brackets, e.g. [{quoted}], got the string {quoted}",
                            table, index)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{prefix}{key}", f"must be a list of strings, got {value!r}", table, index)
        return tuple(v.strip() for v in value if v.strip())

    def url(self, data: dict, key: str, prefix: str, table: str, index: int) -> str:
        value = self.string(data, key, prefix, table, index, required=True)
        if not re.match(r"^https?://[^/\s]+", value):
            raise self.fail(f"{prefix}{key}", f"must be an http(s) URL, got {value!r}", table, index)
        return value

    def tables(self, data: dict, key: str) -> list[dict]:
        value = data.get(key, [])
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, f"must be written as [[{key}]] tables")
        return value

    # -- sections -----------------------------------------------------------------------

    def config(self, data: dict) -> Config:
        self.check_keys(data, TOP_KEYS, "")
        base = self.path.parent
        database = base / self.string(data, "database", "", default="mentions.db")
        people = [self.person(p, i) for i, p in enumerate(self.tables(data, "person"))]
        people_file = self.string(data, "people_file", "")
        people_path = None
        if people_file:
            people_path = base / people_file
            people.extend(load_people_csv(people_path))
        people = _dedupe_people(people)
        return Config(
            path=self.path,
            database=database,
            people=tuple(people),
            feeds=tuple(self.feed(t, i) for i, t in enumerate(self.tables(data, "feed"))),
            sitemaps=tuple(self.sitemap(t, i) for i, t in enumerate(self.tables(data, "sitemap"))),
            sites=tuple(self.site(t, i) for i, t in enumerate(self.tables(data, "site"))),
            searches=tuple(self.search(t, i) for i, t in enumerate(self.tables(data, "search"))),
            crawl=self.crawl(data.get("crawl", {})),
            alerts=alert_keys.finish(self, self.alerts(data.get("alerts", {})), data, people),
            people_file=people_path,
            evidence=self.evidence(data.get("evidence", {})),
            archive=self.archive(data.get("archive", {})),
            cluster=self.cluster(data["cluster"]) if "cluster" in data else None,
        )

    def person(self, data: dict, index: int) -> Person:
        prefix = f"person[{index}]."
        self.check_keys(data, PERSON_KEYS, prefix, "person", index)
        min_score = self.number(data, "min_score", prefix, None, "person", index, kind=int)
        return Person(
            name=self.string(data, "name", prefix, "person", index, required=True),
            aliases=self.strings(data, "aliases", prefix, "person", index),
            context=self.strings(data, "context", prefix, "person", index),
            exclude=self.strings(data, "exclude", prefix, "person", index),
            search=self.boolean(data, "search", prefix, True, "person", index),
            notes=self.string(data, "notes", prefix, "person", index, default="") or "",
            min_score=min_score,
            notify_email=self.strings(data, "notify_email", prefix, "person", index),
        )

    def feed(self, data: dict, index: int) -> FeedSource:
        prefix = f"feed[{index}]."
        self.check_keys(data, {"url", "name"}, prefix, "feed", index)
        return FeedSource(
            url=self.url(data, "url", prefix, "feed", index),
            name=self.string(data, "name", prefix, "feed", index, default="") or "",
        )

    def sitemap(self, data: dict, index: int) -> SitemapSource:
        prefix = f"sitemap[{index}]."
        self.check_keys(data, {"url", "name"}, prefix, "sitemap", index)
        return SitemapSource(
            url=self.url(data, "url", prefix, "sitemap", index),
            name=self.string(data, "name", prefix, "sitemap", index, default="") or "",
        )

    def site(self, data: dict, index: int) -> SiteSource:
        prefix = f"site[{index}]."
        self.check_keys(data, {"start_url", "allow", "max_depth", "name"}, prefix, "site", index)
        allow = self.strings(data, "allow", prefix, "site", index)
        for pattern in allow:
            try:
                re.compile(pattern)
            except re.error as e:
                raise self.fail(f"{prefix}allow", f"{pattern!r} is not a valid pattern: {e}", "site", index) from None
        return SiteSource(
            start_url=self.url(data, "start_url", prefix, "site", index),
            allow=allow,
            max_depth=self.number(data, "max_depth", prefix, 2, "site", index, kind=int),
            name=self.string(data, "name", prefix, "site", index, default="") or "",
        )

    def search(self, data: dict, index: int) -> SearchSource:
        prefix = f"search[{index}]."
        keys = {"service", "languages", "base_url", "people", "every_hours", "max_requests", "delay"}
        self.check_keys(data, keys, prefix, "search", index)
        service = self.string(data, "service", prefix, "search", index, required=True)
        if service not in SEARCH_SERVICES:
            raise self.fail(
                f"{prefix}service", f"must be one of {', '.join(SEARCH_SERVICES)}, got {service!r}", "search", index
            )
        base_url = ""
        if "base_url" in data:
            base_url = self.url(data, "base_url", prefix, "search", index)
        return SearchSource(
            service=service,
            languages=self.strings(data, "languages", prefix, "search", index) or ("en-US",),
            base_url=base_url,
            people=self.strings(data, "people", prefix, "search", index),
            every_hours=self.number(data, "every_hours", prefix, 6.0, "search", index),
            max_requests=self.number(data, "max_requests", prefix, None, "search", index, minimum=1, kind=int),
            delay=self.number(data, "delay", prefix, None, "search", index),
        )

    def crawl(self, data: Any) -> CrawlSettings:
        if not isinstance(data, dict):
            raise self.fail("crawl", "must be a [crawl] table")
        keys = {
            "delay",
            "concurrent_per_domain",
            "timeout",
            "max_page_mb",
            "user_agent",
            "robots_txt",
            "retries",
            "full_fetch_hours",
            "max_age_days",
            "allow_private_networks",
            "max_urls_per_source",
            "extract_timeout",
            "worker_memory_mb",
            "page_attempts",
        }
        self.check_keys(data, keys, "crawl.", "crawl")
        d = CrawlSettings()
        return CrawlSettings(
            delay=self.number(data, "delay", "crawl.", d.delay, "crawl"),
            concurrent_per_domain=self.number(
                data, "concurrent_per_domain", "crawl.", d.concurrent_per_domain, "crawl", minimum=1, kind=int
            ),
            timeout=self.number(data, "timeout", "crawl.", d.timeout, "crawl", minimum=1),
            max_page_mb=self.number(data, "max_page_mb", "crawl.", d.max_page_mb, "crawl", minimum=0.01),
            user_agent=self.string(data, "user_agent", "crawl.", "crawl", default=d.user_agent),
            robots_txt=self.boolean(data, "robots_txt", "crawl.", d.robots_txt, "crawl"),
            retries=self.number(data, "retries", "crawl.", d.retries, "crawl", kind=int),
            full_fetch_hours=self.number(data, "full_fetch_hours", "crawl.", d.full_fetch_hours, "crawl"),
            max_age_days=self.number(data, "max_age_days", "crawl.", None, "crawl"),
            allow_private_networks=self.networks(data, "allow_private_networks", "crawl.", "crawl"),
            max_urls_per_source=self.number(
                data, "max_urls_per_source", "crawl.", d.max_urls_per_source, "crawl", minimum=1, kind=int
            ),
            extract_timeout=self.number(data, "extract_timeout", "crawl.", d.extract_timeout, "crawl", minimum=0.1),
            worker_memory_mb=self.number(
                data, "worker_memory_mb", "crawl.", d.worker_memory_mb, "crawl", minimum=64, kind=int
            ),
            page_attempts=self.number(data, "page_attempts", "crawl.", d.page_attempts, "crawl", minimum=1, kind=int),
        )

    def networks(self, data: dict, key: str, prefix: str, table: str) -> tuple[str, ...]:
        values = self.strings(data, key, prefix, table)
        for value in values:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise self.fail(f"{prefix}{key}", f"{value!r} is not a CIDR network (like 10.0.0.0/8)", table) from None
        return values

    def archive(self, data: Any) -> ArchiveSettings:
        if not isinstance(data, dict):
            raise self.fail("archive", "must be an [archive] table")
        self.check_keys(data, {"keep_history_days"}, "archive.", "archive")
        days = ArchiveSettings().keep_history_days
        return ArchiveSettings(keep_history_days=self.number(data, "keep_history_days", "archive.", days, "archive",
                                                             minimum=1))

    def cluster(self, data: Any) -> ClusterSettings:
        if not isinstance(data, dict):
            raise self.fail("cluster", "must be a [cluster] table")
        self.check_keys(data, {"redis_url_env", "node_timeout"}, "cluster.", "cluster")
        default = ClusterSettings()
        env = self.string(data, "redis_url_env", "cluster.", "cluster", default=default.redis_url_env)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", env):
            raise self.fail("cluster.redis_url_env", f"must name an environment variable, got {env!r}", "cluster")
        timeout = self.number(data, "node_timeout", "cluster.", default.node_timeout, "cluster", minimum=1)
        return ClusterSettings(redis_url_env=env, node_timeout=timeout)

    def evidence(self, data: Any) -> EvidenceSettings:
        if not isinstance(data, dict):
            raise self.fail("evidence", "must be an [evidence] table")
        self.check_keys(data, {"recheck_days"}, "evidence.", "evidence")
        days = data.get("recheck_days", list(EvidenceSettings().recheck_days))
        if not isinstance(days, list) or not all(
            isinstance(d, (int, float)) and not isinstance(d, bool) and math.isfinite(d) and d >= 0 for d in days
        ):
            raise self.fail("evidence.recheck_days", f"must be a list of days (numbers >= 0), got {days!r}", "evidence")
        return EvidenceSettings(recheck_days=tuple(sorted(float(d) for d in days)))

    def alerts(self, data: Any) -> AlertSettings:
        if not isinstance(data, dict):
            raise self.fail("alerts", "must be an [alerts] table")
        self.check_keys(
            data, {"min_score", "max_attempts", "backfill_days", "possible", "email", "slack", "file",
                   *alert_keys.ALERT_KEYS},
            "alerts.", "alerts",
        )
        d = AlertSettings()
        min_score = self.number(data, "min_score", "alerts.", d.min_score, "alerts", kind=int)
        if min_score > 100:
            raise self.fail("alerts.min_score", f"must be between 0 and 100, got {min_score}", "alerts")
        return AlertSettings(
            min_score=min_score,
            max_attempts=self.number(data, "max_attempts", "alerts.", d.max_attempts, "alerts", minimum=1, kind=int),
            backfill_days=self.number(data, "backfill_days", "alerts.", d.backfill_days, "alerts"),
            email=self.email(data["email"]) if "email" in data else None,
            slack=self.slack(data["slack"]) if "slack" in data else None,
            file=self.file_channel(data["file"]) if "file" in data else None,
            max_items=self.number(data, "max_items", "alerts.", d.max_items, "alerts", minimum=1, kind=int),
            operators=self.strings(data, "operators", "alerts.", "alerts"),
            apprise=alert_keys.apprise_tables(self, data.get("apprise", [])),
            possible=self.boolean(data, "possible", "alerts.", d.possible, "alerts"),
        )

    def email(self, data: Any) -> EmailSettings:
        t, p = "alerts.email", "alerts.email."
        if not isinstance(data, dict):
            raise self.fail(t, "must be an [alerts.email] table")
        keys = {"smtp_host", "smtp_port", "starttls", "ssl", "from", "to", "username_env", "password_env", "timeout",
                "people"}
        for key in ("username", "password"):
            if key in data:  # say why, before the generic unknown-key message
                raise self.fail(p + key, f"put the secret in an environment variable and name it with {key}_env", t)
        self.check_keys(data, keys, p, t)
        to = self.strings(data, "to", p, t)
        if not to:
            raise self.fail(p + "to", "needs at least one address", t)
        ssl = self.boolean(data, "ssl", p, False, t)
        starttls = self.boolean(data, "starttls", p, not ssl, t)
        if not (starttls or ssl) and (data.get("username_env") or data.get("password_env")):
            raise self.fail(p + "starttls", "is false, and logging in over plain text would send the password in "
                            "clear: set starttls = true (or ssl = true), or log in no more", t)
        return EmailSettings(
            smtp_host=self.string(data, "smtp_host", p, t, required=True),
            smtp_port=self.number(data, "smtp_port", p, 465 if ssl else 587, t, minimum=1, kind=int),
            starttls=starttls,
            ssl=ssl,
            sender=self.string(data, "from", p, t, required=True),
            to=to,
            username_env=self.string(data, "username_env", p, t, default="") or "",
            password_env=self.string(data, "password_env", p, t, default="") or "",
            timeout=self.number(data, "timeout", p, 30.0, t, minimum=1),
            people=self.strings(data, "people", p, t),
        )

    def slack(self, data: Any) -> SlackSettings:
        t, p = "alerts.slack", "alerts.slack."
        if not isinstance(data, dict):
            raise self.fail(t, "must be an [alerts.slack] table")
        if "webhook_url" in data:
            raise self.fail(
                p + "webhook_url", "is a secret: put it in an environment variable and name it with webhook_url_env", t
            )
        self.check_keys(data, {"webhook_url_env", "timeout", "people"}, p, t)
        return SlackSettings(
            webhook_url_env=self.string(data, "webhook_url_env", p, t, required=True),
            timeout=self.number(data, "timeout", p, 30.0, t, minimum=1),
            people=self.strings(data, "people", p, t),
        )

    def file_channel(self, data: Any) -> FileChannelSettings:
        t, p = "alerts.file", "alerts.file."
        if not isinstance(data, dict):
            raise self.fail(t, "must be an [alerts.file] table")
        self.check_keys(data, {"dir", "people"}, p, t)
        return FileChannelSettings(dir=self.path.parent / self.string(data, "dir", p, t, required=True),
                                   people=self.strings(data, "people", p, t))


def _dedupe_people(people: Iterable[Person]) -> list[Person]:
    """The TOML entry wins over a CSV row of the same name (it is listed first)."""
    seen: dict[str, Person] = {}
    for person in people:
        seen.setdefault(person.name.casefold(), person)
    return list(seen.values())
