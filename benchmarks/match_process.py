"""The whole `monitor match` process over 300 articles: 50,000 people against 1,000.

Usage: python benchmarks/match_process.py [--articles 300] [--sizes 1000,50000] [--rounds 2]

Writes a monitor.toml with a people.csv of generated people (match_speed.py's
generator) and 300 article files (match_speed.py's real article bodies), then times
`python -m monitor match -c monitor.toml FILE...` end to end: start-up, config and CSV
load, watchlist compile (or load from its cache), matching. Sizes alternate per round;
the best of each counts, wall clock and CPU (user + system: steadier on a loaded
machine). The first process of each size, which compiles and saves the watchlist, is
shown apart.
"""

from __future__ import annotations

import argparse
import csv
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from match_speed import articles, watchlist_people


def prepare(directory: Path, size: int, texts: list[str]) -> Path:
    """A config directory for `size` people; returns the config path."""
    folder = directory / str(size)
    folder.mkdir()
    with open(folder / "people.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "aliases", "context", "notes"])
        for person in watchlist_people(size):
            writer.writerow([person.name, "", ";".join(person.context), ""])
    (folder / "monitor.toml").write_text('database = "m.db"\npeople_file = "people.csv"\n', encoding="utf-8")
    return folder / "monitor.toml"


def timed(config: Path, files: list[Path]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one `monitor match` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "monitor", "match", "-c", str(config), *map(str, files)],
                   check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--sizes", default="1000,50000")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        texts = articles(args.articles)
        files = []
        for n, text in enumerate(texts):
            path = directory / f"article-{n:03}.txt"
            path.write_text(text, encoding="utf-8")
            files.append(path)
        configs = {size: prepare(directory, size, texts) for size in sizes}
        # The first process of each size compiles the watchlist and saves it next to the
        # archive (sizes of 1,000 and more, monitor/match/cache.py); later ones load it.
        first = {size: timed(configs[size], files) for size in sizes}
        best = {size: (float("inf"), float("inf")) for size in sizes}
        for _ in range(args.rounds):
            for size in sizes:
                wall, cpu = timed(configs[size], files)
                best[size] = (min(best[size][0], wall), min(best[size][1], cpu))
    print(f"{len(files)} articles; best of {args.rounds} rounds after a first one (the first compiles "
          "and saves the watchlist; later ones load it)")
    vs = f"vs {sizes[0]}"
    print(f"{'people':>7} {'wall s':>7} {vs:>8} {'CPU s':>6} {vs:>8}   {'1st wall':>8} {vs:>8} {'1st CPU':>7} {vs:>8}")
    base, base_first = best[sizes[0]], first[sizes[0]]
    for size in sizes:
        (wall, cpu), (wall1, cpu1) = best[size], first[size]
        print(f"{size:7} {wall:7.2f} {wall / base[0]:7.2f}x {cpu:6.2f} {cpu / base[1]:7.2f}x   "
              f"{wall1:8.2f} {wall1 / base_first[0]:7.2f}x {cpu1:7.2f} {cpu1 / base_first[1]:7.2f}x")


if __name__ == "__main__":
    main()
