"""Pages per second of `monitor run` over the corpus on loopback, against bare trafilatura in one process.

Usage: python benchmarks/pipeline.py [--limit N]

The baseline is the cost that cannot be avoided: `extract_fields` (trafilatura's
load_html + bare_extraction, as the pipeline calls it) over the same pages, already
decompressed and decoded, one after another in this process. The pipeline figure is the
wall time of a whole `python -m monitor run` subprocess (start-up, fetching, extraction in
the worker pool, matching, storing) over the same pages served from one RSS feed.
Target: pipeline pages/s >= 1.4x the baseline on 2 cores.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from common import SiteServer, machine, page_html, require_corpus, run_monitor, serve_pages, table, write_config

# People the corpus names (as in tests/test_corpus.py), so matching and storing mentions do real work.
WATCHLIST = ["Donald Trump", "Joe Biden", "Jeffrey Epstein", "Pedro Sánchez", "Giorgia Meloni", "Elon Musk",
             "Jeff Bezos", "Taylor Swift", "Julian Assange", "Mario Vargas Llosa"]
TARGET = 1.4


def bare(pages: list[dict]) -> tuple[float, int]:
    """Seconds for extract_fields over every page in this process, and how many yielded text."""
    from monitor.extract import extract_fields

    htmls = [(page_html(p), p.get("url") or f"http://127.0.0.1/article/{i}.html") for i, p in enumerate(pages)]
    extract_fields(*htmls[0])  # warm trafilatura's lazy imports, as a long-lived worker would be
    started = time.perf_counter()
    found = sum(extract_fields(html, url) is not None for html, url in htmls)
    return time.perf_counter() - started, found


def pipeline(pages: list[dict]) -> tuple[float, float, str]:
    """Seconds of a `monitor run` over the pages, of one over an empty feed (start-up), and its summary line."""
    site = SiteServer().start()
    try:
        feeds = serve_pages(site, pages)
        empty = site.add("/empty.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>e</title>'
                         "</channel></rss>", "application/rss+xml")
        with tempfile.TemporaryDirectory() as tmp:
            startup = run_monitor(write_config(Path(tmp), [empty], WATCHLIST)).seconds
        with tempfile.TemporaryDirectory() as tmp:
            run = run_monitor(write_config(Path(tmp), feeds, WATCHLIST))
    finally:
        site.stop()
    return run.seconds, startup, run.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="use only the first N corpus pages")
    args = parser.parse_args()
    pages = require_corpus()
    pages = pages[: args.limit] if args.limit else pages
    print(f"machine: {machine()}")
    print(f"pages: {len(pages)}")
    bare_s, found = bare(pages)
    run_s, startup_s, summary = pipeline(pages)
    print(f"run: {summary}")
    base = len(pages) / bare_s
    rows = [
        ["bare extract_fields, 1 process", f"{bare_s:.1f}", f"{base:.1f}", "1.00x", ""],
        ["monitor run (subprocess, wall)", f"{run_s:.1f}", f"{len(pages) / run_s:.1f}",
         f"{bare_s / run_s:.2f}x", f">= {TARGET}x"],
        ["  of which start-up (empty feed)", f"{startup_s:.1f}", "", "", ""],
        ["monitor run minus start-up", f"{run_s - startup_s:.1f}", f"{len(pages) / (run_s - startup_s):.1f}",
         f"{bare_s / (run_s - startup_s):.2f}x", ""],
    ]
    print(table(["", "seconds", "pages/s", "vs bare", "target"], rows))
    print(f"bare extraction found text in {found} of {len(pages)} pages")
    verdict = "met" if bare_s / run_s >= TARGET else "MISSED"
    print(f"target {TARGET}x: {verdict}")


if __name__ == "__main__":
    main()
