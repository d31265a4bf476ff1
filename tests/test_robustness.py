"""The hostile web on loopback: every bad case is skipped and reported, the rest of the run goes on.

Also: source health (failures in a row, gone dark), retries with backoff, politeness,
incremental reruns, stale validators, and a SIGKILL mid-run followed by a clean rerun.
"""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from badserver import add_bad_routes, end_group, monitor, start_monitor
from conftest import write_config
from pages import article_html, rss, sitemap
from siteserver import SiteServer
from sqlite_utils import Database

ANDRY = '[[person]]\nname = "Andry José Hernández Romero"\ncontext = ["CECOT"]\n'


def config(directory: Path, body: str, people: str = ANDRY, **crawl) -> Path:
    """write_config, with [crawl] keys set (the shared defaults are delay 0, retries 0)."""
    path = write_config(directory, body, people)
    text = path.read_text(encoding="utf-8")
    for key, value in crawl.items():
        line = f"{key} = {value!r}" if not isinstance(value, str) else f'{key} = "{value}"'
        text, n = re.subn(rf"(?m)^{key} = .*$", line, text)
        if not n:
            text += line + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def good_page(n: int) -> str:
    return article_html(f"Hearing {n}", [f"Story {n}: relatives of Andry José Hernández Romero, held in CECOT, spoke."])


def stored_paths(db: Database) -> set[str]:
    return {r["url"].split("/", 3)[3] for r in db.query("select url from articles")}


# -- every bad case in one run ------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """One run over a feed, a sitemap and sources that each hide bad cases among good pages."""
    site = SiteServer().start()
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    cases = add_bad_routes(site)
    for n in range(4):
        site.add(f"/good/{n}.html", good_page(n))
    entries = [{"title": f"Good {n}", "link": f"{site.base}/good/{n}.html"} for n in (0, 1)]
    entries += [{"title": c.name, "link": c.url} for c in cases if c.role == "entry"]
    site.add("/feed.xml", rss(entries), "application/rss+xml")
    site.add("/sitemap.xml", sitemap([f"{site.base}/good/2.html", f"{site.base}/bad/wall.html"]), "application/xml")
    site.add("/news/", '<html><body><a href="/news/3.html">3</a> <a href="/bad/captcha.html">c</a></body></html>')
    site.add("/news/3.html", good_page(3))
    body = f'[[feed]]\nurl = "{site.base}/feed.xml"\n[[sitemap]]\nurl = "{site.base}/sitemap.xml"\n'
    body += f'[[site]]\nstart_url = "{site.base}/news/"\nmax_depth = 1\n'
    body += "".join(f'[[{c.role}]]\nurl = "{c.url}"\n' for c in cases if c.role != "entry")
    directory = tmp_path_factory.mktemp("hostile")
    path = config(directory, body, timeout=2, max_page_mb=1)
    started = time.monotonic()
    result = monitor("run", "--no-alerts", "-c", str(path))
    elapsed = time.monotonic() - started
    db = Database(directory / "mentions.db")
    yield result, db, cases, site, elapsed
    db.close()
    site.stop()


def test_run_over_bad_input_exits_0_and_stores_the_good_pages(hostile):
    result, db, _, _, elapsed = hostile
    assert result.returncode == 0, result.stderr
    assert stored_paths(db) == {"good/0.html", "good/1.html", "good/2.html", "news/3.html"}
    assert elapsed < 30  # the trickling server is cut off by crawl.timeout (2 s), not waited out


def test_each_bad_case_is_reported_with_its_url_and_reason(hostile):
    result, db, cases, _, _ = hostile
    reasons = {r["url"]: r["reason"] for r in db.query("select url, reason from fetch_errors")}
    missing = [f"{c.name}: {c.url} not reported" for c in cases if c.url not in reasons]
    wrong = [f"{c.name}: {reasons[c.url]!r} lacks {c.reason!r}"
             for c in cases if c.url in reasons and c.reason not in reasons[c.url].lower()]
    assert missing + wrong == []
    for case in cases:
        assert case.url in result.stderr, case.name


def test_bot_walls_are_reported_as_such_and_never_stored(hostile):
    _, db, _, _, _ = hostile
    walls = {r["url"].split("/", 3)[3]: r["reason"] for r in db.query("select url, reason from fetch_errors")
             if r["reason"].startswith("bot wall")}
    # The same wall met from the feed, the sitemap and the site crawl; and the captcha page.
    assert {"bad/wall.html", "bad/captcha.html", "bad/feed-wall.xml", "bad/challenge-sitemap.xml"} <= set(walls)
    assert not any(p.startswith("bad/") for p in stored_paths(db))


def test_quiet_output_is_one_summary_line_and_one_line_per_problem(hostile):
    result, db, _, _, _ = hostile
    assert len(result.stdout.splitlines()) == 1
    assert re.match(r"run \d+: \d+ sources, .* problems in \d+ sources", result.stdout)
    lines = result.stderr.splitlines()
    # No tracebacks or Scrapy log records: each line names a URL and what was wrong with it.
    assert all(re.match(r"(health: )?(feed |sitemap |site )?https?://", line) for line in lines), lines
    assert len(lines) == db["fetch_errors"].count


def test_sources_record_their_outcome_and_failures_in_a_row(hostile):
    _, db, cases, site, _ = hostile
    runs = {r["url"]: r["status"] for r in db.query("select url, status from run_sources")}
    assert runs[f"{site.base}/feed.xml"] == "ok"  # its articles failed, the feed did not
    assert runs[f"{site.base}/news/"] == "ok"
    sources = {r["url"]: r for r in db.query("select * from sources")}
    for case in cases:
        if case.role in ("feed", "sitemap") and case.name != "empty sitemap":
            assert runs[case.url] == "error", case.name
            assert sources[case.url]["consecutive_failures"] == 1, case.name
            assert sources[case.url]["last_error"], case.name
    assert sources[f"{site.base}/feed.xml"]["consecutive_failures"] == 0


# -- source health --------------------------------------------------------------------------


def test_source_failing_three_runs_in_a_row_is_reported_then_recovers(tmp_path, site):
    site.add("/feed.xml", "down for maintenance", "text/plain", status=503)
    path = config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n')
    results = [monitor("run", "--no-alerts", "-c", str(path)) for _ in range(3)]
    assert [r.returncode for r in results] == [0, 0, 0]
    assert "health:" not in results[1].stderr
    assert f"health: feed {site.base}/feed.xml: failed 3 runs in a row (last: {site.base}/feed.xml: HTTP 503)" \
        in results[2].stderr
    assert "1 sources need attention" in results[2].stdout
    site.add("/feed.xml", rss([{"title": "A", "link": f"{site.base}/a.html"}]), "application/rss+xml")
    site.add("/a.html", good_page(1))
    recovered = monitor("run", "--no-alerts", "-c", str(path))
    assert recovered.returncode == 0 and "health:" not in recovered.stderr
    row = Database(tmp_path / "mentions.db")["sources"].get(1)
    assert (row["consecutive_failures"], row["last_status"], row["last_error"]) == (0, "ok", None)


def test_source_gone_dark_is_reported(tmp_path, site):
    """A feed that had something new every 6 hours has had nothing for 4 days."""
    feed = site.add("/feed.xml", rss([]), "application/rss+xml")
    path = config(tmp_path, f'[[feed]]\nurl = "{feed}"\n')
    db = Database(tmp_path / "mentions.db")
    from monitor.archive.store import Archive

    Archive(tmp_path / "mentions.db").close()
    start = datetime.now(timezone.utc) - timedelta(days=6)
    for n in range(8):
        when = (start + timedelta(hours=6 * n)).isoformat(timespec="seconds")
        run_id = db["runs"].insert({"started_at": when, "finished_at": when, "status": "ok"}).last_pk
        db["run_sources"].insert({"run_id": run_id, "url": feed, "kind": "feed", "status": "ok", "new": 2})
    result = monitor("run", "--no-alerts", "-c", str(path))
    assert result.returncode == 0, result.stderr
    assert f"health: feed {feed}: went dark: nothing new for 4 days (usually something every 6 hours)" in result.stderr
    assert "1 sources need attention" in result.stdout


def test_source_with_rare_news_is_not_dark_too_soon(tmp_path):
    from monitor.archive.health import gone_dark
    from monitor.archive.store import Archive

    db = Archive(tmp_path / "a.db").db
    now = datetime(2026, 11, 29, tzinfo=timezone.utc)
    for n in range(5):  # a new item every 10 days, the last 20 days ago
        when = (now - timedelta(days=20 + 10 * n)).isoformat(timespec="seconds")
        run_id = db["runs"].insert({"started_at": when, "status": "ok"}).last_pk
        db["run_sources"].insert({"run_id": run_id, "url": "u", "kind": "feed", "status": "ok", "new": 1})
    assert gone_dark(db, "u", now) is None
    assert "went dark" in gone_dark(db, "u", now + timedelta(days=40))


# -- politeness -----------------------------------------------------------------------------


def timed(site: SiteServer, path: str, answers: list[tuple[int, dict[str, str]]], final: str):
    """A route answering each status in turn (with headers), then `final`; logs request times."""
    times: list[float] = []

    def handler(h) -> None:
        times.append(time.monotonic())
        status, headers = answers[len(times) - 1] if len(times) <= len(answers) else (200, {})
        body = final.encode() if status == 200 else b"busy"
        h.send_response(status)
        for k, v in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    site.routes[path] = handler
    return times


def test_retries_back_off_on_503_and_obey_retry_after(tmp_path, site):
    busy = timed(site, "/busy.html", [(503, {}), (503, {})], good_page(1))
    limited = timed(site, "/limited.html", [(429, {"Retry-After": "2"})], good_page(2))
    never = timed(site, "/never.html", [(429, {"Retry-After": "3600"})], good_page(3))
    items = [{"title": p, "link": f"{site.base}/{p}.html"} for p in ("busy", "limited", "never")]
    site.add("/feed.xml", rss(items), "application/rss+xml")
    path = config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n', retries=2)
    result = monitor("run", "--no-alerts", "-c", str(path))
    assert result.returncode == 0, result.stderr
    assert stored_paths(Database(tmp_path / "mentions.db")) == {"busy.html", "limited.html"}
    # Pauses double from max(delay, 0.5 s): 0.5 s, then 1 s; Retry-After is obeyed.
    assert len(busy) == 3 and busy[1] - busy[0] >= 0.45 and busy[2] - busy[1] >= 0.95
    assert len(limited) == 2 and limited[1] - limited[0] >= 1.9
    # A Retry-After beyond what a run can wait is not waited for: reported at once.
    assert len(never) == 1
    assert f"{site.base}/never.html: HTTP 429" in result.stderr


def test_user_agent_names_the_tool_and_contact_and_robots_txt_is_obeyed(tmp_path, site):
    site.add("/a.html", good_page(1))
    site.add("/private/b.html", good_page(2))
    items = [{"title": "A", "link": f"{site.base}/a.html"}, {"title": "B", "link": f"{site.base}/private/b.html"}]
    site.add("/feed.xml", rss(items), "application/rss+xml")
    agent = "mention-monitor/0.1 (+https://example.org/contact)"
    path = config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n', user_agent=agent)
    result = monitor("run", "--no-alerts", "-c", str(path))
    assert result.returncode == 0
    assert {headers["user-agent"] for _, headers in site.log} == {agent}
    assert site.requests_for("/robots.txt") == ["/robots.txt"]
    assert site.requests_for("/private/") == []
    assert f"{site.base}/private/b.html: forbidden by robots.txt" in result.stderr


def test_crawl_table_sets_scrapy_politeness_settings(tmp_path):
    from scrapy.settings import Settings

    from spiders.base import apply_crawl_settings

    def settings_for(**crawl) -> Settings:
        settings = Settings()
        settings.setmodule("monitor.settings", priority="project")
        settings.set("MONITOR_CONFIG", str(config(tmp_path, "", **crawl)))
        apply_crawl_settings(settings)
        return settings

    polite = settings_for(delay=2.0, timeout=15, max_page_mb=3, retries=4, concurrent_per_domain=1)
    assert polite.getbool("AUTOTHROTTLE_ENABLED") and polite.getfloat("DOWNLOAD_DELAY") == 2.0
    assert polite.getfloat("DOWNLOAD_TIMEOUT") == 15 and polite.getint("DOWNLOAD_MAXSIZE") == 3 * 1024 * 1024
    assert polite.getint("RETRY_TIMES") == 4 and polite.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert {429, 500, 502, 503, 504} <= set(polite.getlist("RETRY_HTTP_CODES"))
    assert polite.getfloat("MONITOR_RETRY_BACKOFF") == 2.0
    assert polite.getbool("ROBOTSTXT_OBEY")
    middlewares = polite.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares["scrapy.downloadermiddlewares.retry.RetryMiddleware"] is None
    assert "monitor.middlewares.BackoffRetryMiddleware" in middlewares
    assert not settings_for(delay=0).getbool("AUTOTHROTTLE_ENABLED")


# -- incremental ----------------------------------------------------------------------------


def test_rerun_with_nothing_new_sends_only_conditional_requests(tmp_path, site):
    for n in range(3):
        site.add(f"/a/{n}.html", good_page(n))
    site.add("/feed.xml", rss([{"title": "0", "link": f"{site.base}/a/0.html"}]), "application/rss+xml",
             validators=True)
    site.add("/sitemap.xml", sitemap([f"{site.base}/a/1.html", f"{site.base}/a/2.html"]), "application/xml",
             validators=True)
    path = config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n[[sitemap]]\nurl = "{site.base}/sitemap.xml"\n')
    assert monitor("run", "--no-alerts", "-c", str(path)).returncode == 0
    site.clear_log()
    again = monitor("run", "--no-alerts", "-c", str(path))
    assert again.returncode == 0 and again.stderr == ""
    asked = {p: h for p, h in site.log if p != "/robots.txt"}
    assert set(asked) == {"/feed.xml", "/sitemap.xml"}  # no article page
    assert all("if-none-match" in h and "if-modified-since" in h for h in asked.values())
    statuses = {r["url"].rsplit("/", 1)[1]: r["status"] for r in
                Database(tmp_path / "mentions.db").query("select url, status from run_sources where run_id = 2")}
    assert statuses == {"feed.xml": "not_modified", "sitemap.xml": "not_modified"}
    assert "0 new articles" in again.stdout


def test_article_that_failed_for_now_is_retried_next_run(tmp_path, site):
    """A 503 on an article keeps the feed's validators back: the next run reads it in full."""
    site.add("/feed.xml", rss([{"title": "A", "link": f"{site.base}/a.html"}]), "application/rss+xml",
             validators=True)
    site.add("/a.html", "busy", "text/plain", status=503)
    path = config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n')
    first = monitor("run", "--no-alerts", "-c", str(path))
    assert first.returncode == 0 and f"{site.base}/a.html: HTTP 503" in first.stderr
    site.add("/a.html", good_page(1))
    site.clear_log()
    assert monitor("run", "--no-alerts", "-c", str(path)).returncode == 0
    feed_asks = [h for p, h in site.log if p == "/feed.xml"]
    assert len(feed_asks) == 1 and "if-none-match" not in feed_asks[0]
    assert stored_paths(Database(tmp_path / "mentions.db")) == {"a.html"}
    # Once it is through, the feed is asked for conditionally again.
    site.clear_log()
    assert monitor("run", "--no-alerts", "-c", str(path)).returncode == 0
    assert [("if-none-match" in h) for p, h in site.log if p == "/feed.xml"] == [True]


def stale_feed(site: SiteServer) -> dict:
    """A feed whose server answers 304 to its one ETag forever, whatever the feed says now."""
    state = {"items": [], "asked": []}

    def handler(h) -> None:
        state["asked"].append(h.headers.get("If-None-Match"))
        if h.headers.get("If-None-Match") == '"v1"':
            h.send_response(304)
            h.send_header("ETag", '"v1"')
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        body = rss(state["items"]).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("ETag", '"v1"')
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    site.routes["/feed.xml"] = handler
    return state


def test_stale_validator_is_caught_by_the_periodic_full_fetch(tmp_path, site):
    state = stale_feed(site)
    for n in (1, 2):
        site.add(f"/s/{n}.html", good_page(n))
    state["items"] = [{"title": "1", "link": f"{site.base}/s/1.html"}]
    path = config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n')  # full_fetch_hours: 24 by default
    assert monitor("run", "--no-alerts", "-c", str(path)).returncode == 0
    state["items"] = [{"title": "2", "link": f"{site.base}/s/2.html"}, *state["items"]]
    assert monitor("run", "--no-alerts", "-c", str(path)).returncode == 0
    db = Database(tmp_path / "mentions.db")
    assert stored_paths(db) == {"s/1.html"}  # the server said "not modified"
    # A day later the validators are left off once, and the new entry is found.
    day_ago = (datetime.now(timezone.utc) - timedelta(hours=25)).isoformat(timespec="seconds")
    db.execute("update sources set last_full_fetch_at = ?", [day_ago])
    db.conn.commit()
    assert monitor("run", "--no-alerts", "-c", str(path)).returncode == 0
    assert stored_paths(db) == {"s/1.html", "s/2.html"}
    assert state["asked"] == [None, '"v1"', None]


def test_full_fetch_hours_0_fetches_every_source_in_full_every_run(tmp_path, site):
    state = stale_feed(site)
    site.add("/s/1.html", good_page(1))
    path = config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n', full_fetch_hours=0)
    for _ in range(2):
        assert monitor("run", "--no-alerts", "-c", str(path)).returncode == 0
    state["items"] = [{"title": "1", "link": f"{site.base}/s/1.html"}]
    assert monitor("run", "--no-alerts", "-c", str(path)).returncode == 0
    assert state["asked"] == [None, None, None]
    assert stored_paths(Database(tmp_path / "mentions.db")) == {"s/1.html"}


# -- archive integrity ----------------------------------------------------------------------


def _stored_count(path: Path) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("select count(*) from articles").fetchone()[0]
    except sqlite3.Error:  # not created yet
        return 0


def test_sigkill_mid_run_then_rerun_leaves_every_article_once(tmp_path, site):
    """Killed while storing, the next run continues: consistent archive, each article once."""
    total = 40

    def slow(n: int):
        def handler(h) -> None:
            # Answers spread over 4 s: the store commits a batch every 500 ms (at most), so
            # storing spans several batches and the kill lands between two of them.
            time.sleep(0.2 + 0.1 * n)
            body = good_page(n).encode()
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
        return handler

    for n in range(total):
        site.routes[f"/k/{n}.html"] = slow(n)
    site.add("/feed.xml", rss([{"title": str(n), "link": f"{site.base}/k/{n}.html"} for n in range(total)]),
             "application/rss+xml", validators=True)
    path = config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n')
    process = start_monitor("run", "--no-alerts", "-c", str(path), out=subprocess.DEVNULL, err=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    # Killed once the first articles are stored (not after N requests: how long those take
    # depends on the machine and the server).
    while _stored_count(tmp_path / "mentions.db") < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    end_group(process)
    db_path = tmp_path / "mentions.db"
    db = Database(db_path)
    kept = stored_paths(db)
    assert 0 < len(kept) < total, "the kill should land mid-run"
    db.close()
    site.clear_log()
    rerun = monitor("run", "--no-alerts", "-c", str(path))
    assert rerun.returncode == 0, rerun.stderr
    db = Database(db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert stored_paths(db) == {f"k/{n}.html" for n in range(total)}
    assert db.execute("select count(*), count(distinct url_key) from articles").fetchone() == (total, total)
    per_article = db.execute("select count(*) from mentions group by article_id").fetchall()
    assert len(per_article) == total and {n for (n,) in per_article} == {1}
    # What the killed run stored is not fetched again; the killed run is marked as such.
    assert not {p.lstrip("/") for p in site.requests_for("/k/")} & kept
    assert [r["status"] for r in db.query("select status from runs order by id")] == ["killed", "ok"]



# -- no false alarms ------------------------------------------------------------------------


def test_no_real_news_page_is_taken_for_a_bot_wall_or_binary():
    """The 303 real pages of the shared corpus are pages: not walls, not binary."""
    import gzip

    from conftest import CORPUS
    from scrapy.http import HtmlResponse

    from monitor.middlewares import challenge_reason, not_html_reason

    pages = sorted((CORPUS / "pages").rglob("*.html.gz"))
    if not pages:
        pytest.skip(f"shared page corpus not found at {CORPUS / 'pages'}")
    flagged = {}
    for path in pages:
        response = HtmlResponse(f"https://example.org/{path.name}", body=gzip.decompress(path.read_bytes()),
                                headers={"Content-Type": "text/html"})
        reason = challenge_reason(response) or not_html_reason(response)
        if reason:
            flagged[path.name] = reason
    assert flagged == {}
