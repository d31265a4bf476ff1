"""One run at a time per archive: an OS file lock that dies with its process."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import LockedError, MonitorError


class LockError(MonitorError):
    """The lock file cannot be used (a symlink, no permission): the run does not start."""


@contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Hold the archive's lock, or raise LockedError at once if another run holds it.

    flock is released by the kernel when the holder dies, so a SIGKILLed run leaves
    no stale lock behind: the next run simply takes it.
    """
    _make_folder(path)
    handle = _open_lock_file(path)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(f"{path}: another run holds the lock ({_holder(handle)}); nothing done") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


def _holder(handle) -> str:
    """"pid N, for 3 h 20 min": the holder writes its pid when it takes the lock, so the
    file's mtime is when it did; a run stuck for hours then shows in every cron mail.

    At most 32 bytes are read, as bytes: whatever else is in the file (a crafted or damaged
    one) cannot cost memory or fail the decoding, and only its digits are shown.
    """
    fd = handle.fileno()
    pid = "".join(chr(b) for b in os.pread(fd, 32, 0) if chr(b).isdigit()) or "unknown"
    minutes = int(max(0.0, time.time() - os.fstat(fd).st_mtime) // 60)
    held = f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
    return f"pid {pid}, for {held}"


def _make_folder(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # one of the folders on the way is a file
        raise LockError(f"{path}: cannot create the lock file: {path.parent} is a file, not a folder") from None
    except OSError as e:
        raise LockError(f"{path}: cannot create the folder {path.parent}: {e.strerror or e}") from None


def _open_lock_file(path: Path):
    """The lock file, opened without following a symlink: a link planted there would make the
    run truncate whatever it points to (another archive, a config file)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as e:
        if path.is_symlink():
            raise LockError(f"{path}: the lock file is a symbolic link; remove it (nothing was done)") from None
        raise LockError(f"{path}: cannot open the lock file: {e.strerror or e}") from None
    return os.fdopen(fd, "r+")
