"""Asking "already stored?" for a run's article requests: stored keys read once, against one query per request.

Usage: python benchmarks/stored_keys.py [--stored 100000] [--requests 20000]

An archive with `--stored` articles (a real SQLite file, url_key indexed as the schema
makes it); a run asks about `--requests` article URLs, half of them stored. Baseline:
`Archive.has_article` per request (what SkipStoredArticlesMiddleware did). Measured: the
run extension's one query for every stored key, then a set lookup per request (what
StoredArticleDupeFilter does), and the memory that set takes. No corpus needed.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path

from monitor.archive.store import Archive
from monitor.urls import url_key


def fill(archive: Archive, stored: int) -> None:
    rows = ({"url": f"https://news{n % 97}.example/story/{n}.html", "url_key": f"news{n % 97}.example/story/{n}.html",
             "title": "t", "text": "x", "source": "https://feed.example/rss"} for n in range(stored))
    with archive.db.atomic():
        archive.db["articles"].insert_all(rows, batch_size=5000)


def per_request(archive: Archive, urls: list[str]) -> tuple[float, int]:
    started = time.perf_counter()
    hits = sum(archive.has_article(url) for url in urls)
    return time.perf_counter() - started, hits


def seeded(archive: Archive, urls: list[str]) -> tuple[float, int]:
    started = time.perf_counter()
    keys = {key for (key,) in archive.db.execute("select url_key from articles")}
    hits = sum(url_key(url) in keys for url in urls)
    return time.perf_counter() - started, hits


def keys_only(urls: list[str]) -> float:
    """The canonical URL key of each request, which both ways compute."""
    started = time.perf_counter()
    for url in urls:
        url_key(url)
    return time.perf_counter() - started


def key_set_bytes(archive: Archive) -> int:
    """Peak memory of reading the keys into a set (traced apart: tracing slows the timed code)."""
    tracemalloc.start()
    keys = {key for (key,) in archive.db.execute("select url_key from articles")}
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del keys
    return peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        archive = Archive(Path(tmp) / "mentions.db")
        fill(archive, args.stored)
        step = max(args.stored // (args.requests // 2), 1)
        stored = range(0, args.stored, step)
        urls = [f"https://news{n % 97}.example/story/{n}.html" for n in stored][: args.requests // 2]
        urls += [f"https://other.example/new/{n}.html" for n in range(args.requests - len(urls))]
        rounds = [(per_request(archive, urls), seeded(archive, urls)) for _ in range(3)]  # alternating
        keys = min(keys_only(urls) for _ in range(3))
        peak = key_set_bytes(archive)
        archive.close()
    (base, base_hits), (new, new_hits) = min(r[0] for r in rounds), min(r[1] for r in rounds)
    assert base_hits == new_hits, (base_hits, new_hits)
    print(f"{args.stored:,} stored articles, {len(urls):,} article requests ({base_hits:,} stored); best of 3")
    print(f"| {'how':<44} | {'seconds':>8} | {'vs per-request':>14} |")
    print(f"|{'-' * 46}|{'-' * 10}|{'-' * 16}|")
    print(f"| {'has_article per request (baseline)':<44} | {base:8.3f} | {1.0:13.2f}x |")
    print(f"| {'one query for all keys + set lookup':<44} | {new:8.3f} | {new / base:13.2f}x |")
    print(f"| {'of which url_key per request (both pay it)':<44} | {keys:8.3f} | {keys / base:13.2f}x |")
    print(f"SQLite's share: per request {base - keys:.3f} s, one query {max(new - keys, 0):.3f} s")
    print(f"peak memory of the key set: {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
