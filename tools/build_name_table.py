"""Build monitor/match/data/names.tsv.gz, the compact name-knowledge table, from names-dataset.

Usage: pip install names-dataset==3.3.1 && python tools/build_name_table.py

names-dataset (MIT; Remy, "name-dataset", 491M Facebook profiles in 105 countries) is
1.9 GB in memory and takes ~15 s to load, far too much for the extraction workers, so
the matcher ships a derived table instead: one row per folded name word with its best
(lowest) rank in any country, and whether it is a given name: a first name of >= 90% one
gender (not a surname some people carry as a first name) ranked at most a quarter as
well as a last name ("Gregorio": 136th first name, 91st last name, given). Kept: given
names ranked within GIVEN_RANK somewhere, and any word ranked within COMMON_RANK.
"""

from __future__ import annotations

import gzip
import io
import pickle
from pathlib import Path

import names_dataset

from monitor.match.normalize import fold

GIVEN_RANK = 2000
COMMON_RANK = 1000
OUT = Path(__file__).resolve().parent.parent / "monitor" / "match" / "data" / "names.tsv.gz"


def _load(name: str) -> dict:
    base = Path(names_dataset.__file__).parent / "v3"
    with gzip.open(base / name) as f:
        return pickle.load(f)


def best_rank(entry: dict | None) -> int | None:
    ranks = [r for r in ((entry or {}).get("rank") or {}).values() if r]
    return min(ranks) if ranks else None


def main() -> None:
    rows: dict[str, list] = {}
    for column, filename in ((0, "first_names.pkl.gz"), (1, "last_names.pkl.gz")):
        for word, entry in _load(filename).items():
            rank = best_rank(entry)
            key = fold(word)
            if rank is None or rank > GIVEN_RANK or not key.isalpha() or len(key) < 2:
                continue
            row = rows.setdefault(key, [None, None, 0])
            row[column] = rank if row[column] is None else min(row[column], rank)
            if column == 0:
                gender = (entry or {}).get("gender") or {}
                if gender and max(gender.values()) >= 0.9:
                    row[2] = 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same data builds the same bytes.
    with io.TextIOWrapper(gzip.GzipFile(OUT, "wb", 9, mtime=0), encoding="utf-8") as f:
        f.write("# word\tgiven (1/0)\tbest rank (built by tools/build_name_table.py)\n")
        kept = 0
        for key in sorted(rows):
            g, s, gendered = rows[key]
            given = bool(gendered and g is not None and (s is None or g < 4 * s))
            rank = min(r for r in (g, s) if r is not None)
            if (given and g <= GIVEN_RANK) or rank <= COMMON_RANK:
                f.write(f"{key}\t{int(given)}\t{rank}\n")
                kept += 1
    print(f"{kept} words -> {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
