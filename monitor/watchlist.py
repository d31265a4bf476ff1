"""Watchlist management: import a people CSV into the config's people file, list who is watched."""

from __future__ import annotations

from pathlib import Path

from .config import Config
from .errors import ConfigError
from .peoplecsv import load_people_csv, write_people_csv


def import_people(config: Config, csv_path: Path) -> tuple[int, int]:
    """Merge a CSV of people into the config's `people_file`; return (added, updated).

    Rows are matched by name; an imported row replaces the stored one.
    """
    if config.people_file is None:
        raise ConfigError(f"{config.path}: people_file: not set; add `people_file = \"people.csv\"` to import people")
    incoming = load_people_csv(csv_path)
    current = load_people_csv(config.people_file) if config.people_file.exists() else []
    merged = {p.name.casefold(): p for p in current}
    added = sum(1 for p in incoming if p.name.casefold() not in merged)
    merged.update({p.name.casefold(): p for p in incoming})
    write_people_csv(config.people_file, list(merged.values()))
    return added, len(incoming) - added


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
