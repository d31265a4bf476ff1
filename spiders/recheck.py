"""Change watch: fetch mentioned articles again on their schedule; the pipelines read and record what changed."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from monitor.items import Fetched, Recheck

from .base import SourceSpider, _headers, _reason


class RecheckSpider(SourceSpider):
    name = "recheck"

    async def start(self):
        for request in self.recheck_requests():
            yield request

    def recheck_requests(self):
        for article in self.run.due_rechecks():
            yield Request(
                article["url"],
                callback=self.parse_recheck,
                errback=self.recheck_failed,
                dont_filter=True,
                # 404 and 410 mean "gone" and reach the callback; other errors go to the errback.
                meta={"recheck": article["id"], "handle_httpstatus_list": [404, 410]},
            )

    def parse_recheck(self, response: Response):
        fetched = Fetched(response.status, response.url, _headers(response), response.body)
        yield Recheck(response.meta["recheck"], response.request.url, fetched)

    def recheck_failed(self, failure: Failure):
        request = failure.request
        status = failure.value.response.status if isinstance(failure.value, HttpError) else None
        yield Recheck(request.meta["recheck"], request.url, Fetched(status, request.url, error=_reason(failure)))
