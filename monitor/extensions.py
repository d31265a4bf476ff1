"""Scrapy extensions: `scrapy crawl` holds the archive's run lock, as `monitor run` does."""

from __future__ import annotations

import os
from contextlib import ExitStack

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from .config import load_config, resolve_config_path
from .errors import ConfigError
from .lock import run_lock


class RunLockExtension:
    """Take the lock before the spider opens its run; release it when the crawl closes.

    Under `monitor run` (MONITOR_RUN_ID set) the runner holds the lock already. A
    `scrapy crawl` beside a live run fails to start with the lock's message, and a
    `monitor run` beside a live `scrapy crawl` exits 75 instead of marking it killed.
    """

    def __init__(self, crawler: Crawler, stack: ExitStack) -> None:
        self.stack = stack
        crawler.signals.connect(self.release, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunLockExtension:
        settings = crawler.settings
        if settings.getint("MONITOR_RUN_ID"):
            raise NotConfigured  # the runner holds the lock; no message, so no warning in cron mail
        try:
            config = settings.get("MONITOR_LOADED_CONFIG") or load_config(
                resolve_config_path(settings.get("MONITOR_CONFIG") or os.environ.get("MONITOR_CONFIG"))
            )
        except ConfigError:
            raise NotConfigured from None  # the spider reports the config error when it opens
        stack = ExitStack()
        stack.enter_context(run_lock(config.lock_path))  # LockedError: the crawl does not start
        return cls(crawler, stack)

    def release(self) -> None:
        self.stack.close()
