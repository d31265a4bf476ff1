"""A crawl node's run: RunExtension with its archive steps replaced (scratch file, Redis), since a node has no archive.

What the real archive must learn (fetch errors, failed extractions, re-checks) is pushed to
ingest; "already stored", "given up on", "due a re-check" (and the version to compare
with) and the search queries' last answers are asked of Redis, which ingest keeps current;
a source's row (validators, failure count) is read from ingest's mirror, so conditional GET
works across machines. The rest of the run's bookkeeping (its row, the per-run backlog)
lives in a scratch SQLite file, deleted when the node exits. The cycle's own run, in the
archive, is ingest's (ingest.py).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from pathlib import Path

from ..archive.backlog import Backlog
from ..archive.store import Archive
from ..config import AlertSettings
from ..run import RunExtension
from ..search.schedule import Answers
from ..urls import url_key
from .connection import KEYS
from .records import error_record, page_failure_record

NO_BUDGET = 2**62  # crawl.max_urls_per_source does not apply on nodes (see docs/cluster.md)


class NodeArchive(Archive):
    """The scratch archive; a source's row comes from ingest's mirror until this node writes its own."""

    def __init__(self, path: str | os.PathLike, alerts: AlertSettings | None, server) -> None:
        super().__init__(path, alerts)
        self.server = server

    def has_article(self, url: str) -> bool:
        return bool(self.server.sismember(KEYS.stored, url_key(url)))

    def source(self, url: str) -> dict | None:
        local = super().source(url)
        if local is not None:
            return local
        mirrored = self.server.hget(KEYS.sources, url)
        return json.loads(mirrored) if mirrored else None


class NodeRun(RunExtension):
    """Enabled instead of RunExtension on a node (cluster/settings.py); found by `RunExtension.of`."""

    def _archive_open(self, command: str) -> None:
        import redis

        settings = self.crawler.settings
        self.server = redis.Redis.from_url(settings.get("REDIS_URL"), socket_timeout=30, socket_connect_timeout=10)
        self.cycle = ""  # set by NodeExtension once the node has joined its cycle (join_cycle)
        self._seeding_errors: list[tuple[str, str, str]] = []
        scratch = Path(settings.get("MONITOR_CLUSTER_SCRATCH"))
        self.archive = NodeArchive(scratch / "node.db", self.config.alerts, self.server)
        self.people_ids = self.archive.sync_people(self.config.people)
        self.run_id = self.archive.start_run(command)
        self.backlog = Backlog(self.archive.db, NO_BUDGET)
        self.stored_keys = set()  # unused: is_stored asks Redis, which every node and ingest keep current

    def is_stored(self, url: str) -> bool:
        return bool(self.server.sismember(KEYS.stored, url_key(url)))

    def join_cycle(self, cycle: str, seeded: bool) -> None:
        """From now on errors go to `cycle`; those met while building the source requests go too if this node
        queued them (else another node did, and reports its own)."""
        self.cycle = cycle
        for source, url, reason in self._seeding_errors if seeded else ():
            self._archive_error(source, url, reason)
        self._seeding_errors.clear()

    def _archive_error(self, source: str, url: str, reason: str) -> None:
        if not self.cycle:
            self._seeding_errors.append((source, url, reason))
            return
        self.server.lpush(KEYS.results, error_record(self.cycle, source, url, reason))

    def _archive_page_failure(self, url: str, source: str, reason: str) -> int:
        """Counted in Redis across cycles and nodes (ingest seeds the count from the archive), and pushed
        to ingest, which counts it in the archive's page_failures; given up for every node at the limit."""
        key = url_key(url)
        pipe = self.server.pipeline(transaction=True)
        pipe.hincrby(KEYS.page_attempts, key, 1)
        pipe.lpush(KEYS.results, page_failure_record(self.cycle, source, url, reason))
        attempts = pipe.execute()[0]
        if attempts >= self.config.crawl.page_attempts:
            self.server.sadd(KEYS.given_up, key)
        return attempts

    def _archive_given_up(self) -> set[str]:
        """As ingest last published them from the archive, plus what nodes gave up on since."""
        return {key.decode() for key in self.server.smembers(KEYS.given_up)}

    def _archive_search_answers(self) -> Answers:
        """The archive's, as ingest last published them (none yet: every query is due, as on a new archive)."""
        answers = {}
        for url, raw in self.server.hgetall(KEYS.search_answers).items():
            fetched, status = json.loads(raw)
            answers[url.decode()] = (fetched, status)
        return answers

    def _archive_due_rechecks(self) -> list[dict]:
        """The re-checks ingest found due when it last drained (none yet: none, as today)."""
        due = [{"id": int(key), "url": json.loads(value)["url"]}
               for key, value in self.server.hgetall(KEYS.rechecks).items()]
        return sorted(due, key=lambda article: article["id"])

    def _archive_last_kept(self, article_id: int) -> tuple[bytes, str] | None:
        raw = self.server.hget(KEYS.recheck_last, article_id)
        if raw is None:
            return None
        last = json.loads(raw)
        return gzip.decompress(base64.b64decode(last["body_gz"])), last["final_url"]

    def _archive_close(self, complete: bool) -> None:
        # The per-source results go to ingest in the node's report (NodeExtension), not to a local archive.
        self.backlog.close(complete)
