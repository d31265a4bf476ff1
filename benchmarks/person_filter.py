"""Cost of the accent-blind person filter: fold() in SQL against the plain LIKE it replaced.

Builds an archive of 2,000 people and 40,000 mentions in a temporary file, then times the
`person_mentions` canned query (as `monitor serve` runs it, with the fold() function the
plugin registers) against the same query with the old accent-sensitive `p.name like`.
Prints one table; figures are ratios against that baseline, measured in the same run.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
import time
from pathlib import Path

from monitor.archive.store import open_database
from monitor.match.snippets import fold_text
from monitor.web.serve import metadata_for

PEOPLE, MENTIONS, ROUNDS = 2_000, 40_000, 5
FIRST = "Andry Merwil Neri Kilmar José María Julián Carmen Luis Ana".split()
LAST = "Hernández Gutiérrez Alvarado Romero Flores Borges García Pérez Núñez Ávila".split()


def build(path: Path) -> None:
    rng = random.Random(15)
    db = open_database(path)
    names = {f"{rng.choice(FIRST)} {rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)} {n}"
             for n in range(PEOPLE)}
    db["people"].insert_all({"name": n, "aliases": "[]"} for n in sorted(names))
    db["articles"].insert_all({"url": f"https://x.example/{i}", "url_key": f"x.example/{i}", "title": f"Story {i}",
                               "text": "", "published": f"2025-03-{1 + i % 28:02d}"} for i in range(MENTIONS // 2))
    db["mentions"].insert_all({"article_id": 1 + i % (MENTIONS // 2), "person_id": 1 + rng.randrange(len(names)),
                               "matched": "x", "start": i, "end": i + 1, "field": "text", "score": 95,
                               "snippet": "…", "created_at": "2025-03-20T00:00:00"} for i in range(MENTIONS))
    db.close()


def best(conn: sqlite3.Connection, sql: str, person: str) -> tuple[float, int]:
    times, count = [], 0
    for _ in range(ROUNDS):
        start = time.perf_counter()
        count = len(conn.execute(sql, {"person": person}).fetchall())
        times.append(time.perf_counter() - start)
    return min(times), count


def main() -> None:
    folded = metadata_for("m")["databases"]["m"]["queries"]["person_mentions"]["sql"]
    plain = folded.replace("p.id in (select id from people where fold(name || ' ' || coalesce(aliases, '')) "
                           "like '%' || fold(:person) || '%')", "p.name like '%' || :person || '%'")
    assert plain != folded
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        build(path)
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.create_function("fold", 1, fold_text, deterministic=True)
        print(f"person_mentions over {PEOPLE:,} people, {MENTIONS:,} mentions (best of {ROUNDS})")
        print(f"{'typed':<12} {'LIKE rows':>9} {'fold rows':>9} {'LIKE ms':>8} {'fold ms':>8} {'fold/LIKE':>9}")
        for typed in ("Hernández", "hernandez", "NUÑEZ", ""):
            base, base_rows = best(conn, plain, typed)
            new, new_rows = best(conn, folded, typed)
            print(f"{typed or '(empty)':<12} {base_rows:>9} {new_rows:>9} {base * 1000:>8.1f} {new * 1000:>8.1f} "
                  f"{new / base:>8.2f}x")


if __name__ == "__main__":
    main()
