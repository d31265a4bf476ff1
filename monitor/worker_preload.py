"""What the extraction pool's forkserver imports and builds once, so that every worker forked from it shares it.

Only the forkserver imports this module (monitor/workers.py names it in
`set_forkserver_preload`): trafilatura and the workers' code, the tables trafilatura's
helpers otherwise build lazily in each worker, then `gc.freeze()`, so that the workers'
garbage collections leave those objects alone. A collection writes to every object it
scans; on a page shared with the forkserver that write makes the worker copy the page
(copy-on-write), and after a few collections each worker holds its own copy of
everything built here.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging

import trafilatura  # noqa: F401  (monitor/extract.py imports it on first use; here, once for every worker)

from . import workers  # noqa: F401  (the workers' code and the matcher)

logger = logging.getLogger(__name__)

# A string no dateparser locale reads as a date: parsing it loads every locale's tables
# (and records no "previous locale", which would change what the next page's dates are
# tried with first).
_NO_DATE = "zzqx 2024 qqzy"


def warm_lazy_tables() -> None:
    """Build what trafilatura's fallbacks build on first use, the way they build it.

    justText's stoplist for a page of unknown language is the union of its ~100
    languages (~30 MB); htmldate hands some date strings to dateparser, whose first
    call with no language loads every locale (~30 MB); the matcher reads its name table.
    Built in each worker, each copy is private to it; built here, the workers share one,
    since looking a word up in a set or running a compiled pattern leaves them unwritten.
    The calls are the libraries' own, with their own arguments, so a page's text and
    dates are what they would be otherwise; a library version without them is skipped.
    """
    try:
        from htmldate.extractors import get_external_parser
        from justext.core import define_stoplist
        from trafilatura.external import jt_stoplist_init

        from .match.namedata import is_given
    except ImportError as missing:  # another version of a library: the worker builds it lazily
        logger.debug("not warmed in the forkserver: %s", missing)
        return
    define_stoplist(jt_stoplist_init())
    get_external_parser().get_date_data(_NO_DATE)
    is_given("maria")


def _give_back_free_memory() -> None:
    """Return the heap's free pages (the building's garbage) to the system, so workers do not inherit them."""
    libc = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(libc), "malloc_trim", None) if libc else None
    if trim is not None:  # glibc only
        trim(0)


warm_lazy_tables()
gc.collect()
_give_back_free_memory()
gc.freeze()
