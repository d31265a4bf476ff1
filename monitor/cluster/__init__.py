"""A crawl that spans machines: `monitor crawl` nodes share a scrapy-redis queue, `monitor ingest` stores.

Nodes fetch, extract and match, then push results to Redis (`push.py`); the one ingest
process pops them and writes the archive through its API (`ingest.py`). See docs/cluster.md.
"""
