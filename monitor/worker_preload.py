"""What the extraction pool's forkserver imports and builds once, so that every worker forked from it shares it.

Only the forkserver imports this module (monitor/workers.py names it in
`set_forkserver_preload`): trafilatura and the workers' code, the tables justText and the
matcher otherwise build lazily in each worker, then `gc.freeze()`, so that the workers'
garbage collections leave those objects alone. A collection writes to every object it
scans; on a page shared with the forkserver that write makes the worker copy the page
(copy-on-write), and after a few collections each worker holds its own copy of
everything built here.
"""

from __future__ import annotations

import ctypes
import gc
import logging

import trafilatura  # noqa: F401  (monitor/extract.py imports it on first use; here, once for every worker)

from . import workers  # noqa: F401  (the workers' code and the matcher)

logger = logging.getLogger(__name__)


def warm_lazy_tables() -> None:
    """Build what trafilatura's fallbacks build on first use, the way they build it.

    justText's stoplist for a page of unknown language is the union of its ~100
    languages (~30 MB, 0.2 s); the matcher reads its name table. Built in each worker,
    each copy is private to it; built here, the workers share one, since looking a word
    up in a set leaves it unwritten. The calls are the libraries' own, with their own
    arguments, so a page's text is what it would be otherwise; a library version without
    them is skipped. dateparser's locales (~30 MB, which htmldate loads for some pages)
    are left to the workers: loading them takes 1.5-2.5 s of CPU, which every run with a
    page to extract would wait for before its first page (benchmarks/README.md).
    """
    try:
        from justext.core import define_stoplist
        from trafilatura.external import jt_stoplist_init

        from .match.namedata import is_given
    except ImportError as missing:  # another version of a library: the worker builds it lazily
        logger.debug("not warmed in the forkserver: %s", missing)
        return
    define_stoplist(jt_stoplist_init())
    is_given("maria")


def _give_back_free_memory() -> None:
    """Return the heap's free pages (the building's garbage) to the system, so workers do not inherit them."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # the C library this Python runs on
    if trim is not None:  # glibc only
        trim(0)


warm_lazy_tables()
gc.collect()
_give_back_free_memory()
gc.freeze()
