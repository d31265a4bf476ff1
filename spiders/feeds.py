"""RSS, Atom, RDF and JSON feeds: each entry's link is followed; entry text is the fallback."""

from __future__ import annotations

from dataclasses import replace
from hashlib import sha256
from urllib.parse import urlsplit

from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from monitor.feeds import FeedEntry, NotAFeed, parse_feed
from monitor.netguard import is_http_url
from monitor.sourcekind import not_a_feed

from .base import SourceSpider, _headers


class FeedsSpider(SourceSpider):
    name = "feeds"

    async def start(self):
        for request in self.feed_requests():
            yield request

    def feed_requests(self):
        for feed in self.run.config.feeds:
            yield self.source_request(feed.url, "feed", self.parse_feed, conditional=True, name=feed.name)

    async def parse_feed(self, response: Response):
        for request in self.backlog_requests(response):
            yield request
        if self.not_modified(response):
            return
        source = response.meta["source"]
        try:
            # In a thread: feedparser is pure Python, and a crafted feed (entries of deeply
            # nested HTML) takes it seconds; on the event loop every download would wait.
            feed = await maybe_deferred_to_future(
                deferToThread(parse_feed, response.body, response.url, _headers(response))
            )
        except NotAFeed as e:
            self.run.error(source, "feed", response.url, not_a_feed(response.body, response.url, str(e)))
            return
        if feed.problem:
            # Malformed but readable: use what parsed, and say what was wrong.
            self.run.error(
                source, "feed", response.url, f"malformed feed, read {len(feed.entries)} entries: {feed.problem}"
            )
        self.remember_validators(response)
        outlet = response.meta.get("name") or feed.title
        sites = {_site(response.url), _site(feed.link)} - {""}
        for entry in feed.entries:
            for request in self.entry_requests(entry, source, outlet, sites):
                yield request

    def entry_requests(self, entry: FeedEntry, source: str, outlet: str = "", sites: set[str] = frozenset()):
        if outlet and entry.outlet == "":
            entry = replace(entry, outlet=outlet)
        if not entry.link and (permalink := _guid_permalink(entry.guid, sites)):
            entry = replace(entry, link=permalink)
        # feedparser copies a permalink guid into `link`: a "tag:" guid is no link to report.
        linked = entry.link and not (entry.link == entry.guid and not is_http_url(entry.link))
        if linked:
            if self.http_only(entry.link, source, "feed"):
                yield from self.admitted(self.article_request(entry.link, source, "feed", entry))
        elif entry.text:
            yield from self.linkless_entry(entry, source)

    def linkless_entry(self, entry: FeedEntry, source: str):
        """An entry without a link is stored from its own text, under a stable pseudo-URL."""
        ident = entry.guid or sha256((entry.title + entry.text).encode()).hexdigest()[:16]
        # A query parameter, not a fragment: canonical URLs drop fragments.
        separator = "&" if "?" in source else "?"
        url = f"{source}{separator}monitor-entry={sha256(ident.encode()).hexdigest()[:16]}"
        request = self.article_request(url, source, "feed", entry)
        if not self.run.is_stored(request.url):
            yield self.page(request, html="")


def _guid_permalink(guid: str, sites: set[str]) -> str:
    """An entry's http(s) guid on the feed's own site, taken as its permalink; else "".

    Feeds often give an article's address only as a guid marked isPermaLink="false"; one on
    the feed's site is the article's page. A guid elsewhere (or not http) is no address to
    fetch, and the entry is stored as feed text.
    """
    return guid if is_http_url(guid) and _site(guid) in sites else ""


def _site(url: str) -> str:
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")
