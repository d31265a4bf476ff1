"""Sitemaps, sitemap indexes, Google News sitemaps and gzipped ones."""

from __future__ import annotations

import zlib
from datetime import datetime, timezone

from lxml import etree
from scrapy.http import Response
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap

from monitor.dates import parse_datetime
from monitor.feeds import FeedEntry
from monitor.sourcekind import not_a_sitemap
from monitor.urls import canonical_url

from .base import SourceSpider

NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
# Sitemap indexes may not list indexes (sitemaps.org); some sites do, a few levels deep.
# Deeper than this is a chain with no end: its sitemaps are reported and not followed.
MAX_INDEX_NESTING = 3


class SitemapsSpider(SourceSpider):
    name = "sitemaps"

    async def start(self):
        for request in self.sitemap_requests():
            yield request

    def sitemap_requests(self):
        for sitemap in self.run.config.sitemaps:
            yield self.source_request(sitemap.url, "sitemap", self.parse_sitemap, conditional=True)

    def parse_sitemap(self, response: Response):
        yield from self.backlog_requests(response)
        if self.not_modified(response):
            return
        source = response.meta["source"]
        max_size = response.meta.get("download_maxsize", self.settings.getint("DOWNLOAD_MAXSIZE"))
        try:
            body = _sitemap_body(response, max_size)
        except ValueError:  # Scrapy's gunzip stopped at the cap: a gzip bomb or just too big
            self.run.error(source, "sitemap", response.url,
                           f"larger than the size cap of {max_size / 1048576:g} MB once gunzipped (crawl.max_page_mb)")
            return
        sitemap = _read_sitemap(body) if body else None
        if sitemap is None:
            self.run.error(source, "sitemap", response.url, not_a_sitemap(body))
            return
        self.remember_validators(response)
        entries = list(sitemap)
        if not entries:
            self.run.error(source, "sitemap", response.url, "empty sitemap")
        if sitemap.type == "sitemapindex":
            yield from self.child_sitemap_requests(entries, response)
            return
        news = _news_fields(body)
        for entry in entries:
            url = self.entry_url(entry, response)
            if url is None:
                continue
            title, published = news.get(entry.get("loc", "").strip(), ("", None))
            published = published or entry.get("lastmod")
            if self.too_old(published):
                continue
            entry = FeedEntry(url, url, title, "", published)
            yield from self.admitted(self.article_request(url, source, "sitemap", entry))

    def child_sitemap_requests(self, entries: list[dict], response: Response):
        """An index's sitemaps, within MAX_INDEX_NESTING and the source's budget for this run.

        Each sitemap is asked for once per run (an index that lists itself, or A -> B -> A);
        an index that leads to new indexes without end stops at the nesting limit, and one
        that lists more sitemaps than crawl.max_urls_per_source stops there: either is
        reported on the source, so the run ends and its cron lock is let go.
        """
        source = response.meta["source"]
        nesting = response.meta.get("index_nesting", 0) + 1
        if nesting > MAX_INDEX_NESTING:
            self.run.error(source, "sitemap", response.url,
                           f"sitemap index nested more than {MAX_INDEX_NESTING} deep: its sitemaps are not followed")
            return
        over_budget = 0
        for entry in entries:
            if not (url := self.entry_url(entry, response)) or not self.run.first_visit(url):
                continue
            if not self.run.admit_child_sitemap(source):
                over_budget += 1
                continue
            yield self.source_request(url, "sitemap", self.parse_sitemap, source=source, conditional=True,
                                      index_nesting=nesting)
        if over_budget:
            self.run.error(source, "sitemap", response.url,
                           f"{over_budget} sitemaps over crawl.max_urls_per_source not followed this run")

    def entry_url(self, entry: dict, response: Response) -> str | None:
        """One `<loc>` as an absolute http(s) URL, or None after reporting why it is unusable.

        Each entry on its own: one bad `<loc>` costs that entry, never the ones after it.
        """
        loc = (entry.get("loc") or "").strip()
        if not loc:
            return None
        try:
            url = response.urljoin(loc)
            canonical_url(url)  # what the article request will do with it
        except ValueError as e:
            self.run.error(response.meta["source"], "sitemap", loc, f"not a usable URL ({e})")
            return None
        return url if self.http_only(url, response.meta["source"], "sitemap") else None

    def too_old(self, published: str | None) -> bool:
        max_age = self.run.config.crawl.max_age_days
        when = parse_datetime(published)
        if not max_age or when is None:
            return False
        return (datetime.now(timezone.utc) - when).days > max_age


def _sitemap_body(response: Response, max_size: int) -> bytes | None:
    """The XML of a sitemap response, gunzipped when it is gzip (whatever its name says).

    Gunzipped at most to `max_size` bytes (crawl.max_page_mb, as for any body): past it
    Scrapy's gunzip raises ValueError. None when the gzip data is broken.
    """
    body = response.body
    if gzip_magic_number(response):
        try:
            body = gunzip(body, max_size=max_size)
        except (OSError, EOFError, zlib.error):  # not gzip after all, cut short, or corrupt
            return None
    return body


def _read_sitemap(body: bytes) -> Sitemap | None:
    try:
        sitemap = Sitemap(body)
    except (etree.XMLSyntaxError, StopIteration, ValueError):
        return None
    return sitemap if sitemap.type in ("urlset", "sitemapindex") else None


def _news_fields(body: bytes) -> dict[str, tuple[str, str | None]]:
    """loc -> (news:title, news:publication_date) from a Google News sitemap."""
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(recover=True, resolve_entities=False))
    except etree.XMLSyntaxError:
        return {}
    if root is None:
        return {}
    fields = {}
    for url in root.iter("{*}url"):
        loc = (url.findtext("{*}loc") or "").strip()
        title = url.findtext(f".//{{{NEWS_NS}}}title") or ""
        date = url.findtext(f".//{{{NEWS_NS}}}publication_date")
        if loc and (title or date):
            fields[loc] = (title.strip(), date.strip() if date else None)
    return fields
