"""Reading monitor.toml and the people CSV it names into a Config, checked section by section.

Every error is a ConfigError naming the file, the line where it can be found, and the key.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..items import Person
from . import alert_keys
from .files import MAX_CONFIG_BYTES, TooLarge, read_capped
from .model import (
    SEARCH_SERVICES,
    AlertSettings,
    ArchiveSettings,
    ClusterSettings,
    Config,
    CrawlSettings,
    EmailSettings,
    EvidenceSettings,
    FeedSource,
    FileChannelSettings,
    SearchSource,
    SitemapSource,
    SiteSource,
    SlackSettings,
)
from .peoplecsv import load_people_csv
from .validate import Checker

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# A run is started by cron every 15-60 minutes and holds the lock while it runs: a wait
# (a delay between requests, a timeout) longer than an hour, or more retries than this,
# would keep every later run out, so it is a config error, not a silent stall.
MAX_WAIT_SECONDS = 3600
MAX_RETRIES = 10

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
        raw_text = read_capped(path, MAX_CONFIG_BYTES).decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (run `monitor init` to write one)") from None
    except (OSError, UnicodeDecodeError, TooLarge) as e:
        raise ConfigError(f"{path}: cannot read config: {e}") from None
    try:
        data = tomllib.loads(raw_text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from None
    return _Reader(path, raw_text).config(data)


class _Reader(Checker):
    """Builds the Config from one parsed TOML document, one method per section."""

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
            delay=self.number(data, "delay", prefix, None, "search", index, maximum=MAX_WAIT_SECONDS),
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
            delay=self.number(data, "delay", "crawl.", d.delay, "crawl", maximum=MAX_WAIT_SECONDS),
            concurrent_per_domain=self.number(
                data, "concurrent_per_domain", "crawl.", d.concurrent_per_domain, "crawl", minimum=1, kind=int
            ),
            timeout=self.number(data, "timeout", "crawl.", d.timeout, "crawl", minimum=1, maximum=MAX_WAIT_SECONDS),
            max_page_mb=self.number(data, "max_page_mb", "crawl.", d.max_page_mb, "crawl", minimum=0.01),
            user_agent=self.string(data, "user_agent", "crawl.", "crawl", default=d.user_agent),
            robots_txt=self.boolean(data, "robots_txt", "crawl.", d.robots_txt, "crawl"),
            retries=self.number(data, "retries", "crawl.", d.retries, "crawl", kind=int, maximum=MAX_RETRIES),
            full_fetch_hours=self.number(data, "full_fetch_hours", "crawl.", d.full_fetch_hours, "crawl"),
            max_age_days=self.number(data, "max_age_days", "crawl.", None, "crawl"),
            allow_private_networks=self.networks(data, "allow_private_networks", "crawl.", "crawl"),
            max_urls_per_source=self.number(
                data, "max_urls_per_source", "crawl.", d.max_urls_per_source, "crawl", minimum=1, kind=int
            ),
            extract_timeout=self.number(data, "extract_timeout", "crawl.", d.extract_timeout, "crawl", minimum=0.1,
                                        maximum=MAX_WAIT_SECONDS),
            worker_memory_mb=self.number(
                data, "worker_memory_mb", "crawl.", d.worker_memory_mb, "crawl", minimum=64, kind=int
            ),
            page_attempts=self.number(data, "page_attempts", "crawl.", d.page_attempts, "crawl", minimum=1, kind=int),
        )

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
