"""A node's stand-in for the archive: a scratch SQLite file for crawl bookkeeping, Redis for what matters.

The spiders and pipelines talk to `ctx.archive`; on a node that is a NodeArchive. What
the real archive must learn (fetch errors) is pushed to ingest; "already stored" is
asked of Redis; a source's row (validators, failure count) is read from ingest's mirror
so conditional GET works across machines. Everything else (the run row, the per-run
backlog, page failures) lives in the scratch file, which is deleted when the node exits.
"""

from __future__ import annotations

import json
import os

from ..archive.store import Archive
from ..config import AlertSettings
from ..urls import url_key
from .connection import KEYS
from .records import error_record


class NodeArchive(Archive):
    def __init__(self, path: str | os.PathLike, alerts: AlertSettings | None, server, cycle: str = "") -> None:
        super().__init__(path, alerts)
        self.server = server
        self.cycle = cycle  # set once the node has joined its cycle

    def has_article(self, url: str) -> bool:
        return bool(self.server.sismember(KEYS.stored, url_key(url)))

    def record_error(self, run_id: int | None, source: str, url: str, reason: str) -> None:
        self.server.lpush(KEYS.results, error_record(self.cycle, source, url, reason))

    def source(self, url: str) -> dict | None:
        """This node's row for the source if it wrote one this run, else the archive's (mirrored by ingest)."""
        local = super().source(url)
        if local is not None:
            return local
        mirrored = self.server.hget(KEYS.sources, url)
        return json.loads(mirrored) if mirrored else None
