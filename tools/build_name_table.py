"""Build monitor/match/data/names.txt.gz, the compact name-knowledge table, from names-dataset.

Usage: pip install names-dataset==3.3.1 && python tools/build_name_table.py

names-dataset (MIT; Remy, "name-dataset", 491M Facebook profiles in 105 countries) is
1.9 GB in memory and takes ~15 s to load, far too much for the extraction workers, so
the matcher ships a derived table instead: one row per folded name word with its best
(lowest) rank in any country, and whether it is a given name: a first name of >= 90% one
gender (not a surname some people carry as a first name) ranked at most a quarter as
well as a last name ("Gregorio": 136th first name, 91st last name, given). Kept: given
names ranked within GIVEN_RANK somewhere, and any word ranked within COMMON_RANK;
flagged: very common (VERY_COMMON_RANK) and common (LISTED_COMMON_RANK) words.
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
# Ranked this high as a first or last name in some country: the word alone names
# thousands of people there ("José", "Hernández", "Wang", "Wei", "Silva").
VERY_COMMON_RANK = 10
# A hand-listed common name (names.py) stays common only if the data agrees this far.
LISTED_COMMON_RANK = 100
OUT = Path(__file__).resolve().parent.parent / "monitor" / "match" / "data" / "names.txt.gz"


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
    given, words, very, common = [], [], [], []
    for key in sorted(rows):
        g, s, gendered = rows[key]
        is_given = bool(gendered and g is not None and (s is None or g < 4 * s))
        rank = min(r for r in (g, s) if r is not None)
        if not ((is_given and g <= GIVEN_RANK) or rank <= COMMON_RANK):
            continue
        words.append(key)
        if is_given:
            given.append(key)
        if rank <= VERY_COMMON_RANK:
            very.append(key)
        if rank <= LISTED_COMMON_RANK:
            common.append(key)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # Four sorted word lists, one word a line, separated by "%" lines: given names, all
    # kept words, very common, common. The matcher keeps the first two as single strings.
    # mtime=0: the same data builds the same bytes.
    with io.TextIOWrapper(gzip.GzipFile(OUT, "wb", 9, mtime=0), encoding="utf-8") as f:
        f.write("\n%\n".join("\n".join(block) for block in (given, words, very, common)) + "\n")
    print(f"{len(words)} words ({len(given)} given, {len(very)} very common) -> {OUT.name} "
          f"({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
