"""A process pool that runs the CPU-bound work (trafilatura, matching, story sketches) off the Scrapy reactor."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from .extract import extract_fields
from .finder import article_mentions
from .items import Mention, Person
from .match import Watchlist, compile_watchlist
from .stories import sketch

# Up to this many people each worker compiles its own copy of the watchlist and matching
# runs in the pool too. A bigger watchlist is matched in the main process, where it is
# compiled already: a 50,000-person watchlist takes hundreds of MB, one copy is enough.
MATCH_IN_WORKERS_MAX_PEOPLE = 2_000

# Set in each worker process by the pool's initializer (a worker's own state, never the parent's).
_worker_watchlist: Watchlist | None = None


def default_workers() -> int:
    """One worker per core: extraction is CPU-bound and the reactor needs little."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def extract_page(html: str, url: str) -> dict | None:
    """`extract_fields`, plus the text's story sketch (the store needs it; it costs as much as matching)."""
    fields = extract_fields(html, url)
    if fields:
        fields["sketch"] = sketch(fields["text"])
    return fields


def _init_worker(people: Sequence[Person], run_pid: int) -> None:
    global _worker_watchlist
    _worker_watchlist = compile_watchlist(people) if people else None
    threading.Thread(target=_exit_with_run, args=(run_pid,), daemon=True).start()


def _exit_with_run(run_pid: int) -> None:
    """End this worker when the run that started it is gone (a SIGKILLed run cannot shut its pool)."""
    while True:
        time.sleep(1)
        try:
            os.kill(run_pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:  # the pid now belongs to someone else's process
            os._exit(0)


def _match(title: str, text: str) -> list[Mention]:
    return article_mentions(title, text, _worker_watchlist) if _worker_watchlist else []


class ExtractionPool:
    """`await pool.extract(html, url)` and `await pool.match(title, text)` run in worker processes.

    With `workers=0` extraction runs in this process instead (simpler to debug and profile).
    `matches_in_workers` says whether `match` is available: only with workers and a
    watchlist (`people`) of at most MATCH_IN_WORKERS_MAX_PEOPLE; otherwise the caller matches.
    """

    def __init__(self, workers: int, people: Sequence[Person] = ()):
        self.workers = workers
        self.matches_in_workers = workers > 0 and 0 < len(people) <= MATCH_IN_WORKERS_MAX_PEOPLE
        # forkserver, not fork: forking a process that runs the reactor's threads is unsafe.
        # The server imports trafilatura and the matcher once; each worker forks from it
        # ready to work instead of spending a second of CPU on imports.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        self._pool = (
            ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker,
                                initargs=(tuple(people) if self.matches_in_workers else (), os.getpid()))
            if workers > 0 else None
        )

    async def extract(self, html: str, url: str) -> dict | None:
        if self._pool is None:
            return extract_page(html, url)
        return await asyncio.wrap_future(self._pool.submit(extract_page, html, url))

    async def match(self, title: str, text: str) -> list[Mention]:
        """Mentions in an article; only when `matches_in_workers` (else match in the caller's process)."""
        if not self.matches_in_workers:
            raise RuntimeError("this pool has no watchlist: match in the calling process")
        return await asyncio.wrap_future(self._pool.submit(_match, title, text))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
