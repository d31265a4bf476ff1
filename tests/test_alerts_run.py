"""`monitor run` with its alert channels down: the run succeeds, stores everything, and a later run delivers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import alert_servers
import pytest
from alert_servers import GrowingSite, Reply, config_for
from conftest import run_monitor

from alerts import send_pending
from monitor.archive.store import open_database
from monitor.config import load_config

smtp_server, slack_server = alert_servers.smtp_server, alert_servers.slack_server


@pytest.mark.slow
def test_run_with_both_channels_down_exits_0_and_the_next_run_delivers_once(tmp_path, site, smtp_server,
                                                                            slack_server):
    news = GrowingSite(site)
    for _ in range(4):
        news.publish()
    config_path = config_for(tmp_path, site, smtp_server.port)
    env = {"TEST_SLACK_WEBHOOK": slack_server.url}
    smtp_server.stop()
    slack_server.always = Reply(503, "service unavailable")

    down = run_monitor("run", "-c", str(config_path), env=env)
    assert down.returncode == 0, down.stderr
    assert "email: 0 sent (0 mentions), 0 failed, 1 pending" in down.stdout
    assert "slack: 0 sent (0 mentions), 0 failed, 1 pending" in down.stdout
    db = open_database(tmp_path / "mentions.db")
    assert db.execute("select count(*) from mentions").fetchone()[0] == 4
    rows = {r["channel"]: r for r in db.query("select * from alerts")}
    assert "ConnectionRefused" in rows["email"]["error"] and "HTTP 503" in rows["slack"]["error"]
    assert slack_server.token not in rows["slack"]["error"]

    # The channels come back; the next cron run (after the 5-minute backoff) delivers it all.
    smtp_server.start()
    slack_server.always = None
    later = datetime.now(timezone.utc) + timedelta(minutes=16)
    report = send_pending(db, load_config(config_path).alerts, now=later, env=env)
    assert report.sent == 2 and report.pending == 0
    assert len(smtp_server.messages) == 1 and len(slack_server.received) == 1
    assert len(json.loads(db["alerts"].get(1)["mention_ids"])) == 4

    again = run_monitor("run", "-c", str(config_path), env=env)
    assert again.returncode == 0 and "email: 0 sent (0 mentions), 0 failed, 0 pending" in again.stdout
    assert len(smtp_server.messages) == 1 and len(slack_server.received) == 1
    db.close()
