"""Read the user's own files (config, people CSV) with a size cap, so a wrong path cannot fill memory."""

from __future__ import annotations

from pathlib import Path

# Far above any real file (10 MB of TOML is some 50,000 [[feed]] tables; 64 MB of CSV some
# 500,000 people), far below what `-c /dev/zero` or a mistyped path to a disk image would need.
MAX_CONFIG_BYTES = 10 * 1024 * 1024
MAX_PEOPLE_BYTES = 64 * 1024 * 1024


class TooLarge(ValueError):
    """The file holds more than the cap (or never ends, like /dev/zero)."""


def read_capped(path: Path, limit: int) -> bytes:
    """The file's bytes, or TooLarge past `limit` (read in one go up to limit + 1, never beyond)."""
    with path.open("rb") as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"larger than {limit // (1024 * 1024)} MB: is this the right file?")
    return data
