"""A process pool that runs trafilatura off the Scrapy reactor, so fetching never waits on it."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from .extract import extract_fields


def default_workers() -> int:
    """One worker per core: extraction is CPU-bound and the reactor needs little."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class ExtractionPool:
    """`await pool.extract(html, url)` runs `extract_fields` in a worker process.

    With `workers=0` it runs in this process instead (simpler to debug and profile).
    """

    def __init__(self, workers: int):
        self.workers = workers
        # forkserver, not fork: forking a process that runs the reactor's threads is unsafe.
        context = multiprocessing.get_context("forkserver")
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context) if workers > 0 else None

    async def extract(self, html: str, url: str) -> dict | None:
        if self._pool is None:
            return extract_fields(html, url)
        return await asyncio.wrap_future(self._pool.submit(extract_fields, html, url))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
