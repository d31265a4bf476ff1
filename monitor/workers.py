"""A process pool that runs the CPU-bound work (trafilatura, matching, story sketches) off the Scrapy reactor.

Built on pebble's ProcessPool, so one bad page costs only itself: a worker that dies
(SIGKILL, segfault, the OOM killer) is replaced, a page that takes longer than
`crawl.extract_timeout` has its worker killed and replaced, and each worker's address
space is capped at `crawl.worker_memory_mb` so a memory-hungry page fails with a
MemoryError in that worker instead of swapping the server. Each such page raises
`PageFailed` in the caller, who records it (see monitor/archive/page_failures.py).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gzip
import logging
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Sequence

from pebble import ProcessExpired, ProcessPool

from .archive.stories import sketch
from .charset import decode_page, repair
from .errors import MonitorError
from .extract import extract_fields
from .items import Mention, Person
from .match import Watchlist, compile_watchlist
from .match.article import article_mentions

# Up to this many people each worker compiles its own copy of the watchlist and matching
# runs in the pool too. A bigger watchlist is matched in the main process, where it is
# compiled already: a 50,000-person watchlist takes hundreds of MB, one copy is enough.
MATCH_IN_WORKERS_MAX_PEOPLE = 2_000
# A worker is replaced by a fresh one after this many pages, so what the libraries leak
# or fragment is given back now and then.
TASKS_PER_WORKER = 500
# The kept response's compression: level 3 takes half the CPU of level 6 for an archive
# about 10% bigger (benchmarks/README.md, "Worker and main-process CPU, memory").
GZIP_LEVEL = 3
# Seconds past crawl.extract_timeout with no page finished and a page waiting: the pool is stuck.
STALL_GRACE = 30.0
WATCH_EVERY = 2.0  # how often a waiting page looks at its future (cheap: a few per page)
# How long closing waits for pebble's threads to end; a pool wedged by a dead worker never
# lets them, and a run must still end (its workers exit with it: _exit_with_run).
CLOSE_WAIT = 10.0

logger = logging.getLogger(__name__)
# Fault injection for tests and drills, read only by worker processes: `kill:/poison;hang:/slow;memory:/big`
# makes a worker SIGKILL itself, hang, or allocate without end on a page whose URL contains the text.
FAULTS_ENV = "MONITOR_WORKER_FAULTS"

# Set in each worker process by the pool's initializer (a worker's own state, never the parent's).
_worker_watchlist: Watchlist | None = None
_worker_faults: tuple[tuple[str, str], ...] = ()


class PageFailed(MonitorError):
    """A page killed, hung or exhausted its worker; `reason` says which, for the fetch_errors row."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def default_workers() -> int:
    """One worker per core: extraction is CPU-bound and the reactor needs little."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _forkserver_context():
    # forkserver, not fork: forking a process that runs the reactor's threads is unsafe.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["monitor.worker_preload"])
    return context


def extract_page(body: bytes, content_type: str | None, url: str) -> dict | None:
    """A page's `extract_fields` and its text's story sketch, from the bytes received.

    With its response's Content-Type the page is decoded here (monitor/charset.py), its
    title and text repaired and its body compressed for the evidence kept, so none of that
    keeps the reactor's process busy; the sketch is then of the repaired text, the one
    stored. With None (a re-check and the version kept before it) trafilatura finds the
    encoding itself, the same way for both.
    """
    _inject_faults(url)
    if content_type is None:
        fields = extract_fields(body, url)
        if fields:
            fields["sketch"] = sketch(fields["text"])
        return fields
    fields = extract_fields(decode_page(body, content_type, url), url)
    if fields:
        fields["title"], fields["text"] = repair(fields["title"]), repair(fields["text"])
        fields["repaired"] = True
        fields["sketch"] = sketch(fields["text"])
        fields["body_gz"] = gzip.compress(body, compresslevel=GZIP_LEVEL)
    return fields


def _init_worker(people: Sequence[Person], run_pid: int, memory_mb: int) -> None:
    global _worker_watchlist, _worker_faults
    threading.Thread(target=_exit_with_run, args=(run_pid,), daemon=True).start()
    _worker_faults = _parse_faults(os.environ.get(FAULTS_ENV, ""))
    _worker_watchlist = compile_watchlist(people) if people else None
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


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


def _parse_faults(text: str) -> tuple[tuple[str, str], ...]:
    pairs = (part.split(":", 1) for part in text.split(";") if ":" in part)
    return tuple((kind.strip(), marker) for kind, marker in pairs if marker)


def _inject_faults(url: str) -> None:
    for kind, marker in _worker_faults:
        if marker not in url:
            continue
        if kind == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif kind == "hang":
            while True:
                time.sleep(3600)
        elif kind == "memory":
            hog = []
            while True:
                hog.append(bytearray(64 * 1024 * 1024))


def _match(title: str, text: str) -> list[Mention]:
    return article_mentions(title, text, _worker_watchlist) if _worker_watchlist else []


class ExtractionPool:
    """`await pool.extract(body, content_type, url)` and `await pool.match(title, text)` run in worker processes.

    Either raises `PageFailed` when the page killed, hung or exhausted its worker (which
    is replaced). With `workers=0` extraction runs in this process instead (simpler to
    debug and profile; no time or memory limit then). `matches_in_workers` says whether
    `match` is available: only with workers and a watchlist (`people`) of at most
    MATCH_IN_WORKERS_MAX_PEOPLE; otherwise the caller matches.
    """

    def __init__(self, workers: int, people: Sequence[Person] = (), timeout: float = 60.0, memory_mb: int = 1024):
        self.workers = workers
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.matches_in_workers = workers > 0 and 0 < len(people) <= MATCH_IN_WORKERS_MAX_PEOPLE
        self._initargs = (tuple(people) if self.matches_in_workers else (), os.getpid(), memory_mb)
        self._last_progress = time.monotonic()  # when a page last came back from the pool
        self._pool: ProcessPool | None = None
        self._pool_started: concurrent.futures.Future | None = None
        if workers > 0:
            self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPool:
        context = _forkserver_context()
        return ProcessPool(max_workers=self.workers, max_tasks=TASKS_PER_WORKER, initializer=_init_worker,
                           initargs=self._initargs, context=context)

    def start(self) -> None:
        """Launch the workers now, in the background (else the first page does).

        Called when the first page is asked for, so that the forkserver's imports overlap
        its download; a run that fetches no page never starts them.
        """
        if self._pool is not None and self._pool_started is None:
            self._pool_started = _start_in_background(self._pool)

    async def extract(self, body: bytes, content_type: str | None, url: str) -> dict | None:
        """`extract_page` of a response's body, decoded by its Content-Type header and its bytes."""
        if self._pool is None:
            return extract_page(body, content_type, url)
        return await self._run(extract_page, body, content_type, url)

    async def match(self, title: str, text: str) -> list[Mention]:
        """Mentions in an article; only when `matches_in_workers` (else match in the caller's process)."""
        if not self.matches_in_workers:
            raise RuntimeError("this pool has no watchlist: match in the calling process")
        return await self._run(_match, title, text)

    async def _run(self, function, *args):
        try:
            return await self._schedule(function, args)
        except BrokenPool as broken:
            # pebble gives up on the whole pool when a worker dies while no page is running
            # on it (killed while idle): the pages in flight were not at fault; a new pool
            # runs them. A pool that breaks again at once cannot start workers at all.
            self._replace(broken.pool)
            try:
                return await self._schedule(function, args)
            except BrokenPool as error:
                raise MonitorError(f"the extraction workers cannot start or keep running: {error}") from None

    async def _schedule(self, function, args: tuple):
        self.start()
        pool, started = self._pool, self._pool_started
        if not started.done():
            await asyncio.wrap_future(started)
        try:
            future = pool.schedule(function, args=args, timeout=self.timeout)
        except RuntimeError as error:  # the pool broke before this page was handed over
            raise BrokenPool(str(error), pool) from None
        try:
            return await self._watch(asyncio.wrap_future(future), future, pool)
        except concurrent.futures.BrokenExecutor as error:
            raise BrokenPool(str(error), pool) from None
        except (TimeoutError, concurrent.futures.TimeoutError, asyncio.TimeoutError):  # three classes on 3.10
            raise PageFailed(f"extraction took longer than {self.timeout:g} s (crawl.extract_timeout)") from None
        except ProcessExpired as error:
            raise PageFailed(f"the extraction worker died ({_exit_reason(error.exitcode)})") from None
        except MemoryError:
            raise PageFailed(
                f"extraction needed more than {self.memory_mb} MB (crawl.worker_memory_mb)") from None

    async def _watch(self, waiting: asyncio.Future, future, pool: ProcessPool):
        """Await a page's result; a page or a pool that stops answering is given up on.

        A worker killed while it held pebble's task-queue lock leaves the others unable to
        take a page, for ever: when nothing at all has finished for longer than a page may
        take and this page has not started, the pool is stuck. And pebble can lose the page
        a killed worker held (no result and no ProcessExpired): a page running for longer
        than its limit plus a grace is given up on, so no page holds a run for ever.
        """
        stall = self.timeout + STALL_GRACE
        running_since = None
        while True:
            done, _ = await asyncio.wait({waiting}, timeout=min(stall, WATCH_EVERY))
            if done:
                self._last_progress = time.monotonic()
                return waiting.result()
            now = time.monotonic()
            if future.running():
                running_since = running_since or now
                if now - running_since > stall:
                    waiting.cancel()
                    raise PageFailed(f"the extraction worker died or hung: no answer in {stall:g} s")
            elif now - self._last_progress > stall:
                waiting.cancel()
                raise BrokenPool(f"no worker took a page for {stall:g} s", pool)

    def _replace(self, broken: ProcessPool) -> None:
        """A new pool instead of `broken`, unless another page replaced it already."""
        if self._pool is broken:
            self._pool, self._pool_started = self._new_pool(), None
            self.start()
            _stop(broken, wait=0)  # never on the reactor's time: a wedged pool's join never returns

    def close(self) -> None:
        if self._pool is not None and not _stop(self._pool, wait=CLOSE_WAIT):
            logger.warning("the extraction pool did not stop within %g s; its workers end with the run", CLOSE_WAIT)


def _start_in_background(pool: ProcessPool) -> concurrent.futures.Future:
    """Launch a pool's workers in a thread; the future is done when they are launched.

    pebble launches them in the first `schedule()`, and each launch waits for the
    forkserver: for its imports the first time, for a fork under load later. On the
    reactor's thread that wait (measured at 1-4 s with five runs sharing two cores) holds
    every download in flight, and past `crawl.timeout` they all fail at once.
    """
    started: concurrent.futures.Future = concurrent.futures.Future()

    def start() -> None:
        try:
            pool.schedule(_ready)
        except RuntimeError:
            pass  # the pool broke at once: the page's own schedule() says so (BrokenPool)
        finally:
            started.set_result(None)

    threading.Thread(target=start, name="pebble-start", daemon=True).start()
    return started


def _ready() -> None:
    """The no-op task that makes pebble start a pool."""


def _stop(pool: ProcessPool, wait: float) -> bool:
    """Stop a pool and join it for at most `wait` seconds; True if it ended.

    pebble's join waits, without a time limit, for its scheduler thread, which blocks for
    good when a worker was killed while holding the channel's lock: the join runs in a
    daemon thread so the run is never held by it.
    """
    pool.stop()
    joiner = threading.Thread(target=pool.join, name="pebble-join", daemon=True)
    joiner.start()
    joiner.join(wait)
    return not joiner.is_alive()


class BrokenPool(Exception):
    """pebble stopped the whole pool (not one page's fault); `pool` is the one that broke."""

    def __init__(self, message: str, pool: ProcessPool):
        super().__init__(message)
        self.pool = pool


def _exit_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"
