"""Every configured source in one crawl: what `monitor run` runs."""

from __future__ import annotations

from .feeds import FeedsSpider
from .recheck import RecheckSpider
from .search import SearchSpider
from .sitemaps import SitemapsSpider
from .sites import SitesSpider


class MonitorSpider(SearchSpider, FeedsSpider, SitemapsSpider, SitesSpider, RecheckSpider):
    name = "monitor"

    async def start(self):
        for requests in (self.feed_requests(), self.sitemap_requests(), self.site_requests(),
                         self.search_requests(), self.recheck_requests()):
            for request in requests:
                yield request
