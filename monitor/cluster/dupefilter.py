"""scrapy-redis's RFPDupeFilter keyed on the canonical URL for articles, and aware of what is stored.

Every node shares one set of fingerprints per cycle; an article request is also "seen"
when its canonical URL key is in the set of stored articles that ingest (and the nodes,
as they push) keep in Redis, so no node fetches an article the archive has.
"""

from __future__ import annotations

from scrapy import Request
from scrapy_redis.dupefilter import RFPDupeFilter

from ..urls import url_key
from .connection import KEYS


class StoredDupeFilter(RFPDupeFilter):
    def request_fingerprint(self, request: Request) -> str:
        if request.meta.get("article"):
            return "article:" + url_key(request.url)
        return super().request_fingerprint(request)

    def request_seen(self, request: Request) -> bool:
        if request.meta.get("article") and self.server.sismember(KEYS.stored, url_key(request.url)):
            return True
        return super().request_seen(request)
