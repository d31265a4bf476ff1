"""Every configured source in one crawl: what `monitor run` runs."""

from __future__ import annotations

from .feeds import FeedsSpider
from .recheck import RecheckSpider
from .sitemaps import SitemapsSpider
from .sites import SitesSpider


class MonitorSpider(FeedsSpider, SitemapsSpider, SitesSpider, RecheckSpider):
    name = "monitor"

    async def start(self):
        for requests in (self.feed_requests(), self.sitemap_requests(), self.site_requests(),
                         self.recheck_requests()):
            for request in requests:
                yield request
