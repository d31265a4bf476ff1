"""The labelled evaluation set (tests/files/matching), checked per variant type."""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

from monitor.items import Person
from monitor.match import Watchlist, compile_watchlist, find_mentions

DATA = Path(__file__).resolve().parent / "files" / "matching"


def _cases() -> dict[str, list[dict]]:
    by_variant: dict[str, list[dict]] = defaultdict(list)
    for name in ("cases.jsonl", "generated.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                by_variant[case["variant"]].append(case)
    return dict(by_variant)


CASES = _cases()


@cache
def watchlist() -> Watchlist:
    rows = []
    for name in ("people.json", "generated_people.json"):
        rows += json.loads((DATA / name).read_text(encoding="utf-8"))
    people = [
        Person(r["name"], tuple(r.get("aliases", ())), tuple(r.get("context", ())), tuple(r.get("exclude", ())))
        for r in rows
    ]
    return compile_watchlist(people)


def test_eval_set_covers_languages_and_both_kinds() -> None:
    cases = [c for group in CASES.values() for c in group]
    assert {c["lang"] for c in cases} >= {"en", "es", "pt", "fr"}
    assert sum(1 for c in cases if not c["people"]) >= 100  # negatives


@pytest.mark.parametrize("variant", sorted(CASES))
def test_variant(variant: str) -> None:
    wrong = []
    for case in CASES[variant]:
        text = case["text"]
        mentions = find_mentions(text, watchlist(), title=case.get("title", ""))
        assert all(text[m.start : m.end] == m.matched for m in mentions)
        found = {m.person.name for m in mentions}
        if found != set(case["people"]):
            wrong.append((case["id"], text, sorted(found)))
    assert wrong == []
