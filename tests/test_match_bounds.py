"""The matcher's work per text is bounded: no token or text, however hostile, can hang it.

Before the bounds, a 1,500-letter capitalised token cost 4 s and 1.7 GB (typo variants grow
as the square of a token's length) and a megabyte one never returned.
"""

from __future__ import annotations

import base64
import json
import random

from conftest import run_monitor, write_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.items import Person
from monitor.match import compile_watchlist, find_mentions
from monitor.match.lookup import MAX_TYPO_LOOKUPS, MAX_TYPO_TOKEN

NAME = "Andry José Hernández Romero"
SENTENCE = f" On Monday {NAME} was seen in CECOT, and Andry Hernandes Romero wrote home. "


def names_found(text: str, title: str = "") -> tuple[list[str], dict]:
    watchlist = compile_watchlist([Person(NAME, context=("CECOT",))])
    mentions = find_mentions(text, watchlist, title=title)
    for m in mentions:
        assert text[m.start : m.end] == m.matched
    return [m.matched for m in mentions], watchlist.fuzzy_cache


def hostile_texts() -> dict[str, str]:
    rng = random.Random(13)
    blob = base64.b64encode(rng.randbytes(400_000)).decode()
    return {
        "megabyte token": "A" + "b" * 1_000_000,
        "capitalised words of every length": " ".join("Q" + "x" * n for n in range(1, 3000, 7)),
        "20,000-character title-case run": "Abcdefghij" * 2000,
        "base64 blob": blob,
        "base64 with line breaks": "\n".join(blob[i : i + 76] for i in range(0, len(blob), 76)),
        "random Unicode": "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(100_000)),
    }


def test_hostile_text_costs_a_bounded_number_of_typo_lookups_and_the_names_are_still_found():
    for label, junk in hostile_texts().items():
        matched, cache = names_found(junk + SENTENCE + junk[:5000])
        # The exact name and the typo'd one, after and among the junk.
        assert matched == [NAME, "Andry Hernandes Romero"], label
        assert len(cache) <= MAX_TYPO_LOOKUPS + 1, label
        assert max(map(len, cache), default=0) <= MAX_TYPO_TOKEN, label


def test_a_20000_character_title_is_matched_like_any_headline():
    title = f"{NAME} " + "Wordswordswords" * 1333
    matched, cache = names_found(SENTENCE, title=title)
    assert NAME in matched
    assert max(map(len, cache)) <= MAX_TYPO_TOKEN


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=st.text(max_size=3000), after=st.text(max_size=3000))
def test_random_unicode_around_a_name_never_hides_it(before, after):
    text = before + f"\n{NAME} habló.\n" + after
    matched, _ = names_found(text)
    assert NAME in matched


def test_monitor_match_returns_on_a_file_of_megabyte_tokens(tmp_path):
    config = write_config(tmp_path, "", f'[[person]]\nname = "{NAME}"\n')
    story = tmp_path / "paste.txt"
    story.write_text("Z" + "q" * 2_000_000 + SENTENCE + "Y" + "w" * 1_000_000, encoding="utf-8")
    # The subprocess timeout only guards against a hang (the unbounded matcher never returned).
    result = run_monitor("match", "-c", str(config), str(story), timeout=240)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["matched"] for line in result.stdout.splitlines()] == [NAME, "Andry Hernandes Romero"]
