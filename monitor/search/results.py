"""What news search services answer (Google News RSS, Bing News RSS, GDELT JSON) -> feed entries.

Each entry's `text` (headline, outlet, description) stands in for a page that cannot be
fetched, so a result is stored and matched even when its link leads nowhere.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

from ..feeds import FeedEntry, NotAFeed, html_to_text, parse_bytes, parse_feed, strip_bidi, struct_time_iso
from .queries import DEFAULT_BASE_URLS, SearchError


def parse_results(service: str, body: bytes, url: str, headers: dict[str, str] | None = None) -> list[FeedEntry]:
    """A search answer -> entries; raises SearchError when it is not a result list."""
    if service == "gdelt":
        return parse_gdelt(body)
    if service == "bing_news":
        return parse_bing(body, url, headers)
    return parse_google_news(body, url, headers)


def parse_google_news(body: bytes, url: str, headers: dict[str, str] | None = None) -> list[FeedEntry]:
    """Google News RSS: opaque redirect links, "Headline - Outlet" titles, `<source url>`."""
    try:
        feed = parse_feed(body, url, headers)
    except NotAFeed as e:
        raise SearchError(f"not a Google News feed: {e}") from None
    entries = []
    for entry in feed.entries:
        outlet = entry.outlet if entry.outlet != feed.title else ""
        headline = strip_outlet(entry.title, outlet)
        entries.append(search_entry(entry.link, entry.guid, headline, outlet, entry.text, entry.published))
    return entries


def strip_outlet(title: str, outlet: str) -> str:
    """ "Families ask for proof of life - El Pitazo" -> "Families ask for proof of life"."""
    suffix = f" - {outlet}"
    return title[: -len(suffix)].strip() if outlet and title.endswith(suffix) else title


def parse_bing(body: bytes, url: str, headers: dict[str, str] | None = None) -> list[FeedEntry]:
    """Bing News RSS: apiclick links carrying the publisher URL, `News:Source` outlets."""
    parsed = parse_bytes(body, url, headers)
    if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):
        raise SearchError(f"not a Bing News feed: {parsed.get('bozo_exception', 'no feed found')}")
    entries = []
    for item in parsed.entries:
        link = bing_publisher_url(item.get("link", ""))
        outlet = strip_bidi(item.get("news_source", "") or "")
        published = struct_time_iso(item.get("published_parsed"))
        entries.append(search_entry(link, link, html_to_text(item.get("title", "")), outlet,
                                    html_to_text(item.get("summary", "")), published))
    return entries


def bing_publisher_url(link: str) -> str:
    """The publisher URL inside a Bing apiclick redirect (its `url=` parameter); other links as they are."""
    parts = urlsplit(link.strip())
    if parts.path.lower().endswith("/apiclick.aspx"):
        target = (parse_qs(parts.query).get("url") or [""])[0]
        return target if target.startswith(("http://", "https://")) else ""
    return link.strip()


def parse_gdelt(body: bytes) -> list[FeedEntry]:
    """GDELT DOC 2.0 `mode=artlist&format=json`: direct article URLs with title, domain, date."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return []
    try:
        data = json.loads(text)
    except ValueError:
        # Refusals come as HTTP 200 plain text: rate limits, query syntax, length.
        first_line = text.splitlines()[0][:200]
        raise SearchError(f"GDELT answered: {first_line}") from None
    if not isinstance(data, dict):
        raise SearchError("GDELT answered with JSON that is not an article list")
    entries = []
    for article in data.get("articles") or []:
        link = str(article.get("url") or "")
        if not link.startswith(("http://", "https://")):
            continue
        outlet = strip_bidi(str(article.get("domain") or ""))
        title = strip_bidi(str(article.get("title") or "")).strip()
        entries.append(search_entry(link, link, title, outlet, "",
                                    gdelt_date(str(article.get("seendate") or ""))))
    return entries


def gdelt_date(value: str) -> str | None:
    """GDELT's "20261128T143000Z" -> ISO 8601."""
    try:
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).isoformat(timespec="seconds")
    except ValueError:
        return None


def search_entry(
    link: str, guid: str, headline: str, outlet: str, description: str, published: str | None
) -> FeedEntry:
    """An entry whose text is what the service said (headline, outlet, description), for when the page fails."""
    lines = [headline, outlet]
    rest = description.strip()
    # Google News descriptions repeat the headline and outlet; keep only what is new.
    for line in lines:
        if line and rest.startswith(line):
            rest = rest[len(line):].strip()
    lines.append(rest)
    text = "\n".join(line for line in lines if line)
    return FeedEntry(link=link.strip(), guid=guid, title=headline, text=text, published=published, outlet=outlet)


def is_google_redirect(url: str, base_url: str = "") -> bool:
    """A Google News article link that did not lead to a publisher (still on Google News, or its consent page)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host == "google.com" or host.endswith(".google.com"):
        return True
    base = urlsplit(base_url or DEFAULT_BASE_URLS["google_news"])
    return parts.netloc == base.netloc and parts.path.startswith(("/rss/articles/", "/articles/", "/read/"))
