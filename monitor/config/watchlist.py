"""Watchlist management: import a people CSV into the config's people file, list who is watched."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..errors import ConfigError
from ..items import Person
from ..match.normalize import fold
from . import Config
from .peoplecsv import load_people_csv, write_people_csv


def import_people(config: Config, csv_path: Path) -> tuple[int, int]:
    """Merge a CSV of people into the config's `people_file`; return (added, updated).

    Rows are matched by name, ignoring case and accents. A known person keeps what the
    people file already says and gains what the CSV adds: aliases, context and exclude
    are joined (a phrase already there in another case or accent is not repeated), a
    new note is appended, a `min_score` given replaces the old one, and `search = false`
    from either side keeps the name off search services.
    """
    if config.people_file is None:
        raise ConfigError(f"{config.path}: people_file: not set; add `people_file = \"people.csv\"` to import people")
    incoming = load_people_csv(csv_path)
    current = load_people_csv(config.people_file) if config.people_file.exists() else []
    merged = {phrase_key(p.name): p for p in current}
    added = updated = 0
    for person in incoming:
        key = phrase_key(person.name)
        known = merged.get(key)
        if known is None:
            added += 1
            merged[key] = person
            continue
        combined = merge_person(known, person)
        updated += combined != known
        merged[key] = combined
    write_people_csv(config.people_file, list(merged.values()))
    return added, updated


def phrase_key(phrase: str) -> str:
    """A name or phrase as compared when merging: case, accents and spacing do not count."""
    return " ".join(fold(word) for word in phrase.split())


def merge_person(known: Person, new: Person) -> Person:
    """`known` with what `new` adds (see `import_people`)."""
    notes = known.notes
    if new.notes and phrase_key(new.notes) not in phrase_key(known.notes):
        notes = f"{known.notes}; {new.notes}" if known.notes else new.notes
    return replace(
        known,
        aliases=_union(known.aliases, new.aliases),
        context=_union(known.context, new.context),
        exclude=_union(known.exclude, new.exclude),
        notes=notes,
        search=known.search and new.search,
        min_score=new.min_score if new.min_score is not None else known.min_score,
    )


def _union(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    seen = {phrase_key(phrase) for phrase in first}
    extra = []
    for phrase in second:
        if phrase_key(phrase) not in seen:
            seen.add(phrase_key(phrase))
            extra.append(phrase)
    return (*first, *extra)


def describe_people(config: Config, mention_counts: dict[str, int] | None = None) -> list[dict]:
    """One row per watched person, for `monitor people list`."""
    counts = mention_counts or {}
    return [
        {
            "name": p.name,
            "aliases": "; ".join(p.aliases),
            "context": "; ".join(p.context),
            "search": "yes" if p.search else "no",
            "mentions": counts.get(p.name, 0),
        }
        for p in config.people
    ]
