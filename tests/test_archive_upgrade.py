"""An archive made by release 0.1.0 (tests/files/archive-0.1.0.sqlite) opened by this code: nothing lost, nothing twice.

The file was made by tests/files/make_archive_0_1_0.py with 0.1.0 installed. It holds rows
in each of 0.1.0's three queue tables (`outbox` with possible rows, `change_alerts`,
`health_alerts`) in every state (waiting, in a sent, failed or pending alert, held back
by a rejection), on two channels: `file` and `slack`.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import alert_servers
from conftest import run_monitor, write_config

from monitor.archive.store import Archive

slack_server = alert_servers.slack_server
OLD = Path(__file__).parent / "files" / "archive-0.1.0.sqlite"
PEOPLE = '[[person]]\nname = "Andry José Hernández Romero"\n\n[[person]]\nname = "Merwil Gutiérrez Flores"\n\n' \
         '[[person]]\nname = "Neri José Alvarado Borges"\n'


def old_rows(path: Path) -> dict[str, list[tuple]]:
    """Every queue row as 0.1.0 stored it (read with plain sqlite3, before any migration)."""
    with sqlite3.connect(path) as db:
        return {
            "outbox": db.execute("select channel, person_id, story_id, mention_id, alert_id, created_at, possible "
                                 "from outbox order by id").fetchall(),
            "change_alerts": db.execute("select channel, kind, person_id, article_id, mention_id, check_id, "
                                        "created_at, alert_id from change_alerts order by id").fetchall(),
            "health_alerts": db.execute("select channel, source_url, source_kind, problem, detail, since, run_id, "
                                        "created_at, alert_id from health_alerts order by id").fetchall(),
            "alerts": db.execute("select * from alerts order by id").fetchall(),
        }


def test_the_old_archive_keeps_every_queue_row_and_alert_status(tmp_path):
    path = tmp_path / "mentions.db"
    shutil.copy(OLD, path)
    before = old_rows(path)
    assert {len(v) for v in before.values()} != {0}
    assert {r[-1] for r in before["outbox"]} == {0, 1}  # confident and possible rows
    assert {r[4] is None for r in before["outbox"]} == {True, False}  # waiting and in an alert
    Archive(path).close()
    with sqlite3.connect(path) as db:
        kinds = dict(db.execute("select kind, count(*) from alert_queue group by kind").fetchall())
        assert kinds == {"mention": sum(1 - r[-1] for r in before["outbox"]),
                         "possible": sum(r[-1] for r in before["outbox"]),
                         "vanished": len(before["change_alerts"]), "health": len(before["health_alerts"])}
        tables = {r[0] for r in db.execute("select name from sqlite_master where type = 'table'")}
        assert not tables & {"outbox", "change_alerts", "health_alerts"}
    # Read through the old names (now views over alert_queue), every row and its alert are there.
    after = old_rows(path)
    assert after == before


def test_monitor_alerts_send_delivers_what_the_old_archive_had_pending_once(tmp_path, slack_server):
    shutil.copy(OLD, tmp_path / "mentions.db")
    with sqlite3.connect(tmp_path / "mentions.db") as db:
        statuses = db.execute("select channel, status from alerts order by id").fetchall()
        pending_mentions = {channel: {r[0] for r in db.execute(
            "select m.article_id from outbox o join mentions m on m.id = o.mention_id "
            "where o.channel = ? and o.alert_id is null", [channel])} for channel in ("file", "slack")}
    assert ("file", "failed") in statuses and ("slack", "pending") in statuses
    folder = tmp_path / "alert-files"
    config = write_config(tmp_path, f'[alerts]\nbackfill_days = 36500\n[alerts.file]\ndir = "{folder}"\n'
                                    '[alerts.slack]\nwebhook_url_env = "TEST_SLACK_WEBHOOK"\n', PEOPLE)
    env = {"TEST_SLACK_WEBHOOK": slack_server.url}

    sent = run_monitor("alerts", "send", "-c", str(config), env=env)
    assert sent.returncode == 0, sent.stderr

    # file: one new alert with what waited (story 4, possible story 5, Merwil's name gone from
    # story 2, the dark sitemap); not story 6 (rejected), not the failed alert (no --retry-failed).
    (document,) = [json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("alert-*.json")]
    text = json.dumps(document, ensure_ascii=False)
    for expected in ("news4.example.org", "news5.example.org", "news2.example.org",
                     "https://quiet.example.org/sitemap.xml"):
        assert expected in text
    for withheld in ("news6.example.org", "news3.example.org", "https://down.example.org/rss"):
        assert withheld not in text
    # slack: the pending alert that may have reached Slack is resent as it was (story 3),
    # then one new alert with what waited.
    assert len(slack_server.received) == 2
    first, second = (json.dumps(p, ensure_ascii=False) for p in slack_server.received)
    assert "news3.example.org" in first and "news4.example.org" not in first
    assert all(s in second for s in ("news4.example.org", "news5.example.org", "quiet.example.org"))
    assert "news6.example.org" not in first + second
    with sqlite3.connect(tmp_path / "mentions.db") as db:
        for channel, articles in pending_mentions.items():
            carried = {r[0] for r in db.execute(
                "select q.article_id from alert_queue q join alerts a on a.id = q.alert_id "
                "where q.channel = ? and a.status = 'sent' and q.kind in ('mention', 'possible')", [channel])}
            assert articles - {6} <= carried
        assert db.execute("select status from alerts where channel = 'file' order by id").fetchall()[:3] == [
            ("sent",), ("failed",), ("sent",)]

    again = run_monitor("alerts", "send", "-c", str(config), env=env)
    assert again.returncode == 0, again.stderr
    assert len(list(folder.glob("alert-*.json"))) == 1 and len(slack_server.received) == 2


def test_a_queue_row_whose_mention_was_deleted_by_hand_does_not_stop_the_upgrade(tmp_path):
    path = tmp_path / "mentions.db"
    shutil.copy(OLD, path)
    with sqlite3.connect(path) as db:  # the sqlite3 shell's default: foreign keys not enforced
        (mention_id,) = db.execute("select mention_id from outbox where alert_id is null limit 1").fetchone()
        db.execute("delete from mentions where id = ?", [mention_id])
    Archive(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("select count(*) from alert_queue where mention_id = ?", [mention_id]).fetchone()[0] == 2
