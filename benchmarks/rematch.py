"""`monitor rematch` after adding two people, pre-filtered by the full-text index, against matching every article.

Usage: python benchmarks/rematch.py

A run over the corpus pages (served on loopback) watches eight of the ten people; then
two are added and `monitor rematch` runs as a subprocess (start-up and the worker pool
included). The baseline is what rematch did before: every stored article matched with
the whole watchlist, one after another in this process (the archive copied first, so
both start from the same state). The table also checks that both find the same mentions
of the added people, and prints the archive's growth from keeping every stored page's
response (the evidence of a mention a later rematch finds) against keeping only those
of pages that named someone when fetched.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import SiteServer, machine, require_corpus, run_monitor, serve_pages, table, write_config
from pipeline import WATCHLIST
from sqlite_utils import Database

from monitor.items import Person
from monitor.match import compile_watchlist
from monitor.match.article import article_mentions

ADDED = ["Julian Assange", "Mario Vargas Llosa"]


def full_scan(db_path: Path, people: list[str]) -> tuple[float, int, set[tuple[str, str]]]:
    """Seconds, articles searched and (person, url) pairs of the added people, matching every article."""
    started = time.perf_counter()
    watchlist = compile_watchlist([Person(name) for name in people])
    db = Database(db_path)
    found, count = set(), 0
    for row in db.query("select url, title, text from articles order by id"):
        count += 1
        for mention in article_mentions(row["title"] or "", row["text"] or "", watchlist):
            if mention.person.name in ADDED:
                found.add((mention.person.name, row["url"]))
    return time.perf_counter() - started, count, found


def mentions_of_added(db_path: Path) -> set[tuple[str, str]]:
    db = Database(db_path)
    marks = ",".join("?" * len(ADDED))
    return {(r[0], r[1]) for r in db.execute(
        f"select p.name, a.url from mentions m join people p on p.id = m.person_id join articles a "
        f"on a.id = m.article_id where p.name in ({marks})", ADDED)}


def main() -> None:
    pages = require_corpus()
    print(f"machine: {machine()}")
    site = SiteServer().start()
    try:
        feeds = serve_pages(site, pages)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            before = [name for name in WATCHLIST if name not in ADDED]
            run_monitor(write_config(folder, feeds, before))
            db_path = folder / "mentions.db"
            shutil.copy(db_path, folder / "copy.db")
            config = write_config(folder, feeds, WATCHLIST)
            started = time.perf_counter()
            result = subprocess.run([sys.executable, "-m", "monitor", "rematch", "-c", str(config)],
                                    capture_output=True, text=True, timeout=900)
            rematch_s = time.perf_counter() - started
            if result.returncode != 0:
                raise SystemExit(f"monitor rematch failed:\n{result.stderr[-3000:]}")
            scan_s, scanned, scan_found = full_scan(folder / "copy.db", WATCHLIST)
            found = mentions_of_added(db_path)
            sizes = Database(db_path).execute(
                "select sum(length(body_gz)), sum(case when exists (select 1 from mentions m where m.article_id = "
                "r.article_id and m.run_id = (select min(id) from runs)) then length(body_gz) else 0 end), "
                "(select sum(length(text)) from articles), count(*) from responses r where kind = 'first'").fetchone()
            archive_mb = db_path.stat().st_size / 2**20
    finally:
        site.stop()
    print(f"rematch: {result.stdout.strip().splitlines()[0]}")
    rows = [
        ["every article, whole watchlist, in process (before)", f"{scan_s:.2f}", scanned, len(scan_found), "1.00x"],
        ["monitor rematch, FTS pre-filter, pool (subprocess)", f"{rematch_s:.2f}", _searched(result.stdout),
         len(found), f"{scan_s / rematch_s:.2f}x"],
    ]
    print(table(["", "seconds", "articles matched", "mentions of the added", "speed"], rows))
    print(f"same mentions of the added people: {found == scan_found}")
    every, named, text, kept = sizes
    print(table(["responses kept", "pages", "MB gzipped", "per page KB", "vs text MB"], [
        ["every stored page's (now)", kept, f"{every / 2**20:.2f}", f"{every / kept / 1024:.1f}",
         f"{every / text:.2f}x"],
        ["only pages naming someone when fetched (before)", "", f"{named / 2**20:.2f}", "", f"{named / text:.2f}x"],
    ]))
    print(f"archive file after the run and rematch: {archive_mb:.1f} MB; article text {text / 2**20:.2f} MB")


def _searched(stdout: str) -> str:
    return stdout.split(" articles searched", 1)[0].rsplit(" ", 1)[-1]


if __name__ == "__main__":
    main()
