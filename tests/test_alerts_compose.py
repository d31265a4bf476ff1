"""Alert text: subject, highlighting, escaping of hostile article text, Slack's limits."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from alerts import email_html, email_text, shared_text, slack_blocks
from alerts.content import AlertItem, order
from monitor.match.snippets import highlight

ANDRY = "Andry José Hernández Romero"
HOSTILE = 'Alert <!channel> <script>alert("x")</script> Tom & Jerry <https://evil.example|click>'


def item(n: int = 1, **kw) -> AlertItem:
    base = dict(
        mention_id=n, person=ANDRY, title=f"Headline {n}", url=f"https://news.example.org/{n}",
        outlet="Example News", published="2025-04-02T10:00:00+00:00",
        snippet=f"Relatives of {ANDRY} said on Tuesday", matched=ANDRY, score=95,
        links=((f"https://news.example.org/{n}", "Example News"),),
    )
    base.update(kw)
    return AlertItem(**base)


def test_subject_counts_mentions_and_names_people():
    items = [item(1), item(2, person="Neri José Alvarado Borges"), item(3, person="B"), item(4, person="C")]
    assert shared_text.subject(items) == f"4 new mentions: {ANDRY}, Neri José Alvarado Borges, B, …"
    assert shared_text.subject([item()]) == f"New mention: {ANDRY}"


def test_first_mentions_are_listed_first():
    items = order([item(1, person="Zed"), item(2, person="Abe"), item(3, person="Mia", first_for_person=True)])
    assert [i.person for i in items] == ["Mia", "Abe", "Zed"]


def test_highlight_finds_the_matched_words_whatever_the_case():
    pieces = highlight("ANDRY JOSÉ HERNÁNDEZ ROMERO was seen", ANDRY)
    assert pieces == [("ANDRY JOSÉ HERNÁNDEZ ROMERO", True), (" was seen", False)]


def test_email_has_plain_and_html_with_every_field():
    msg = email_text.email_message([item(1, first_for_person=True)], sender="m@example.org", to=["a@example.org"],
                                message_id="<alert-1.abc@example.org>", date=datetime.now(timezone.utc))
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["Message-ID"] == "<alert-1.abc@example.org>"
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for text in (plain, html):
        assert "Headline 1" in text and "Example News" in text and "2025-04-02" in text
        assert "https://news.example.org/1" in text and "FIRST MENTION EVER" in text
    assert f"<mark style=\"background:#ffe066\">{ANDRY}</mark>" in html
    assert f"*{ANDRY}*" in plain


def test_email_html_escapes_hostile_text():
    bad = item(1, title=HOSTILE, outlet="<b>Outlet</b>", snippet=f"{HOSTILE} {ANDRY}",
               url="javascript:alert(1)", links=(("javascript:alert(1)", "x"), ("https://ok.example/a?b=1&c=2", "<i>")))
    html = email_html.html_body([bad])
    assert "<script>" not in html and "<b>Outlet" not in html and "<i>" not in html
    assert "&lt;script&gt;" in html and "Tom &amp; Jerry" in html
    assert 'href="javascript:' not in html  # only http(s) becomes a link
    assert 'href="https://ok.example/a?b=1&amp;c=2"' in html


def test_slack_escapes_control_characters_so_nothing_pings_or_links():
    bad = item(1, title=HOSTILE, snippet=f"{HOSTILE} {ANDRY}", person=ANDRY,
               links=(("https://news.example.org/1", "Example"), ("https://x.example/?a=<!channel>|b", "<!here>")))
    payload = slack_blocks.slack_payloads([bad])[0]
    dumped = json.dumps(payload, ensure_ascii=False)
    assert "<!channel>" not in dumped and "<!here>" not in dumped and "<script>" not in dumped
    assert "<https://evil.example|click>" not in dumped
    assert "&lt;!channel&gt;" in dumped and "Tom &amp; Jerry" in dumped
    text = payload["blocks"][1]["text"]["text"]
    # The only links are ours, and a URL cannot close the link early or add a label.
    assert "<https://news.example.org/1|" in text
    assert "<https://x.example/?a=%3C!channel%3E%7Cb|&lt;!here&gt;>" in text


def test_slack_sections_stay_within_limits_however_long_the_text():
    huge = item(1, title="T" * 5000, snippet=("& " * 3000) + ANDRY, person="P" * 500,
                links=tuple((f"https://copy{i}.example.org/" + "x" * 300, f"Outlet {i}") for i in range(60)))
    text = slack_blocks.slack_item_text(huge)
    assert len(text) <= slack_blocks.SLACK_SECTION_CHARS
    assert "more" in text  # links that did not fit are counted, not dropped silently
    assert not re.search(r"&(?!amp;|lt;|gt;)", text)  # no escape was cut in half


def test_slack_splits_long_alerts_into_messages_within_limits():
    items = [item(i, snippet="word " * 100 + ANDRY) for i in range(1, 121)]
    payloads = slack_blocks.slack_payloads(items, alert_id=7)
    assert len(payloads) > 1
    carried = 0
    for payload in payloads:
        assert len(payload["blocks"]) <= slack_blocks.SLACK_MAX_BLOCKS
        sections = [b for b in payload["blocks"] if b["type"] == "section"]
        carried += len(sections)
        assert sum(len(b["text"]["text"]) for b in sections) <= slack_blocks.SLACK_MESSAGE_CHARS
        assert len(payload["blocks"][0]["text"]["text"]) <= 150
    assert carried == 120
    assert payloads[1]["blocks"][-1]["elements"][0]["text"] == f"mention-monitor · alert #7 · part 2 of {len(payloads)}"
    assert slack_blocks.slack_payloads(items, alert_id=7) == payloads  # deterministic: a retry can skip parts
