"""What the extraction pool's forkserver loads once, so that every worker forked from it shares it.

Importing this module (only the forkserver does: monitor/workers.py names it in
`set_forkserver_preload`) imports the workers' code and fills the caches that
trafilatura and htmldate otherwise fill lazily, in each worker, on the first page that
needs them: justText's stoplists of every language (a page where trafilatura falls
back on justText) and dateparser's locales (a page whose date only a text search
finds). Filled here, their pages are shared copy-on-write between the workers instead
of each worker holding its own copy (tens of MB each). A library that renamed one of
these caches only loses the sharing, never the extraction.
"""

from __future__ import annotations

import logging

import trafilatura  # noqa: F401  (monitor/extract.py imports it on first use; here, once for every worker)

from . import workers  # noqa: F401  (the workers' code and the matcher, imported once)

logger = logging.getLogger(__name__)


def _warm_justext_stoplist() -> None:
    from trafilatura.external import jt_stoplist_init

    jt_stoplist_init()


def _warm_dateparser() -> None:
    from htmldate.extractors import get_external_parser, month_words

    month_words()
    get_external_parser().get_date_data("19 abril 2022 21:12")


for _warm in (_warm_justext_stoplist, _warm_dateparser):
    try:
        _warm()
    except (ImportError, AttributeError) as error:  # the library changed: workers fill it themselves
        logger.debug("not preloaded in the forkserver (%s): %s", _warm.__name__, error)
