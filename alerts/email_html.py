"""The HTML part of an email alert: everything quoted from an article or a source is HTML-escaped."""

from __future__ import annotations

import html
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
        title, meta = title_lines(item)
        flag = ('<span style="background:#b00020;color:#fff;padding:1px 6px;border-radius:3px;'
                'font-size:12px">FIRST MENTION EVER</span> ') if item.first_for_person else ""
        snippet = _html_snippet(item)
        links = ", ".join(_html_link(url, outlet) for url, outlet in item.links[1:] if not is_feed_text(item, url))
        page = mention_url(public_url, item)
        headline = (f"{e(title)} <span style=\"color:#555\">({e(FEED_TEXT)})</span>" if is_feed_text(item, item.url)
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


def _html_vanished(item: AlertItem) -> list[str]:
    e = _html
    flag = ('<span style="background:#555;color:#fff;padding:1px 6px;border-radius:3px;'
            'font-size:12px">NO LONGER NAMED</span> ')
    snippet = _html_snippet(item)
    title, meta = title_lines(item)
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
        f"{_html_link(item.url, cut(item.url, 1000))}</p>",
        f"<p style=\"margin:0 0 4px\">{e(detail)}</p>",
        f"<p style=\"margin:0 0 6px;color:#555\">{e(since)}</p>" if since else "",
        f"<p style=\"margin:0 0 6px\">{e(next_step(item))}</p>",
        "</div>",
    ]


def _html_snippet(item: AlertItem) -> str:
    return "".join(
        f'<mark style="background:#ffe066">{_html(t, squash=True)}</mark>' if hit else _html(t, squash=True)
        for t, hit in highlight(cut(item.snippet, SNIPPET_CHARS), item.matched)
    )


def _html(text: str, squash: bool = False) -> str:
    return html.escape(collapse_spaces(text) if squash else one_line(text), quote=True)


def _linkify(text: str) -> str:
    """Escaped text whose trailing http(s) URL, if any, is a link (the "and N more" line)."""
    head, _, url = text.rpartition(" ")
    return f"{_html(head)} {_html_link(url, url)}" if head and is_web_url(url) else _html(text)


def _html_link(url: str, label: str) -> str:
    if not is_web_url(url):
        return f"{_html(label)} ({_html(url)})"
    return f'<a href="{html.escape(url, quote=True)}">{_html(label)}</a>'
