"""The compiled watchlist saved next to the archive, so a run loads it in a tenth of a second.

Compiling 50,000 people takes over a second; cron runs start with the same watchlist
again and again. `cached_watchlist` keeps the compiled tables (index.Tables) in
`<database>.watchlist`, keyed by a hash of every name and alias, of the matcher's own
code and data files, and of the library and Unicode versions that fold names. Context and
exclude words are not in the file: they are read from the people list on each run.

The file holds data only (integer arrays, folded words, JSON), never pickled objects,
so whatever is in it cannot run code. It is still not trusted blindly: it is used only
if it is a regular file (not a symlink) owned by the user running monitor and writable
by nobody else (so no other local user can have put it there), its key matches, a
SHA-256 of its contents matches, and every index in it points inside its tables. Any
other file is ignored and replaced by a freshly compiled one (written to a temporary
file, then renamed over it, mode 0600).
"""

from __future__ import annotations

import hashlib
import json
import logging
import operator
import os
import stat
import struct
import sys
import tempfile
import unicodedata
from array import array
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path

from ..items import Person
from .index import Postings, Tables, Watchlist, assemble, compile_watchlist

log = logging.getLogger(__name__)

FORMAT = 1
MAGIC = b"mention-monitor watchlist cache\n"
# Smaller watchlists compile in under 0.05 s: no file for them.
CACHE_MIN_PEOPLE = 1_000
# Sections of the file, in order, with their array typecode ("" for raw bytes).
_ARRAYS = {
    "name_person": "i", "person_starts": "i", "part_starts": "i", "part_vid": "i", "part_unit": "i",
    "pairs_keys": "q", "pairs_starts": "i", "pairs_values": "i", "deletes_starts": "i", "deletes_values": "i",
}
_BLOBS = ("keys", "deletes_keys", "texts", "name_flags", "part_role", "part_common", "extra")
_SECTIONS = (*_BLOBS, *_ARRAYS)


class Rejected(Exception):
    """The cache file cannot be used; the message says why."""


class Stale(Rejected):
    """The cache file holds another watchlist (the people were edited) or another matcher's tables."""


def cache_path(database: Path) -> Path:
    """Where the compiled watchlist of the archive `database` is kept."""
    return database.with_name(database.name + ".watchlist")


def cached_watchlist(people: Sequence[Person], path: Path | None) -> Watchlist:
    """The compiled watchlist of `people`: loaded from `path` when it holds this very
    watchlist, else compiled and saved there (when the folder exists and is writable)."""
    people = tuple(people)
    if path is None or len(people) < CACHE_MIN_PEOPLE:
        return compile_watchlist(people)
    key = watchlist_key(people)
    try:
        return assemble(people, load(path, key, len(people)))
    except FileNotFoundError:
        pass
    except Stale as why:  # the normal case after editing the people: nothing to warn about
        log.info("%s: %s; compiling the watchlist again", path, why)
    except Rejected as why:
        log.warning("%s: watchlist cache not used (%s); compiling the watchlist again", path, why)
    watchlist = compile_watchlist(people)
    save(path, key, watchlist_tables(watchlist))
    return watchlist


def watchlist_key(people: Sequence[Person]) -> str:
    """Hash of everything the compiled tables depend on."""
    h = hashlib.sha256()
    h.update(json.dumps([FORMAT, _code_version(), sys.byteorder, array("i").itemsize, array("q").itemsize,
                         len(people)]).encode())
    h.update(json.dumps([[p.name, p.aliases] for p in people], ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


@cache
def _code_version() -> str:
    """The matcher's source and data files, and what folds names (anyascii, Unicode tables)."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256()
    package = resources.files(__package__)
    files = sorted((p for p in package.iterdir() if p.name.endswith(".py")), key=lambda p: p.name)
    files += sorted(package.joinpath("data").iterdir(), key=lambda p: p.name)
    for item in files:
        h.update(item.name.encode() + b"\0" + item.read_bytes() + b"\0")
    try:
        anyascii = version("anyascii")
    except PackageNotFoundError:
        anyascii = "?"
    h.update(f"{anyascii}\0{unicodedata.unidata_version}\0{sys.version_info[:2]}".encode())
    return h.hexdigest()


def watchlist_tables(watchlist: Watchlist) -> Tables:
    """The tables a compiled watchlist was assembled from."""
    names = watchlist.names
    return Tables(
        keys=watchlist.keys, texts=names.texts, name_person=names.person, name_flags=names.flags,
        person_starts=watchlist.by_person.starts, part_starts=names.part_starts, part_vid=names.part_vid,
        part_role=names.part_role, part_unit=names.part_unit, part_common=names.part_common,
        pairs=watchlist.pairs, deletes=watchlist.deletes, singles=watchlist.singles,
        common_keys=watchlist.common_keys,
    )


def _sections(t: Tables) -> dict[str, bytes]:
    extra = {"common_keys": sorted(t.common_keys), "singles": [[k, list(v)] for k, v in t.singles.items()]}
    return {
        "keys": "\n".join(t.keys).encode(),
        "deletes_keys": "\n".join(t.deletes.slots).encode(),
        "texts": json.dumps(t.texts, ensure_ascii=False).encode("utf-8", "surrogatepass"),
        "name_flags": bytes(t.name_flags),
        "part_role": bytes(t.part_role),
        "part_common": bytes(t.part_common),
        "extra": json.dumps(extra).encode(),
        "name_person": t.name_person.tobytes(),
        "person_starts": t.person_starts.tobytes(),
        "part_starts": t.part_starts.tobytes(),
        "part_vid": t.part_vid.tobytes(),
        "part_unit": t.part_unit.tobytes(),
        "pairs_keys": array("q", t.pairs.slots).tobytes(),
        "pairs_starts": t.pairs.starts.tobytes(),
        "pairs_values": t.pairs.values.tobytes(),
        "deletes_starts": t.deletes.starts.tobytes(),
        "deletes_values": t.deletes.values.tobytes(),
    }


def save(path: Path, key: str, tables: Tables) -> None:
    """Write the cache file atomically; a folder that is missing or read-only just means no cache."""
    if not path.parent.is_dir():
        return
    sections = _sections(tables)
    digest = hashlib.sha256()
    for name in _SECTIONS:
        digest.update(sections[name])
    header = json.dumps({
        "format": FORMAT, "key": key, "sha256": digest.hexdigest(),
        "lengths": [len(sections[name]) for name in _SECTIONS],
    }).encode()
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mode 0600
    except OSError as e:
        log.info("%s: watchlist cache not written: %s", path, e.strerror or e)
        return
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + struct.pack("<Q", len(header)) + header)
            for name in _SECTIONS:  # one section at a time: no second copy of the whole file in memory
                f.write(sections[name])
        os.replace(temp, path)
    except OSError as e:
        log.info("%s: watchlist cache not written: %s", path, e.strerror or e)
        Path(temp).unlink(missing_ok=True)


def load(path: Path, key: str, people: int) -> Tables:
    """The tables in the cache file at `path`, if it is trustworthy and holds watchlist `key`.

    Raises FileNotFoundError when there is no file, Rejected when it cannot be used.
    """
    raw = _read_own_file(path)
    if not raw.startswith(MAGIC):
        raise Rejected("not a watchlist cache file")
    at = len(MAGIC)
    try:
        (size,) = struct.unpack_from("<Q", raw, at)
        header = json.loads(raw[at + 8 : at + 8 + size])
        if header.get("format") != FORMAT or header.get("key") != key:
            raise Stale("made for another watchlist or another version of the matcher")
        lengths = header["lengths"]
        payload = memoryview(raw)[at + 8 + size :]
        if len(lengths) != len(_SECTIONS) or sum(lengths) != len(payload):
            raise Rejected("truncated or padded")
        if hashlib.sha256(payload).hexdigest() != header["sha256"]:
            raise Rejected("checksum mismatch: the file is damaged")
        return _tables(payload, lengths, people)
    except Rejected:
        raise
    except (ValueError, TypeError, KeyError, struct.error, UnicodeDecodeError) as e:
        raise Rejected(f"unreadable: {e}") from None


def _read_own_file(path: Path) -> bytes:
    """The file's bytes, if it is a regular file of this user that nobody else may write."""
    try:
        # O_NONBLOCK: a FIFO planted there must not hang the run in open(); fstat rejects it.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except FileNotFoundError:
        raise
    except OSError as e:
        if path.is_symlink():
            raise Rejected("a symbolic link") from None
        raise Rejected(e.strerror or str(e)) from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Rejected("not a regular file")
        if info.st_uid != os.geteuid():
            raise Rejected(f"owned by uid {info.st_uid}, not by this user")
        if info.st_mode & 0o022:
            raise Rejected("writable by other users")
        return f.read()


def _tables(payload: memoryview, lengths: list[int], people: int) -> Tables:
    """Decode and bounds-check the sections: no index may point outside its table."""
    parts: dict[str, memoryview] = {}
    at = 0
    for name, length in zip(_SECTIONS, lengths, strict=True):
        parts[name] = payload[at : at + length]
        at += length
    arrays = {name: _array(code, parts[name]) for name, code in _ARRAYS.items()}
    keys = _words(parts["keys"])
    deletes_keys = _words(parts["deletes_keys"])
    texts = json.loads(bytes(parts["texts"]).decode("utf-8", "surrogatepass"))
    extra = json.loads(bytes(parts["extra"]))
    flags, role, common = bytes(parts["name_flags"]), bytes(parts["part_role"]), bytes(parts["part_common"])
    n_names, n_parts, n_vocab = len(texts), len(arrays["part_vid"]), len(keys)
    part_starts = arrays["part_starts"]
    _check(isinstance(texts, list) and all(isinstance(t, str) for t in texts), "name texts")
    _check(len(arrays["name_person"]) == len(flags) == n_names == len(part_starts) - 1, "name table sizes")
    _check(len(role) == len(common) == len(arrays["part_unit"]) == n_parts, "part table sizes")
    _check(part_starts[0] == 0 and part_starts[-1] == n_parts, "part offsets")
    _check(all(map(operator.lt, part_starts, part_starts[1:])), "part offsets")  # every name has a part
    _check(_within(arrays["part_vid"], n_vocab) and _within(arrays["name_person"], people), "part or person index")
    _check(not role.translate(None, b"gs") and not common.translate(None, b"\0\1"), "part roles")
    starts = arrays["person_starts"]
    _check(len(starts) == people + 1 and starts[0] == 0 and starts[-1] == n_names, "person offsets")
    _check(all(map(operator.le, starts, starts[1:])), "person offsets")
    _check(len(dict.fromkeys(keys)) == n_vocab, "duplicate words")
    pairs = _postings(arrays["pairs_keys"], arrays["pairs_starts"], arrays["pairs_values"], n_names)
    deletes = _postings(deletes_keys, arrays["deletes_starts"], arrays["deletes_values"], n_vocab)
    singles = {int(k): tuple(int(n) for n in v) for k, v in extra["singles"]}
    _check(all(0 <= k < n_vocab and all(0 <= n < n_names for n in v) for k, v in singles.items()), "one-word names")
    common_keys = frozenset(extra["common_keys"])
    _check(all(isinstance(k, str) for k in common_keys), "common words")
    return Tables(
        keys=keys, texts=texts, name_person=arrays["name_person"], name_flags=flags, person_starts=starts,
        part_starts=part_starts, part_vid=arrays["part_vid"], part_role=role, part_unit=arrays["part_unit"],
        part_common=common, pairs=pairs, deletes=deletes, singles=singles, common_keys=common_keys,
    )


def _array(code: str, data: memoryview) -> array:
    out = array(code)
    if len(data) % out.itemsize:
        raise Rejected("a table of the wrong size")
    out.frombytes(data)
    return out


def _words(data: memoryview) -> list[str]:
    text = bytes(data).decode("ascii")  # folded name words are ASCII letters and digits
    return text.split("\n") if text else []


def _within(values: array, size: int) -> bool:
    return not values or (min(values) >= 0 and max(values) < size)


def _postings(keys: Sequence, starts: array, values: array, size: int) -> Postings:
    """Postings over the cached arrays. Offsets are only checked at the ends: a slice
    between two offsets out of order is empty, never outside `values`."""
    slots = dict(zip(keys, range(len(keys)), strict=True))
    _check(len(slots) == len(keys), "duplicate keys")
    _check(len(starts) == len(slots) + 1 and starts[0] == 0 and starts[-1] == len(values), "posting offsets")
    _check(_within(values, size), "posting values")
    return Postings(slots, starts, values)


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise Rejected(f"inconsistent {what}")
