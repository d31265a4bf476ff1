"""Property fuzzing: arbitrary bytes into the feed, sitemap and config readers raise only their documented errors."""

from __future__ import annotations

import contextlib
import json
import math
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.config import load_config
from monitor.errors import ConfigError
from monitor.feeds import NotAFeed, parse_feed
from monitor.search.queries import SearchError
from monitor.search.results import parse_results
from spiders.sitemaps import _news_fields, _read_sitemap

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Starts that steer the bytes into the parsers' interesting paths.
PREFIXES = [
    b"", b"<?xml version='1.0'?>", b"<rss version='2.0'><channel><item><link>", b"<feed xmlns='http://www.w3.org/2005/Atom'>",
    b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>',
    b"<sitemapindex><sitemap><loc>", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><rss><channel><item>',
    b"/etc/passwd", b"/dev/zero", b"file:///etc/passwd", b"\xef\xbb\xbf", b"\xff\xfe<\x00",
    b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
]
bodies = st.builds(lambda prefix, rest: prefix + rest, st.sampled_from(PREFIXES), st.binary(max_size=600))


@FUZZ
@given(bodies)
def test_feed_parsing_raises_only_not_a_feed(body):
    try:
        feed = parse_feed(body, "https://example.org/feed.xml", {"Content-Type": "application/rss+xml"})
    except NotAFeed:
        return
    for entry in feed.entries:
        assert isinstance(entry.link, str) and isinstance(entry.text, str)
        assert "root:x:0:0" not in entry.text  # a body naming a file is never the file


@FUZZ
@given(st.sampled_from(["google_news", "bing_news", "gdelt"]), bodies)
def test_search_results_raise_only_search_error(service, body):
    try:
        entries = parse_results(service, body, "https://news.example/rss/search?q=x")
    except SearchError:
        return
    assert all(isinstance(entry.link, str) for entry in entries)


@FUZZ
@given(bodies)
def test_sitemap_parsing_never_raises(body):
    sitemap = _read_sitemap(body)
    if sitemap is not None:
        for entry in sitemap:
            assert isinstance(entry.get("loc", ""), str)
    assert isinstance(_news_fields(body), dict)


# -- the config reader ---------------------------------------------------------------------

KEYS = {
    "crawl": ["delay", "concurrent_per_domain", "timeout", "max_page_mb", "user_agent", "robots_txt", "retries",
              "full_fetch_hours", "max_age_days", "allow_private_networks", "other"],
    "alerts": ["min_score", "max_attempts", "backfill_days"],
    "evidence": ["recheck_days"],
    "feed": ["url", "name"],
    "site": ["start_url", "allow", "max_depth"],
}
scalars = st.one_of(
    st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.text(max_size=20), st.sampled_from(["10.0.0.0/8", "::1/128", "300.0.0.0/8", "http://x", "file:///etc/passwd"]),
)
values = st.one_of(scalars, st.lists(scalars, max_size=3))


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string for the characters JSON escapes
    return "[" + ", ".join(toml_value(v) for v in value) + "]"


tables = st.dictionaries(
    st.sampled_from(sorted(KEYS)),
    st.dictionaries(st.sampled_from([key for keys in KEYS.values() for key in keys]), values, max_size=4),
    max_size=3,
)


def load(text: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "monitor.toml"
        path.write_bytes(text)
        with contextlib.suppress(ConfigError):  # the documented error; anything else fails the test
            load_config(path)


@FUZZ
@given(tables)
def test_config_values_of_any_type_raise_only_config_error(data):
    lines = []
    for table, keys in data.items():
        header = f"[[{table}]]" if table in ("feed", "site") else f"[{table}]"
        lines.append(header)
        lines += [f"{key} = {toml_value(value)}" for key, value in keys.items()]
    load("\n".join(lines).encode("utf-8"))


@FUZZ
@given(st.builds(lambda p, rest: p + rest, st.sampled_from([b"", b"[crawl]\n", b"[[feed]]\nurl = ", b"\xff"]),
                 st.binary(max_size=300)))
def test_config_bytes_raise_only_config_error(text):
    load(text)
