"""Scrapy's log lines about items, naming the page instead of dumping its text.

Scrapy's own formatter logs each scraped or dropped item whole: with `-v` that was every
article's body on stderr (megabytes per run, and text a cron mail should not carry).
"""

from __future__ import annotations

from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult


def describe(item: Any) -> str:
    """A page or article item as one short line: its URL."""
    url = getattr(item, "url", None)
    if url is None and isinstance(item, dict):
        url = item.get("url")
    return f"{type(item).__name__} {url}" if url else type(item).__name__


class QuietLogFormatter(LogFormatter):
    """Item lines that say which page, never what it says."""

    def scraped(self, item: Any, response: Any, spider: Any) -> LogFormatterResult:
        result = super().scraped(item, response, spider)
        return {**result, "msg": "Scraped %(item)s", "args": {"item": describe(item)}}

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        return {**result, "msg": "Dropped %(item)s: %(exception)s",
                "args": {"item": describe(item), "exception": exception}}

    def item_error(self, item: Any, exception: BaseException, response: Any, spider: Any) -> LogFormatterResult:
        result = super().item_error(item, exception, response, spider)
        return {**result, "msg": "Error processing %(item)s", "args": {"item": describe(item)}}
