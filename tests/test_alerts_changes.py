""""No longer named" alerts (change_alerts rows) through the dispatcher, on real loopback servers.

Pages are re-checked with monitor.archive.changes.record_check, which queues the rows exactly as a
run does; the dispatcher must deliver each once per channel, next to new mentions, escaped,
and never for a (person, story) a reviewer rejected.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import alert_servers
import pytest
from alert_servers import ANDRY, NERI, AlertWorld, Reply
from conftest import run_monitor, write_config
from pages import article_html, rss
from sqlite_utils import Database

from alerts import content
from alerts.content import AlertItem
from alerts.records import claim
from alerts.shared_text import subject
from monitor.archive.changes import Fetched, record_check
from monitor.archive.review import review
from monitor.match import compile_watchlist

smtp_server, slack_server = alert_servers.smtp_server, alert_servers.slack_server

HOSTILE = 'Alert <!channel> <script>alert("x")</script> Tom & Jerry <https://evil.example|click>'
# What the edited page says: enough text to be an article, and no watched name.
EDITED = ("The families of the men sent to CECOT in March asked the ministry again for news. "
          "A lawyer said the petition would be heard in December, and that the court had asked "
          "the government for a list of the men held there.")


@pytest.fixture
def world(tmp_path, smtp_server, slack_server):
    w = AlertWorld(tmp_path, smtp_server, slack_server, file_channel=True)
    yield w
    w.archive.close()


def vanish(world: AlertWorld, saved, title: str = "Edited") -> dict:
    """Re-check the article of `saved` and find the page no longer naming anyone: the real change watch."""
    url = world.db["articles"].get(saved.article_id)["url"]
    body = article_html(title, [EDITED]).encode()
    watchlist = compile_watchlist(list(world.people.values()))
    check = record_check(world.db, saved.article_id, Fetched(200, url, {"Content-Type": "text/html"}, body),
                         watchlist, world.ids, world.settings)
    assert check["note"].startswith("no longer names"), check
    return check


def files(world: AlertWorld) -> list[dict]:
    folder = world.settings.file.dir
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(folder).glob("alert-*.json"))]


def plain(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html(message) -> str:
    return message.get_body(("html",)).get_content()


def test_vanished_name_reaches_each_channel_once(world, smtp_server, slack_server):
    saved = world.add(ANDRY, title="Mother waits for news")
    world.send()  # the new mention: one message per channel
    check = vanish(world, saved)
    assert world.db["change_alerts"].count == 3

    report = world.send()
    assert {c.channel: (c.sent, c.mentions, c.changes) for c in report.channels.values()} == {
        "email": (1, 0, 1), "slack": (1, 0, 1), "file": (1, 0, 1)}
    assert "email: 1 sent (0 mentions, 1 names removed), 0 failed, 0 pending" in report.lines()
    url = world.db["articles"].get(saved.article_id)["url"]
    when = datetime.fromisoformat(check["checked_at"]).strftime("%Y-%m-%d %H:%M UTC")
    line = f"no longer named in Mother waits for news ({url}), checked {when}"

    assert len(smtp_server.messages) == 2
    message = smtp_server.messages[1]
    assert message["Subject"] == f"Name removed from a page: {ANDRY}"
    assert line in plain(message) and f"NO LONGER NAMED: {ANDRY}" in plain(message)
    said = plain(message).split("It said: “", 1)[1]  # the old snippet, the name highlighted
    assert said.index("Relatives of") < said.index(f"*{ANDRY}*") < said.index("”")
    assert "NO LONGER NAMED" in html(message) and f'<a href="{url}">Mother waits for news</a>' in html(message)

    assert len(slack_server.received) == 2
    section = slack_server.received[1]["blocks"][1]["text"]["text"]
    assert f"*No longer named* · *{ANDRY}*" in section
    assert f"no longer named in *<{url}|Mother waits for news>*, checked {when}" in section
    assert ">_It said:_ " in section and f"Relatives of *{ANDRY}*" in section

    second = files(world)[1]
    assert second["subject"] == f"Name removed from a page: {ANDRY}" and second["mentions"] == []
    assert second["changes"] == [{
        "kind": "vanished", "mention_id": saved.mention_ids[0], "person": ANDRY, "title": "Mother waits for news",
        "outlet": "Example News", "published": second["changes"][0]["published"], "url": url,
        "checked_at": check["checked_at"], "check_id": check["id"], "snippet": second["changes"][0]["snippet"],
        "matched": ANDRY, "text": line}]

    rows = world.alerts()
    assert len(rows) == 6 and all(r["status"] == "sent" for r in rows)
    assert all(json.loads(r["mention_ids"]) == list(saved.mention_ids) for r in rows)  # the new one, then the vanished
    carried = {r["channel"]: r["alert_id"] for r in world.db.query("select channel, alert_id from change_alerts")}
    assert carried == {r["channel"]: r["id"] for r in rows[3:]}
    assert [i.kind for i in content.loads(rows[3]["content"])] == ["vanished"]

    again = world.send()
    assert again.sent == 0 and len(smtp_server.messages) == 2 and len(slack_server.received) == 2
    assert len(files(world)) == 2
    vanish(world, saved)  # seen again on a later re-check: still once ever
    assert world.send().sent == 0 and world.db["change_alerts"].count == 3


def test_new_mentions_and_removed_names_share_one_message_new_first(world, smtp_server, slack_server):
    andry = world.add(ANDRY)
    world.send()
    neri = world.add(NERI)
    vanish(world, andry)
    world.send()
    assert len(smtp_server.messages) == 2 and len(slack_server.received) == 2 and len(files(world)) == 2
    message = smtp_server.messages[1]
    assert message["Subject"] == f"1 new mention, 1 name removed from a page: {NERI}, {ANDRY}"
    body = plain(message)
    assert body.index(f"FIRST MENTION EVER: {NERI}\n") < body.index(f"NO LONGER NAMED: {ANDRY}")
    sections = [b["text"]["text"] for b in slack_server.received[1]["blocks"] if b["type"] == "section"]
    assert [NERI in sections[0], "No longer named" in sections[1]] == [True, True]
    document = files(world)[1]
    assert [m["person"] for m in document["mentions"]] == [NERI] and document["mentions"][0]["kind"] == "new"
    assert [c["person"] for c in document["changes"]] == [ANDRY]
    assert json.loads(world.alerts("email")[1]["mention_ids"]) == [neri.mention_ids[0], andry.mention_ids[0]]


def test_subject_counts_each_kind():
    def item(n: int, person: str, kind: str = "new", url: str = "https://a.example/1") -> AlertItem:
        return AlertItem(mention_id=n, person=person, title="t", url=url, kind=kind)

    new, gone = item(1, NERI), item(2, ANDRY, "vanished")
    assert subject([new, gone]) == f"1 new mention, 1 name removed from a page: {NERI}, {ANDRY}"
    assert subject([new, item(3, "B"), gone, item(4, "C", "vanished", "https://b.example/2")]) == (
        f"2 new mentions, 2 names removed from pages: {NERI}, B, {ANDRY}, …")
    assert subject([gone]) == f"Name removed from a page: {ANDRY}"
    assert subject([new]) == f"New mention: {NERI}"


def test_content_frozen_before_this_change_still_loads():
    old = json.dumps([{"mention_id": 1, "person": ANDRY, "title": "t", "url": "https://a.example/1",
                       "links": [["https://a.example/1", "a.example"]]}])
    [item] = content.loads(old)
    assert item.kind == "new" and item.checked_at is None


def test_rejected_review_withholds_the_removed_name(world, smtp_server, slack_server):
    text = (f"SAN SALVADOR (AP) - The mother of {ANDRY}, a makeup artist deported to CECOT in March, "
            "said on Monday she has not heard from him since. Lawyers asked the court for proof of life.")
    first = world.add(ANDRY, text=text, url="https://apnews.example/cecot", outlet="AP")
    copy = world.add(ANDRY, text=text, url="https://local.example/cecot", outlet="Local")  # the same story
    world.send()
    vanish(world, first)
    assert world.db["change_alerts"].count == 3  # queued before anyone said "not him"
    review(world.db, copy.mention_ids[0], "rejected", "a namesake")  # on the syndicated copy

    assert world.send().sent == 0
    assert len(smtp_server.messages) == 1 and len(slack_server.received) == 1 and len(files(world)) == 1
    assert [r["alert_id"] for r in world.db.query("select alert_id from change_alerts")] == [None] * 3

    review(world.db, copy.mention_ids[0], "confirmed")  # the verdict changed: it goes out
    assert world.send().sent == 3
    assert smtp_server.messages[1]["Subject"] == f"Name removed from a page: {ANDRY}"


def test_rejection_after_the_claim_takes_the_row_out_and_drops_the_empty_alert(world, smtp_server):
    saved = world.add(ANDRY)
    world.send()
    vanish(world, saved)
    claim(world.db, "email", datetime.now(timezone.utc))
    assert world.alerts("email")[-1]["status"] == "pending"
    review(world.db, saved.mention_ids[0], "rejected")
    assert world.send().sent == 0 and len(smtp_server.messages) == 1


def test_alert_carrying_only_a_removed_name_is_not_dropped_as_empty(world, smtp_server):
    saved = world.add(ANDRY)
    world.send()
    vanish(world, saved)
    claim(world.db, "email", datetime.now(timezone.utc))  # a claim with no outbox row in it
    assert world.send().channels["email"].sent == 1 and len(smtp_server.messages) == 2


def test_hostile_text_in_a_removed_page_is_escaped(world, smtp_server, slack_server):
    text = f"{HOSTILE}. Relatives of {ANDRY} said {HOSTILE}, and asked for news since March."
    saved = world.add(ANDRY, title=HOSTILE, text=text, outlet="<b>Outlet</b>")
    world.send()
    vanish(world, saved)
    world.send()
    message = smtp_server.messages[1]
    body = html(message)
    assert "<script>" not in body and "<!channel>" not in body and "<b>Outlet" not in body
    assert "&lt;script&gt;" in body and "Tom &amp; Jerry" in body
    assert "Tom & Jerry" in plain(message)  # plain text is not HTML: quoted as is
    texts = slack_server.texts()
    assert not any("<!channel>" in t or "<https://evil.example|click>" in t for t in texts)
    assert any("&lt;!channel&gt;" in t and "No longer named" in t for t in texts)
    assert files(world)[1]["changes"][0]["title"] == HOSTILE  # JSON carries the text, unescaped


def test_outage_then_one_message_and_an_in_doubt_alert_stays_frozen(world, smtp_server, slack_server):
    andry, neri = world.add(ANDRY), world.add(NERI)
    world.send()
    smtp_server.stop()
    vanish(world, andry)
    assert world.send().channels["email"].pending == 1
    vanish(world, neri)  # joins the pending alert: nothing can have reached anyone
    smtp_server.start()
    world.send()
    assert len(smtp_server.messages) == 2
    assert smtp_server.messages[1]["Subject"] == f"2 names removed from pages: {ANDRY}, {NERI}"

    # Slack goes silent after taking the request: that alert is frozen, a later change goes separately.
    merwil = world.add(alert_servers.MERWIL)
    world.send()
    world.use_slack(timeout=0.3)
    slack_server.replies = [Reply(silent_for=1.0)]
    vanish(world, merwil)
    world.send()
    frozen = world.alerts("slack")[-1]
    assert frozen["maybe_delivered"] == 1 and frozen["status"] == "pending"
    again = world.add(ANDRY)
    world.send()
    rows = world.alerts("slack")
    assert rows[-2]["id"] == frozen["id"] and rows[-2]["content"] == frozen["content"]
    assert json.loads(rows[-2]["mention_ids"]) == list(merwil.mention_ids)
    assert json.loads(rows[-1]["mention_ids"]) == list(again.mention_ids)
    assert all(r["status"] == "sent" for r in rows)


# -- end to end: `monitor run` on loopback, a page edited to drop the name ------------------


NAMED = "Relatives of Andry José Hernández Romero, who was sent to CECOT in 2025, spoke on Monday."
UNNAMED = "Relatives of a man who was sent to CECOT in 2025 spoke on Monday."


@pytest.mark.slow
def test_run_delivers_one_no_longer_named_alert_for_an_edit(tmp_path, site):
    site.add("/news/edited.html", article_html("Edited", [NAMED]))
    site.add("/feed.xml", rss([{"title": "edited", "link": f"{site.base}/news/edited.html"}]), "application/rss+xml")
    body = (f'[[feed]]\nurl = "{site.base}/feed.xml"\n\n[evidence]\nrecheck_days = [0, 0, 0]\n\n'
            '[alerts]\nbackfill_days = 36500\n\n[alerts.file]\ndir = "alerts"\n')
    config = str(write_config(tmp_path, body, '[[person]]\nname = "Andry José Hernández Romero"\n'))
    result = run_monitor("run", "-c", config)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "alerts"
    assert [len(json.loads(p.read_text())["mentions"]) for p in sorted(folder.glob("alert-*.json"))] == [1]

    site.add("/news/edited.html", article_html("Edited", [UNNAMED]))
    for _ in range(2):  # the edit is found, then seen again: one alert all the same
        result = run_monitor("run", "-c", config)
        assert result.returncode == 0, result.stderr
    documents = [json.loads(p.read_text()) for p in sorted(folder.glob("alert-*.json"))]
    changes = [c for d in documents for c in d.get("changes", [])]
    assert len(documents) == 2 and documents[1]["mentions"] == []
    assert [(c["kind"], c["person"], c["url"]) for c in changes] == [
        ("vanished", "Andry José Hernández Romero", f"{site.base}/news/edited.html")]
    assert changes[0]["text"].startswith(f"no longer named in Edited ({site.base}/news/edited.html), checked ")
    assert documents[1]["subject"] == "Name removed from a page: Andry José Hernández Romero"
    db = Database(tmp_path / "mentions.db")
    assert [r["alert_id"] for r in db.query("select alert_id from change_alerts")] == [2]
    assert db["alerts"].get(2)["status"] == "sent"
    db.close()
