"""Peak memory of `monitor run` over the corpus, and of loading a 50,000-person watchlist.

Usage: python benchmarks/memory.py [--people 50000] [--pages-only]

Each run is a `python -m monitor run` subprocess; a thread samples /proc every 20 ms and
sums the RSS (and PSS) of the run and every process below it: the forkserver and the
extraction workers. "sum of peaks" adds each process's own high-water mark (VmHWM), an
upper bound since the peaks need not coincide. The baseline is a run over an empty feed
with 10 people (start-up: Python, Scrapy, trafilatura, the archive). The watchlist is
loaded the way a run loads it: people_file CSV -> config -> archive `people` table ->
compiled matcher. Target: every run's peak under 400 MB.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from pathlib import Path

from common import SiteServer, machine, require_corpus, run_monitor, serve_pages, table, write_config
from match_speed import watchlist_people

TARGET_MB = 400
FEW = ["Donald Trump", "Joe Biden", "Jeffrey Epstein", "Pedro Sánchez", "Giorgia Meloni", "Elon Musk",
       "Jeff Bezos", "Taylor Swift", "Julian Assange", "Mario Vargas Llosa"]


def people_csv(path: Path, count: int) -> str:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "context"])
        for person in watchlist_people(count):
            writer.writerow([person.name, ";".join(person.context)])
    return path.name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--pages-only", action="store_true", help="only the start-up and 303-page runs, 10 people")
    args = parser.parse_args()
    pages = require_corpus()
    print(f"machine: {machine()}")
    site = SiteServer().start()
    empty = site.add("/empty.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>e</title></channel></rss>',
                     "application/rss+xml")
    feeds = serve_pages(site, pages)
    cases = [
        ("start-up: empty feed, 10 people", [empty], False),
        (f"{len(pages)} pages, 10 people", feeds, False),
        (f"watchlist load: empty feed, {args.people:,} people", [empty], True),
        (f"{len(pages)} pages, {args.people:,} people", feeds, True),
    ][: 2 if args.pages_only else None]
    rows, base, roles = [], None, []
    try:
        for label, urls, big in cases:
            with tempfile.TemporaryDirectory() as tmp:
                people_file = people_csv(Path(tmp) / "people.csv", args.people) if big else ""
                run = run_monitor(write_config(Path(tmp), urls, FEW, people_file=people_file))
            base = base or run.peak_rss_mb
            roles.append(f"{label}: " + ", ".join(f"{k} {v:.0f}" for k, v in sorted(run.hwm_by_role.items())))
            verdict = "met" if run.peak_rss_mb < TARGET_MB else "MISSED"
            rows.append([label, run.count("new articles"), run.processes, f"{run.peak_rss_mb:.0f}",
                         f"{run.peak_pss_mb:.0f}", f"{run.hwm_mb:.0f}", f"{run.peak_rss_mb / base:.2f}",
                         f"{run.seconds:.1f}", f"< {TARGET_MB} {verdict}"])
    finally:
        site.stop()
    print(table(["run", "articles", "processes", "peak RSS MB", "peak PSS MB", "sum of peaks MB",
                 "RSS vs start-up", "seconds", "target MB"], rows))
    print("own peak RSS by process, MB (workers summed):")
    print("\n".join(roles))


if __name__ == "__main__":
    main()
