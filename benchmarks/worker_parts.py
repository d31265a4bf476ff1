"""CPU seconds of each part of a worker's per-page work over the corpus, in this process, against bare trafilatura.

Usage: python benchmarks/worker_parts.py [--limit N] [--rounds 2] [--profile FILE]

Runs what an extraction worker runs for each page (`monitor.workers.extract_page` and
the matching call), part by part, over the corpus pages as `pipeline.py` serves them
(the gunzipped bytes, Content-Type `text/html`, a loopback URL), and prints the CPU
seconds of each part beside bare `trafilatura.extract` over the same decoded pages.
The parts are timed separately, so they add up to a little more than `extract_page`,
which is timed whole as well. `--profile FILE` also writes a cProfile of `extract_page`
over every page (read it with pstats).
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import time

import trafilatura
from common import CORPUS, machine, page_html, require_corpus, table
from pipeline import WATCHLIST

from monitor.archive.stories import sketch
from monitor.charset import decode_page, repair
from monitor.extract import extract_fields
from monitor.items import Person
from monitor.match import compile_watchlist
from monitor.match.article import article_mentions
from monitor.workers import GZIP_LEVEL, extract_page

CONTENT_TYPE = "text/html"  # what benchmarks/common.py's site serves: no charset, the page's bytes decide


def cpu(function, items) -> tuple[float, list]:
    started = time.process_time()
    results = [function(*item) for item in items]
    return time.process_time() - started, results


def parts(pages: list[tuple[bytes, str]]) -> list[tuple[str, float]]:
    """(part, CPU seconds over every page), in the order a worker runs them."""
    watchlist = compile_watchlist([Person(name=name) for name in WATCHLIST])
    rows = []
    seconds, texts = cpu(lambda body, url: decode_page(body, CONTENT_TYPE, url), pages)
    rows.append(("decode_page (charset, ftfy on mojibake)", seconds))
    seconds, fields = cpu(extract_fields, list(zip(texts, [url for _, url in pages], strict=True)))
    rows.append(("extract_fields (trafilatura with metadata)", seconds))
    found = [f for f in fields if f]
    seconds, _ = cpu(lambda f: (repair(f["title"]), repair(f["text"])), [(f,) for f in found])
    rows.append(("repair of title and text", seconds))
    seconds, _ = cpu(lambda f: sketch(f["text"]), [(f,) for f in found])
    rows.append(("story sketch", seconds))
    kept = [body for (body, _), f in zip(pages, fields, strict=True) if f]
    for level in sorted({GZIP_LEVEL, 6}):
        seconds, sizes = cpu(lambda body, level=level: len(gzip.compress(body, compresslevel=level)),
                             [(body,) for body in kept])
        rows.append((f"gzip of the kept body, level {level} ({sum(sizes) / 1e6:.2f} MB)", seconds))
    seconds, _ = cpu(lambda f: article_mentions(f["title"], f["text"], watchlist), [(f,) for f in found])
    rows.append((f"matching ({len(WATCHLIST)} people)", seconds))
    return rows


def metadata_parts(htmls: list[tuple[str, str]]) -> list[tuple[str, float]]:
    """extract_fields split: trafilatura without metadata, its metadata, and htmldate inside it."""
    from htmldate import find_date

    trees = [(trafilatura.load_html(html), url) for html, url in htmls]
    trees = [(tree, url) for tree, url in trees if tree is not None]
    rows = []
    seconds, _ = cpu(lambda tree, url: trafilatura.bare_extraction(tree, url=url, include_comments=False), trees)
    rows.append(("  bare_extraction without metadata", seconds))
    seconds, _ = cpu(lambda tree, url: trafilatura.extract_metadata(tree, default_url=url), trees)
    rows.append(("  extract_metadata (all of it)", seconds))
    seconds, _ = cpu(lambda tree, url: find_date(tree, original_date=True, url=url), trees)
    rows.append(("    of which htmldate find_date, extensive", seconds))
    seconds, _ = cpu(lambda tree, url: find_date(tree, extensive_search=False, original_date=True, url=url), trees)
    rows.append(("    (find_date, fast mode)", seconds))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="use only the first N corpus pages")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", help="write a cProfile of extract_page over the pages to this file")
    args = parser.parse_args()
    index = require_corpus()
    index = index[: args.limit] if args.limit else index
    print(f"machine: {machine()}")
    urls = [f"http://127.0.0.1/article/{number}.html" for number in range(len(index))]
    pages = [(gzip.decompress((CORPUS / page["path"]).read_bytes()), url)
             for page, url in zip(index, urls, strict=True)]
    htmls = [(page_html(page), url) for page, url in zip(index, urls, strict=True)]
    trafilatura.extract(htmls[0][0])  # lazy imports and caches, as in a warm worker
    extract_page(pages[0][0], CONTENT_TYPE, pages[0][1])
    best: dict[str, float] = {}
    for _ in range(args.rounds):
        seconds, _ = cpu(lambda html, url: trafilatura.extract(html), htmls)
        rounds = [("bare trafilatura.extract (baseline)", seconds)]
        seconds, _ = cpu(lambda body, url: extract_page(body, CONTENT_TYPE, url), pages)
        rounds.append(("extract_page, whole (decode, extract, repair, sketch, gzip)", seconds))
        rounds += parts(pages) + metadata_parts(htmls)
        for name, seconds in rounds:
            best[name] = min(best.get(name, seconds), seconds)
    base = best["bare trafilatura.extract (baseline)"]
    rows = [[name, f"{seconds:.2f}", f"{seconds / base:.2f}x", f"{1000 * seconds / len(pages):.1f}"]
            for name, seconds in best.items()]
    print(f"pages: {len(pages)}; best of {args.rounds} rounds, CPU seconds (user + system of this process)")
    print(table(["part", "CPU s", "vs bare extract", "ms/page"], rows))
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for body, url in pages:
            extract_page(body, CONTENT_TYPE, url)
        profiler.disable()
        profiler.dump_stats(args.profile)
        print(f"profile of extract_page written to {args.profile}")


if __name__ == "__main__":
    main()
