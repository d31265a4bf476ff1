"""Precision, recall and F1 of the name matcher per set and per variant class.

Usage: python benchmarks/match_quality.py [--set base|dev|heldout|heldout2|heldout3|heldout4|heldout5|heldout6|all]
       [--min-score N] [--errors]

Sets (tests/files/matching/):
- base: people.json + generated_people.json, cases.jsonl + generated.jsonl
- dev: people_v2.json, cases_v2.jsonl (the alert-line classes; tuned on)
- heldout: people_v2.json, heldout.jsonl (written before tuning)
- heldout2: people_heldout2.json, heldout2.jsonl (written after tuning, run once, never tuned on)
- heldout3: people_heldout3.json, heldout3.jsonl (written before the next round of tuning, never tuned on)
- heldout4: people_heldout4.json, heldout4.jsonl (160 cases, 22 other people, written and committed
  before the round of rules it measures)
- heldout5: people_heldout5.json, heldout5.jsonl (120 cases, 20 other people, written and committed
  before the round of rules it measures)
- heldout6: people_heldout6.json, heldout6.jsonl (150 cases, 29 other people, written and committed
  before the round of rules it measures)

A case counts per person: a watched person found in the text is a true positive if the
case lists them, a false positive otherwise; a listed person not found is a false
negative. Only mentions scoring at least `--min-score` count (default 90, the default
`alerts.min_score`: what reaches an alert).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from monitor.items import Person
from monitor.match import compile_watchlist, find_mentions

DATA = Path(__file__).resolve().parent.parent / "tests" / "files" / "matching"
SETS = {
    "base": (("people.json", "generated_people.json"), ("cases.jsonl", "generated.jsonl")),
    "dev": (("people_v2.json",), ("cases_v2.jsonl",)),
    "heldout": (("people_v2.json",), ("heldout.jsonl",)),
    "heldout2": (("people_heldout2.json",), ("heldout2.jsonl",)),
    "heldout3": (("people_heldout3.json",), ("heldout3.jsonl",)),
    "heldout4": (("people_heldout4.json",), ("heldout4.jsonl",)),
    "heldout5": (("people_heldout5.json",), ("heldout5.jsonl",)),
    "heldout6": (("people_heldout6.json",), ("heldout6.jsonl",)),
}


def load_people(files: tuple[str, ...] = SETS["base"][0]) -> list[Person]:
    rows = []
    for name in files:
        rows += json.loads((DATA / name).read_text(encoding="utf-8"))
    return [
        Person(
            r["name"],
            tuple(r.get("aliases", ())),
            tuple(r.get("context", ())),
            tuple(r.get("exclude", ())),
        )
        for r in rows
    ]


def load_cases(files: tuple[str, ...] = SETS["base"][1]) -> list[dict]:
    cases = []
    for name in files:
        with open(DATA / name, encoding="utf-8") as f:
            cases += [json.loads(line) for line in f if line.strip()]
    return cases


def found_people(case: dict, watchlist, min_score: int) -> set[str]:
    """Names of the watched people a case's text (and title) alerts on at `min_score`."""
    mentions = find_mentions(case["text"], watchlist, title=case.get("title", ""))
    found = {m.person.name for m in mentions if m.score >= min_score}
    if case.get("title"):
        title = find_mentions(case["title"], watchlist, title=case["title"])
        found |= {m.person.name for m in title if m.score >= min_score}
    return found


def evaluate(min_score: int = 90, which: str = "base") -> tuple[dict[str, list[int]], list[str]]:
    """{variant: [tp, fp, fn]} and a list of error descriptions, for one set."""
    people_files, case_files = SETS[which]
    watchlist = compile_watchlist(load_people(people_files))
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    errors = []
    for case in load_cases(case_files):
        found = found_people(case, watchlist, min_score)
        expected = set(case["people"])
        row = counts[case["variant"]]
        row[0] += len(found & expected)
        row[1] += len(found - expected)
        row[2] += len(expected - found)
        if found != expected:
            errors.append(f"{case['id']} [{case['variant']}] {case['text']!r}: "
                          f"missed {sorted(expected - found)}, extra {sorted(found - expected)}")
    return dict(counts), errors


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def report(which: str, min_score: int, show_errors: bool) -> None:
    counts, errors = evaluate(min_score, which)
    print(f"\nset {which} (score >= {min_score})")
    print(f"{'variant':22} {'tp':>4} {'fp':>4} {'fn':>4} {'prec':>6} {'recall':>6} {'F1':>6}")
    total = [0, 0, 0]
    for variant in sorted(counts):
        tp, fp, fn = counts[variant]
        total = [a + b for a, b in zip(total, counts[variant], strict=True)]
        p, r, f = prf(tp, fp, fn)
        print(f"{variant:22} {tp:4} {fp:4} {fn:4} {p:6.3f} {r:6.3f} {f:6.3f}")
    p, r, f = prf(*total)
    print(f"{'ALL':22} {total[0]:4} {total[1]:4} {total[2]:4} {p:6.3f} {r:6.3f} {f:6.3f}")
    if show_errors:
        print("\n".join(errors))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list every wrong case")
    parser.add_argument("--min-score", type=int, default=90)
    parser.add_argument("--set", default="all", choices=[*SETS, "all"])
    args = parser.parse_args()
    for which in SETS if args.set == "all" else [args.set]:
        report(which, args.min_score, args.errors)


if __name__ == "__main__":
    main()
