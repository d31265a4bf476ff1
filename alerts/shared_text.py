"""What every alert format says alike: the subject, source and "vanished" lines, dates, clipping.

Everything quoted from an article is hostile until escaped; each format escapes in its own
module (email_html.py, slack_blocks.py). New mentions are listed first, then the pages that
no longer name someone ("vanished"), then the sources that need a person (failing run after
run, or gone dark).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from monitor.match.snippets import clip

from .content import SOURCE, VANISHED, AlertItem
from .wording import checked

SNIPPET_CHARS = 600  # longer snippets are cut: the link is there for the full text
TITLE_CHARS = 250
DETAIL_CHARS = 600  # a source's error text, cut like a snippet
# The heading of the section for mentions below alerts.min_score (alerts.possible).
POSSIBLE_HEADING = "Possible mentions: please check"
POSSIBLE_NOTE = ("Below the alert threshold (alerts.min_score): a surname near a context word, or a very common "
                 "name; it may be someone else. Open each to judge it.")


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
    return one_line(f"{', '.join(heads)}: {shown}")


def _possible_subject(maybe: Sequence[AlertItem]) -> str:
    """Only possible mentions: "Possible mentions to check: …", with no count of alerts."""
    names = list(dict.fromkeys(i.person for i in maybe))
    shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
    return one_line(f"Possible mention{'s' * (len(maybe) > 1)} to check: {shown}")


def source_lines(item: AlertItem) -> tuple[str, str, str]:
    """A source notice as plain one-line texts: ("feed <url>", what is wrong, since when)."""
    since = ""
    if item.since and not item.since.startswith("run "):
        since = (f"failing since {checked(item.since)}" if item.problem == "failing"
                 else f"last new item {checked(item.since)}")
    return (f"{one_line(item.title)} {cut(item.url, 1000)}", cut(item.detail, DETAIL_CHARS), since)


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
    title = cut(item.title, TITLE_CHARS)
    return f"no longer named in {title} ({one_line(item.url)}), checked {checked(item.checked_at)}"


def day(published: str | None) -> str:
    if not published:
        return "date unknown"
    try:
        return datetime.fromisoformat(published.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return one_line(published)[:40]


def is_web_url(url: str) -> bool:
    # Only http(s) becomes a link: a feed can carry javascript: or data: URLs.
    return bool(re.match(r"(?i)^https?://[^\s]+$", url or ""))


def one_line(text: str) -> str:
    return " ".join((text or "").split())


def collapse_spaces(text: str) -> str:
    """Whitespace runs (newlines included) to one space, keeping the edges: for snippet pieces."""
    return re.sub(r"\s+", " ", text or "")


def cut(text: str, limit: int) -> str:
    return clip(text, limit)  # between words, with "…" where cut


def title_lines(item: AlertItem) -> tuple[str, str]:
    """(title, outlet · date) as plain one-line text."""
    return cut(item.title, TITLE_CHARS), f"{one_line(item.outlet)} · {day(item.published)}"


def is_feed_text(item: AlertItem, url: str) -> bool:
    # A link-less feed entry's URL is the feed itself: no page to send a reader to.
    return item.feed_text and url == item.url
