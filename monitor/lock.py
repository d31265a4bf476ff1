"""One run at a time per archive: an OS file lock that dies with its process."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import LockedError


@contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Hold the archive's lock, or raise LockedError at once if another run holds it.

    flock is released by the kernel when the holder dies, so a SIGKILLed run leaves
    no stale lock behind: the next run simply takes it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - held for the whole run
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise LockedError(f"{path}: another run holds the lock (pid {holder}); nothing done") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()
