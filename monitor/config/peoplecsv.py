"""The people CSV a spreadsheet exports: read it into Person entries, write it back."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import ConfigError
from ..items import Person
from .csvsafe import neutralise, restore
from .files import MAX_PEOPLE_BYTES, TooLarge, read_capped

COLUMNS = ("name", "aliases", "context", "exclude", "notes", "search", "min_score", "notify_email")


def load_people_csv(path: Path) -> list[Person]:
    """Read a watchlist CSV (a spreadsheet export): name, aliases, context, notes, ...

    The file is read by the stdlib's csv reader, so a quoted cell may hold line breaks,
    commas and doubled quotes. Lists are ";"-separated; in a file whose columns are
    themselves separated by ";" (Excel in much of Europe and Latin America), "," separates
    list items too: `CECOT, El Salvador` is two phrases. At most MAX_PEOPLE_BYTES are read.
    """
    try:
        data = read_capped(path, MAX_PEOPLE_BYTES)
    except (OSError, TooLarge) as e:
        raise ConfigError(f"{path}: cannot read people file: {getattr(e, 'strerror', None) or e}") from None
    for encoding in ("utf-8-sig", "cp1252"):  # Excel: UTF-8 with a BOM, or cp1252 on Windows
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return _read_people(path, text)
    raise ConfigError(f"{path}: people file is neither UTF-8 nor Windows-1252 text")


def _read_people(path: Path, text: str) -> list[Person]:
    stream = io.StringIO(text, newline="")  # newline="": csv handles line breaks in cells
    delimiter = _delimiter(stream.readline())
    stream.seek(0)
    reader = csv.DictReader(stream, delimiter=delimiter)  # excel quoting: "" is a quote
    try:
        if not reader.fieldnames:
            return []
        columns = {(c or "").strip().lower(): c for c in reader.fieldnames}
        if "name" not in columns:
            raise ConfigError(f"{path}:1: people file needs a 'name' column (found: {', '.join(reader.fieldnames)})")
        separators = ";," if delimiter == ";" else ";"
        return [person for row in reader if (person := _person(row, columns, separators, path, reader.line_num))]
    except csv.Error as e:  # a cell over the csv module's 128 KB field limit, a stray quote at the end
        raise ConfigError(f"{path}:{reader.line_num + 1}: {e}") from None


def _person(row: dict, columns: dict[str, str], separators: str, path: Path, line: int) -> Person | None:
    def get(key: str) -> str:
        return restore((row.get(columns.get(key, ""), "") or "").strip())

    name = get("name")
    if not name:
        return None
    min_score = get("min_score")
    if min_score and not min_score.isdigit():
        raise ConfigError(f"{path}:{line}: min_score: must be a whole number, got {min_score!r}")
    return Person(
        name=name,
        aliases=_split_list(get("aliases"), separators),
        context=_split_list(get("context"), separators),
        exclude=_split_list(get("exclude"), separators),
        notes=get("notes"),
        search=get("search").lower() not in {"false", "no", "0", "n"},
        min_score=int(min_score) if min_score else None,
        notify_email=_split_list(get("notify_email"), separators),
    )


def _delimiter(header: str) -> str:
    """The header line's separator. Only the delimiter is sniffed: a sniffed dialect would
    also guess quoting rules (often "no doubled quotes"), corrupting quotes on each round trip."""
    try:
        return csv.Sniffer().sniff(header, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _split_list(value: str, separators: str = ";") -> tuple[str, ...]:
    for separator in separators[1:]:
        value = value.replace(separator, separators[0])
    return tuple(part.strip() for part in value.split(separators[0]) if part.strip())


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
