"""Source-health notices on the alert channels: once per problem episode, on real loopback servers.

A feed that fails 3 runs in a row is told to the file, email and Slack channels once; its
4th failed run tells nobody; after a good run, 3 more failures are a new episode, told again.
Hostile text in a source's URL or error is escaped like a headline.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import alert_servers
from alert_servers import ANDRY, NERI
from conftest import run_monitor, write_config
from pages import rss

from monitor.archive.health import HealthProblem, queue_health_notices, source_problems
from monitor.archive.store import open_database

smtp_server, slack_server, world = alert_servers.smtp_server, alert_servers.slack_server, alert_servers.world

HOSTILE = "<!channel> <script>alert(1)</script> & <https://evil.example|click>"


def health_config(tmp_path: Path, feed: str, smtp_port: int) -> Path:
    body = (
        f'[[feed]]\nurl = "{feed}"\n\n'
        "[alerts]\nmin_score = 50\n\n"
        f'[alerts.email]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}\nstarttls = false\n'
        'from = "monitor@example.org"\nto = ["team@example.org"]\n\n'
        '[alerts.slack]\nwebhook_url_env = "TEST_SLACK_WEBHOOK"\n\n'
        '[alerts.file]\ndir = "alert-files"\n'
    )
    return write_config(tmp_path, body)


def alert_files(tmp_path: Path) -> list[dict]:
    folder = tmp_path / "alert-files"
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("alert-*.json"))]


def test_a_feed_failing_three_runs_in_a_row_is_told_once_per_episode(tmp_path, site, smtp_server, slack_server):
    feed = site.add("/feed.xml", "down for maintenance", "text/plain", status=503)
    path = health_config(tmp_path, feed, smtp_server.port)
    env = {"TEST_SLACK_WEBHOOK": slack_server.url}

    def run():
        result = run_monitor("run", "-c", str(path), env=env)
        assert result.returncode == 0, result.stderr
        return result

    def told() -> tuple[int, int, int]:
        return len(alert_files(tmp_path)), len(smtp_server.messages), len(slack_server.received)

    for _ in range(2):
        run()
    assert told() == (0, 0, 0)

    third = run()  # the 3rd failure in a row: one notice per channel
    assert f"health: feed {feed}: failed 3 runs in a row" in third.stderr
    assert "file: 1 sent (0 mentions, 1 sources need attention), 0 failed, 0 pending" in third.stdout
    assert told() == (1, 1, 1)
    document = alert_files(tmp_path)[0]
    assert document["subject"] == f"1 source needs attention: {feed}"
    assert document["mentions"] == [] and document["changes"] == []
    [source] = document["sources"]
    assert (source["kind"], source["source_kind"], source["url"], source["problem"]) == \
        ("source", "feed", feed, "failing")
    assert source["detail"] == f"failed 3 runs in a row (last: {feed}: HTTP 503)"
    assert source["since"] and "failing since" in source["text"]
    message = smtp_server.messages[0]
    assert message["Subject"] == f"1 source needs attention: {feed}"
    plain, html = smtp_server.bodies()[0]
    assert f"SOURCE NEEDS ATTENTION: feed {feed}" in plain and "failed 3 runs in a row" in plain
    assert "SOURCE NEEDS ATTENTION" in html and f'href="{feed}"' in html
    assert any("Source needs attention" in t and f"<{feed}|{feed}>" in t for t in slack_server.texts())

    fourth = run()  # still failing: the same episode, nobody is told again
    assert "health: feed" in fourth.stderr and "0 sent" in fourth.stdout
    assert told() == (1, 1, 1)

    site.add("/feed.xml", rss([]), "application/rss+xml")  # it recovers...
    recovered = run()
    assert "health:" not in recovered.stderr
    site.add("/feed.xml", "down again", "text/plain", status=500)  # ...and fails again
    for _ in range(2):
        run()
    assert told() == (1, 1, 1)
    again = run()  # a new streak of 3: a new episode, a new notice
    assert f"health: feed {feed}: failed 3 runs in a row (last: {feed}: HTTP 500)" in again.stderr
    assert told() == (2, 2, 2)
    assert alert_files(tmp_path)[1]["sources"][0]["detail"].endswith("HTTP 500)")

    db = open_database(tmp_path / "mentions.db")
    rows = list(db.query("select channel, problem, since, alert_id from health_alerts order by id"))
    assert len(rows) == 6 and all(r["alert_id"] for r in rows)
    assert len({r["since"] for r in rows}) == 2  # two episodes, three channels each
    assert {r["status"] for r in db.query("select status from alerts")} == {"sent"}
    db.close()


def test_hostile_text_in_a_source_url_and_error_is_escaped(tmp_path, site, smtp_server, slack_server):
    """A bot-wall page's title ends up in the error; the URL's query is the config's own."""
    site.add("/feed.xml", f"<!doctype html><html><head><title>Just a moment {HOSTILE}</title></head>"
                          "<body>checking</body></html>")
    feed = f"{site.base}/feed.xml?q=<b>&x=|y>"
    path = health_config(tmp_path, feed, smtp_server.port)
    env = {"TEST_SLACK_WEBHOOK": slack_server.url}
    db = open_database(tmp_path / "mentions.db")  # an archive whose feed already failed twice
    db["sources"].insert({"kind": "feed", "url": feed, "consecutive_failures": 2})
    db.close()

    result = run_monitor("run", "-c", str(path), env=env)
    assert result.returncode == 0, result.stderr
    assert "<script>" in result.stderr  # stderr is plain text, quoted as is

    [document] = alert_files(tmp_path)
    [source] = document["sources"]
    assert source["url"] == feed and "<script>alert(1)</script>" in source["detail"]  # JSON keeps it, as data
    plain, html = smtp_server.bodies()[0]
    assert "<script>" in plain  # plain text is not markup
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert len(slack_server.received) == 1
    texts = slack_server.texts()
    section = next(t for t in texts if "Source needs attention" in t)
    assert "<!channel>" not in section and "&lt;!channel&gt;" in section
    assert "<https://evil.example|click>" not in section
    assert "%3Cb%3E" in section and "%7Cy%3E" in section  # the link's URL cannot close the link
    assert "<!channel>" not in texts[0]  # the fallback text (the subject) is escaped too


def test_mentions_and_a_source_share_one_message_per_channel(world):
    world.add(ANDRY)
    world.add(NERI)
    problem = HealthProblem("https://feeds.example.org/rss", "feed", "dark",
                            "went dark: nothing new for 4 days (usually something every 6 hours)",
                            "2026-11-25T10:00:00+00:00")
    assert queue_health_notices(world.db, 1, [problem], world.settings) == 2  # email, slack
    assert queue_health_notices(world.db, 2, [problem], world.settings) == 0  # same episode
    report = world.send()
    assert report.sent == 2
    assert "email: 1 sent (2 mentions, 1 sources need attention), 0 failed, 0 pending" in report.lines()
    for alert in world.alerts():
        items = json.loads(alert["content"])
        assert [i["kind"] for i in items] == ["new", "new", "source"]  # the source last
        assert len(json.loads(alert["mention_ids"])) == 2
    later = HealthProblem(problem.url, "feed", "dark", problem.detail, "2026-11-28T10:00:00+00:00")
    assert queue_health_notices(world.db, 3, [later], world.settings) == 2  # new items, then dark again


def test_mixed_subject_and_bodies(world, smtp_server, slack_server):
    world.add(ANDRY)
    world.add(NERI)
    problem = HealthProblem("https://feeds.example.org/rss", "feed", "failing",
                            f"failed 3 runs in a row (last: {HOSTILE})", "2026-11-25T10:00:00+00:00")
    queue_health_notices(world.db, 1, [problem], world.settings)
    world.send()
    [message] = smtp_server.messages
    subject = message["Subject"]
    assert subject.startswith("2 new mentions, 1 source needs attention: ")
    assert NERI in subject  # (a folded encoded header can lose a space, so not both names)
    plain, html = smtp_server.bodies()[0]
    assert plain.index(NERI) < plain.index("SOURCE NEEDS ATTENTION: feed https://feeds.example.org/rss")
    assert "failing since 2026-11-25 10:00 UTC" in plain
    assert "<script>" not in html and "&lt;!channel&gt;" in html
    [payload] = slack_server.received
    assert payload["text"].startswith("2 new mentions, 1 source needs attention")
    section = payload["blocks"][-2]["text"]["text"]
    assert section.startswith(":warning: *Source needs attention*")
    assert "<!channel>" not in section and "&lt;https://evil.example|click&gt;" in section


def test_failing_episode_starts_at_the_first_failed_run_of_the_streak(tmp_path):
    from monitor.archive.store import Archive

    db = Archive(tmp_path / "a.db").db
    start = datetime(2026, 11, 20, tzinfo=timezone.utc)
    statuses = ["error", "ok", "error", "error", "error"]
    for n, status in enumerate(statuses):
        when = (start + timedelta(hours=n)).isoformat(timespec="seconds")
        run_id = db["runs"].insert({"started_at": when, "status": "ok"}).last_pk
        db["run_sources"].insert({"run_id": run_id, "url": "u", "kind": "feed", "status": status})
    db["sources"].insert({"kind": "feed", "url": "u", "consecutive_failures": 3, "last_error": "u: HTTP 503"})
    [problem] = source_problems(db, run_id)
    assert (problem.problem, problem.since) == ("failing", "2026-11-20T02:00:00+00:00")
