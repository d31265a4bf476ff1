"""`monitor run` with two Apprise channels and per-recipient email, SIGKILLed at random moments: each mention once.

The pattern of tests/test_alerts_crash.py, with Apprise's json:// and ntfy:// pointed at a
loopback stand-in. A growing site publishes an article or two before each run; the
family's ntfy channel keeps only one person, as does the family's own email address
(`notify_email`) beside the team's two addresses, each served their own message. A repeat is allowed only as the whole
message unchanged (a kill between the service's "accepted" and the archive recording
it: docs/alerts.md); a mention in two different messages, or missing, fails the test.
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
import apprise_servers
import pytest
from alert_servers import ANDRY, PEOPLE, GrowingSite
from conftest import run_monitor, write_config
from sqlite_utils import Database

notify_server = apprise_servers.notify_server
smtp_server = alert_servers.smtp_server
TEAM = ("team@example.org", "lawyer@example.org")
FAMILY = "family@example.net"

BUDGET_SECONDS = 25
MIN_KILLS = 5  # on a slow machine the loop runs on past its budget (up to twice) until this many


def deliveries(texts: list[str], base: str) -> tuple[Counter, int]:
    """Article URL -> number of distinct messages carrying it; and the number of whole-message repeats."""
    distinct = list(dict.fromkeys(texts))
    found = Counter(u for text in distinct for u in set(re.findall(re.escape(base) + r"/news/\d+\.html", text)))
    return found, len(texts) - len(distinct)


@pytest.mark.slow
def test_sigkill_at_random_moments_then_a_clean_run_delivers_each_mention_once_per_apprise_channel(
        tmp_path, site, notify_server, smtp_server):
    seed = int(os.environ.get("CRASH_SEED", time.time()))
    rng = random.Random(seed)
    news = GrowingSite(site)
    people = "".join(f'[[person]]\nname = "{p}"\n' for p in PEOPLE).replace(
        f'name = "{ANDRY}"\n', f'name = "{ANDRY}"\nnotify_email = ["{FAMILY}"]\n')
    config = write_config(tmp_path, (
        f'[[feed]]\nurl = "{site.base}/feed.xml"\n\n[alerts]\nmin_score = 50\nmax_attempts = 1000\n\n'
        f'[alerts.email]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp_server.port}\nstarttls = false\n'
        f'from = "monitor@example.org"\nto = ["{TEAM[0]}", "{TEAM[1]}"]\n\n'
        '[[alerts.apprise]]\nname = "team-json"\nurl_env = "TEAM_URL"\n\n'
        f'[[alerts.apprise]]\nname = "family-ntfy"\nurl_env = "FAMILY_URL"\npeople = ["{ANDRY}"]\n'
    ), people)
    env = {"TEAM_URL": notify_server.json_url, "FAMILY_URL": notify_server.ntfy_url}
    # Slow servers widen the window between "delivered" and "recorded": kills land in it.
    notify_server.delay = smtp_server.delay = 0.15
    command = [sys.executable, "-m", "monitor", "run", "-c", str(config)]
    news.publish()
    started = time.monotonic()
    subprocess.run(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=60, check=True)
    duration = time.monotonic() - started

    kills = 0
    deadline = time.monotonic() + BUDGET_SECONDS
    # A loaded machine (parallel tests) runs slower: go on past the budget until MIN_KILLS runs died.
    while time.monotonic() < deadline or (kills < MIN_KILLS and time.monotonic() < deadline + BUDGET_SECONDS):
        for _ in range(rng.randint(1, 2)):
            news.publish()
        before = len(notify_server.received) + len(smtp_server.messages)
        proc = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        if rng.random() < 0.5:
            time.sleep(rng.uniform(0.0, 1.15) * duration)
        else:  # just as the service takes a message
            end = time.monotonic() + duration * 3
            while (proc.poll() is None and len(notify_server.received) + len(smtp_server.messages) == before
                   and time.monotonic() < end):
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.3))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=30)

    clean = run_monitor("run", "-c", str(config), env=env)
    assert clean.returncode == 0, clean.stderr
    taken = len(notify_server.received)
    again = run_monitor("run", "-c", str(config), env=env)
    assert again.returncode == 0 and len(notify_server.received) == taken
    assert notify_server.token not in clean.stdout + clean.stderr + again.stdout + again.stderr

    db = Database(tmp_path / "mentions.db")
    assert [r[0] for r in db.execute("select distinct status from alerts")] == ["sent"]
    note = f"seed={seed} kills={kills} run={duration:.2f}s"
    texts = {"team-json": [], "family-ntfy": []}
    for request, text in zip(notify_server.received, notify_server.messages(), strict=True):
        texts["team-json" if request["path"].startswith("/hook/") else "family-ntfy"].append(text)
    for channel, messages in texts.items():
        delivered, repeats = deliveries(messages, site.base)
        due = {r[0] for r in db.execute(
            "select a.url from outbox o join mentions m on m.id = o.mention_id join articles a on a.id = m.article_id "
            "where o.channel = ?", [channel])}
        expected = [i["link"] for i in news.items if channel == "team-json" or PEOPLE.index(ANDRY) == int(
            i["link"].rsplit("/", 1)[1].split(".")[0]) % len(PEOPLE)]
        assert due == set(expected), note  # the people filter held: the family's channel has only Andry's
        assert set(delivered) == due, f"{channel}: missing {due - set(delivered)} ({note})"
        assert all(n == 1 for n in delivered.values()), f"{channel}: in two messages {delivered} ({note})"
        print(f"{channel}: {len(due)} mentions delivered once; {repeats} whole-message repeats ({note})")
    andry = {i["link"] for n, i in enumerate(news.items) if PEOPLE[n % len(PEOPLE)] == ANDRY}
    for address in (*TEAM, FAMILY):
        by_id: dict[str, list[str]] = {}
        for message, (_, rcpts) in zip(smtp_server.messages, smtp_server.envelopes, strict=True):
            assert len(rcpts) == 1 and message["To"] == rcpts[0], note  # never a shared To:
            if rcpts == [address]:
                plain = message.get_body(("plain",)).get_content()
                by_id.setdefault(message["Message-ID"], re.findall(re.escape(site.base) + r"/news/\d+\.html", plain))
        delivered = Counter(u for urls in by_id.values() for u in urls)
        expected = andry if address == FAMILY else {i["link"] for i in news.items}
        assert set(delivered) == expected, f"{address}: missing {expected - set(delivered)} ({note})"
        assert all(n == 1 for n in delivered.values()), f"{address}: in two messages {delivered} ({note})"
        print(f"{address}: {len(expected)} mentions, {len(by_id)} messages ({note})")
    assert kills >= MIN_KILLS, note
