"""The whole `monitor match` process over 300 articles: 50,000 people against 1,000.

Usage: python benchmarks/match_process.py [--articles 300] [--sizes 1000,50000] [--rounds 2]

Writes a monitor.toml with a people.csv of generated people (match_speed.py's
generator) and 300 article files (match_speed.py's real article bodies), then times
`python -m monitor match -c monitor.toml FILE...` end to end: start-up, config and CSV
load, watchlist compile, matching. Sizes alternate per round; the best of each counts.
"""

from __future__ import annotations

import argparse
import csv
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


def timed(config: Path, files: list[Path]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "monitor", "match", "-c", str(config), *map(str, files)],
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


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
        best = dict.fromkeys(sizes, float("inf"))
        for _ in range(args.rounds):
            for size in sizes:
                best[size] = min(best[size], timed(configs[size], files))
    print(f"{len(files)} articles; best of {args.rounds} rounds")
    print(f"{'people':>7} {'seconds':>8} {'vs first':>8}")
    for size in sizes:
        print(f"{size:7} {best[size]:8.2f} {best[size] / best[sizes[0]]:7.2f}x")


if __name__ == "__main__":
    main()
