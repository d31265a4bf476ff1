"""Scrapy spiders, one per source kind, plus `monitor` that runs them all in one crawl."""
