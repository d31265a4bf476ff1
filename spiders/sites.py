"""Link-following crawl of a site from a start URL, within `allow` patterns and `max_depth`."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor

from .base import SourceSpider


class SitesSpider(SourceSpider):
    name = "sites"

    async def start(self):
        for request in self.site_requests():
            yield request

    def site_requests(self):
        for index, site in enumerate(self.run.config.sites):
            yield self.source_request(
                site.start_url, "site", self.parse_site_page, depth_left=site.max_depth, site=index
            )

    def parse_site_page(self, response: Response):
        """Follow in-scope links; every page below the start page is a candidate article."""
        meta = response.meta
        if not isinstance(response, TextResponse):
            self.run.error(meta["source"], "site", response.url, "not an HTML page")
            return
        site = self.run.config.sites[meta["site"]]
        if meta.get("article"):
            yield self.page(response.request, html="", response=response)  # a worker decodes the body
        if meta["depth_left"] <= 0:
            return
        # netloc, not hostname: Scrapy compares domains with the port included.
        domain = urlsplit(site.start_url).netloc.lower().removeprefix("www.")
        extractor = LinkExtractor(allow=site.allow or (), allow_domains=[domain])
        for link in extractor.extract_links(response):
            request = self.article_request(link.url, meta["source"], "site")
            # stay_on: a link that redirects off the site is refused (monitor/netguard.py).
            yield request.replace(
                callback=self.parse_site_page,
                meta={**request.meta, "depth_left": meta["depth_left"] - 1, "site": meta["site"], "stay_on": domain},
            )
