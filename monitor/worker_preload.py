"""What the extraction pool's forkserver imports once, so that every worker forked from it shares it.

Only the forkserver imports this module (monitor/workers.py names it in
`set_forkserver_preload`): trafilatura and the workers' code, then `gc.freeze()`, so
that the workers' garbage collections leave those objects alone. A collection writes
to every object it scans; on a page shared with the forkserver that write makes the
worker copy the page (copy-on-write), and after a few collections each worker holds
its own copy of everything imported here.
"""

from __future__ import annotations

import gc

import trafilatura  # noqa: F401  (monitor/extract.py imports it on first use; here, once for every worker)

from . import workers  # noqa: F401  (the workers' code and the matcher)

gc.freeze()
