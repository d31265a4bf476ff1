"""Pages per second of `monitor run` over the corpus on loopback, against bare trafilatura in one process.

Usage: python benchmarks/pipeline.py [--limit N] [--rounds 2] [--profile FILE]

The baseline is bare single-process `trafilatura.extract(html)` over the same pages,
already decompressed and decoded, one after another in this process. A second row gives
`extract_fields` (trafilatura's load_html + bare_extraction with metadata, as the
pipeline calls it), which costs more per page. The pipeline figure is the wall time of a
whole `python -m monitor run` subprocess (start-up, fetching, decoding, extraction in the
worker pool, matching, storing) over the same pages served from one RSS feed.
The three alternate for `--rounds` rounds and the fastest of each counts (other work on
the machine only ever slows a round down). CPU seconds are summed over the run's process
tree, read from /proc, and split into the main process and the extraction workers.
Target: pipeline pages/s >= 1.3x bare `trafilatura.extract` (aim 1.5x) on 2 cores.
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from common import Run, SiteServer, machine, page_html, require_corpus, run_monitor, serve_pages, table, write_config

from monitor.workers import default_workers

# People the corpus names (as in tests/test_corpus.py), so matching and storing mentions do real work.
WATCHLIST = ["Donald Trump", "Joe Biden", "Jeffrey Epstein", "Pedro Sánchez", "Giorgia Meloni", "Elon Musk",
             "Jeff Bezos", "Taylor Swift", "Julian Assange", "Mario Vargas Llosa"]
TARGET = 1.3
AIM = 1.5


def _trafilatura(html: str, url: str) -> bool:
    import trafilatura

    return trafilatura.extract(html) is not None


def _fields(html: str, url: str) -> bool:
    from monitor.extract import extract_fields

    return extract_fields(html, url) is not None


def bare(htmls: list[tuple[str, str]], extract=_trafilatura) -> tuple[float, float, int]:
    """Wall and CPU seconds of `extract` over every page in this process, and how many yielded text."""
    extract(*htmls[0])  # warm trafilatura's lazy imports, as a long-lived worker would be
    started, cpu = time.perf_counter(), time.process_time()
    found = sum(extract(html, url) for html, url in htmls)
    return time.perf_counter() - started, time.process_time() - cpu, found


def _extract_all(htmls: list[tuple[str, str]]) -> float:
    started = time.process_time()
    for html, url in htmls:
        _trafilatura(html, url)
    return time.process_time() - started


def bare_parallel(htmls: list[tuple[str, str]], workers: int) -> tuple[float, float]:
    """Wall and CPU seconds of bare extraction split over `workers` processes: the ceiling on this machine."""
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        list(pool.map(_extract_all, [htmls[:1]] * workers))  # start and warm the workers
        started = time.perf_counter()
        cpu = sum(pool.map(_extract_all, [htmls[i::workers] for i in range(workers)]))
        return time.perf_counter() - started, cpu


def pipeline(site: SiteServer, feeds: list[str], profile: str = "") -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        return run_monitor(write_config(Path(tmp), feeds, WATCHLIST), profile=profile)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="use only the first N corpus pages")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", help="only profile one run's main process with cProfile into this file")
    args = parser.parse_args()
    pages = require_corpus()
    pages = pages[: args.limit] if args.limit else pages
    print(f"machine: {machine()}")
    htmls = [(page_html(p), p.get("url") or f"http://127.0.0.1/article/{i}.html") for i, p in enumerate(pages)]
    site = SiteServer().start()
    try:
        feeds = serve_pages(site, pages)
        empty = site.add("/empty.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>e</title>'
                         "</channel></rss>", "application/rss+xml")
        if args.profile:
            run = pipeline(site, feeds, profile=args.profile)
            print(f"run: {run.stdout.strip()}; {run.seconds:.1f} s; main process profile written to {args.profile}")
            return
        startup = pipeline(site, [empty])
        bares, fields, parallels, runs = [], [], [], []
        for _ in range(args.rounds):
            bares.append(bare(htmls))
            fields.append(bare(htmls, _fields))
            parallels.append(bare_parallel(htmls, default_workers()))
            runs.append(pipeline(site, feeds))
    finally:
        site.stop()
    bare_s, bare_cpu, found = min(bares)
    fields_s, fields_cpu, _ = min(fields)
    par_s, par_cpu = min(parallels)
    run = min(runs, key=lambda r: r.seconds)
    print(f"pages: {len(pages)}; bare trafilatura.extract found text in {found}")
    print(f"run: {run.stdout.strip()}")
    run_cpu = sum(run.cpu.values())
    workers_cpu = sum(v for k, v in run.cpu.items() if k != "main")
    speed = bare_s / run.seconds
    verdict = "met" if speed >= AIM else "met (aim 1.5x missed)" if speed >= TARGET else "MISSED"
    n = len(pages)
    rows = [
        ["bare trafilatura.extract, 1 process (baseline)", f"{bare_s:.1f}", f"{n / bare_s:.1f}", "1.00x",
         f"{bare_cpu:.1f}", "1.00x", ""],
        ["bare extract_fields, 1 process", f"{fields_s:.1f}", f"{n / fields_s:.1f}", f"{bare_s / fields_s:.2f}x",
         f"{fields_cpu:.1f}", f"{fields_cpu / bare_cpu:.2f}x", "(what the workers run per page)"],
        [f"bare trafilatura.extract, {default_workers()} processes", f"{par_s:.1f}", f"{n / par_s:.1f}",
         f"{bare_s / par_s:.2f}x", f"{par_cpu:.1f}", f"{par_cpu / bare_cpu:.2f}x", "(the ceiling here)"],
        ["monitor run (subprocess, wall)", f"{run.seconds:.1f}", f"{n / run.seconds:.1f}",
         f"{speed:.2f}x", f"{run_cpu:.1f}", f"{run_cpu / bare_cpu:.2f}x", f">= {TARGET}x {verdict}"],
        ["  of which main process", "", "", "", f"{run.cpu.get('main', 0.0):.1f}",
         f"{run.cpu.get('main', 0.0) / bare_cpu:.2f}x", ""],
        ["  of which workers (+ forkserver)", "", "", "", f"{workers_cpu:.1f}", f"{workers_cpu / bare_cpu:.2f}x", ""],
        ["  vs bare extract_fields, 1 process", "", "", f"{fields_s / run.seconds:.2f}x", "", "", ""],
        ["monitor run, empty feed (start-up)", f"{startup.seconds:.1f}", "", "", f"{sum(startup.cpu.values()):.1f}",
         "", ""],
    ]
    print(table(["", "seconds", "pages/s", "speed vs baseline", "CPU s", "CPU vs baseline", "target"], rows))
    print("run CPU seconds by process: " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(run.cpu.items())))
    print(f"all rounds, seconds: bare {[round(b[0], 1) for b in bares]}, "
          f"extract_fields {[round(f[0], 1) for f in fields]}, "
          f"bare parallel {[round(p[0], 1) for p in parallels]}, run {[round(r.seconds, 1) for r in runs]}")

if __name__ == "__main__":
    main()
