"""Soak: 2,000 simulated cron runs over 200 sources, through the real run bookkeeping, on a real SQLite file.

Each run does what `monitor run` does to its history, with the clock moved on between
runs: start a run, record each source's result and health, the failing sources' fetch
errors, then the run's queries (source_problems, health notices, counts, this run's
mentions) and pruning (archive.keep_history_days). Crawling itself is left out: its cost
does not depend on history. Prints the cost of the last runs against runs 6-15 (target:
within 1.2x) and how much the archive grew from bookkeeping.

    python benchmarks/soak.py [--runs 2000] [--sources 200] [--every-minutes 60] [--keep-days 30]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from monitor.archive.health import close_killed_runs, queue_health_notices, source_problems
from monitor.archive.history import prune_history
from monitor.archive.store import Archive
from monitor.config import AlertSettings, FileChannelSettings
from monitor.run import run_counts
from monitor.sources import search_counts

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def one_run(archive: Archive, n: int, now: datetime, sources: list[str], keep_days: float,
            settings: AlertSettings) -> None:
    db = archive.db
    stamp = now.isoformat(timespec="seconds")
    run_id = db["runs"].insert({"started_at": stamp, "status": "running", "command": "run"}).last_pk
    close_killed_runs(db, run_id)
    prune_history(db, keep_days, now)
    for i, url in enumerate(sources):
        failing = i % 20 == 0 and (n // 50) % 2 == 0  # 5% of sources fail, in spells of 50 runs
        new = int((n + i) % 7 == 0)
        row = archive.source(url) or {}
        fields = {"last_fetched_at": stamp, "last_status": "error" if failing else "ok",
                  "consecutive_failures": (row.get("consecutive_failures") or 0) + 1 if failing else 0,
                  "last_error": f"{url}: HTTP 503" if failing else None}
        if new:
            fields["last_new_at"] = stamp
        archive.update_source(url, "feed", **fields)
        if failing:
            for k in range(3):
                archive.record_error(run_id, url, f"{url}/a{n}-{k}.html", "HTTP 503")
        archive.record_source_result(run_id, url, "feed", status="error" if failing else "ok", fetched=3,
                                     new=new, errors=3 if failing else 0)
    problems = source_problems(db, run_id, now)
    queue_health_notices(db, run_id, problems, settings, now)
    counts = run_counts(archive, run_id)
    archive.mentions_in_run(run_id)
    search_counts(db, run_id)
    archive.finish_run(run_id, status="ok", **counts)


def size(archive: Archive) -> int:
    archive.db.execute("pragma wal_checkpoint(truncate)")
    page_size = archive.db.execute("pragma page_size").fetchone()[0]
    pages = archive.db.execute("pragma page_count").fetchone()[0]
    free = archive.db.execute("pragma freelist_count").fetchone()[0]  # pruned pages, reused by later runs
    return (pages - free) * page_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--every-minutes", type=float, default=60.0)
    parser.add_argument("--keep-days", type=float, default=30.0)
    args = parser.parse_args()
    sources = [f"https://outlet{i}.example.org/feed.xml" for i in range(args.sources)]
    settings = AlertSettings(file=FileChannelSettings(dir=Path("unused")))
    costs: list[float] = []
    steps: list[int] = []
    counter = [0]

    def count_steps() -> int:
        counter[0] += 1
        return 0  # go on
    sizes: dict[int, tuple[int, int]] = {}
    checkpoints = {n for n in (10, 100, 500, 1000, 1500) if n < args.runs} | {args.runs}
    with tempfile.TemporaryDirectory() as folder:
        archive = Archive(Path(folder) / "soak.db", settings)
        # SQLite virtual-machine steps, in thousands: the work a run asks of SQLite, untouched
        # by whatever else the machine is doing (the wall-clock column is not).
        archive.db.conn.set_progress_handler(count_steps, 1000)
        for n in range(1, args.runs + 1):
            now = START + timedelta(minutes=args.every_minutes * n)
            began, counter[0] = time.perf_counter(), 0
            one_run(archive, n, now, sources, args.keep_days, settings)
            costs.append(time.perf_counter() - began)
            steps.append(counter[0])
            if n in checkpoints:
                rows = sum(archive.db[t].count for t in ("runs", "run_sources", "fetch_errors"))
                sizes[n] = (size(archive), rows, (Path(folder) / "soak.db").stat().st_size)
        archive.close()
    baseline = statistics.median(costs[5:15])
    base_steps = statistics.median(steps[5:15])
    span_days = args.runs * args.every_minutes / 1440
    print(f"{args.runs} runs over {args.sources} sources, one every {args.every_minutes:g} min "
          f"({span_days:.0f} days), keep_history_days = {args.keep_days:g}")
    print(f"{'run':>6} {'ms/run (median of 10)':>22} {'vs runs 6-15':>13} {'SQLite ksteps':>14} "
          f"{'vs runs 6-15':>13} {'bookkeeping rows':>17} {'MB in use':>10} {'file MB':>8}")
    for n in sorted(checkpoints):
        window = costs[max(0, n - 10):n]
        cost = statistics.median(window)
        work = statistics.median(steps[max(0, n - 10):n])
        used, rows, file_size = sizes[n]
        print(f"{n:>6} {cost * 1000:>22.1f} {cost / baseline:>12.2f}x {work:>14,.0f} {work / base_steps:>12.2f}x "
              f"{rows:>17,} {used / 1e6:>10.1f} {file_size / 1e6:>8.1f}")
    growth = sizes[args.runs][2] - sizes[10][2]
    print(f"archive file growth from bookkeeping, run 10 -> {args.runs}: {growth / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
