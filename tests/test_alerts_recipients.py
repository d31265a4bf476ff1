"""Who gets what by email, read from the real messages aiosmtpd takes: one message per recipient, never a shared To:.

A person's own recipients (`notify_email`) get that person's mentions and nothing else;
source-health notices go to `alerts.operators` only; a digest carries at most
`alerts.max_items` items and says how many more wait in the archive.
"""

from __future__ import annotations

from dataclasses import replace

import alert_servers
import pytest
from alert_servers import ANDRY, MERWIL, NERI, AlertWorld

from monitor.archive.health import HealthProblem, queue_health_notices

smtp_server, slack_server = alert_servers.smtp_server, alert_servers.slack_server

FAMILY = "hernandez.family@example.net"


@pytest.fixture
def world(tmp_path, smtp_server):
    w = AlertWorld(tmp_path, smtp_server, None)
    w.use_email(to=("team@example.org", "lawyer@example.org"))
    configure(w, notify_email=((ANDRY, (FAMILY,)),))
    yield w
    w.archive.close()


def configure(world: AlertWorld, **changes) -> None:
    world.settings = replace(world.settings, **changes)
    world.archive.alerts = world.settings


def received(smtp_server) -> dict[str, list]:
    """Envelope recipient -> the messages they got; each message must have had exactly that one recipient."""
    out: dict[str, list] = {}
    for message, (_, rcpts) in zip(smtp_server.messages, smtp_server.envelopes, strict=True):
        assert len(rcpts) == 1 and message["To"] == rcpts[0] and message.get("Cc") is None
        out.setdefault(rcpts[0], []).append(message)
    return out


def plain(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_each_recipient_gets_their_own_message_and_a_family_only_their_relative(world, smtp_server):
    for person in (ANDRY, NERI, MERWIL):
        world.add(person)
    report = world.send()
    assert report.channels["email"].sent == 1  # one alert, three messages
    got = received(smtp_server)
    assert sorted(got) == sorted(["team@example.org", "lawyer@example.org", FAMILY])
    assert all(len(messages) == 1 for messages in got.values())
    for address in ("team@example.org", "lawyer@example.org"):
        assert all(p in plain(got[address][0]) for p in (ANDRY, NERI, MERWIL))
    family = plain(got[FAMILY][0])
    assert ANDRY in family and NERI not in family and MERWIL not in family
    assert got[FAMILY][0]["Subject"] == f"New mention: {ANDRY}"
    assert "team@example.org" not in got[FAMILY][0].as_string()  # no other address in the family's message
    assert len({m["Message-ID"] for m in smtp_server.messages}) == 3

    world.add(NERI)  # not the family's person: they get nothing more
    world.send()
    got = received(smtp_server)
    assert len(got[FAMILY]) == 1 and len(got["team@example.org"]) == 2


def test_a_send_cut_short_resumes_with_the_recipients_not_yet_served(world, smtp_server, monkeypatch):
    world.add(ANDRY)
    served = []

    original = alert_servers._Handler.handle_DATA

    async def fail_the_second(self, server, session, envelope):
        served.append(envelope.rcpt_tos[0])
        if len(served) == 2:
            return "451 4.3.0 try again later"
        return await original(self, server, session, envelope)

    monkeypatch.setattr(alert_servers._Handler, "handle_DATA", fail_the_second)  # the server, not our code
    world.send()
    monkeypatch.undo()
    row = world.alerts("email")[0]
    assert row["status"] == "pending" and row["parts_sent"] == 1
    world.send()
    got = received(smtp_server)
    assert sorted(got) == sorted(["team@example.org", "lawyer@example.org", FAMILY])
    assert all(len(messages) == 1 for messages in got.values())  # the first recipient was not sent it again


def test_source_health_notices_go_to_the_operators_only(world, smtp_server):
    configure(world, operators=("ops@example.org",))
    world.add(ANDRY)
    problem = HealthProblem("https://example.org/rss.xml", "feed", "failing", "failed 3 runs in a row (last: 503)")
    queue_health_notices(world.db, 1, [problem], world.settings)
    world.send()
    got = received(smtp_server)
    assert got["ops@example.org"][0]["Subject"].startswith("1 source needs attention: ")
    ops = plain(got["ops@example.org"][0])
    assert "https://example.org/rss.xml" in ops and ANDRY not in ops
    assert "Next step: open the address in a browser" in ops and "monitor.toml" in ops
    for address in ("team@example.org", "lawyer@example.org", FAMILY):
        assert "rss.xml" not in plain(got[address][0])


def test_a_digest_is_capped_with_the_archive_link(world, smtp_server):
    configure(world, max_items=5, public_url="https://archive.example.org/")
    for n in range(12):
        world.add((ANDRY, NERI, MERWIL)[n % 3])
    world.send()
    team = received(smtp_server)["team@example.org"][0]
    text = plain(team)
    assert text.count("https://news") == 5 and "and 7 more in the archive: https://archive.example.org/" in text
    assert team["Subject"].startswith("12 new mentions")
    html = team.get_body(("html",)).get_content()
    assert 'and 7 more in the archive: <a href="https://archive.example.org/">' in html
    family = plain(received(smtp_server)[FAMILY][0])
    assert family.count("https://news") == 4 and "more in the archive" not in family  # Andry: 4 of the 12


def test_a_capped_slack_digest_stays_within_slacks_limits(tmp_path, slack_server):
    from alerts.slack_blocks import SLACK_MAX_BLOCKS, SLACK_MESSAGE_CHARS

    w = AlertWorld(tmp_path, None, slack_server)
    try:
        configure(w, max_items=60, public_url="https://archive.example.org/")
        for n in range(75):
            w.add((ANDRY, NERI, MERWIL)[n % 3], text=f"Report {n}: " + " ".join(f"w{n}x{i}" for i in range(80))
                  + f" {(ANDRY, NERI, MERWIL)[n % 3]} said.")
        w.send()
        payloads = slack_server.received
        assert len(payloads) >= 2
        for payload in payloads:
            sections = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
            assert len(payload["blocks"]) <= SLACK_MAX_BLOCKS and sum(map(len, sections)) <= SLACK_MESSAGE_CHARS
        items = sum(1 for p in payloads for b in p["blocks"] if b["type"] == "section" and "news" in b["text"]["text"])
        assert items == 60
        last = payloads[-1]["blocks"][-2]["text"]["text"]
        assert last == "*and 15 more in the archive: <https://archive.example.org/|https://archive.example.org/>*"
    finally:
        w.archive.close()


def test_the_people_filter_holds_on_email_slack_and_file_channels(tmp_path, smtp_server, slack_server):
    import json

    w = AlertWorld(tmp_path, smtp_server, slack_server, file_channel=True)
    try:
        configure(w, email=replace(w.settings.email, people=(NERI,)), slack=replace(w.settings.slack, people=(MERWIL,)),
                  file=replace(w.settings.file, people=(ANDRY.upper(),)), notify_email=((ANDRY, (FAMILY,)),))
        for person in (ANDRY, NERI, MERWIL):
            w.add(person)
        w.send()
        got = received(smtp_server)
        team = plain(got["team@example.org"][0])
        assert NERI in team and ANDRY not in team and MERWIL not in team
        assert ANDRY in plain(got[FAMILY][0]) and NERI not in plain(got[FAMILY][0])  # theirs, whatever `people` says
        slack = " ".join(slack_server.texts())
        assert MERWIL in slack and ANDRY not in slack and NERI not in slack
        (document,) = [json.loads(p.read_text()) for p in (tmp_path / "outbox-files").glob("alert-*.json")]
        assert [m["person"] for m in document["mentions"]] == [ANDRY]
    finally:
        w.archive.close()
