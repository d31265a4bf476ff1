"""Hostile sources: nothing local or private is fetched, stored, alerted or served; the good pages beside them are.

One real run over every source kind, each hiding attacks among good entries: a feed body
that is a local path, non-http(s) children and links, links and redirects to a private host
(127.0.0.2), a site link that redirects off the site, a search service on a private host.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from badserver import LoopbackProxy, monitor, redirect_to
from conftest import ROOT, write_config
from hostile_servers import ANDRY, METADATA_SECRET, PASSWD_LINE, good_page, private_host
from pages import article_html, rss, sitemap, sitemap_index
from siteserver import SiteServer
from sqlite_utils import Database

PEOPLE = f'[[person]]\nname = "{ANDRY}"\ncontext = ["CECOT"]\n'
BAD_SCHEMES = ["file:///etc/passwd", "ftp://127.0.0.1/pub/x.xml", "data:text/xml,<urlset/>", "s3://bucket/key.xml"]


@pytest.fixture(scope="module")
def attack(tmp_path_factory):
    """The attacker's public site (127.0.0.1), a private host (127.0.0.2), one `monitor run`."""
    folder = tmp_path_factory.mktemp("hostile")
    private, site, elsewhere = private_host(), SiteServer().start(), SiteServer().start()
    elsewhere.add("/landing.html", good_page(99))
    # A file on this machine holding a feed item: read from disk, it would send the run to /leak.
    planted = folder / "planted.xml"
    planted.write_text(rss([{"title": "planted", "link": f"{site.base}/leak?names=watchlist"}]), encoding="utf-8")
    for n in range(8):
        site.add(f"/good/{n}.html", good_page(n))
    site.routes["/to-private"] = redirect_to(f"{private.base}/latest/meta-data/iam")
    site.routes["/to-file"] = redirect_to("file:///etc/passwd")
    feed_entries = [
        {"title": "Good 0", "link": f"{site.base}/good/0.html"},
        {"title": "Metadata", "link": f"{private.base}/latest/meta-data/iam"},
        {"title": "Passwd", "link": "file:///etc/passwd"},
        {"title": "Script", "link": "javascript:alert(1)"},
        {"title": "Redirect to private", "link": f"{site.base}/to-private"},
        {"title": "Redirect to a file", "link": f"{site.base}/to-file"},
        {"title": "Good 1", "link": f"{site.base}/good/1.html"},
        # No link: stored from the entry's own text, which hides a right-to-left override.
        {"title": "Wire \u202eVATS\u202c", "guid": "wire-1",
         "description": f"\u202e{ANDRY}\u202c was seen in CECOT, \u2066relatives\u2069 say."},
    ]
    site.add("/feed.xml", rss(feed_entries), "application/rss+xml")
    site.add("/path-feed.xml", str(planted).encode(), "application/rss+xml")
    site.add("/passwd-feed.xml", b"/etc/passwd", "application/rss+xml")
    children = [f"{site.base}/sitemap-good.xml", *BAD_SCHEMES, f"{private.base}/sitemap.xml"]
    site.add("/index.xml", sitemap_index(children), "application/xml")
    site.add("/sitemap-good.xml", sitemap([f"{site.base}/good/2.html", "file:///etc/passwd",
                                           f"{private.base}/intranet.html", f"{site.base}/good/3.html"]),
             "application/xml")
    site.routes["/news/hop.html"] = redirect_to(f"{elsewhere.base}/landing.html")
    site.add("/news/", article_html("News", ["Index"]).replace(
        "<footer>", '<a href="/news/4.html">4</a> <a href="/news/hop.html">hop</a><footer>'))
    site.add("/news/4.html", good_page(4))
    gdelt = {"articles": [{"url": f"{site.base}/good/5.html", "title": "Good 5", "domain": "x", "seendate": ""},
                          {"url": f"{private.base}/intranet.html", "title": "Intranet", "domain": "y", "seendate": ""}]}
    site.add("/api/v2/doc/doc", json.dumps(gdelt), "application/json")
    body = (
        f'[[feed]]\nurl = "{site.base}/feed.xml"\n[[feed]]\nurl = "{site.base}/path-feed.xml"\n'
        f'[[feed]]\nurl = "{site.base}/passwd-feed.xml"\n'
        f'[[sitemap]]\nurl = "{site.base}/index.xml"\n'
        f'[[site]]\nstart_url = "{site.base}/news/"\nallow = ["/news/"]\nmax_depth = 1\n'
        f'[[search]]\nservice = "gdelt"\nbase_url = "{site.base}"\n'
        f'[[search]]\nservice = "google_news"\nbase_url = "{private.base}"\n'
        '[alerts]\nbackfill_days = 36500\n[alerts.file]\ndir = "outbox"\n'
    )
    config = write_config(folder, body, PEOPLE)
    result = monitor("run", "-c", str(config))
    yield folder, result, site, private, elsewhere
    for server in (site, private, elsewhere):
        server.stop()


def errors(folder: Path) -> list[str]:
    return [f"{r['url']}: {r['reason']}" for r in Database(folder / "mentions.db").query("select * from fetch_errors")]


def everything_stored(folder: Path) -> str:
    db = Database(folder / "mentions.db")
    return "\n".join(json.dumps(list(db[t].rows), default=str) for t in ("articles", "mentions", "alerts"))


def test_the_run_exits_0_and_stores_the_good_pages(attack):
    folder, result, site, _, _ = attack
    assert result.returncode == 0, result.stderr
    urls = {r["url"] for r in Database(folder / "mentions.db").query("select url from articles")}
    for path in ("/good/0.html", "/good/1.html", "/good/2.html", "/good/3.html", "/news/4.html", "/good/5.html"):
        assert site.base + path in urls


def test_nothing_reached_the_private_host(attack):
    _, _, _, private, _ = attack
    assert private.log == []  # not the metadata, not its robots.txt, not its sitemap


def test_a_feed_body_that_is_a_path_is_not_read_from_disk(attack):
    folder, _, site, _, _ = attack
    assert site.requests_for("/leak") == []
    reported = errors(folder)
    assert any(e.startswith(f"{site.base}/path-feed.xml: not a feed") for e in reported), reported
    assert any(e.startswith(f"{site.base}/passwd-feed.xml: not a feed") for e in reported), reported


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", *BAD_SCHEMES[1:]])
def test_non_http_urls_are_reported_by_name(attack, url):
    assert f"{url}: not an http(s) URL" in errors(attack[0])


@pytest.mark.parametrize("path", ["/latest/meta-data/iam", "/sitemap.xml", "/intranet.html"])
def test_private_urls_are_reported_by_name(attack, path):
    folder, _, _, private, _ = attack
    assert f"{private.base}{path}: refused: private address 127.0.0.2" in errors(folder)


def test_a_search_service_on_a_private_host_is_refused(attack):
    folder, _, _, private, _ = attack
    assert any(e.startswith(f"{private.base}/rss/search") and "refused: private address 127.0.0.2" in e
               for e in errors(folder))


def test_redirects_to_a_file_or_a_private_host_are_refused(attack):
    folder = attack[0]
    reported = errors(folder)
    assert "file:///etc/passwd: not an http(s) URL" in reported
    stored = everything_stored(folder)
    assert "to-private" not in stored and "to-file" not in stored


def test_a_site_link_redirecting_off_the_site_is_not_followed(attack):
    folder, _, _, _, elsewhere = attack
    assert elsewhere.log == []
    assert any(e.startswith(f"{elsewhere.base}/landing.html: refused: redirected off the site") for e in errors(folder))


def test_nothing_private_or_local_is_stored_or_alerted(attack):
    folder = attack[0]
    stored = everything_stored(folder)
    outbox = "\n".join(p.read_text(encoding="utf-8") for p in (folder / "outbox").rglob("*") if p.is_file())
    assert outbox  # the good pages were alerted
    for text in (stored, outbox):
        for leak in (METADATA_SECRET, PASSWD_LINE, "127.0.0.2", "file:", "planted", "javascript:"):
            assert leak not in text


def test_bidi_controls_from_feed_text_never_reach_alerts(attack):
    folder = attack[0]
    outbox = "\n".join(p.read_text(encoding="utf-8") for p in (folder / "outbox").rglob("*") if p.is_file())
    stored = everything_stored(folder)
    assert "relatives say" in stored  # the entry itself was stored, without its controls
    for text in (stored, outbox):
        assert not any(c in text for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


# -- loopback in all its spellings -----------------------------------------------------------


def test_every_spelling_of_a_private_address_is_refused(tmp_path):
    """Here the feed is on 127.0.0.2 (allowed) and 127.0.0.1 is the private host."""
    target = SiteServer().start()  # 127.0.0.1
    feeds = SiteServer("127.0.0.2").start()
    port = target.port
    links = {
        f"http://localhost:{port}/a": "127.0.0.1",
        f"http://2130706433:{port}/b": "127.0.0.1",
        f"http://0x7f000001:{port}/c": "127.0.0.1",
        f"http://127.1:{port}/d": "127.0.0.1",
        f"http://[::ffff:127.0.0.1]:{port}/e": "127.0.0.1",
        f"http://[::1]:{port}/f": "::1",
        f"http://0.0.0.0:{port}/g": "0.0.0.0",
        "http://169.254.169.254/latest/meta-data/": "169.254.169.254",
        "http://10.0.0.1/admin": "10.0.0.1",
        "http://[fe80::1]/x": "fe80::1",
        "http://224.0.0.1/x": "224.0.0.1",
    }
    try:
        feeds.add("/feed.xml", rss([{"title": str(i), "link": u} for i, u in enumerate(links)]), "application/rss+xml")
        config = write_config(tmp_path, f'[[feed]]\nurl = "{feeds.base}/feed.xml"\n', PEOPLE)
        config.write_text(config.read_text().replace("127.0.0.1/32", "127.0.0.2/32"))
        result = monitor("run", "-c", str(config))
        assert result.returncode == 0, result.stderr
        assert target.log == []
        reasons = [r["reason"] for r in Database(tmp_path / "mentions.db").query("select reason from fetch_errors")]
        for address in links.values():
            assert f"refused: private address {address}" in reasons, (address, reasons)
        assert Database(tmp_path / "mentions.db")["articles"].count == 0
    finally:
        target.stop()
        feeds.stop()


def test_through_a_proxy_private_literals_and_local_names_are_refused_and_names_left_to_it(tmp_path):
    """With http_proxy set the proxy resolves names: every private spelling is still refused,
    a public name goes to the proxy unresolved (no lookup of ours, no DNS traffic)."""
    proxy = LoopbackProxy(tmp_path).start()  # 127.0.0.1: allowed as the proxy, never as a target
    feeds = SiteServer("127.0.0.2").start()
    links = {
        "http://localhost/a": "127.0.0.1",
        "http://2130706433/b": "127.0.0.1",
        "http://0x7f000001/c": "127.0.0.1",
        "http://[::ffff:127.0.0.1]/e": "127.0.0.1",
        "http://10.0.0.1/admin": "10.0.0.1",
        "http://169.254.169.254/latest/meta-data/": "169.254.169.254",
    }
    public = "http://news.example.org/andry.html"
    try:
        entries = [{"title": str(i), "link": u} for i, u in enumerate([*links, public])]
        feeds.add("/feed.xml", rss(entries), "application/rss+xml")
        config = write_config(tmp_path, f'[[feed]]\nurl = "{feeds.base}/feed.xml"\n', PEOPLE)
        config.write_text(config.read_text().replace("127.0.0.1/32", "127.0.0.2/32"))
        env = {**proxy.env(), "no_proxy": "127.0.0.2", "NO_PROXY": "127.0.0.2"}
        result = monitor("run", "-c", str(config), env=env)
        assert result.returncode == 0, result.stderr
        assert not [url for url in proxy.asked if "example.org" not in url], proxy.asked
        db = Database(tmp_path / "mentions.db")
        reasons = [r["reason"] for r in db.query("select reason from fetch_errors")]
        for address in links.values():
            assert f"refused: private address {address}" in reasons, (address, reasons)
        assert [r["url"] for r in db.query("select url from articles")] == [public]
    finally:
        proxy.stop()
        feeds.stop()


def test_the_connection_itself_is_checked_when_the_middleware_is_bypassed(tmp_path):
    """A DNS answer that turns private after the middleware's check: the resolver refuses at connect."""
    private = private_host()
    try:
        config = write_config(tmp_path, f'[[feed]]\nurl = "{private.base}/latest/meta-data/iam"\n', PEOPLE)
        off = json.dumps({"monitor.netguard.PrivateNetworkMiddleware": None})
        result = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "feeds", "-s", f"DOWNLOADER_MIDDLEWARES={off}",
             "-s", f"MONITOR_CONFIG={config}"],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert private.log == []
        reasons = [r["reason"] for r in Database(tmp_path / "mentions.db").query("select reason from fetch_errors")]
        assert reasons and all("127.0.0.2" in r or "DNS" in r for r in reasons), reasons
    finally:
        private.stop()


def test_a_recheck_that_now_redirects_to_a_private_host_stores_nothing_from_it(tmp_path, site):
    private = private_host()
    try:
        site.add("/news/a.html", good_page(1))
        site.add("/feed.xml", rss([{"title": "a", "link": f"{site.base}/news/a.html"}]), "application/rss+xml")
        body = f'[[feed]]\nurl = "{site.base}/feed.xml"\n[evidence]\nrecheck_days = [0]\n'
        config = str(write_config(tmp_path, body, PEOPLE))
        assert monitor("run", "--no-alerts", "-c", config).returncode == 0
        site.routes["/news/a.html"] = redirect_to(f"{private.base}/latest/meta-data/iam")
        result = monitor("run", "--no-alerts", "-c", config)
        assert result.returncode == 0, result.stderr
        db = Database(tmp_path / "mentions.db")
        assert [r["status"] for r in db.query("select status from checks")] == ["unreachable"]
        assert private.log == []
        assert METADATA_SECRET not in everything_stored(tmp_path) + json.dumps(list(db["checks"].rows), default=str)
        assert db["responses"].count == 1  # only the first, real fetch
    finally:
        private.stop()
