"""`monitor init`: write a commented starter monitor.toml and people.csv."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from ..errors import MonitorError

STARTER_FILES = ("monitor.toml", "people.csv")


def write_starter_files(directory: Path) -> list[Path]:
    """Write the starter files into `directory`; never overwrite a user's file."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise MonitorError(f"{directory}: cannot create this folder ({e.strerror or e}); choose another") from None
    targets = [directory / name for name in STARTER_FILES]
    existing = [str(t) for t in targets if t.exists()]
    if existing:
        raise MonitorError(f"{', '.join(existing)}: already exists; not overwritten")
    templates = files("monitor.config") / "templates"
    for target in targets:
        try:
            target.write_text((templates / target.name).read_text(encoding="utf-8"), encoding="utf-8")
        except OSError as e:
            raise MonitorError(f"{target}: cannot write ({e.strerror or e}); choose another folder") from None
    return targets
