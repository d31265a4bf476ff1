"""The compiled watchlist kept next to the archive: reused when it fits, rebuilt when it is stale,
damaged or could have been written by someone else, and never giving other results."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import struct
from array import array
from pathlib import Path

import pytest
from conftest import run_monitor

from monitor.items import Person
from monitor.match import compile_watchlist, find_mentions
from monitor.match.cache import CACHE_MIN_PEOPLE, MAGIC, cached_watchlist

ANDRY = "Andry José Hernández Romero"
TEXT = (
    "San Salvador. Andry José Hernández Romero, deportado al CECOT en marzo, llamó a su madre. "
    "Hernández Romero dijo que Keyber Rafael Sánchez Lugo sigue detenido."
)
SYLLABLES = "ba be bi bo da de do ga go la le li lo ma me mi mo na ne ni no ra re ri ro sa se to va ve za".split()


def crowd(n: int) -> list[Person]:
    """`n` distinct made-up people, so the watchlist is big enough to be cached."""
    out = []
    for i in range(n):
        a, b, c = SYLLABLES[i % 31], SYLLABLES[(i // 31) % 31], SYLLABLES[(i // 961) % 31]
        out.append(Person(f"{(a + b).capitalize()} {(b + c + 'n').capitalize()} {(c + a + 'z').capitalize()}"))
    return out


def write_people(folder: Path, people: list[Person]) -> None:
    with open(folder / "people.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "aliases", "context"])
        for p in people:
            writer.writerow([p.name, ";".join(p.aliases), ";".join(p.context)])


@pytest.fixture
def setup(tmp_path):
    """A config with a big watchlist (Andry among them) and an article naming him."""
    write_people(tmp_path, [Person(ANDRY, context=("CECOT",)), *crowd(CACHE_MIN_PEOPLE)])
    (tmp_path / "monitor.toml").write_text('database = "m.db"\npeople_file = "people.csv"\n', encoding="utf-8")
    (tmp_path / "article.txt").write_text(TEXT, encoding="utf-8")
    return tmp_path


def match(folder: Path) -> tuple[list[dict], str]:
    result = run_monitor("match", "-c", str(folder / "monitor.toml"), str(folder / "article.txt"))
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()], result.stderr


def found(rows: list[dict]) -> list[tuple[str, str, int]]:
    return [(r["person"], r["matched"], r["score"]) for r in rows]


def stamp(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_ino, info.st_mtime_ns


def rewrite(path: Path, change) -> None:
    """Change the cache's payload with `change(payload) -> payload` and seal it again (valid checksum):
    a file only the bounds checks can catch."""
    raw = path.read_bytes()
    at = len(MAGIC)
    (size,) = struct.unpack_from("<Q", raw, at)
    header = json.loads(raw[at + 8 : at + 8 + size])
    payload = change(bytearray(raw[at + 8 + size :]), header)
    header["sha256"] = hashlib.sha256(payload).hexdigest()
    new = json.dumps(header).encode()
    path.write_bytes(MAGIC + struct.pack("<Q", len(new)) + new + bytes(payload))
    path.chmod(0o600)


def test_the_compiled_watchlist_is_saved_next_to_the_archive_and_reused(setup):
    first, _ = match(setup)
    assert found(first) == [(ANDRY, ANDRY, 100), (ANDRY, "Hernández Romero", 95)]
    cache = setup / "m.db.watchlist"
    assert cache.exists() and cache.stat().st_mode & 0o777 == 0o600
    before = stamp(cache)
    again, _ = match(setup)
    assert again == first
    assert stamp(cache) == before  # loaded, not compiled and written again


def test_an_edited_watchlist_is_compiled_again(setup):
    match(setup)
    cache = setup / "m.db.watchlist"
    before = stamp(cache)
    people = [Person(ANDRY, context=("CECOT",)), Person("Keyber Rafael Sánchez Lugo"), *crowd(CACHE_MIN_PEOPLE)]
    write_people(setup, people)
    rows, stderr = match(setup)
    assert ("Keyber Rafael Sánchez Lugo", "Keyber Rafael Sánchez Lugo", 100) in found(rows)
    assert stamp(cache) != before
    assert stderr == ""  # an edited watchlist is normal: nothing to warn about


@pytest.mark.parametrize("damage", ["truncated", "flipped", "garbage", "empty"])
def test_a_damaged_cache_is_rebuilt_with_the_same_results(setup, damage):
    first, _ = match(setup)
    cache = setup / "m.db.watchlist"
    raw = cache.read_bytes()
    cache.write_bytes({
        "truncated": raw[: len(raw) // 2],
        "flipped": raw[:-100] + bytes([raw[-100] ^ 0xFF]) + raw[-99:],
        "garbage": os.urandom(4096),
        "empty": b"",
    }[damage])
    rows, stderr = match(setup)
    assert rows == first
    assert f"{cache}: watchlist cache not used" in stderr
    rebuilt = stamp(cache)
    assert match(setup) == (first, "")  # the rebuilt file is good
    assert stamp(cache) == rebuilt


def test_a_sealed_cache_with_indexes_out_of_range_is_not_used(setup):
    """A file with a right checksum but a name word pointing past the vocabulary (a bug, or a
    file written by hand): rejected before any matching, not an IndexError mid-run."""
    first, _ = match(setup)
    cache = setup / "m.db.watchlist"

    def break_part_words(payload: bytearray, header: dict) -> bytearray:
        from monitor.match.cache import _SECTIONS

        at = sum(header["lengths"][: _SECTIONS.index("part_vid")])
        payload[at : at + 4] = array("i", [10**8]).tobytes()
        return payload

    rewrite(cache, break_part_words)
    rows, stderr = match(setup)
    assert rows == first
    assert "inconsistent part or person index" in stderr


def test_a_cache_other_users_could_write_is_not_trusted(setup):
    """Someone who may write the file could seal a cache that hides a person; one that is
    group- or world-writable is ignored, whatever it says, and replaced by a private one."""
    first, _ = match(setup)
    cache = setup / "m.db.watchlist"
    # A well-formed cache of another watchlist (without Andry), relabelled as this one's.
    other = setup / "other"
    other.mkdir()
    write_people(other, crowd(CACHE_MIN_PEOPLE + 1))
    (other / "monitor.toml").write_text('database = "m.db"\npeople_file = "people.csv"\n', encoding="utf-8")
    (other / "article.txt").write_text(TEXT, encoding="utf-8")
    match(other)
    planted = (other / "m.db.watchlist").read_bytes()
    at = len(MAGIC)
    (size,) = struct.unpack_from("<Q", planted, at)
    ours = json.loads(cache.read_bytes()[at + 8 : at + 8 + struct.unpack_from("<Q", cache.read_bytes(), at)[0]])
    header = json.loads(planted[at + 8 : at + 8 + size]) | {"key": ours["key"]}
    new = json.dumps(header).encode()
    cache.write_bytes(MAGIC + struct.pack("<Q", len(new)) + new + planted[at + 8 + size :])
    cache.chmod(0o666)
    rows, stderr = match(setup)
    assert rows == first
    assert f"{cache}: watchlist cache not used (writable by other users)" in stderr
    assert cache.stat().st_mode & 0o777 == 0o600


def test_a_symlink_in_place_of_the_cache_is_not_followed(setup):
    target = setup / "elsewhere.txt"
    target.write_text("not yours to overwrite\n", encoding="utf-8")
    cache = setup / "m.db.watchlist"
    cache.symlink_to(target)
    rows, stderr = match(setup)
    assert found(rows) == [(ANDRY, ANDRY, 100), (ANDRY, "Hernández Romero", 95)]
    assert "symbolic link" in stderr
    assert target.read_text(encoding="utf-8") == "not yours to overwrite\n"
    assert not cache.is_symlink() and cache.stat().st_mode & 0o777 == 0o600


def test_a_fifo_in_place_of_the_cache_does_not_hang_the_run(setup):
    cache = setup / "m.db.watchlist"
    os.mkfifo(cache)
    result = run_monitor("match", "-c", str(setup / "monitor.toml"), str(setup / "article.txt"), timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"{cache}: watchlist cache not used (not a regular file)" in result.stderr
    assert ANDRY in result.stdout


def test_a_loaded_watchlist_finds_exactly_what_a_compiled_one_finds(tmp_path):
    """Every labelled matching case, with the cases' people plus a crowd, loaded from the file."""
    data = Path(__file__).parent / "files" / "matching"
    people = [Person(p["name"], tuple(p.get("aliases", ())), tuple(p.get("context", ())), tuple(p.get("exclude", ())))
              for name in ("people.json", "generated_people.json")
              for p in json.loads((data / name).read_text(encoding="utf-8"))]
    people += crowd(CACHE_MIN_PEOPLE)
    texts = [json.loads(line)["text"] for name in ("cases.jsonl", "generated.jsonl")
             for line in (data / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    path = tmp_path / "m.db.watchlist"
    cached_watchlist(people, path)  # compiles and saves
    loaded, compiled = cached_watchlist(people, path), compile_watchlist(people)
    assert path.exists()
    expected = [find_mentions(t, compiled) for t in texts]
    assert sum(map(len, expected)) > 300
    assert [find_mentions(t, loaded) for t in texts] == expected
