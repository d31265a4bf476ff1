"""Change watch: fetch mentioned articles again on their schedule and record what changed."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from monitor.archive.changes import Fetched, due_rechecks, record_check

from .base import SourceSpider, _headers, _reason


class RecheckSpider(SourceSpider):
    name = "recheck"

    async def start(self):
        for request in self.recheck_requests():
            yield request

    def recheck_requests(self):
        for article in due_rechecks(self.ctx.archive.db, self.ctx.config.evidence.recheck_days):
            yield Request(
                article["url"],
                callback=self.parse_recheck,
                errback=self.recheck_failed,
                dont_filter=True,
                # 404 and 410 mean "gone" and reach the callback; other errors go to the errback.
                meta={"recheck": article["id"], "handle_httpstatus_list": [404, 410]},
            )

    def parse_recheck(self, response: Response) -> None:
        fetched = Fetched(response.status, response.url, _headers(response), response.body)
        self._record(response.meta["recheck"], fetched)

    def recheck_failed(self, failure: Failure) -> None:
        status = failure.value.response.status if isinstance(failure.value, HttpError) else None
        self._record(failure.request.meta["recheck"], Fetched(status, failure.request.url, error=_reason(failure)))

    def _record(self, article_id: int, fetched: Fetched) -> None:
        ctx = self.ctx
        record_check(ctx.archive.db, article_id, fetched, ctx.watchlist, ctx.people_ids, ctx.config.alerts)
        ctx.counts["rechecks"] += 1
