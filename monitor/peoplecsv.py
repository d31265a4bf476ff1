"""The people CSV a spreadsheet exports: read it into Person entries, write it back."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .csvsafe import neutralise, restore
from .errors import ConfigError
from .items import Person

COLUMNS = ("name", "aliases", "context", "exclude", "notes", "search", "min_score", "notify_email")


def load_people_csv(path: Path) -> list[Person]:
    """Read a watchlist CSV (a spreadsheet export): name, aliases, context, notes, ..."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read people file: {e.strerror or e}") from None
    text = _decode_spreadsheet_bytes(raw, path)
    reader = csv.DictReader(text.splitlines(), dialect=_sniff_dialect(text))
    if not reader.fieldnames:
        return []
    columns = {(c or "").strip().lower(): c for c in reader.fieldnames}
    if "name" not in columns:
        raise ConfigError(f"{path}:1: people file needs a 'name' column (found: {', '.join(reader.fieldnames)})")
    people = []
    for row in reader:
        line = reader.line_num

        def get(key: str, row: dict = row) -> str:
            return restore((row.get(columns.get(key, ""), "") or "").strip())

        name = get("name")
        if not name:
            continue
        min_score = get("min_score")
        if min_score and not min_score.isdigit():
            raise ConfigError(f"{path}:{line}: min_score: must be a whole number, got {min_score!r}")
        people.append(
            Person(
                name=name,
                aliases=_split_list(get("aliases")),
                context=_split_list(get("context")),
                exclude=_split_list(get("exclude")),
                notes=get("notes"),
                search=get("search").lower() not in {"false", "no", "0", "n"},
                min_score=int(min_score) if min_score else None,
                notify_email=_split_list(get("notify_email")),
            )
        )
    return people


def _decode_spreadsheet_bytes(raw: bytes, path: Path) -> str:
    # Excel writes UTF-8 with a BOM, or cp1252 when "CSV" is chosen on Windows.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ConfigError(f"{path}: people file is neither UTF-8 nor Windows-1252 text")


def _sniff_dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(";") if part.strip())


def write_people_csv(path: Path, people: list[Person]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for p in people:
        writer.writerow([neutralise(cell) for cell in (
            p.name, ";".join(p.aliases), ";".join(p.context), ";".join(p.exclude), p.notes,
            "" if p.search else "false", "" if p.min_score is None else p.min_score, ";".join(p.notify_email),
        )])
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(buffer.getvalue(), encoding="utf-8")
    tmp.replace(path)
