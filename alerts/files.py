"""The file channel: one JSON document per alert in a folder, written atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import DeliveryError


def alert_path(folder: Path, alert_id: int) -> Path:
    return folder / f"alert-{alert_id:06d}.json"


def write(folder: Path, name: str, document: dict) -> Path:
    """Write `document` as folder/name, all or nothing; a rewrite of the same alert replaces it.

    Readers (a script polling the folder) never see a half-written file: the JSON goes to
    a hidden temporary file that is renamed into place once on disk.
    """
    path = folder / name
    tmp = folder / f".{name}.{os.getpid()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(document, f, ensure_ascii=False, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_dir(folder)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise DeliveryError(f"cannot write {path}: {e.strerror or e}") from None
    return path


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform, hence best effort.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
