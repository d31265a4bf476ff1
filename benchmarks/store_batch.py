"""The store's own cost: the corpus articles written one transaction each, against batches of N, in one run.

Usage: python benchmarks/store_batch.py [--limit N] [--batch 50] [--rounds 3]

Every corpus page is extracted and matched once, up front (that is not the store's work);
then the same articles, with their mentions, raw responses and alert rows (a file channel),
are stored into a fresh archive file: once with `Archive.save_article` per article (one
transaction each, as before batching), once with `store.Batch` (one transaction per
`--batch` articles, as StorePipeline does). Rounds alternate and the fastest of each counts.
The main process's store share of a whole run is this figure against the run's wall time
in benchmarks/pipeline.py.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from common import machine, page_html, require_corpus, table

from monitor.archive.store import Archive, Batch, utcnow
from monitor.archive.stories import sketch
from monitor.config import AlertSettings, FileChannelSettings
from monitor.extract import build_article, extract_fields
from monitor.items import Article, Page, Person
from monitor.match import compile_watchlist
from monitor.match.article import article_mentions

WATCHLIST = ["Donald Trump", "Joe Biden", "Jeffrey Epstein", "Pedro Sánchez", "Giorgia Meloni", "Elon Musk",
             "Jeff Bezos", "Taylor Swift", "Julian Assange", "Mario Vargas Llosa"]


def articles(pages: list[dict]) -> list[Article]:
    people = [Person(name) for name in WATCHLIST]
    watchlist = compile_watchlist(people)
    out = []
    for number, page in enumerate(pages):
        url = f"http://127.0.0.1/article/{number}.html"
        html = page_html(page)
        fields = extract_fields(html, url)
        page = Page(url=url, html=html, source="http://127.0.0.1/feed.xml", source_kind="feed", final_url=url,
                    headers={"Content-Type": "text/html"}, body=html.encode("utf-8"), fetched_at=utcnow())
        article = build_article(page, fields)
        if article is None:
            continue
        article.sketch = sketch(article.text)  # computed by the workers in a run: not the store's work
        article.mentions = article_mentions(article.title, article.text, watchlist)
        out.append(article)
    return out


def store(items: list[Article], batch: int) -> float:
    """Seconds to store every article into a fresh archive: `batch` 0 is one save_article call each."""
    with tempfile.TemporaryDirectory() as tmp:
        alerts = AlertSettings(backfill_days=36500, file=FileChannelSettings(Path(tmp) / "alerts"))
        archive = Archive(Path(tmp) / "mentions.db", alerts)
        ids = archive.sync_people([Person(name) for name in WATCHLIST])
        started = time.perf_counter()
        if batch:
            writer = Batch(archive, ids, None, max_items=batch, max_ms=10**9)
            for article in items:
                writer.add(article)
            writer.flush()
        else:
            for article in items:
                archive.save_article(article, article.mentions, ids)
        seconds = time.perf_counter() - started
        assert archive.db["articles"].count == len(items)
        archive.close()
        return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pages = require_corpus()
    pages = pages[: args.limit] if args.limit else pages
    print(f"machine: {machine()}")
    items = articles(pages)
    mentions = sum(len(a.mentions) for a in items)
    print(f"articles: {len(items)}, mentions: {mentions}")
    singles, batches = [], []
    for _ in range(args.rounds):
        singles.append(store(items, 0))
        batches.append(store(items, args.batch))
    one, many = min(singles), min(batches)
    rows = [
        ["one transaction per article", f"{one:.2f}", f"{len(items) / one:.0f}", "1.00x"],
        [f"batches of {args.batch}", f"{many:.2f}", f"{len(items) / many:.0f}", f"{one / many:.2f}x"],
    ]
    print(table(["store", "seconds", "articles/s", "speed"], rows))
    print(f"all rounds, seconds: single {[round(s, 2) for s in singles]}, batched {[round(s, 2) for s in batches]}")


if __name__ == "__main__":
    main()
