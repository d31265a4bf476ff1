"""A `monitor run` over 200 feeds with nothing new, against the same feeds' first pass.

Usage: python benchmarks/incremental_run.py [--feeds 200]

The corpus pages are spread over the feeds (one to two articles each). The first pass
fetches every feed and article and extracts, matches and stores them; the second finds
nothing new. Two kinds of server are measured, each with its own first pass: feeds that
send ETag/Last-Modified (the rerun gets 304s) and feeds that do not (the rerun downloads
and parses every feed again, and skips the stored articles without fetching them).
Target: the rerun takes under 10% of the first pass's time.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import SiteServer, machine, require_corpus, run_monitor, serve_pages, table, write_config

TARGET = 0.10


def passes(site: SiteServer, pages: list[dict], feeds: int, validators: bool) -> list[list[object]]:
    prefix = "/etag" if validators else "/plain"
    urls = serve_pages(site, pages, feeds, validators=validators, prefix=prefix)
    with tempfile.TemporaryDirectory() as tmp:
        config = write_config(Path(tmp), urls, ["Donald Trump", "Joe Biden", "Elon Musk"])
        site.clear_log()
        first = run_monitor(config)
        first_articles = len(site.requests_for(prefix + "/article/"))
        site.clear_log()
        again = run_monitor(config)
        again_articles = len(site.requests_for(prefix + "/article/"))
    if again.count("new articles"):
        raise SystemExit(f"the rerun found something new: {again.stdout.strip()}")
    kind = "feeds with ETag (304)" if validators else "feeds without validators"
    ratio = again.seconds / first.seconds
    # Pages that yielded no article (bot walls, empty pages) are not stored, so each run tries them again.
    return [
        [f"{kind}: first pass", first_articles, first.count("new articles"), f"{first.seconds:.1f}", "1.00", ""],
        [f"{kind}: nothing new", again_articles, again.count("new articles"), f"{again.seconds:.1f}",
         f"{ratio:.2f}", f"< {TARGET:.2f}" + (" met" if ratio < TARGET else " MISSED")],
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    args = parser.parse_args()
    pages = require_corpus()
    print(f"machine: {machine()}")
    site = SiteServer().start()
    try:
        rows = passes(site, pages, args.feeds, validators=True) + passes(site, pages, args.feeds, validators=False)
    finally:
        site.stop()
    print(table(["run", "article fetches", "new articles", "seconds", "vs first", "target"], rows))


if __name__ == "__main__":
    main()
