"""Every configured source in one crawl: what `monitor run` runs."""

from __future__ import annotations

from .feeds import FeedsSpider
from .sitemaps import SitemapsSpider
from .sites import SitesSpider


class MonitorSpider(FeedsSpider, SitemapsSpider, SitesSpider):
    name = "monitor"

    async def start(self):
        for requests in (self.feed_requests(), self.sitemap_requests(), self.site_requests()):
            for request in requests:
                yield request
