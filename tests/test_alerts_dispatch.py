"""The dispatcher against real loopback servers: once per channel, retries, failures, no secrets."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import alert_servers
import pytest
from alert_servers import ANDRY, MERWIL, NERI, AlertWorld, Reply, SMTPServer, client_tls, server_tls

# The loopback servers and the archive, as fixtures of this module.
smtp_server, slack_server, world = alert_servers.smtp_server, alert_servers.slack_server, alert_servers.world
tls_files = alert_servers.tls_files


def mention_ids_sent_by_email(smtp_server) -> list[str]:
    return [m["X-Mention-Monitor-Alert"] for m in smtp_server.messages]


def test_each_mention_reaches_each_channel_once_and_a_rerun_sends_nothing(world, smtp_server, slack_server):
    for person in (ANDRY, NERI, MERWIL):
        world.add(person)
    report = world.send()
    assert (report.channels["email"].sent, report.channels["slack"].sent) == (1, 1)
    assert report.channels["email"].mentions == 3 and report.failed == 0 and report.pending == 0
    assert len(smtp_server.messages) == 1 and len(slack_server.received) == 1
    message = smtp_server.messages[0]
    assert message["Subject"].startswith("3 new mentions: ")
    assert smtp_server.envelopes[0][1] == ["team@example.org"]
    for person in (ANDRY, NERI, MERWIL):
        assert person in message.get_body(("plain",)).get_content()
        assert any(person in t for t in slack_server.texts())
    rows = world.alerts()
    assert [(r["channel"], r["status"], r["attempts"]) for r in rows] == [("email", "sent", 1), ("slack", "sent", 1)]
    assert all(len(json.loads(r["mention_ids"])) == 3 and r["sent_at"] for r in rows)

    again = world.send()
    assert again.sent == 0 and len(smtp_server.messages) == 1 and len(slack_server.received) == 1

    world.add(NERI)  # a new story: one new alert per channel, carrying only it
    world.send()
    assert len(smtp_server.messages) == 2 and smtp_server.messages[1]["Subject"] == f"New mention: {NERI}"


def test_below_min_score_is_stored_not_alerted(world, smtp_server):
    world.settings = replace(world.settings, possible=False)
    world.archive.alerts = world.settings
    world.add(ANDRY, score=60)
    assert world.send().sent == 0 and smtp_server.messages == []


def test_below_min_score_goes_out_as_a_possible_mention_not_as_an_alert(world, smtp_server):
    world.add(ANDRY, score=60)  # alerts.possible is on by default
    report = world.send()
    assert report.channels["email"].mentions == 0  # not counted among the alerts
    assert smtp_server.messages[0]["Subject"] == f"Possible mention to check: {ANDRY}"


def test_syndicated_copies_make_one_alert_listing_every_link(world, smtp_server, slack_server):
    text = (f"SAN SALVADOR (AP) - The mother of {ANDRY}, a makeup artist deported to CECOT in March, "
            "said on Monday she has not heard from him since. Lawyers asked the court for proof of life.")
    world.add(ANDRY, text=text, url="https://apnews.example/cecot", outlet="AP", title="Mother waits")
    world.add(ANDRY, text=text, url="https://local.example/news/cecot", outlet="Local Paper", title="Mother waits")
    world.send()
    assert len(smtp_server.messages) == 1
    plain = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert smtp_server.messages[0]["Subject"] == f"New mention: {ANDRY}"
    assert "https://apnews.example/cecot" in plain and "https://local.example/news/cecot" in plain
    section = slack_server.received[0]["blocks"][1]["text"]["text"]
    assert "<https://apnews.example/cecot|" in section and "<https://local.example/news/cecot|Local Paper>" in section

    # A third copy found after the alert went out adds no new alert.
    world.add(ANDRY, text=text, url="https://late.example/cecot", outlet="Late")
    assert world.send().sent == 0 and len(smtp_server.messages) == 1


def test_first_mention_ever_is_flagged_and_listed_first(world, smtp_server):
    world.add(NERI)
    world.send()
    world.add(NERI)
    world.add(ANDRY)  # Andry's first mention ever, Neri's second
    world.send()
    plain = smtp_server.messages[1].get_body(("plain",)).get_content().split("\n", 1)[1]  # after the subject
    assert plain.index(f"FIRST MENTION EVER: {ANDRY}") < plain.index(NERI)
    assert f"FIRST MENTION EVER: {NERI}" not in plain


def test_smtp_down_then_up_delivers_once_and_slack_is_not_held_up(world, smtp_server, slack_server):
    world.add(ANDRY)
    smtp_server.stop()
    report = world.send()
    assert report.channels["slack"].sent == 1  # one failing channel never blocks another
    assert report.channels["email"].pending == 1 and report.channels["email"].sent == 0
    email = world.alerts("email")[0]
    assert email["status"] == "pending" and email["attempts"] == 1
    assert "127.0.0.1" in email["error"] and "ConnectionRefused" in email["error"]

    smtp_server.start()
    assert world.send().channels["email"].sent == 1
    assert len(smtp_server.messages) == 1 and len(slack_server.received) == 1
    assert world.alerts("email")[0]["status"] == "sent" and world.alerts("email")[0]["error"] is None


def test_smtp_temporary_error_on_data_is_retried(world, smtp_server):
    world.add(ANDRY)
    smtp_server.data_reply = "451 4.3.0 Mailbox temporarily unavailable"
    world.send()
    assert "451" in world.alerts("email")[0]["error"]
    smtp_server.data_reply = ""
    world.send()
    assert len(smtp_server.messages) == 1


def test_outage_over_several_runs_ends_in_one_message(world, smtp_server, slack_server):
    slack_server.always = Reply(503, "service unavailable")
    for person in (ANDRY, NERI):
        world.add(person)
        world.send()
    world.add(MERWIL)
    slack_server.always = None
    world.send()
    assert len(world.alerts("slack")) == 1  # new mentions joined the alert nobody has seen yet
    assert len(slack_server.received) == 1
    assert all(p in "".join(slack_server.texts()) for p in (ANDRY, NERI, MERWIL))


def test_slack_500_then_up(world, slack_server):
    world.add(ANDRY)
    slack_server.replies = [Reply(500, "internal_error")]
    report = world.send()
    row = world.alerts("slack")[0]
    assert report.channels["slack"].pending == 1 and row["status"] == "pending"
    assert "HTTP 500 internal_error" in row["error"]
    world.send()
    assert len(slack_server.received) == 1 and world.alerts("slack")[0]["status"] == "sent"


def test_slack_429_waits_for_retry_after(world, slack_server):
    world.add(ANDRY)
    now = datetime.now(timezone.utc)
    slack_server.replies = [Reply(429, "rate_limited", {"Retry-After": "120"})]
    world.send(now=now)
    row = world.alerts("slack")[0]
    assert "HTTP 429" in row["error"]
    assert datetime.fromisoformat(row["next_attempt_at"]) >= now + timedelta(seconds=119)
    world.send(now=now + timedelta(seconds=60))
    assert slack_server.requests == 1  # not asked again before Retry-After
    world.send(now=now + timedelta(seconds=121))
    assert len(slack_server.received) == 1 and world.alerts("slack")[0]["status"] == "sent"


def test_backoff_grows_and_max_attempts_marks_failed(world, smtp_server, slack_server):
    from alerts import Backoff

    world.add(ANDRY)
    slack_server.always = Reply(502, "bad gateway")
    now = datetime.now(timezone.utc)
    world.send(now=now, backoff=Backoff(60, 3600))
    first = datetime.fromisoformat(world.alerts("slack")[0]["next_attempt_at"])
    assert first == now.replace(microsecond=0) + timedelta(seconds=60)
    world.send(now=now + timedelta(seconds=61), backoff=Backoff(60, 3600))
    second = datetime.fromisoformat(world.alerts("slack")[0]["next_attempt_at"])
    assert second - (now + timedelta(seconds=61)).replace(microsecond=0) == timedelta(seconds=120)
    report = world.send(now=now + timedelta(seconds=200), backoff=Backoff(60, 3600))  # attempt 3 of 3
    row = world.alerts("slack")[0]
    assert row["status"] == "failed" and row["attempts"] == 3 and row["next_attempt_at"] is None
    assert report.channels["slack"].failed == 1 and report.failed == 1
    assert "slack: 0 sent (0 mentions), 1 failed, 0 pending" in report.lines()[1]
    assert world.send(now=now + timedelta(days=1)).channels["slack"].sent == 0  # failed is final
    assert slack_server.requests == 3


def test_slack_4xx_is_not_retried(world, slack_server):
    world.add(ANDRY)
    slack_server.always = Reply(404, "no_service")
    report = world.send()
    assert report.channels["slack"].failed == 1 and world.alerts("slack")[0]["status"] == "failed"


def test_webhook_url_is_redacted_from_errors_and_logs(world, slack_server, caplog):
    world.add(ANDRY)
    slack_server.always = Reply(500, f"echo {slack_server.url} {slack_server.token}")
    with caplog.at_level(logging.WARNING):
        world.send()
    error = world.alerts("slack")[0]["error"]
    assert "HTTP 500" in error and "[redacted]" in error
    stored = "\n".join(str(v) for r in world.db.query("select * from alerts") for v in r.values())
    for text in (stored, caplog.text):
        assert slack_server.token not in text and "/services/T0/B0" not in text


def test_smtp_login_failure_keeps_the_reason_not_the_password(tmp_path, caplog, tls_files):
    cert, key = tls_files
    server = SMTPServer(tls=server_tls(cert, key), credentials=("monitor", "the-right-password")).start()
    try:
        w = AlertWorld(tmp_path, server, None)
        w.use_email(starttls=True, username_env="TEST_SMTP_USER", password_env="TEST_SMTP_PASSWORD")
        w.env.update(TEST_SMTP_USER="monitor", TEST_SMTP_PASSWORD="hunter2-very-secret")
        w.add(ANDRY)
        with caplog.at_level(logging.WARNING):
            w.send(ssl_context=client_tls(cert))
        error = w.alerts("email")[0]["error"]
        assert "535" in error and set(server.logins) == {"monitor"}  # smtplib tries each mechanism
        stored = "\n".join(str(v) for r in w.db.query("select * from alerts") for v in r.values())
        assert "hunter2" not in stored and "hunter2" not in caplog.text
        w.env["TEST_SMTP_PASSWORD"] = "the-right-password"
        w.send(ssl_context=client_tls(cert))
        assert len(server.messages) == 1 and w.alerts("email")[0]["status"] == "sent"
        w.archive.close()
    finally:
        server.stop()


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "implicit-tls"])
def test_smtp_over_tls_with_login(tmp_path, tls_files, implicit):
    cert, key = tls_files
    server = SMTPServer(tls=server_tls(cert, key), implicit_tls=implicit, credentials=("monitor", "pw-123456")).start()
    try:
        w = AlertWorld(tmp_path, server, None)
        w.use_email(starttls=not implicit, ssl=implicit, username_env="U", password_env="P")
        w.env.update(U="monitor", P="pw-123456")
        w.add(ANDRY)
        w.send()  # the system's trust store does not know this certificate: nothing is sent in clear
        assert len(server.messages) == 0 and "CERTIFICATE_VERIFY_FAILED" in w.alerts("email")[0]["error"]
        w.send(ssl_context=client_tls(cert))
        assert len(server.messages) == 1 and set(server.logins) == {"monitor"}
        w.archive.close()
    finally:
        server.stop()


def test_missing_secret_is_reported_and_retried(world, slack_server):
    world.add(ANDRY)
    world.env["TEST_SLACK_WEBHOOK"] = ""
    world.send()
    assert "TEST_SLACK_WEBHOOK" in world.alerts("slack")[0]["error"]
    world.env["TEST_SLACK_WEBHOOK"] = slack_server.url
    world.send()
    assert len(slack_server.received) == 1


def test_hostile_article_text_is_escaped_end_to_end(world, smtp_server, slack_server):
    hostile = f"<!channel> <script>alert(1)</script> Tom & Jerry say {ANDRY} is <b>alive</b>."
    world.add(ANDRY, text=hostile, title="<!here> <script>x</script> & co", outlet="<img src=x onerror=alert(1)>")
    world.send()
    html = smtp_server.bodies()[0][1]
    assert "<script>" not in html and "<img" not in html and "<b>alive" not in html
    assert "&lt;script&gt;" in html and "Tom &amp; Jerry" in html
    sent = json.dumps(slack_server.received, ensure_ascii=False)
    assert "<!channel>" not in sent and "<!here>" not in sent and "<script>" not in sent
    assert "&lt;!channel&gt;" in sent and "Tom &amp; Jerry" in sent


def test_reviewer_rejection_before_dispatch_stops_the_alert(world, smtp_server):
    saved = world.add(ANDRY)
    world.db["reviews"].insert({"person_id": world.ids[ANDRY], "article_id": saved.article_id,
                                "verdict": "rejected", "reviewed_at": "2025-01-01"})
    assert world.send().sent == 0 and smtp_server.messages == []


def test_split_slack_alert_resumes_after_the_parts_already_posted(world, slack_server):
    from dataclasses import replace

    from alerts import content, slack_blocks

    world.settings = replace(world.settings, max_items=100)  # a long alert, not a capped one
    for n in range(60):
        person = (ANDRY, NERI, MERWIL)[n % 3]
        words = " ".join(f"w{n}x{i}" for i in range(60))  # distinct texts: 60 stories, not 3
        world.add(person, text=f"Report {n}: {words} {person} {words}.")
    slack_server.replies = [Reply(), Reply(500, "boom")]  # part 1 posted, part 2 fails
    world.send()
    row = world.alerts("slack")[0]
    assert row["parts_sent"] == 1 and row["maybe_delivered"] == 1 and row["status"] == "pending"
    parts = len(slack_blocks.slack_payloads(content.loads(row["content"]), alert_id=row["id"]))
    assert parts >= 2
    world.send()
    assert len(slack_server.received) == parts  # part 1 was not posted again
    sections = [b for p in slack_server.received for b in p["blocks"] if b["type"] == "section"]
    assert len(sections) == 60


def test_no_answer_after_sending_freezes_the_alert_and_new_mentions_go_separately(world, slack_server):
    world.add(ANDRY)
    world.use_slack(timeout=0.3)
    slack_server.replies = [Reply(silent_for=1.0)]
    world.send()
    first = world.alerts("slack")[0]
    assert first["maybe_delivered"] == 1 and "may have been posted" in first["error"]
    world.add(NERI)
    world.send()
    rows = world.alerts("slack")
    assert len(rows) == 2 and all(r["status"] == "sent" for r in rows)
    assert len(json.loads(rows[0]["mention_ids"])) == 1  # the in-doubt alert went out unchanged
    assert rows[0]["content"] == first["content"] and rows[0]["message_id"] == first["message_id"]


def test_file_channel_writes_one_json_per_alert(tmp_path, smtp_server):
    w = AlertWorld(tmp_path, None, None, file_channel=True)
    w.add(ANDRY)
    w.add(NERI)
    assert w.send().channels["file"].sent == 1
    files = sorted((tmp_path / "outbox-files").iterdir())
    assert [f.name for f in files] == ["alert-000001.json"]
    document = json.loads(files[0].read_text())
    assert document["subject"].startswith("2 new mentions") and len(document["mentions"]) == 2
    assert {m["person"] for m in document["mentions"]} == {ANDRY, NERI}
    assert w.send().sent == 0 and len(list((tmp_path / "outbox-files").iterdir())) == 1
    w.archive.close()


def test_send_test_reports_each_channel_with_the_servers_error(world, smtp_server, slack_server):
    from alerts import send_test

    results = send_test(world.settings, env=world.env)
    assert [(c, ok) for c, ok, _ in results] == [("email", True), ("slack", True)]
    assert smtp_server.messages[0]["Subject"] == "mention-monitor test message"
    slack_server.always = Reply(403, "invalid_token")
    smtp_server.stop()
    results = send_test(world.settings, env=world.env)
    assert [(c, ok) for c, ok, _ in results] == [("email", False), ("slack", False)]
    assert "ConnectionRefused" in results[0][2] and "HTTP 403 invalid_token" in results[1][2]
    assert slack_server.token not in results[1][2]


def test_back_catalogue_is_stored_but_not_alerted(world, smtp_server):
    old = (datetime.now(timezone.utc) - timedelta(days=30)).isoformat(timespec="seconds")
    world.add(ANDRY, published=old)
    saved = world.add(NERI, published=None)  # undated: when the archive first saw it counts
    assert saved.queued == 2
    # A rematch finding a newly added person in an old undated article does not alert.
    world.db.execute("update articles set fetched_at = ? where id = ?", [old, saved.article_id])
    from monitor.items import Mention

    text = world.db["articles"].get(saved.article_id)["text"]
    start = text.index(NERI)
    late = world.archive.add_mentions(saved.article_id, [Mention(world.people[MERWIL], "x", start, start + 1, 95)],
                                      world.ids)
    assert late.mention_ids and late.queued == 0
    world.send()
    assert len(smtp_server.messages) == 1 and smtp_server.messages[0]["Subject"] == f"New mention: {NERI}"


def test_alert_emptied_by_a_review_is_dropped_not_sent(world, smtp_server):
    saved = world.add(ANDRY)
    smtp_server.stop()
    world.send()  # queued into an alert, not delivered
    smtp_server.start()
    world.db.execute("update alert_queue set alert_id = null where mention_id = ?", [saved.mention_ids[0]])
    world.db["reviews"].insert({"person_id": world.ids[ANDRY], "article_id": saved.article_id,
                                "verdict": "rejected", "reviewed_at": "2025-01-01"})
    assert world.send().channels["email"].sent == 0 and smtp_server.messages == []
    assert world.alerts("email") == []
