"""`monitor alerts send`: a person asked, so what is pending goes now (no backoff), and `--retry-failed`
revives alerts that gave up; `monitor run` keeps the backoff."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

from alert_servers import SMTPServer, free_port
from conftest import run_monitor, write_config
from pages import article_html, rss

NAME = "Merwil Gutiérrez Flores"


def alerting_config(tmp_path, site, port: int, max_attempts: int) -> str:
    today = datetime.now(timezone.utc).date().isoformat()
    site.add("/a.html", article_html("Vigil", [f"{NAME} was named at the vigil."], date=today))
    site.add("/feed.xml", rss([{"title": "Vigil", "link": f"{site.base}/a.html"}]), "application/rss+xml")
    body = (f'[[feed]]\nurl = "{site.base}/feed.xml"\n[alerts]\nmax_attempts = {max_attempts}\n'
            f'[alerts.email]\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\nstarttls = false\n'
            'from = "monitor@example.org"\nto = ["team@example.org"]\n')
    return str(write_config(tmp_path, body, f'[[person]]\nname = "{NAME}"\n'))


def alert_rows(tmp_path) -> list[tuple]:
    with sqlite3.connect(tmp_path / "mentions.db") as db:
        return db.execute("select status, attempts from alerts order by id").fetchall()


def test_alerts_send_delivers_now_what_monitor_run_holds_back_for_its_backoff(tmp_path, site):
    port = free_port()
    config = alerting_config(tmp_path, site, port, max_attempts=8)
    down = run_monitor("run", "-c", config)  # the SMTP server is not up yet
    assert down.returncode == 0, down.stderr
    assert alert_rows(tmp_path) == [("pending", 1)]
    smtp = SMTPServer(port).start()
    try:
        waiting = run_monitor("run", "-c", config)  # the next cron run, inside the 5-minute backoff
        assert waiting.returncode == 0, waiting.stderr
        assert alert_rows(tmp_path) == [("pending", 1)] and smtp.messages == []
        sent = run_monitor("alerts", "send", "-c", config)
        assert sent.returncode == 0, sent.stderr
        assert "email: 1 sent (1 mentions), 0 failed, 0 pending" in sent.stdout
        assert alert_rows(tmp_path) == [("sent", 2)] and len(smtp.messages) == 1
    finally:
        smtp.stop()


def test_retry_failed_revives_an_alert_that_gave_up(tmp_path, site):
    port = free_port()
    config = alerting_config(tmp_path, site, port, max_attempts=2)
    assert run_monitor("run", "-c", config).returncode == 0
    assert run_monitor("alerts", "send", "-c", config).returncode == 0  # 2nd attempt: gives up
    assert alert_rows(tmp_path) == [("failed", 2)]
    smtp = SMTPServer(port).start()
    try:
        plain = run_monitor("alerts", "send", "-c", config)
        assert "email: 0 sent" in plain.stdout and smtp.messages == []  # failed stays failed without the flag
        revived = run_monitor("alerts", "send", "--retry-failed", "-c", config)
        assert revived.returncode == 0, revived.stderr
        assert "email: 1 sent (1 mentions), 0 failed, 0 pending, 1 failed alerts retried" in revived.stdout
        assert alert_rows(tmp_path) == [("sent", 1)] and len(smtp.messages) == 1
        assert NAME in smtp.bodies()[0][0]
    finally:
        smtp.stop()
