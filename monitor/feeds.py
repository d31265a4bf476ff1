"""feedparser over bytes Scrapy downloaded (RSS, Atom, RDF, JSON Feed); never fetches."""

from __future__ import annotations

import calendar
import html
import io
import re
from dataclasses import dataclass
from datetime import datetime, timezone

import feedparser
from w3lib.html import remove_tags

_SPACES = re.compile(r"[ \t\r\f\v]+")
_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/h\d)\s*/?\s*>", re.IGNORECASE)
# Bidirectional controls (embeddings, overrides, isolates, marks): a feed can use them to make
# an alert read differently from what it says ("Trojan Source"); plain news text needs none.
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class FeedEntry:
    link: str  # "" when the entry has none
    guid: str
    title: str
    text: str  # the entry's own content, as plain text
    published: str | None  # ISO 8601, UTC
    outlet: str = ""  # <source> of aggregators (Google News), else the feed's title


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    entries: tuple[FeedEntry, ...]
    problem: str = ""  # what feedparser complained about, when it still found entries
    link: str = ""  # the site the feed says it is for (RSS <channel><link>, Atom's alternate link)


class NotAFeed(ValueError):
    """The body is not a feed feedparser can read anything from."""


def parse_feed(body: bytes, url: str, headers: dict[str, str] | None = None) -> ParsedFeed:
    """Parse a feed body; a malformed feed yields what can be read, with the problem noted."""
    parsed = parse_bytes(body, url, headers)
    problem = str(parsed.get("bozo_exception", "")) if parsed.get("bozo") else ""
    if not parsed.entries and (problem or not parsed.get("version")):
        raise NotAFeed(problem or "no feed found in the response")
    feed_title = parsed.feed.get("title", "")
    entries = tuple(_entry(e, feed_title) for e in parsed.entries)
    return ParsedFeed(feed_title, entries, problem, (parsed.feed.get("link") or "").strip())


def parse_bytes(body: bytes, url: str, headers: dict[str, str] | None = None) -> feedparser.FeedParserDict:
    """feedparser over the body itself: given a str or bytes, feedparser would first try it as a
    file path or URL (a feed whose body is `/etc/passwd` would be read from disk)."""
    return feedparser.parse(io.BytesIO(bytes(body)), response_headers=_header_dict(headers, url))


def strip_bidi(text: str) -> str:
    """`text` without bidirectional control characters."""
    return _BIDI_CONTROLS.sub("", text)


def _header_dict(headers: dict[str, str] | None, url: str) -> dict[str, str]:
    result = {k.lower(): v for k, v in (headers or {}).items()}
    result.setdefault("content-location", url)
    return result


def _entry(entry: feedparser.FeedParserDict, feed_title: str) -> FeedEntry:
    source = entry.get("source") or {}
    return FeedEntry(
        link=(entry.get("link") or "").strip(),
        guid=(entry.get("id") or "").strip(),
        title=html_to_text(entry.get("title", "")),
        text=_entry_text(entry),
        published=_published(entry),
        outlet=strip_bidi((source.get("title") if hasattr(source, "get") else "") or feed_title),
    )


def _entry_text(entry: feedparser.FeedParserDict) -> str:
    """The longest of the entry's content blocks and summary, as plain text."""
    blocks = [c.get("value", "") for c in entry.get("content", [])]
    blocks.append(entry.get("summary", ""))
    return max((html_to_text(b) for b in blocks), key=len, default="")


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, paragraphs kept as line breaks."""
    text = strip_bidi(html.unescape(remove_tags(_BREAKS.sub("\n", fragment or ""))))
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _published(entry: feedparser.FeedParserDict) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get, not entry.get: feedparser maps a missing updated_parsed onto
        # published_parsed with a DeprecationWarning; we ask for each key as it is.
        if value := dict.get(entry, key):
            return struct_time_iso(value)
    return None


def struct_time_iso(value) -> str | None:
    """feedparser's UTC struct_time as ISO 8601."""
    if not value:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), timezone.utc).isoformat(timespec="seconds")
