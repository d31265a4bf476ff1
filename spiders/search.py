"""Search sources: ask Google News, Bing News and GDELT about each watched person; follow what they return."""

from __future__ import annotations

import sqlite3

from scrapy import Request
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from monitor.errors import ConfigError
from monitor.feeds import FeedEntry
from monitor.run import crawl_config
from monitor.search.queries import DEFAULT_BASE_URLS, SearchError, unknown_people
from monitor.search.results import is_google_redirect, parse_results
from monitor.search.schedule import plan, service_delay, slot_name

from .base import SourceSpider, _headers

# Google News links are fetched after the other services' links, so a story they also
# found is stored from the publisher's page before a Google stub could stand in for it.
GOOGLE_LINK_PRIORITY = -10


class SearchSpider(SourceSpider):
    name = "search"

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        try:
            config = crawl_config(settings)
        except ConfigError:
            return  # reported when the spider opens
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        for service in {search.service for search in config.searches}:
            # One request at a time, evenly spaced: "jitter" (Scrapy 2.19+) and
            # "randomize_delay" (before) would otherwise halve GDELT's 5 s now and then.
            slots.setdefault(slot_name(service), {
                "concurrency": 1, "delay": service_delay(config, service), "jitter": 0, "randomize_delay": False,
            })
        settings.set("DOWNLOAD_SLOTS", slots, priority="spider")

    async def start(self):
        for request in self.search_requests():
            yield request

    def search_requests(self):
        config = self.run.config
        for search in config.searches:
            for name in unknown_people(search, config.people):
                self.logger.warning("[[search]] %s: %r is not on the watchlist", search.service, name)
        schedule = plan(config, self.run.search_answers())
        self.run.count("searches_not_due", schedule.not_due)
        self.run.count("searches_over_budget", sum(schedule.over_budget.values()))
        for query in schedule.send:
            # Its service's own slot, whose delay AutoThrottle must not lower (it would
            # bring GDELT's 5 s down to 1 s within three answers, and GDELT refuses).
            yield self.source_request(query.url, "search", self.parse_search, conditional=True,
                                      service=query.service, name=query.label,
                                      download_slot=slot_name(query.service), autothrottle_dont_adjust_delay=True)

    def parse_search(self, response: Response):
        if self.not_modified(response):
            return
        source, service = response.meta["source"], response.meta["service"]
        try:
            entries = parse_results(service, response.body, response.url, _headers(response))
        except SearchError as e:
            # The service answered (often HTTP 200) but with a refusal: the query failed.
            self.run.source_stats(source, "search").reached = False
            self.run.error(source, "search", response.url, str(e))
            return
        self.remember_validators(response)
        for entry in entries:
            yield from self.search_item(entry, source, service)

    def search_item(self, entry: FeedEntry, source: str, service: str):
        """Follow one result's link, unless the archive already has it (or, for Google, its headline)."""
        if not entry.link or not self.http_only(entry.link, source, "search"):
            return
        request = self.article_request(entry.link, source, "search", entry)
        if self.run.is_stored(request.url):
            return
        google = service == "google_news"
        if google and self.headline_stored(entry):
            return
        yield request.replace(
            callback=self.parse_search_article,
            errback=self.search_article_failed,
            priority=GOOGLE_LINK_PRIORITY if google else 0,
            meta={**request.meta, "service": service},
        )

    def parse_search_article(self, response: Response):
        if response.meta["service"] == "google_news" and is_google_redirect(response.url, self._google_base()):
            # Still on Google (a page that redirects by script, a consent page): the
            # item's own headline and description are all there is.
            yield from self.search_fallback(response.request)
            return
        yield from self.parse_article(response)

    def search_article_failed(self, failure: Failure):
        request = failure.request
        if request.meta.get("service") == "google_news" and self.headline_stored(request.meta["entry"]):
            return  # another service or feed brought the story already: no stub for it
        yield from self.article_failed(failure)

    def search_fallback(self, request: Request):
        entry: FeedEntry = request.meta["entry"]
        if not self.headline_stored(entry):
            yield self.page(request.replace(url=request.meta.get("redirect_urls", [request.url])[0]), html="")

    def headline_stored(self, entry: FeedEntry) -> bool:
        """An article with this exact headline is already stored (found by another service or feed)."""
        headline = " ".join(entry.title.split())
        if len(headline) < 20:
            return False  # short headlines are shared by unrelated stories
        phrase = '"' + headline.replace('"', '""') + '"'
        try:
            rows = self.run.archive.db.execute(
                "select a.title from articles_fts f join articles a on a.id = f.rowid "
                "where articles_fts match ? limit 20",
                [f"title : {phrase}"],
            ).fetchall()
        except sqlite3.Error:  # an FTS syntax surprise must not stop the crawl
            return False
        return any(" ".join((title or "").split()).casefold() == headline.casefold() for (title,) in rows)

    def _google_base(self) -> str:
        for search in self.run.config.searches:
            if search.service == "google_news" and search.base_url:
                return search.base_url
        return DEFAULT_BASE_URLS["google_news"]
