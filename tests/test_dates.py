"""Dates as feeds, sitemaps and pages write them; the back-catalogue rule built on them."""

from __future__ import annotations

from datetime import datetime, timezone

from monitor.config import AlertSettings
from monitor.dates import parse_datetime
from monitor.outbox import is_recent


def test_parse_datetime_reads_what_sources_write():
    utc = timezone.utc
    assert parse_datetime("2026-11-27T20:05:00Z") == datetime(2026, 11, 27, 20, 5, tzinfo=utc)
    assert parse_datetime("2026-11-27") == datetime(2026, 11, 27, tzinfo=utc)
    assert parse_datetime("2026-11-27T17:05:00-03:00") == datetime(2026, 11, 27, 20, 5, tzinfo=utc)
    assert parse_datetime("Seg, 24 Set 2018 19:42:40 -0300") is None
    assert parse_datetime("") is None and parse_datetime(None) is None


def test_back_catalogue_is_not_alerted_but_undated_articles_are():
    settings = AlertSettings(backfill_days=3)
    now = "2026-11-29T12:00:00+00:00"
    assert is_recent("2026-11-27T10:00:00Z", settings, now)
    assert not is_recent("2026-11-20", settings, now)
    assert is_recent(None, settings, now)
    assert is_recent("not a date", settings, now)
