"""Alert text, pure: AlertItems -> an email (plain + HTML) and Slack Block Kit payloads.

Everything quoted from an article is hostile until escaped: HTML-escaped in email,
`&`, `<`, `>` escaped in Slack (so a headline cannot ping `<!channel>` or forge a link).
New mentions are listed first, then the pages that no longer name someone ("vanished"),
then the sources that need a person (failing run after run, or gone dark). A source's URL
and error text are as hostile as a headline, and escaped the same way.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from monitor.snippets import clip, highlight

from .content import SOURCE, VANISHED, AlertItem
from .wording import FEED_TEXT, checked, details, mention_url, reject_url

# Slack's documented limits: 50 blocks per message, 3000 characters per section text,
# 150 per header. Messages whose blocks total ~13k characters are refused in practice
# (msg_blocks_too_long, slackapi/bolt-js#2509), so a message stays well under that.
SLACK_MAX_BLOCKS = 50
SLACK_SECTION_CHARS = 3000
SLACK_MESSAGE_CHARS = 11000
SNIPPET_CHARS = 600  # longer snippets are cut: the link is there for the full text
TITLE_CHARS = 250
DETAIL_CHARS = 600  # a source's error text, cut like a snippet
# The heading of the section for mentions below alerts.min_score (alerts.possible).
POSSIBLE_HEADING = "Possible mentions: please check"
POSSIBLE_NOTE = ("Below the alert threshold (alerts.min_score): a surname near a context word, or a very common "
                 "name; it may be someone else. Open each to judge it.")


# -- shared -------------------------------------------------------------------------------


def subject(items: Sequence[AlertItem]) -> str:
    """"3 new mentions: Andry José Hernández Romero, …" (people in the order shown).

    With pages that no longer name someone: "1 new mention, 1 name removed from a page: …".
    With sources that need a person, counted last: "2 new mentions, 1 source needs attention: …";
    sources alone show their URLs: "1 source needs attention: https://…/feed.xml".
    """
    maybe = [i for i in items if i.possible]
    items = [i for i in items if not i.possible]  # possible mentions are not alerts: never counted
    if not items:
        return _possible_subject(maybe)
    names = list(dict.fromkeys(i.person for i in items if i.kind != SOURCE))
    sources = list(dict.fromkeys(i.url for i in items if i.kind == SOURCE))
    shown_list = names or sources
    shown = ", ".join(shown_list[:3]) + (", …" if len(shown_list) > 3 else "")
    gone = sum(i.kind == VANISHED for i in items)
    troubled = sum(i.kind == SOURCE for i in items)
    new = len(items) - gone - troubled
    heads = []
    if new:
        heads.append("New mention" if new == 1 and not gone and not troubled
                     else f"{new} new mention{'s' * (new > 1)}")
    if gone:
        where = "a page" if len({i.url for i in items if i.kind == VANISHED}) == 1 else "pages"
        heads.append(f"Name removed from {where}" if gone == 1 and not new and not troubled
                     else f"{gone} name{'s' * (gone > 1)} removed from {where}")
    if troubled:
        heads.append(f"{troubled} source needs attention" if troubled == 1 else f"{troubled} sources need attention")
    return _one_line(f"{', '.join(heads)}: {shown}")


def _possible_subject(maybe: Sequence[AlertItem]) -> str:
    """Only possible mentions: "Possible mentions to check: …", with no count of alerts."""
    names = list(dict.fromkeys(i.person for i in maybe))
    shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
    return _one_line(f"Possible mention{'s' * (len(maybe) > 1)} to check: {shown}")


def source_lines(item: AlertItem) -> tuple[str, str, str]:
    """A source notice as plain one-line texts: ("feed <url>", what is wrong, since when)."""
    since = ""
    if item.since and not item.since.startswith("run "):
        since = (f"failing since {checked(item.since)}" if item.problem == "failing"
                 else f"last new item {checked(item.since)}")
    return (f"{_one_line(item.title)} {_clip(item.url, 1000)}", _clip(item.detail, DETAIL_CHARS), since)


def next_step(item: AlertItem) -> str:
    """What to do about a source notice, in plain words: who reads it may never have seen the config."""
    if item.problem == "dark":
        return ("Next step: open the address. If the site still publishes but this feed or page moved, put the "
                "new address in monitor.toml; until then its news is missed.")
    return ("Next step: open the address in a browser. If it moved or is gone, change or remove it in monitor.toml; "
            "if it works in the browser, the site may be blocking the monitor. `monitor sources` shows each "
            "source's last status.")


def vanished_line(item: AlertItem) -> str:
    """"no longer named in <title> (<url>), checked <when>", plain one-line text."""
    title = _clip(item.title, TITLE_CHARS)
    return f"no longer named in {title} ({_one_line(item.url)}), checked {checked(item.checked_at)}"


def day(published: str | None) -> str:
    if not published:
        return "date unknown"
    try:
        return datetime.fromisoformat(published.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return _one_line(published)[:40]


def is_web_url(url: str) -> bool:
    # Only http(s) becomes a link: a feed can carry javascript: or data: URLs.
    return bool(re.match(r"(?i)^https?://[^\s]+$", url or ""))


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def _squash(text: str) -> str:
    """Whitespace runs (newlines included) to one space, keeping the edges: for snippet pieces."""
    return re.sub(r"\s+", " ", text or "")


def _clip(text: str, limit: int) -> str:
    return clip(text, limit)  # between words, with "…" where cut


def _lines(item: AlertItem) -> tuple[str, str]:
    """(title, outlet · date) as plain one-line text."""
    return _clip(item.title, TITLE_CHARS), f"{_one_line(item.outlet)} · {day(item.published)}"


# -- email --------------------------------------------------------------------------------


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
        title, meta = _lines(item)
        flag = "FIRST MENTION EVER: " if item.first_for_person else ""
        out.append(f"{flag}{_one_line(item.person)}")
        out.append(f"  {title}")
        out.append(f"  {meta}")
        out.append(f"  {details(item)}")
        for url, outlet in item.links or ((item.url, item.outlet),):
            out.append(f"  {_one_line(outlet)}: {FEED_TEXT if _feed_text(item, url) else _one_line(url)}")
        if mention_url(public_url, item):
            out.append(f"  In the archive: {mention_url(public_url, item)}")
            out.append(f"  Not this person? {reject_url(public_url, item)}")
        pieces = highlight(_clip(item.snippet, SNIPPET_CHARS), item.matched)
        snippet = "".join(f"*{t}*" if hit else t for t, hit in pieces)
        snippet = _squash(snippet).strip()
        if snippet:
            out.append(f"  “{snippet}”")
        out.append("")
    if more:  # alerts.max_items left some out (alerts/limits.py)
        out += [_one_line(more), ""]
    out.append("-- \nmention-monitor: each mention is alerted once per channel.")
    return "\n".join(out) + "\n"


def _plain_vanished(item: AlertItem) -> list[str]:
    out = [f"NO LONGER NAMED: {_one_line(item.person)}", f"  {vanished_line(item)}",
           f"  {_one_line(item.outlet)} · {day(item.published)}"]
    pieces = highlight(_clip(item.snippet, SNIPPET_CHARS), item.matched)
    snippet = _squash("".join(f"*{t}*" if hit else t for t, hit in pieces)).strip()
    if snippet:
        out.append(f"  It said: “{snippet}”")
    return [*out, ""]


def html_body(items: Sequence[AlertItem], more: str = "", public_url: str = "") -> str:
    e = _html
    parts = [
        '<!doctype html><html><body style="font-family:Arial,sans-serif;color:#222;max-width:720px">',
        f"<h2 style=\"font-size:18px\">{e(subject(items))}</h2>",
    ]
    heading = False
    for item in items:
        if item.kind == VANISHED:
            parts += _html_vanished(item)
            continue
        if item.possible and not heading:
            heading = True
            parts += ['<h3 style="font-size:16px;margin:24px 0 4px;padding:6px;background:#fff4d6;'
                      f'border:1px solid #e0c060">{e(POSSIBLE_HEADING)}</h3>',
                      f'<p style="margin:0 0 6px;color:#555">{e(POSSIBLE_NOTE)}</p>']
        if item.kind == SOURCE:
            parts += _html_source(item)
            continue
        title, meta = _lines(item)
        flag = ('<span style="background:#b00020;color:#fff;padding:1px 6px;border-radius:3px;'
                'font-size:12px">FIRST MENTION EVER</span> ') if item.first_for_person else ""
        snippet = _html_snippet(item)
        links = ", ".join(_html_link(url, outlet) for url, outlet in item.links[1:] if not _feed_text(item, url))
        page = mention_url(public_url, item)
        headline = (f"{e(title)} <span style=\"color:#555\">({e(FEED_TEXT)})</span>" if _feed_text(item, item.url)
                    else _html_link(item.url, title))
        parts += [
            '<div style="border-top:1px solid #ddd;padding:10px 0">',
            f"<p style=\"margin:0 0 4px\">{flag}<strong>{e(item.person)}</strong></p>",
            f"<p style=\"margin:0 0 4px;font-size:16px\">{headline}</p>",
            f"<p style=\"margin:0 0 6px;color:#555\">{e(meta)}<br>{e(details(item))}</p>",
            f"<blockquote style=\"margin:0 0 6px;padding-left:10px;border-left:3px solid #ccc\">{snippet}</blockquote>"
            if snippet else "",
            f"<p style=\"margin:0;color:#555\">Also published by: {links}</p>" if links else "",
            f"<p style=\"margin:6px 0 0\">{_html_link(page, 'Open in the archive')} · "
            f"{_html_link(reject_url(public_url, item), 'Not this person')}</p>" if page else "",
            "</div>",
        ]
    if more:
        parts.append(f"<p><strong>{_linkify(more)}</strong></p>")
    parts.append('<p style="color:#777;font-size:12px">mention-monitor: each mention is alerted once per channel.</p>')
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p) + "\n"


def _feed_text(item: AlertItem, url: str) -> bool:
    # A link-less feed entry's URL is the feed itself: no page to send a reader to.
    return item.feed_text and url == item.url


def _html_vanished(item: AlertItem) -> list[str]:
    e = _html
    flag = ('<span style="background:#555;color:#fff;padding:1px 6px;border-radius:3px;'
            'font-size:12px">NO LONGER NAMED</span> ')
    snippet = _html_snippet(item)
    title, meta = _lines(item)
    return [
        '<div style="border-top:1px solid #ddd;padding:10px 0">',
        f"<p style=\"margin:0 0 4px\">{flag}<strong>{e(item.person)}</strong></p>",
        f"<p style=\"margin:0 0 4px;font-size:16px\">no longer named in {_html_link(item.url, title)}"
        # A URL that is not a link is already shown by _html_link.
        f"{f' ({e(item.url)})' if is_web_url(item.url) else ''}, checked {e(checked(item.checked_at))}</p>",
        f"<p style=\"margin:0 0 6px;color:#555\">{e(meta)}</p>",
        "<blockquote style=\"margin:0 0 6px;padding-left:10px;border-left:3px solid #ccc;color:#555\">"
        f"It said: {snippet}</blockquote>" if snippet else "",
        "</div>",
    ]


def _html_source(item: AlertItem) -> list[str]:
    e = _html
    flag = ('<span style="background:#8a5a00;color:#fff;padding:1px 6px;border-radius:3px;'
            'font-size:12px">SOURCE NEEDS ATTENTION</span> ')
    _, detail, since = source_lines(item)
    return [
        '<div style="border-top:1px solid #ddd;padding:10px 0">',
        f"<p style=\"margin:0 0 4px\">{flag}<strong>{e(item.title)}</strong> "
        f"{_html_link(item.url, _clip(item.url, 1000))}</p>",
        f"<p style=\"margin:0 0 4px\">{e(detail)}</p>",
        f"<p style=\"margin:0 0 6px;color:#555\">{e(since)}</p>" if since else "",
        f"<p style=\"margin:0 0 6px\">{e(next_step(item))}</p>",
        "</div>",
    ]


def _html_snippet(item: AlertItem) -> str:
    return "".join(
        f'<mark style="background:#ffe066">{_html(t, squash=True)}</mark>' if hit else _html(t, squash=True)
        for t, hit in highlight(_clip(item.snippet, SNIPPET_CHARS), item.matched)
    )


def _html(text: str, squash: bool = False) -> str:
    return html.escape(_squash(text) if squash else _one_line(text), quote=True)


def _linkify(text: str) -> str:
    """Escaped text whose trailing http(s) URL, if any, is a link (the "and N more" line)."""
    head, _, url = text.rpartition(" ")
    return f"{_html(head)} {_html_link(url, url)}" if head and is_web_url(url) else _html(text)


def _html_link(url: str, label: str) -> str:
    if not is_web_url(url):
        return f"{_html(label)} ({_html(url)})"
    return f'<a href="{html.escape(url, quote=True)}">{_html(label)}</a>'


# -- Slack --------------------------------------------------------------------------------


def slack_escape(text: str, squash: bool = False) -> str:
    """Slack's three control characters; with them escaped, `<!channel>` is just text."""
    text = _squash(text) if squash else _one_line(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payloads(items: Sequence[AlertItem], *, alert_id: int | None = None, more: str = "",
                   public_url: str = "") -> list[dict]:
    """Block Kit messages for an alert, split so each stays within Slack's limits.

    Deterministic for the same items, so a retry can skip the parts already posted.
    """
    groups: list[list[dict]] = [[]]
    size = 0
    heading = False
    for item in items:
        block = {"type": "section", "text": {"type": "mrkdwn", "text": slack_item_text(item, public_url)}}
        if item.possible and not heading:
            heading = True  # one section carries the heading and the first possible mention
            block["text"]["text"] = (f":grey_question: *{POSSIBLE_HEADING}*\n_{POSSIBLE_NOTE}_\n\n"
                                     + block["text"]["text"])[:SLACK_SECTION_CHARS]
        chars = len(block["text"]["text"])
        # Two blocks of each message are kept for the header and the footer.
        if groups[-1] and (len(groups[-1]) >= SLACK_MAX_BLOCKS - 2 or size + chars > SLACK_MESSAGE_CHARS):
            groups.append([])
            size = 0
        groups[-1].append(block)
        size += chars
    if more:  # alerts.max_items left some out: say so in the last message, within its limits
        block = {"type": "section", "text": {"type": "mrkdwn", "text": _slack_more(more)}}
        if len(groups[-1]) >= SLACK_MAX_BLOCKS - 2 or size + len(block["text"]["text"]) > SLACK_MESSAGE_CHARS:
            groups.append([])
        groups[-1].append(block)
    fallback = slack_escape(subject(items))
    payloads = []
    for number, blocks in enumerate(groups, 1):
        head = {"type": "header", "text": {"type": "plain_text", "text": _clip(subject(items), 150)}}
        # The alert number lets a reader match a message to its row in the `alerts` table.
        notes = ["mention-monitor"]
        if alert_id:
            notes.append(f"alert #{alert_id}")
        if len(groups) > 1:
            notes.append(f"part {number} of {len(groups)}")
        foot = {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(notes)}]}
        payloads.append({"text": fallback, "blocks": [head, *blocks, foot], "unfurl_links": False})
    return payloads


def slack_item_text(item: AlertItem, public_url: str = "") -> str:
    """One section's mrkdwn, at most SLACK_SECTION_CHARS long however long the quoted text is."""
    if item.kind == SOURCE:
        _, detail, since = source_lines(item)
        head = [f":warning: *Source needs attention* · {slack_escape(item.title)} "
                f"{_slack_link(item.url, _clip(item.url, 300))}", slack_escape(detail)]
        tail = [slack_escape(since)] if since else []
        return "\n".join([*head, *tail, slack_escape(next_step(item))])[:SLACK_SECTION_CHARS]
    title, meta = _lines(item)
    if item.kind == VANISHED:
        head = [f":wastebasket: *No longer named* · *{slack_escape(_clip(item.person, 200))}*",
                f"no longer named in *{_slack_link(item.url, title)}*, "
                f"checked {slack_escape(checked(item.checked_at))}",
                slack_escape(meta)]
    else:
        flag = ":rotating_light: *First mention ever* · " if item.first_for_person else ""
        headline = (f"*{slack_escape(title)}* ({FEED_TEXT})" if _feed_text(item, item.url)
                    else f"*{_slack_link(item.url, title)}*")
        head = [f"{flag}*{slack_escape(_clip(item.person, 200))}*", headline,
                f"{slack_escape(meta)} · {slack_escape(details(item))}"]
        if mention_url(public_url, item):
            head.append(f"{_slack_link(mention_url(public_url, item), 'Open in the archive')} · "
                        f"{_slack_link(reject_url(public_url, item), 'Not this person')}")
    text = "\n".join(head)
    budget = SLACK_SECTION_CHARS - len(text) - 200  # room kept for the "also at" line
    snippet = _slack_snippet(item, max(budget, 0))
    if snippet:
        text += ("\n>_It said:_ " if item.kind == VANISHED else "\n>") + snippet
    others = [_slack_link(url, outlet) for url, outlet in item.links[1:] if not _feed_text(item, url)]
    if others:
        text += _also_line(others, SLACK_SECTION_CHARS - len(text))
    return text[:SLACK_SECTION_CHARS]


def _slack_more(more: str) -> str:
    head, _, url = _one_line(more).rpartition(" ")
    return f"*{slack_escape(head)} {_slack_link(url, url)}*" if head and is_web_url(url) else slack_escape(more)


def _slack_snippet(item: AlertItem, budget: int) -> str:
    out, used = [], 0
    for piece, hit in highlight(_clip(item.snippet, SNIPPET_CHARS), item.matched):
        escaped = slack_escape(piece, squash=True)
        if used + len(escaped) + 2 > budget:
            break  # cut between pieces so no escape (&amp;) or *bold* is split
        out.append(f"*{escaped}*" if hit and escaped.strip() else escaped)
        used += len(out[-1])
    return "".join(out)


def _also_line(links: list[str], budget: int) -> str:
    line = "\nAlso published by: "
    shown = 0
    for link in links:
        rest = len(links) - shown - 1
        tail = f" and {rest} more" if rest else ""
        if len(line) + len(link) + len(tail) + 3 > budget:
            break
        line += (", " if shown else "") + link
        shown += 1
    if shown < len(links):
        line += f"{', ' if shown else ''}and {len(links) - shown} more"
    return line


def _slack_link(url: str, label: str) -> str:
    label = slack_escape(label) or "link"
    if not is_web_url(url) or len(url) > 1000:
        return label
    # Inside <url|label> the URL must not close the link or start a new label.
    safe = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{safe}|{label.replace('|', '¦')}>"
