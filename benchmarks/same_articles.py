"""Do two checkouts store the same articles? Title, text and date of every article over the corpus pages.

Usage: python benchmarks/same_articles.py --against CHECKOUT

Runs `monitor run` over the 303 corpus pages on loopback with this checkout, then with
CHECKOUT (its folder first on PYTHONPATH), and prints how many stored articles differ in
title, text or published date; a change meant to save memory or time must print 0s.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from pathlib import Path

from common import SiteServer, require_corpus, run_monitor, serve_pages, table, write_config
from pipeline import WATCHLIST


def stored(feeds: list[str], pythonpath: str = "") -> dict[str, tuple]:
    with tempfile.TemporaryDirectory() as tmp:
        config = write_config(Path(tmp), feeds, WATCHLIST)
        run_monitor(config, env={"PYTHONPATH": pythonpath} if pythonpath else None)
        db = sqlite3.connect(Path(tmp) / "mentions.db")
        rows = db.execute("select url, title, text, published from articles").fetchall()
        db.close()
    return {url: rest for url, *rest in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="a checkout of the code to compare with")
    args = parser.parse_args()
    pages = require_corpus()
    site = SiteServer().start()
    try:
        feeds = serve_pages(site, pages)
        ours, theirs = stored(feeds), stored(feeds, str(Path(args.against).resolve()))
    finally:
        site.stop()
    both = ours.keys() & theirs.keys()
    rows = [["articles stored", len(ours), len(theirs)],
            ["stored by one only", len(ours.keys() - theirs.keys()), len(theirs.keys() - ours.keys())]]
    for number, field in enumerate(("title", "text", "published")):
        rows.append([f"{field} differs", sum(ours[u][number] != theirs[u][number] for u in both), ""])
    print(table(["", "this checkout", "--against"], rows))


if __name__ == "__main__":
    main()
