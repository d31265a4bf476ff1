"""Alert text for Apprise services (Signal, Telegram, Teams, SMS...): plain text or Markdown, fitted to one message.

Phones show the first lines only, so each item opens with the person's name, then the
headline, outlet and date, then the link; the quoted snippet follows when there is room.
One alert is one message per channel: items are added while they fit the service's
length limit (and `alerts.max_items`); what does not fit becomes "and N more" with the
archive link. Quoted text is hostile: in Markdown every control character is escaped and
only http(s) URLs become links; plain text is sent as text, and Apprise escapes it for
services that take HTML.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from . import shared_text, wording
from .content import SOURCE, VANISHED, AlertItem
from .limits import more_line

# What Markdown (CommonMark, and Python-Markdown, which Apprise uses to make HTML of it) gives a
# meaning to and lets a backslash escape; `&`, `<`, `>` become entities, which both decode.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# Tighter than the services' own limits where those count differently or are generous.
SERVICE_LIMITS = {
    "signal": 2000,  # Signal turns longer messages into a "read more" attachment
    "signals": 2000,
}
SNIPPET_CHARS = 280  # a phone screen; the link is there for the rest
MARKDOWN_MARGIN = 0.9  # Markdown becomes longer HTML on some services: keep a tenth spare


@dataclass(frozen=True)
class Fitted:
    """The message to send: body, optional title, and how many items it left out."""

    body: str
    title: str
    left_out: int


def escape_markdown(text: str) -> str:
    text = re.sub("[&<>]", lambda m: _ENTITIES[m.group()], " ".join((text or "").split()))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def choose_format(configured: str, native: object) -> str:
    """`format` when set; else Markdown for services that take only Markdown, text for the rest.

    Text is the safe default: Apprise escapes it for services that take HTML (Telegram).
    Apprise gives the native format as one value, or a tuple (preferred first) since 2.x.
    """
    if configured:
        return configured
    first = native[0] if isinstance(native, (tuple, list)) and native else native
    return "markdown" if str(getattr(first, "value", first)) == "markdown" else "text"


def message(items: Sequence[AlertItem], *, fmt: str, limit: int, title_limit: int = 0, max_items: int = 50,
            public_url: str = "", alert_id: int | None = None) -> Fitted:
    """The alert as one message of at most `limit` characters (and `max_items` items).

    It ends with "mention-monitor alert #N" when there is room, so a reader can match a
    message to its row in the `alerts` table.
    """
    budget = int(limit * MARKDOWN_MARGIN) if fmt == "markdown" else limit
    footer = f"mention-monitor alert #{alert_id}" if alert_id else ""
    if footer and budget >= 500:
        budget -= len(footer) + 2
    else:
        footer = ""
    blocks: list[str] = []
    used = 0
    for number, item in enumerate(items[:max_items]):
        reserve = len(_more(len(items) - number - 1, public_url, fmt)) + 2
        block = _fit_block(item, fmt, budget - used - reserve - (2 if blocks else 0), first=not blocks)
        if block is not None and item.possible and not any(i.possible for i in items[:number]):
            heading = shared_text.POSSIBLE_HEADING
            head = f"*{escape_markdown(heading)}*" if fmt == "markdown" else heading
            block = f"{head}\n{block}"
            block = block if len(block) <= budget - used - reserve - (2 if blocks else 0) else None
        if block is None:
            break
        blocks.append(block)
        used += len(block) + (2 if len(blocks) > 1 else 0)
    left_out = len(items) - len(blocks)
    if left_out:
        blocks.append(_more(left_out, public_url, fmt))
    title = shared_text.subject(items)[:title_limit] if title_limit else ""
    body = "\n\n".join(blocks)[:budget]
    return Fitted(f"{body}\n\n{footer}" if footer else body, title, left_out)


def _more(left_out: int, public_url: str, fmt: str) -> str:
    line = more_line(left_out, public_url)
    if not line or fmt != "markdown":
        return line
    head, _, url = line.rpartition(" ")
    if public_url and shared_text.is_web_url(url):
        return f"{escape_markdown(head)} {_md_url(url)}"
    return escape_markdown(line)


def _fit_block(item: AlertItem, fmt: str, room: int, first: bool) -> str | None:
    """The item's lines within `room` characters: with its snippet if it fits, else without.

    The first item is always sent (cut to fit, its link kept): a message saying only
    "and 3 more" would tell a family nothing on the lock screen.
    """
    for snippet in (True, False):
        block = _block(item, fmt, snippet)
        if len(block) <= room:
            return block
    if not first:
        return None
    lines = _block(item, fmt, False).split("\n")
    link = lines.pop()  # keep the link whole; cut the words before it
    head = "\n".join(lines)
    keep = max(room - len(link) - 2, 0)
    # Never end on half an escape (a lone backslash, "&am"): it would show, or swallow the "…".
    cut = re.sub(r"(\\|&[a-z]*)$", "", head[:keep].rstrip())
    return (cut + "…\n" + link) if keep else link[: max(room, 0)]


def _block(item: AlertItem, fmt: str, with_snippet: bool) -> str:
    md = fmt == "markdown"
    esc = escape_markdown if md else _one_line
    if item.kind == SOURCE:
        _, detail, since = shared_text.source_lines(item)
        lines = [("*Source needs attention:* " if md else "Source needs attention: ") + esc(item.title),
                 esc(detail), *([esc(since)] if since else []), esc(shared_text.next_step(item)), _link(item.url, md)]
        return "\n".join(lines)
    title = _clip(item.title, shared_text.TITLE_CHARS)
    meta = f"{_one_line(item.outlet)} · {shared_text.day(item.published)}"
    # The name comes first whatever the news: a lock screen shows a line or two.
    if item.kind == VANISHED:
        flag = " (no longer named)"
        meta = f"{meta} · checked {wording.checked(item.checked_at)}"
    else:
        flag = " (first mention ever)" if item.first_for_person else ""
    if item.possible:
        flag = " (possible mention: please check)"
    person = f"*{esc(item.person)}*{esc(flag)}" if md else esc(item.person + flag)
    lines = [person, f"*{esc(title)}*" if md else esc(title), esc(meta), _link(item.url, md)]
    if with_snippet and item.snippet.strip():
        snippet = _clip(item.snippet, SNIPPET_CHARS)
        said = "It said: " if item.kind == VANISHED else ""
        lines.append(f"> {esc(said + snippet)}" if md else f"“{said}{esc(snippet)}”")
    return "\n".join(lines)


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def _clip(text: str, limit: int) -> str:
    text = _one_line(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _link(url: str, md: bool) -> str:
    if not shared_text.is_web_url(url):
        return escape_markdown(url) if md else _one_line(url)
    return _md_url(url) if md else url


def _md_url(url: str) -> str:
    # A bare URL in angle brackets is a link in CommonMark; the brackets it holds are encoded.
    safe = url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")
    return f"<{safe}>"


def service_limit(scheme: str, plugin_limit: int) -> int:
    """The length one message may have on this service."""
    limits = [n for n in (plugin_limit, SERVICE_LIMITS.get(scheme.lower())) if n and n > 0]
    return min(limits) if limits else 2000
