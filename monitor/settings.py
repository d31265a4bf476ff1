"""Scrapy settings for the monitor: polite defaults; `[crawl]` in monitor.toml adjusts them.

The spiders apply the config's `[crawl]` table in `update_settings`, so `scrapy crawl`
and `monitor run` behave alike.
"""

from scrapy.settings import default_settings

BOT_NAME = "mention-monitor"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

ROBOTSTXT_OBEY = True
USER_AGENT = "mention-monitor/0.1 (+https://github.com/mention-monitor/mention-monitor)"

# Politeness: per-domain concurrency, a delay that AutoThrottle adapts to the server.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Scrapy starts this many asyncio tasks for every callback's output; an article page
# yields one item, so the default 100 costs ~100 tasks per page for nothing.
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 30
# A page over the cap (crawl.max_page_mb) is cancelled and reported; so is a response cut
# short (a Content-Length the body never reaches), rather than read as a whole page.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
DOWNLOAD_FAIL_ON_DATALOSS = True
# A redirect chain longer than this is reported as a loop.
REDIRECT_MAX_TIMES = 10
# Retries, with a pause that doubles each time (see BackoffRetryMiddleware): 429 and 5xx
# answers, timeouts and dropped connections. A Retry-After over the cap is not waited for.
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
# Giving up is reported once, by source, in the run summary; not again as a log error.
RETRY_GIVE_UP_LOG_LEVEL = "INFO"
MONITOR_RETRY_BACKOFF = 1.0
MONITOR_RETRY_BACKOFF_MAX = 60.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy >= 2.19 starts an HTTP server on localhost that runs Python code sent to it
# (RemoteControl, on by default): a run has no use for it (see EXTENSIONS_BASE below).
REMOTE_CONTROL_ENABLED = False

# Only http and https are ever fetched: Scrapy's handlers for file://, data:, s3:// and
# ftp:// are off, and the private-network guard refuses other schemes with a reason.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "s3": None, "ftp": None}
# Connections resolve through the guard too, so a DNS answer that turns private after the
# middleware's check is refused where the connection is made (see monitor/netguard.py).
if hasattr(default_settings, "TWISTED_DNS_RESOLVER"):  # Scrapy >= 2.19 renamed DNS_RESOLVER
    TWISTED_DNS_RESOLVER = "monitor.netguard.GuardedResolver"
else:  # pragma: no cover
    DNS_RESOLVER = "monitor.netguard.GuardedResolver"

DOWNLOADER_MIDDLEWARES = {
    # First of all, so nothing else (robots.txt included) touches a refused address.
    "monitor.netguard.PrivateNetworkMiddleware": 10,
    "monitor.middlewares.ConditionalGetMiddleware": 60,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "monitor.middlewares.BackoffRetryMiddleware": 550,
    # Just before decompression (590): responses pass middlewares from the highest number down.
    "monitor.middlewares.CompressedBodyMiddleware": 595,
    # After decompression (590), before meta refresh (580) and retries (550): a bot
    # wall answered with 503 is reported at once, not retried.
    "monitor.middlewares.ResponseCheckMiddleware": 585,
    # Scrapy's, but it does not decode pages that cannot hold a refresh (the workers decode).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "monitor.middlewares.MetaRefreshMiddleware": 580,
}

# Article pages already in the archive are dropped here, by their canonical URL key.
DUPEFILTER_CLASS = "monitor.dupefilter.StoredArticleDupeFilter"

# The run (monitor/run.py): lock, run id, counts, per-source results. `scrapy crawl` takes
# the archive's run lock like `monitor run` (which holds it itself, alert delivery included).
EXTENSIONS = {"monitor.run.RunExtension": 0}


def _without(base: dict, *names: str) -> dict:
    return {path: order for path, order in base.items() if path.rsplit(".", 1)[-1] not in names}


# Scrapy imports every component named in these, even one set to None or switched off by
# its setting: the remote control's module (aiohttp) and the cookies middleware's
# (tldextract, requests) would cost the main process ~13 MB for components it never runs.
EXTENSIONS_BASE = _without(default_settings.EXTENSIONS_BASE, "RemoteControl")
DOWNLOADER_MIDDLEWARES_BASE = _without(default_settings.DOWNLOADER_MIDDLEWARES_BASE, "CookiesMiddleware")

# The order is the data flow: extract -> match -> store.
ITEM_PIPELINES = {
    "monitor.pipelines.ExtractPipeline": 100,
    "monitor.pipelines.MatchPipeline": 200,
    "monitor.pipelines.StorePipeline": 300,
}

# The store writes articles, their mentions and their alert rows in batches: one
# transaction per this many articles, or once the oldest has waited this many ms.
MONITOR_STORE_BATCH_ITEMS = 50
MONITOR_STORE_BATCH_MS = 500

LOG_LEVEL = "WARNING"
FEED_EXPORT_ENCODING = "utf-8"
# Dropped pages are recorded with the run and summarised; no need to shout in cron mail.
DEFAULT_DROPITEM_LOG_LEVEL = "INFO"
# -v logs each page by its URL, never its text (Scrapy's own formatter dumps whole items).
LOG_FORMATTER = "monitor.logformatter.QuietLogFormatter"
