"""Slack Block Kit payloads: `&`, `<`, `>` escaped, so a headline cannot ping `<!channel>` or forge a link."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.match.snippets import highlight

from .content import SOURCE, VANISHED, AlertItem
from .shared_text import (
    POSSIBLE_HEADING,
    POSSIBLE_NOTE,
    SNIPPET_CHARS,
    collapse_spaces,
    cut,
    is_feed_text,
    is_web_url,
    next_step,
    one_line,
    source_lines,
    subject,
    title_lines,
)
from .wording import FEED_TEXT, checked, details, mention_url, reject_url

# Slack's documented limits: 50 blocks per message, 3000 characters per section text,
# 150 per header. Messages whose blocks total ~13k characters are refused in practice
# (msg_blocks_too_long, slackapi/bolt-js#2509), so a message stays well under that.
SLACK_MAX_BLOCKS = 50
SLACK_SECTION_CHARS = 3000
SLACK_MESSAGE_CHARS = 11000


def slack_escape(text: str, squash: bool = False) -> str:
    """Slack's three control characters; with them escaped, `<!channel>` is just text."""
    text = collapse_spaces(text) if squash else one_line(text)
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
        head = {"type": "header", "text": {"type": "plain_text", "text": cut(subject(items), 150)}}
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
                f"{_slack_link(item.url, cut(item.url, 300))}", slack_escape(detail)]
        tail = [slack_escape(since)] if since else []
        return "\n".join([*head, *tail, slack_escape(next_step(item))])[:SLACK_SECTION_CHARS]
    title, meta = title_lines(item)
    if item.kind == VANISHED:
        head = [f":wastebasket: *No longer named* · *{slack_escape(cut(item.person, 200))}*",
                f"no longer named in *{_slack_link(item.url, title)}*, "
                f"checked {slack_escape(checked(item.checked_at))}",
                slack_escape(meta)]
    else:
        flag = ":rotating_light: *First mention ever* · " if item.first_for_person else ""
        headline = (f"*{slack_escape(title)}* ({FEED_TEXT})" if is_feed_text(item, item.url)
                    else f"*{_slack_link(item.url, title)}*")
        head = [f"{flag}*{slack_escape(cut(item.person, 200))}*", headline,
                f"{slack_escape(meta)} · {slack_escape(details(item))}"]
        if mention_url(public_url, item):
            head.append(f"{_slack_link(mention_url(public_url, item), 'Open in the archive')} · "
                        f"{_slack_link(reject_url(public_url, item), 'Not this person')}")
    text = "\n".join(head)
    budget = SLACK_SECTION_CHARS - len(text) - 200  # room kept for the "also at" line
    snippet = _slack_snippet(item, max(budget, 0))
    if snippet:
        text += ("\n>_It said:_ " if item.kind == VANISHED else "\n>") + snippet
    others = [_slack_link(url, outlet) for url, outlet in item.links[1:] if not is_feed_text(item, url)]
    if others:
        text += _also_line(others, SLACK_SECTION_CHARS - len(text))
    return text[:SLACK_SECTION_CHARS]


def _slack_more(more: str) -> str:
    head, _, url = one_line(more).rpartition(" ")
    return f"*{slack_escape(head)} {_slack_link(url, url)}*" if head and is_web_url(url) else slack_escape(more)


def _slack_snippet(item: AlertItem, budget: int) -> str:
    out, used = [], 0
    for piece, hit in highlight(cut(item.snippet, SNIPPET_CHARS), item.matched):
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
