"""Typed getters over one parsed TOML document: each bad value a ConfigError citing file, line and key."""

from __future__ import annotations

import difflib
import ipaddress
import json
import math
import re
from pathlib import Path

from ..errors import ConfigError


class Checker:
    """Validates one parsed TOML document, knowing its text so errors can cite lines."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.lines = text.splitlines()

    # -- errors -------------------------------------------------------------------------

    def fail(self, where: str, message: str, table: str = "", index: int = 0) -> ConfigError:
        key = where.rsplit(".", 1)[-1].split("[")[0]
        line = self._header_line(where) or self._line_of(key, table, index)
        at = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(f"{at}: {where}: {message}")

    def _header_line(self, where: str) -> int | None:
        """The line of a `[where]` table header (or of a sub-table), e.g. a misspelt `[alert.file]`."""
        if "[" in where:
            return None
        header = re.compile(r"^\s*\[\[?\s*" + re.escape(where) + r"\s*(\]|\.)")
        return next((n + 1 for n, line in enumerate(self.lines) if header.match(line)), None)

    def _line_of(self, key: str, table: str, index: int) -> int | None:
        """Best-effort line number of `key` inside the index-th `[table]`/`[[table]]`."""
        start = 0
        if table:
            header = re.compile(r"^\s*\[\[?\s*" + re.escape(table) + r"\s*\]\]?\s*(#.*)?$")
            seen = -1
            for number, line in enumerate(self.lines):
                if header.match(line):
                    seen += 1
                    if seen == index:
                        start = number
                        break
            else:
                return None
        key_re = re.compile(r"^\s*\"?" + re.escape(key) + r"\"?\s*=")
        for number in range(start, len(self.lines)):
            if number > start and table and self.lines[number].lstrip().startswith("["):
                break
            if key_re.match(self.lines[number]):
                return number + 1
        return start + 1 if table else None

    # -- typed getters ------------------------------------------------------------------

    def check_keys(self, data: dict, allowed: set[str], prefix: str, table: str = "", index: int = 0):
        for key in data:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                guess = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean {guess[0]!r}? " if guess else ""
                raise self.fail(f"{prefix}{key}", f"unknown key ({hint}known: {known})", table, index)

    def string(self, data: dict, key: str, prefix: str, table="", index=0, default=None, required=False):
        value = data.get(key, default)
        if value is None:
            if required:
                raise self.fail(f"{prefix}{key}", "is required", table, index)
            return default
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(f"{prefix}{key}", f"must be a non-empty string, got {value!r}", table, index)
        return value.strip()

    def number(self, data: dict, key: str, prefix: str, default, table="", index=0, minimum=0, kind=float,
               maximum=None):
        value = data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"{prefix}{key}", f"must be a number, got {value!r}", table, index)
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(f"{prefix}{key}", f"must be a finite number, got {value!r}", table, index)
        if kind is int and not isinstance(value, int):
            raise self.fail(f"{prefix}{key}", f"must be a whole number, got {value!r}", table, index)
        if value < minimum:
            raise self.fail(f"{prefix}{key}", f"must be at least {minimum}, got {value!r}", table, index)
        if maximum is not None and value > maximum:
            raise self.fail(f"{prefix}{key}", f"must be at most {maximum}, got {value!r}", table, index)
        return kind(value)

    def boolean(self, data: dict, key: str, prefix: str, default: bool, table="", index=0) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{prefix}{key}", f"must be true or false, got {value!r}", table, index)
        return value

    def strings(self, data: dict, key: str, prefix: str, table="", index=0) -> tuple[str, ...]:
        value = data.get(key, [])
        if isinstance(value, str):  # a one-word list written without brackets: say how to write it
            quoted = json.dumps(value, ensure_ascii=False)
            raise self.fail(f"{prefix}{key}", f"must be a list in brackets, e.g. [{quoted}], got the string {quoted}",
                            table, index)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{prefix}{key}", f"must be a list of strings, got {value!r}", table, index)
        return tuple(v.strip() for v in value if v.strip())

    def url(self, data: dict, key: str, prefix: str, table: str, index: int) -> str:
        value = self.string(data, key, prefix, table, index, required=True)
        if not re.match(r"^https?://[^/\s]+", value):
            raise self.fail(f"{prefix}{key}", f"must be an http(s) URL, got {value!r}", table, index)
        return value

    def tables(self, data: dict, key: str) -> list[dict]:
        value = data.get(key, [])
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, f"must be written as [[{key}]] tables")
        return value

    def networks(self, data: dict, key: str, prefix: str, table: str) -> tuple[str, ...]:
        values = self.strings(data, key, prefix, table)
        for value in values:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise self.fail(f"{prefix}{key}", f"{value!r} is not a CIDR network (like 10.0.0.0/8)", table) from None
        return values
