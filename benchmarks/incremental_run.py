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
    urls = serve_pages(site, pages, feeds, validators=validators, prefix="/etag" if validators else "/plain")
    with tempfile.TemporaryDirectory() as tmp:
        config = write_config(Path(tmp), urls, ["Donald Trump", "Joe Biden", "Elon Musk"])
        first = run_monitor(config)
        site.clear_log()
        again = run_monitor(config)
        article_fetches = len(site.requests_for(("/etag" if validators else "/plain") + "/article/"))
    if again.count("new articles") or article_fetches:
        raise SystemExit(f"the rerun was not empty: {again.stdout.strip()}; {article_fetches} article fetches")
    kind = "feeds with ETag (304)" if validators else "feeds without validators"
    ratio = again.seconds / first.seconds
    return [
        [f"{kind}: first pass", first.count("pages fetched"), first.count("new articles"), f"{first.seconds:.1f}",
         "1.00", ""],
        [f"{kind}: nothing new", again.count("pages fetched"), again.count("new articles"), f"{again.seconds:.1f}",
         f"{ratio:.2f}", f"< {TARGET:.2f}" + ("" if ratio < TARGET else " MISSED")],
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
    print(table(["run", "fetched", "new articles", "seconds", "vs first", "target"], rows))


if __name__ == "__main__":
    main()
