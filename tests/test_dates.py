"""Dates as feeds, sitemaps and pages write them; the back-catalogue rule built on them."""

from __future__ import annotations

from datetime import datetime, timezone

from monitor.archive.queue import is_recent
from monitor.config import AlertSettings
from monitor.dates import parse_datetime


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


def test_parse_datetime_reads_every_iso_spelling_on_every_python():
    # Python 3.10's fromisoformat read none of these; each then counted as "undated, alert it".
    utc = timezone.utc
    assert parse_datetime("2026-11-27T21:05:00+0100") == datetime(2026, 11, 27, 20, 5, tzinfo=utc)
    assert parse_datetime("2026-11-27T20:05:00.250Z") == datetime(2026, 11, 27, 20, 5, 0, 250000, tzinfo=utc)
    assert parse_datetime("20261127T200500Z") == datetime(2026, 11, 27, 20, 5, tzinfo=utc)
    assert parse_datetime("2026-11-27 20:05:00") == datetime(2026, 11, 27, 20, 5, tzinfo=utc)
    assert parse_datetime("Fri, 27 Nov 2026 21:05:00 +0100") == datetime(2026, 11, 27, 20, 5, tzinfo=utc)


def test_an_old_article_with_an_offset_date_is_back_catalogue_not_an_alert():
    settings = AlertSettings(backfill_days=3)
    assert not is_recent("2026-11-20T10:00:00+0100", settings, "2026-11-29T12:00:00+00:00")


def test_an_unreadable_date_alerts_and_says_so(caplog):
    settings = AlertSettings(backfill_days=3)
    with caplog.at_level("WARNING", logger="monitor.archive.queue"):
        assert is_recent("le 27 novembre", settings, "2026-11-29T12:00:00+00:00")
    assert "unreadable publication date 'le 27 novembre'" in caplog.text
