"""One run over every feed in the shared corpus plus the bad-case server: exit 0, every good article
stored, every bad source reported; a rerun with nothing new makes only conditional requests.

The corpus feeds (feedparser's ill-formed and encoding cases with their `Header:` HTTP
headers, real broken feeds) are served byte for byte on loopback. Their entries link to
real hosts: the run goes through `LoopbackProxy`, which answers every such URL itself
(https too, over a tunnel), so nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import json
import re
import time
import warnings
from urllib.parse import quote, urlsplit

import pytest
from badserver import LoopbackProxy, add_bad_routes, monitor
from conftest import CORPUS, write_config
from pages import rss
from siteserver import SiteServer
from sqlite_utils import Database

from monitor.feeds import NotAFeed, parse_feed
from monitor.urls import url_key

FEEDS = CORPUS / "feeds"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (FEEDS / "index.jsonl").exists(), reason=f"shared feed corpus not found at {FEEDS}"),
]

TYPES = {
    "rss": "application/rss+xml", "atom": "application/atom+xml", "rss1.0-rdf": "application/rdf+xml",
    "jsonfeed": "application/feed+json", "json": "application/json", "html": "text/html",
}


def corpus_feeds() -> list[dict]:
    return [json.loads(line) for line in (FEEDS / "index.jsonl").read_text(encoding="utf-8").splitlines()]


def served_headers(row: dict) -> dict[str, str]:
    """The `Header:` lines feedparser's test server sends with the file; else a type by format."""
    headers = {}
    for line in row.get("http_headers") or []:
        name, _, value = line.partition(":")
        headers[name.strip().title()] = value.strip()
    headers.setdefault("Content-Type", TYPES.get(row["format"], "application/xml"))
    return headers


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("corpus")
    site = SiteServer().start()
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    proxy = LoopbackProxy(directory).start()
    feeds = {}
    for row in corpus_feeds():
        path = "/corpus/" + quote(row["path"].removeprefix("feeds/"))
        headers = served_headers(row)
        content_type = headers.pop("Content-Type")
        body = (CORPUS / row["path"]).read_bytes()
        url = site.add(path, body, content_type, headers=headers, validators=True)
        feeds[url] = (row, body, {**headers, "Content-Type": content_type})
    cases = add_bad_routes(site)
    site.add("/bad/feed.xml", rss([{"title": c.name, "link": c.url} for c in cases if c.role == "entry"]),
             "application/rss+xml")
    body = "".join(f'[[feed]]\nurl = "{url}"\n' for url in feeds)
    body += f'[[feed]]\nurl = "{site.base}/bad/feed.xml"\n'
    body += "".join(f'[[{c.role}]]\nurl = "{c.url}"\n' for c in cases if c.role != "entry")
    path = write_config(directory, body, '[[person]]\nname = "Andry José Hernández Romero"\n')
    with path.open("a", encoding="utf-8") as f:
        f.write("concurrent_per_domain = 16\nmax_page_mb = 1\n")
    # Short enough that the hanging routes end soon, long enough that a loaded machine still
    # serves every real feed in time (at 2 s one feed timed out under load: no validators kept).
    path.write_text(path.read_text(encoding="utf-8").replace("timeout = 10", "timeout = 5"), encoding="utf-8")
    args = ("run", "--no-alerts", "-c", str(path))
    started = time.monotonic()
    first = monitor(*args, env=proxy.env())
    first_time = time.monotonic() - started
    asked_first = list(proxy.asked)
    site.clear_log()
    started = time.monotonic()
    second = monitor(*args, env=proxy.env())
    second_time = time.monotonic() - started
    db = Database(directory / "mentions.db")
    yield {
        "first": first, "second": second, "times": (first_time, second_time), "feeds": feeds, "cases": cases,
        "db": db, "site": site, "proxy": proxy, "asked_first": asked_first,
        "expected": expected(feeds, site),
    }
    db.close()
    proxy.stop()
    site.stop()


def expected(feeds: dict, site: SiteServer) -> tuple[set[str], set[str], int, set[str]]:
    """(url keys of linked entries, feed URLs that are not feeds, link-less entries with text,
    entry links to pages the loopback site does not have: relative links resolved against the feed)."""
    keys, not_feeds, linkless, broken = set(), set(), 0, set()
    for url, (_, body, headers) in feeds.items():
        try:
            with warnings.catch_warnings():
                # feedparser's own notice about its updated/published fallback; not ours.
                warnings.simplefilter("ignore", DeprecationWarning)
                feed = parse_feed(body, url, headers)
        except NotAFeed:
            not_feeds.add(url)
            continue
        for entry in feed.entries:
            if entry.link.startswith(site.base) and urlsplit(entry.link).path not in site.routes:
                broken.add(entry.link)
            elif entry.link.startswith(("http://", "https://")):
                keys.add(url_key(entry.link))
            elif entry.text:
                linkless += 1
    return keys, not_feeds, linkless, broken


def test_run_over_every_corpus_feed_and_the_bad_server_exits_0(corpus_run):
    first = corpus_run["first"]
    assert first.returncode == 0, first.stderr[-3000:]
    assert corpus_run["times"][0] < 90
    assert len(first.stdout.splitlines()) == 1
    # Quiet: one line per problem (a URL and its reason), no tracebacks or log records. (The
    # proxy's stand-in certificate names no real host: Scrapy's warnings about it are expected.)
    odd = [line for line in first.stderr.splitlines()
           if not re.match(r"(health: \w+ )?https?://\S+: ", line) and "[scrapy.core.downloader.tls]" not in line]
    assert odd == []


def test_every_good_article_is_stored(corpus_run):
    db = corpus_run["db"]
    keys, _, linkless, _ = corpus_run["expected"]
    stored = {r["url_key"] for r in db.query("select url_key from articles")}
    missing = sorted(keys - stored)
    assert missing == [], f"{len(missing)} of {len(keys)} linked entries not stored, e.g. {missing[:5]}"
    assert db.execute("select count(*) from articles where url like '%monitor-entry=%'").fetchone()[0] >= linkless * 0.9
    assert db.execute("select count(*), count(distinct url_key) from articles").fetchone()[0] == len(stored)


def test_every_bad_source_is_reported(corpus_run):
    db = corpus_run["db"]
    _, not_feeds, _, broken = corpus_run["expected"]
    reported = {r["url"]: r["reason"] for r in db.query("select url, reason from fetch_errors where run_id = 1")}
    assert not_feeds, "the corpus has files that are not feeds (discovery pages, unrecognized.rss)"
    assert sorted(not_feeds - set(reported)) == []
    assert sorted(u for u in broken if u not in reported) == []  # relative links to nowhere: 404
    assert sorted(c.url for c in corpus_run["cases"] if c.url not in reported) == []
    malformed = [url for url, reason in reported.items() if reason.startswith("malformed feed")]
    assert len(malformed) >= 10  # feedparser's bozo feeds: read, and reported
    assert all(url in corpus_run["first"].stderr for url in not_feeds)


def test_nothing_left_loopback(corpus_run):
    """Every non-loopback URL went to the proxy, which answers itself; it saw only entry links."""
    asked = corpus_run["asked_first"]
    assert asked, "the corpus entries' links were fetched through the proxy"
    keys, _, _, _ = corpus_run["expected"]
    bad_hosts = {urlsplit(c.url).hostname for c in corpus_run["cases"]} - {"127.0.0.1"}
    pages = {url_key(u) for u in asked if urlsplit(u).path != "/robots.txt" and urlsplit(u).hostname not in bad_hosts}
    assert pages <= keys


def test_rerun_with_nothing_new_makes_only_conditional_requests(corpus_run):
    second, site = corpus_run["second"], corpus_run["site"]
    assert second.returncode == 0
    _, not_feeds, _, _ = corpus_run["expected"]
    corpus_asks = [(p, h) for p, h in site.log if p.startswith("/corpus/")]
    feeds = {urlsplit(url).path for url in corpus_run["feeds"]} - {urlsplit(u).path for u in not_feeds}
    conditional = {p for p, h in corpus_asks if "if-none-match" in h}
    assert feeds - conditional == set()
    # No article was fetched again: the proxy saw robots.txt at most.
    again = corpus_run["proxy"].asked[len(corpus_run["asked_first"]):]
    bad_hosts = {urlsplit(c.url).hostname for c in corpus_run["cases"]}
    assert [u for u in again if urlsplit(u).path != "/robots.txt" and urlsplit(u).hostname not in bad_hosts] == []
    assert "0 new articles" in second.stdout
    first_time, second_time = corpus_run["times"]
    print(f"first run {first_time:.1f} s, rerun {second_time:.1f} s over {len(corpus_run['feeds'])} feeds")
