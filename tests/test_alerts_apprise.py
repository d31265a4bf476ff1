"""[[alerts.apprise]] channels through the real Apprise library, against loopback json://, ntfy://, signal://.

Each channel keeps the email and Slack guarantees: one message per channel per send,
each mention once, retried through an outage, a refused message failed at once, a slow
answer kept as "maybe delivered" (the repeat, if any, is the same text), and the token in
the URL in none of the database, the logs or the output.
"""

from __future__ import annotations

import json
from dataclasses import replace

import apprise_servers
import pytest
from alert_servers import ANDRY, MERWIL, NERI, AlertWorld, Reply
from apprise_servers import NotifyServer

from monitor.config import AppriseSettings

notify_server = apprise_servers.notify_server


@pytest.fixture
def world(tmp_path, notify_server):
    w = AlertWorld(tmp_path, None, None, max_attempts=3)
    w.env = {"FAMILY_JSON": notify_server.json_url, "TEAM_NTFY": notify_server.ntfy_url}
    use(w, AppriseSettings("team-ntfy", "TEAM_NTFY"), AppriseSettings("family-json", "FAMILY_JSON", people=(ANDRY,)))
    yield w
    w.archive.close()


def use(world: AlertWorld, *channels: AppriseSettings, **changes) -> None:
    world.settings = replace(world.settings, apprise=channels, **changes)
    world.archive.alerts = world.settings


def by_channel(server: NotifyServer) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"json": [], "ntfy": []}
    for request, text in zip(server.received, server.messages(), strict=True):
        out["json" if request["path"].startswith("/hook/") else "ntfy"].append(text)
    return out


def database_text(world: AlertWorld) -> str:
    def text(value):
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)

    return "\n".join(json.dumps(list(world.db.query(f"select * from [{t}]")), ensure_ascii=False, default=text)
                     for t in world.db.table_names())


def test_each_mention_once_per_channel_and_the_people_filter_holds(world, notify_server):
    for person in (ANDRY, NERI, MERWIL):
        world.add(person, title=f"News about {person.split()[0]}")
    report = world.send()
    assert report.channels["team-ntfy"].mentions == 3 and report.channels["family-json"].mentions == 1
    sent = by_channel(notify_server)
    assert len(sent["ntfy"]) == 1 and len(sent["json"]) == 1  # one message per channel
    assert all(p in sent["ntfy"][0] for p in (ANDRY, NERI, MERWIL))
    family = sent["json"][0]
    assert family.startswith(ANDRY) and NERI not in family and MERWIL not in family  # name first, theirs only
    assert family.splitlines()[1] == "News about Andry" and "https://news1.example.org/story/1" in family
    assert world.send().sent == 0 and len(notify_server.received) == 2  # a rerun sends nothing

    world.add(NERI)
    world.send()
    sent = by_channel(notify_server)
    assert len(sent["ntfy"]) == 2 and len(sent["json"]) == 1  # Neri's news is not the family's
    assert [r["status"] for r in world.alerts()] == ["sent"] * 3


def test_an_outage_is_retried_and_each_mention_arrives_once(world, notify_server):
    world.add(ANDRY)
    notify_server.always = Reply(503, "busy")
    report = world.send()
    assert report.failed == 0 and report.pending == 2 and notify_server.received == []
    row = world.alerts("family-json")[0]
    assert row["status"] == "pending" and "HTTP 503, will retry" in row["error"]
    notify_server.stop()  # now nothing listens: connection refused
    world.add(ANDRY)
    report = world.send()
    assert report.pending == 2 and "will retry" in world.alerts("team-ntfy")[0]["error"]
    notify_server.always = None
    notify_server.start()
    world.send()
    sent = by_channel(notify_server)
    assert len(sent["json"]) == 1 and len(sent["ntfy"]) == 1  # the outage ends in one message each
    assert all(text.count("https://news") == 2 for text in sent["json"] + sent["ntfy"])
    assert [(r["status"], r["attempts"]) for r in world.alerts()] == [("sent", 3), ("sent", 3)]
    assert notify_server.token not in database_text(world)


def test_an_outage_longer_than_max_attempts_ends_in_failed(world, notify_server):
    world.add(ANDRY)
    notify_server.always = Reply(502, "bad gateway")
    for _ in range(3):  # the world's alerts.max_attempts
        report = world.send()
    assert report.failed == 2 and report.pending == 0
    assert all(r["status"] == "failed" and r["attempts"] == 3 and "HTTP 502" in r["error"] for r in world.alerts())
    notify_server.always = None
    assert world.send().sent == 0 and notify_server.received == []  # failed stays failed


def test_a_refused_message_fails_at_once_and_the_token_stays_out_of_the_archive(world, notify_server):
    world.add(ANDRY)
    notify_server.always = Reply(400, f"bad request for {notify_server.token}")
    report = world.send()
    assert report.failed == 2 and report.pending == 0
    for row in world.alerts():
        assert row["status"] == "failed" and row["attempts"] == 1 and "refused: HTTP 400" in row["error"]
    use(world, AppriseSettings("wrong-token", "WRONG"))
    world.env["WRONG"] = notify_server.json_url.replace(notify_server.token, "TOKENthatIsWrong77")
    notify_server.always = None
    world.add(NERI)
    world.send()
    assert "refused: HTTP 401" in world.alerts("wrong-token")[0]["error"]
    text = database_text(world)
    assert notify_server.token not in text and "TOKENthatIsWrong77" not in text


def test_a_slow_answer_is_retried_with_the_same_text(world, notify_server):
    world.env = {"FAMILY_JSON": notify_server.json_url + "?rto=0.5"}  # Apprise's read timeout
    use(world, AppriseSettings("family-json", "FAMILY_JSON"))
    world.add(ANDRY)
    notify_server.replies = [Reply(silent_for=1.5)]
    world.send()
    row = world.alerts()[0]
    assert row["status"] == "pending" and row["maybe_delivered"] == 1 and "may have been delivered" in row["error"]
    world.add(NERI)  # joins a new alert: the first may have reached the family already
    world.send()
    assert len(world.alerts()) == 2 and [r["status"] for r in world.alerts()] == ["sent", "sent"]
    texts = notify_server.messages()
    assert texts[0] == texts[1] and ANDRY in texts[0] and NERI not in texts[0]  # a repeat is the same message
    assert NERI in texts[2]


def test_health_notices_go_to_the_operators_channels_only(world, notify_server):
    from monitor.archive.health import HealthProblem, queue_health_notices

    problem = HealthProblem("https://example.org/rss.xml", "feed", "failing", "failed 3 runs in a row (last: 503)")
    use(world, *world.settings.apprise, operators=("team-ntfy",))
    queue_health_notices(world.db, 1, [problem], world.settings)
    world.send()
    sent = by_channel(notify_server)
    assert sent["json"] == [] and len(sent["ntfy"]) == 1
    assert "Source needs attention" in sent["ntfy"][0] and "https://example.org/rss.xml" in sent["ntfy"][0]
    assert "Next step:" in sent["ntfy"][0]


def test_signal_messages_stay_within_its_limit_with_the_archive_link(world, notify_server):
    signal = f"signal://family:{notify_server.token}@127.0.0.1:{notify_server.port}/+15551234567/+15557654321"
    world.env = {"SIGNAL": signal}
    use(world, AppriseSettings("family-signal", "SIGNAL"), public_url="https://archive.example.org/")
    for n in range(30):
        world.add((ANDRY, NERI, MERWIL)[n % 3], title=f"Headline {n} " + "long words " * 20)
    report = world.send()
    assert report.channels["family-signal"].sent == 1
    (request,) = notify_server.received
    assert request["path"] == "/v2/send" and request["body"]["recipients"] == ["+15557654321"]
    text = request["body"]["message"]
    assert len(text) <= 2000
    assert text.startswith((ANDRY, NERI, MERWIL))
    shown = text.count("https://news")
    assert 1 <= shown < 30 and f"and {30 - shown} more in the archive: https://archive.example.org/" in text
    assert "items left to the archive link" in world.alerts()[0]["error"]


def test_a_telegram_sized_message_escapes_markdown_and_keeps_the_link():
    from alerts.apprise import message
    from alerts.content import AlertItem

    items = [AlertItem(mention_id=n, person=ANDRY, title=f"*Breaking* [{n}](javascript:x) <b>", url=f"https://n.example/{n}",
                       outlet="Diario_Uno", published="2026-11-02T10:00:00+00:00", snippet="x " * 200)
             for n in range(100)]
    fitted = message(items, fmt="markdown", limit=4096, max_items=50, public_url="https://archive.example.org/")
    assert len(fitted.body) <= 4096 and fitted.left_out > 50  # fewer fit than max_items
    first = fitted.body.split("\n")
    assert first[0] == "*Andry José Hernández Romero*" and first[1] == r"*\*Breaking\* \[0\]\(javascript:x\) &lt;b&gt;*"
    assert first[2] == r"Diario\_Uno · 2026\-11\-02" and first[3] == "<https://n.example/0>"
    assert "<https://archive.example.org/>" in fitted.body
    tiny = message(items[:1], fmt="text", limit=160)
    assert len(tiny.body) <= 160 and tiny.body.startswith("Andry") and tiny.body.endswith("https://n.example/0")


def test_a_token_never_reaches_the_logs(world, notify_server, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    world.add(ANDRY)
    notify_server.always = Reply(500, "boom")
    world.send()
    notify_server.always = None
    world.send()
    assert caplog.records and notify_server.token not in caplog.text
    assert notify_server.token not in database_text(world)


@pytest.mark.parametrize(("url", "fmt", "limit"), [
    ("tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234567890/", "text", 4096),  # HTML: Apprise escapes
    ("signal://localhost:8080/+15551234567/+15557654321", "text", 2000),
    ("workflows://prod-00.westus.logic.azure.com:443/abc1234/def5678", "markdown", 1000),  # Teams
    ("twilio://AC" + "a" * 32 + ":" + "b" * 32 + "@15551234567/15557654321", "text", 160),  # SMS
])
def test_the_format_and_length_are_chosen_per_service(url, fmt, limit):
    from alerts import apprise, apprise_send

    _, service = apprise_send.load(url, apprise_send.secret_parts(url))
    assert apprise.choose_format("", service.native_format) == fmt
    assert apprise.choose_format("markdown", service.native_format) == "markdown"  # `format` wins
    assert apprise.service_limit(service.scheme, service.body_maxlen) == limit


def test_possible_mentions_come_after_the_alerts_under_their_heading(world, notify_server):
    use(world, AppriseSettings("family-json", "FAMILY_JSON"))
    world.add(ANDRY, score=85)  # below min_score 90: a possible mention
    world.add(NERI)
    report = world.send()
    assert report.channels["family-json"].sent == 1 and report.channels["family-json"].mentions == 1
    (request,) = notify_server.received
    body, title = request["body"]["message"], request["body"]["title"]
    assert title == f"New mention: {NERI}"  # the possible one is not counted
    assert body.index(NERI) < body.index("Possible mentions: please check") < body.index(ANDRY)
    assert f"{ANDRY} (possible mention: please check)" in body


def test_possible_mentions_are_cut_first_when_the_message_is_full(world, notify_server):
    signal = f"signal://family:{notify_server.token}@127.0.0.1:{notify_server.port}/+15551234567/+15557654321"
    world.env = {"SIGNAL": signal}
    use(world, AppriseSettings("family-signal", "SIGNAL"))
    world.add(ANDRY, score=85, title="The possible one")
    for n in range(30):
        world.add(NERI, title=f"Headline {n} " + "long words " * 20)
    world.send()
    (request,) = notify_server.received
    text = request["body"]["message"]
    assert len(text) <= 2000 and text.startswith(NERI)
    assert ANDRY not in text and "Possible mentions" not in text and "more in" in text
