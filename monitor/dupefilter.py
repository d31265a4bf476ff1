"""Scrapy's dupefilter, knowing "already stored": an article page in the archive is never asked for again.

Article requests are keyed on the canonical URL key (monitor/urls.py `url_key`, the
articles.url_key column), so http/https, `www.` and a trailing slash are one page. The
stored keys are read once, when the run opens (RunExtension.stored_keys), not per request.
Configured sources and re-checks are sent with dont_filter and never reach this filter;
everything else (child sitemaps, robots.txt...) is filtered by Scrapy's fingerprints.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter

from .run import STATS_PREFIX, RunExtension
from .urls import url_key


class StoredArticleDupeFilter(RFPDupeFilter):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoredArticleDupeFilter:
        dupefilter = super().from_crawler(crawler)
        dupefilter.stats = crawler.stats
        dupefilter.stored = RunExtension.of(crawler).stored_keys  # updated as the run stores articles
        dupefilter.asked = set()  # keys of the article pages asked this run
        return dupefilter

    def request_seen(self, request: Request) -> bool:
        if request.meta.get("article"):
            key = url_key(request.url)
            if key in self.stored:
                self.stats.inc_value(STATS_PREFIX + "articles_already_stored")
                return True
            # A redirect keeps its page's key (http -> https, a trailing slash added):
            # only the fingerprints below tell a redirect loop from the first request.
            if not request.meta.get("redirect_urls"):
                if key in self.asked:
                    return True  # the same page under another spelling of its URL, asked already
                self.asked.add(key)
        return super().request_seen(request)
