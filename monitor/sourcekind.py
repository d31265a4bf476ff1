"""Say what a source that is not what its table says really is, and where to list it instead."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.html

from .feeds import parse_bytes

FEED_TYPES = {"application/rss+xml": "RSS", "application/atom+xml": "Atom", "application/feed+json": "JSON"}
_HTML = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!doctype\s+html|<html|<head|<body)", re.I | re.S)
_SITEMAP = re.compile(rb"<(\w+:)?(urlset|sitemapindex)\b", re.I)
MAX_SNIFF = 2 * 1024 * 1024  # a home page's <head> is near its start


def is_html(body: bytes) -> bool:
    return bool(_HTML.match(body[:4096]))


def feed_links(body: bytes, base_url: str) -> list[str]:
    """The feeds a web page announces (`<link rel="alternate" type="application/rss+xml">`)."""
    try:
        document = lxml.html.document_fromstring(body[:MAX_SNIFF])
    except (ValueError, lxml.etree.ParserError):
        return []
    links = []
    for link in document.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_TYPES and href:
            url = urljoin(base_url, href)
            if url not in links:
                links.append(url)
    return links


def not_a_feed(body: bytes, url: str, problem: str) -> str:
    """Why a `[[feed]]` URL gave no feed, in words that say what to do."""
    if _SITEMAP.search(body[:4096]):
        return "this is a sitemap, not a feed: list it under [[sitemap]]"
    if is_html(body):
        feeds = feed_links(body, url)
        if feeds:
            return f"this is a web page, not a feed; its feeds are: {', '.join(feeds)} (list one under [[feed]])"
        return "this is a web page, not a feed, and it names no feed; list it under [[site]] to crawl its links"
    return f"not a feed: {problem}"


def not_a_sitemap(body: bytes | None) -> str:
    """Why a `[[sitemap]]` URL gave no sitemap, in words that say what to do."""
    if body:
        # Never feedparser.parse(body): given bytes, it first opens them as a file path
        # (a sitemap answering "/dev/zero" would be read until memory runs out).
        parsed = parse_bytes(body[:MAX_SNIFF], "")
        version = parsed.get("version") or ""
        if parsed.entries and version:
            kind = "an Atom feed" if version.startswith("atom") else "an RSS feed"
            return f"this is {kind}, not a sitemap: list it under [[feed]]"
        if is_html(body):
            return ("this is a web page, not a sitemap (or a bot-check page); "
                    "list a web page under [[site]] to crawl its links")
    return "not a sitemap (an empty or unreadable answer)"
