"""The email alert: one message with a plain-text part (this module) and an HTML part (email_html.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from monitor.match.snippets import highlight

from .content import SOURCE, VANISHED, AlertItem
from .email_html import html_body
from .shared_text import (
    POSSIBLE_HEADING,
    POSSIBLE_NOTE,
    SNIPPET_CHARS,
    collapse_spaces,
    cut,
    day,
    is_feed_text,
    next_step,
    one_line,
    source_lines,
    subject,
    title_lines,
    vanished_line,
)
from .wording import FEED_TEXT, details, mention_url, reject_url


def email_message(
    items: Sequence[AlertItem],
    *,
    sender: str,
    to: Sequence[str],
    message_id: str,
    date: datetime,
    alert_id: int | None = None,
    more: str = "",
    public_url: str = "",
) -> EmailMessage:
    """One multipart/alternative message (plain text + HTML) carrying every item; `more` ends the list.

    With `public_url` (serve.public_url) each new mention links to its archive page.
    """
    msg = _envelope(subject(items), sender, to, message_id, date)
    if alert_id is not None:
        msg["X-Mention-Monitor-Alert"] = str(alert_id)
    msg.set_content(plain_text(items, more, public_url))
    msg.add_alternative(html_body(items, more, public_url), subtype="html")
    return msg


def probe_email(*, sender: str, to: Sequence[str], message_id: str, date: datetime) -> EmailMessage:
    msg = _envelope("mention-monitor test message", sender, to, message_id, date)
    msg.set_content("This is a test from `monitor alerts test`: alerts will reach this address.\n")
    return msg


def _envelope(subj: str, sender: str, to: Sequence[str], message_id: str, date: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subj
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
    return msg


def plain_text(items: Sequence[AlertItem], more: str = "", public_url: str = "") -> str:
    out = [subject(items), ""]
    heading = False  # possible mentions come last, under their own heading
    for item in items:
        if item.kind == VANISHED:
            out += _plain_vanished(item)
            continue
        if item.kind == SOURCE:
            source, detail, since = source_lines(item)
            out += [f"SOURCE NEEDS ATTENTION: {source}", f"  {detail}", *([f"  {since}"] if since else []),
                    f"  {next_step(item)}", ""]
            continue
        if item.possible and not heading:
            heading = True
            out += ["=" * 40, POSSIBLE_HEADING.upper(), POSSIBLE_NOTE, ""]
        title, meta = title_lines(item)
        flag = "FIRST MENTION EVER: " if item.first_for_person else ""
        out.append(f"{flag}{one_line(item.person)}")
        out.append(f"  {title}")
        out.append(f"  {meta}")
        out.append(f"  {details(item)}")
        for url, outlet in item.links or ((item.url, item.outlet),):
            out.append(f"  {one_line(outlet)}: {FEED_TEXT if is_feed_text(item, url) else one_line(url)}")
        if mention_url(public_url, item):
            out.append(f"  In the archive: {mention_url(public_url, item)}")
            out.append(f"  Not this person? {reject_url(public_url, item)}")
        pieces = highlight(cut(item.snippet, SNIPPET_CHARS), item.matched)
        snippet = "".join(f"*{t}*" if hit else t for t, hit in pieces)
        snippet = collapse_spaces(snippet).strip()
        if snippet:
            out.append(f"  “{snippet}”")
        out.append("")
    if more:  # alerts.max_items left some out (alerts/limits.py)
        out += [one_line(more), ""]
    out.append("-- \nmention-monitor: each mention is alerted once per channel.")
    return "\n".join(out) + "\n"


def _plain_vanished(item: AlertItem) -> list[str]:
    out = [f"NO LONGER NAMED: {one_line(item.person)}", f"  {vanished_line(item)}",
           f"  {one_line(item.outlet)} · {day(item.published)}"]
    pieces = highlight(cut(item.snippet, SNIPPET_CHARS), item.matched)
    snippet = collapse_spaces("".join(f"*{t}*" if hit else t for t, hit in pieces)).strip()
    if snippet:
        out.append(f"  It said: “{snippet}”")
    return [*out, ""]
