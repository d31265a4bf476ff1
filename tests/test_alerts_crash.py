"""`monitor run` SIGKILLed at random moments, then a clean run: each mention reaches each channel once.

A loopback news site grows by an article or two before every run (each names one watched
person); the email and Slack channels point at the loopback servers. Runs are killed at
random instants: while starting, crawling, storing or sending. The final clean run must
leave every queued (person, story) delivered exactly once per channel.

The one window that can repeat an alert is between the server's "accepted" and the
archive recording it (docs/alerts.md). A repeat is always the whole alert unchanged:
the same Message-ID (mail clients drop it) and, on Slack, the same alert number. The test
counts such repeats and allows them only in that form; a mention in two different alerts,
or missing, fails it.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter

import alert_servers
import pytest
from alert_servers import GrowingSite, config_for
from conftest import run_monitor
from sqlite_utils import Database

smtp_server, slack_server = alert_servers.smtp_server, alert_servers.slack_server

BUDGET_SECONDS = 30  # killed runs; the clean runs after them take a few seconds more
MIN_KILLS = 5  # on a slow machine the loop runs on past its budget (up to twice) until this many


def email_deliveries(smtp_server, base: str) -> tuple[Counter, int]:
    """Article URL -> number of distinct messages (by Message-ID) carrying it; and raw repeats."""
    urls_by_id: dict[str, list[str]] = {}
    for message in smtp_server.messages:
        plain = message.get_body(("plain",)).get_content()
        urls_by_id.setdefault(message["Message-ID"], re.findall(re.escape(base) + r"/news/\d+\.html", plain))
    repeats = len(smtp_server.messages) - len(urls_by_id)
    return Counter(u for urls in urls_by_id.values() for u in urls), repeats


def slack_deliveries(slack_server, base: str) -> tuple[Counter, int]:
    """Article URL -> number of distinct (alert, part) messages carrying it; and raw repeats."""
    urls_by_part: dict[str, list[str]] = {}
    for payload in slack_server.received:
        footer = payload["blocks"][-1]["elements"][0]["text"]
        sections = " ".join(b["text"]["text"] for b in payload["blocks"] if b["type"] == "section")
        urls_by_part.setdefault(footer, re.findall("<(" + re.escape(base) + r"/news/\d+\.html)\|", sections))
    repeats = len(slack_server.received) - len(urls_by_part)
    return Counter(u for urls in urls_by_part.values() for u in urls), repeats


def wait_for_a_send(proc: subprocess.Popen, sent, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and not sent() and time.monotonic() < deadline:
        time.sleep(0.005)


@pytest.mark.slow
def test_sigkill_at_random_moments_then_a_clean_run_delivers_each_mention_once(
        tmp_path, site, smtp_server, slack_server):
    seed = int(os.environ.get("CRASH_SEED", time.time()))
    rng = random.Random(seed)
    news = GrowingSite(site)
    config = config_for(tmp_path, site, smtp_server.port)
    env = {**os.environ, "TEST_SLACK_WEBHOOK": slack_server.url}
    # Slow servers widen the window between "delivered" and "recorded": kills land in it.
    smtp_server.delay = slack_server.delay = 0.15
    command = [sys.executable, "-m", "monitor", "run", "-c", str(config)]
    # One uninterrupted run first, to learn how long a run takes on this machine.
    news.publish()
    started = time.monotonic()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, check=True)
    duration = time.monotonic() - started
    def delivered() -> int:
        return len(slack_server.received) + len(smtp_server.messages)

    kills = runs = 0
    sent_during_kills = 0
    deadline = time.monotonic() + BUDGET_SECONDS
    # A loaded machine (parallel tests) runs slower: go on past the budget until MIN_KILLS runs died.
    while time.monotonic() < deadline or (kills < MIN_KILLS and time.monotonic() < deadline + BUDGET_SECONDS):
        for _ in range(rng.randint(1, 2)):
            news.publish()
        before = delivered()
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if rng.random() < 0.5:
            # Anywhere from start-up to just after the last send; some runs finish.
            time.sleep(rng.uniform(0.0, 1.15) * duration)
        else:
            # Just as a server takes a message: inside or around the window before it is recorded.
            wait_for_a_send(proc, lambda before=before: delivered() > before, timeout=duration * 3)
            time.sleep(rng.uniform(0.0, 0.3))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=30)
        runs += 1
        sent_during_kills += delivered() > before

    clean = run_monitor("run", "-c", str(config), env={"TEST_SLACK_WEBHOOK": slack_server.url})
    assert clean.returncode == 0, clean.stderr
    sent_before = (len(smtp_server.messages), len(slack_server.received))
    again = run_monitor("run", "-c", str(config), env={"TEST_SLACK_WEBHOOK": slack_server.url})
    assert again.returncode == 0 and (len(smtp_server.messages), len(slack_server.received)) == sent_before

    db = Database(tmp_path / "mentions.db")
    assert db.execute("select count(*) from articles").fetchone()[0] == len(news.items)
    assert [r[0] for r in db.execute("select distinct status from alerts")] == ["sent"]
    note = f"seed={seed} runs={runs} kills={kills} runs_that_sent={sent_during_kills} run={duration:.2f}s"
    for channel, (delivered, repeats) in {
        "email": email_deliveries(smtp_server, site.base),
        "slack": slack_deliveries(slack_server, site.base),
    }.items():
        due = {r[0] for r in db.execute(
            "select a.url from outbox o join mentions m on m.id = o.mention_id join articles a on a.id = m.article_id "
            "where o.channel = ?", [channel])}
        assert len(due) == len(news.items), note  # every article: one person, one story, one queued alert
        assert set(delivered) == due, f"{channel}: missing {due - set(delivered)} ({note})"
        assert all(n == 1 for n in delivered.values()), f"{channel}: in two alerts {delivered} ({note})"
        print(f"{channel}: {len(due)} mentions delivered once; {repeats} whole-alert repeats ({note})")
    assert kills >= MIN_KILLS, note  # the test did kill runs mid-way
