"""`monitor ingest`: the one archive writer of a cluster. Pops what nodes pushed, stores it, closes cycles, alerts.

Each record is moved from the results list to a processing list (LMOVE) before it is
handled and removed from there only after the archive committed it, so an ingest killed
at any instant loses nothing: the next one handles what is left in processing first.
Handling a record twice is harmless (an article is stored once by its URL key; a
cycle's run is closed once), except that a failed extraction handled twice counts as two.

After each drain, ingest publishes to Redis what nodes need from the archive
(`_publish`): the pages given up on, every page's failed attempts so far, when each
search query last answered (from which the node opening the next cycle plans the due ones),
and the re-checks due, each with the version it is compared with. A re-check result for an
article no longer due (handled twice, or fetched again in a cycle that opened before ingest
ran) is dropped; one that comes when the article's next check is due counts as that check.
"""

from __future__ import annotations

import base64
import json
import logging
import signal
from dataclasses import dataclass, field
from typing import Any

from ..archive import page_failures
from ..archive.backlog import pending_counts
from ..archive.changes import due_rechecks, last_kept_gz, store_check
from ..archive.health import queue_health_notices, source_problems
from ..archive.history import prune_history
from ..archive.store import Archive, utcnow
from ..config import Config
from ..lock import run_lock
from ..run import RunExtension, SourceStats, finish_run
from ..runner import Deliver
from ..search.schedule import last_answers
from ..urls import url_key
from .connection import KEYS, connect
from .records import parse, read_article, read_recheck

logger = logging.getLogger(__name__)
FOLLOW_WAIT_SECONDS = 1  # --follow: how long one blocking pop waits (and a stop request may wait)
STORED_SEEDED = KEYS.stored + ":seeded"


@dataclass
class IngestSummary:
    records: int = 0
    articles_new: int = 0
    mentions_new: int = 0
    problems: int = 0
    given_up: int = 0  # pages that reached crawl.page_attempts with a failure ingested now
    rechecks: int = 0  # re-checks of mentioned articles recorded (the change watch)
    bad_records: int = 0
    cycles: list[str] = field(default_factory=list)  # "cycle N (run M)" closed by this ingest
    unknown_people: set[str] = field(default_factory=set)
    alerts: Any = None

    def line(self) -> str:
        text = (f"ingest: {self.records} records: {self.articles_new} new articles, {self.mentions_new} new mentions, "
                f"{self.problems} problems recorded")
        if self.rechecks:
            text += f"; {self.rechecks} re-checks recorded"
        if self.given_up:
            text += f"; {self.given_up} pages given up (crawl.page_attempts; see the page_failures table)"
        if self.cycles:
            text += "; closed " + ", ".join(self.cycles)
        if self.bad_records:
            text += f"; {self.bad_records} unreadable records skipped"
        if self.unknown_people:
            text += (f"; mentions of {len(self.unknown_people)} people not on this watchlist skipped "
                     "(nodes and ingest should share the config)")
        return text


def ingest(config: Config, deliver: Deliver | None = None, follow: bool = False) -> IngestSummary:
    """Store everything waiting in Redis, then deliver alerts; with `follow`, keep doing so until stopped."""
    server = connect(config)
    with run_lock(config.lock_path):
        archive = Archive(config.database, config.alerts)
        try:
            return Ingest(config, archive, server).run(deliver, follow)
        finally:
            archive.close()


class Ingest:
    def __init__(self, config: Config, archive: Archive, server) -> None:
        self.config = config
        self.archive = archive
        self.server = server
        self.people = {p.name: p for p in config.people}
        self.people_ids = archive.sync_people(config.people)
        self.summary = IngestSummary()
        self._runs: dict[str, int] = {}
        self._due: set[int] | None = None  # articles due a re-check, read when a re-check result comes
        self._stop = False

    def run(self, deliver: Deliver | None, follow: bool) -> IngestSummary:
        prune_history(self.archive.db, self.config.archive.keep_history_days)
        self._seed_stored()
        for raw in self.server.lrange(KEYS.processing, 0, -1):  # left by an ingest that died
            self._handle(raw)
        if follow:  # SIGINT/SIGTERM: finish the record in hand, then stop
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, self._stop_soon)
        handled = 0
        published = False
        while True:
            handled += self._drain()
            if handled or not published:
                self._publish()
                published = True
            if deliver is not None and (handled or not follow):
                self.summary.alerts = deliver(self.archive.db, self.config.alerts)
                handled = 0
                if follow:
                    for line in self.summary.alerts.lines():
                        logger.warning("%s", line)
            if not follow or self._stop:
                return self.summary
            raw = self.server.blmove(KEYS.results, KEYS.processing, FOLLOW_WAIT_SECONDS, "RIGHT", "LEFT")
            if raw is not None:
                self._handle(raw)
                handled += 1

    def _stop_soon(self, signum, frame) -> None:
        self._stop = True

    def _drain(self) -> int:
        handled = 0
        while not self._stop and (raw := self.server.lmove(KEYS.results, KEYS.processing, "RIGHT", "LEFT")):
            self._handle(raw)
            handled += 1
        return handled

    def _handle(self, raw: bytes) -> None:
        try:
            record = parse(raw)
            kind = record["kind"]
            if kind == "article":
                self._article(record)
            elif kind == "error":
                self.archive.record_error(self._run(record.get("cycle")), record["source"], record["url"],
                                          record["reason"])
                self.summary.problems += 1
            elif kind == "recheck":
                self._recheck(record)
            elif kind == "page_failure":
                self._page_failure(record)
            elif kind == "cycle_done":
                self._close_cycle(str(record["cycle"]))
            else:
                raise ValueError(f"unknown record kind {kind!r}")
        except (ValueError, KeyError, TypeError) as e:
            # Not a record any node writes: reported once, dropped, and the rest goes on.
            logger.warning("ingest: skipped an unreadable record from %s (%s): %.200r", KEYS.results, e, raw)
            self.summary.bad_records += 1
        self.summary.records += 1
        self.server.lrem(KEYS.processing, 1, raw)

    def _article(self, record: dict) -> None:
        article, unknown = read_article(record["article"], self.people)
        self.summary.unknown_people.update(unknown)
        saved = self.archive.save_article(article, article.mentions, self.people_ids, run_id=self._run(record["cycle"]))
        if saved.is_new:
            self.summary.articles_new += 1
            self.summary.mentions_new += len(saved.mention_ids)
        self.server.sadd(KEYS.stored, url_key(article.url))

    def _page_failure(self, record: dict) -> None:
        """Counted as `monitor run` counts it (the node reported the error itself, as an error record)."""
        allowed = self.config.crawl.page_attempts
        attempts = page_failures.record_failure(self.archive.db, record["url"], record["source"], record["reason"],
                                                allowed)
        if attempts == allowed:
            self.summary.given_up += 1

    def _recheck(self, record: dict) -> None:
        item, unknown = read_recheck(record["recheck"], self.people)
        self.summary.unknown_people.update(unknown)
        if self._due is None:
            self._due = {article["id"] for article in due_rechecks(self.archive.db, self.config.evidence.recheck_days)}
        if item.article_id not in self._due:
            return  # recorded already, or not due any more: one check per scheduled re-check
        store_check(self.archive.db, item.article_id, item.fetched, item.fields, item.before, item.mentions,
                    self.people_ids, self.config.alerts, failure=item.failure)
        self._due.discard(item.article_id)
        self.summary.rechecks += 1

    def _publish(self) -> None:
        """What nodes read of the archive, replaced in one transaction: page attempts, pages given up on, and
        search queries' last answers (recorded at each cycle's close, as `monitor run` records them)."""
        attempts, given_up = {}, []
        for key, count, gave_up in self.archive.db.execute(
                "select url_key, attempts, given_up_at is not null from page_failures"):
            attempts[key] = count
            if gave_up:
                given_up.append(key)
        answers = {url: json.dumps(answer) for url, answer in last_answers(self.archive.db).items()}
        pipe = self.server.pipeline(transaction=True)
        pipe.delete(KEYS.page_attempts, KEYS.given_up, KEYS.search_answers)
        if attempts:
            pipe.hset(KEYS.page_attempts, mapping=attempts)
        if given_up:
            pipe.sadd(KEYS.given_up, *given_up)
        if answers:
            pipe.hset(KEYS.search_answers, mapping=answers)
        pipe.execute()
        self._publish_rechecks()

    def _publish_rechecks(self) -> None:
        """The re-checks due now, each with its last kept version; a version goes to Redis once, not per drain."""
        db = self.archive.db
        due = {}
        for article in due_rechecks(db, self.config.evidence.recheck_days):
            version = db.execute("select max(id) from responses where article_id = ?", [article["id"]]).fetchone()[0]
            due[str(article["id"])] = json.dumps({"url": article["url"], "version": version})
        self._due = {int(key) for key in due}
        published = {key.decode(): value.decode() for key, value in self.server.hgetall(KEYS.rechecks).items()}
        pipe = self.server.pipeline(transaction=True)
        if stale := published.keys() - due.keys():
            pipe.hdel(KEYS.rechecks, *stale)
            pipe.hdel(KEYS.recheck_last, *stale)
        for key, value in due.items():
            if published.get(key) == value:
                continue  # the same version as published before: still in Redis
            body_gz, final_url = last_kept_gz(db, int(key))  # due: it has a kept response
            pipe.hset(KEYS.recheck_last, key, json.dumps(
                {"final_url": final_url, "body_gz": base64.b64encode(body_gz).decode("ascii")}))
            pipe.hset(KEYS.rechecks, key, value)
        pipe.execute()

    def _run(self, cycle: Any) -> int:
        """The archive's `runs` row for a cycle (one per cycle, named so in its `command`)."""
        command = f"cluster cycle {cycle}"
        if command not in self._runs:
            row = self.archive.db.execute("select id from runs where command = ? order by id desc limit 1",
                                          [command]).fetchone()
            self._runs[command] = row[0] if row else self.archive.start_run(command)
        return self._runs[command]

    def _close_cycle(self, cycle: str) -> None:
        """Every node is done with the cycle: merge their per-source results and close its run as `monitor run` does."""
        run_id = self._run(cycle)
        if self.archive.db["runs"].get(run_id)["status"] != "running":
            return  # closed already (this record was handled before a crash)
        reports = [json.loads(r) for r in self.server.lrange(KEYS.reports(cycle), 0, -1)]
        sources = merged_sources(reports)
        for source, kind, new in self.archive.db.execute(
                "select source, source_kind, count(*) from articles where run_id = ? group by source", [run_id]):
            sources.setdefault(source, SourceStats(kind or "")).new = new
        complete = bool(reports) and all(r.get("reason") == "finished" for r in reports)
        _CycleClose(self.archive).close(run_id, sources, complete)
        finish_run(self.archive, run_id, "ok" if complete else "interrupted")
        problems = source_problems(self.archive.db, run_id)
        queue_health_notices(self.archive.db, run_id, problems, self.config.alerts)
        self._mirror_sources(sources)
        self.server.delete(KEYS.reports(cycle))
        self.summary.cycles.append(f"cycle {cycle} (run {run_id}{'' if complete else ', incomplete'})")

    def _mirror_sources(self, sources: dict[str, SourceStats]) -> None:
        """The archive's row of each source the cycle touched, for the nodes' conditional GETs."""
        urls = set(sources)
        for stats in sources.values():
            urls.update(stats.validators)
        rows = {url: row for url in urls if (row := self.archive.source(url)) is not None}
        if rows:
            self.server.hset(KEYS.sources, mapping={url: json.dumps(row, default=str) for url, row in rows.items()})

    def _seed_stored(self) -> None:
        """The stored set nodes consult starts as every URL key in the archive (once per Redis)."""
        if self.server.exists(STORED_SEEDED):
            return
        rows = self.archive.db.execute("select url_key from articles where url_key is not null")
        while batch := [r[0] for r in rows.fetchmany(5000)]:
            self.server.sadd(KEYS.stored, *batch)
        self.server.set(STORED_SEEDED, 1)


class _CycleClose:
    """The closing steps of RunExtension (validators, health, run_sources), for a cycle that ingest closes."""

    _keep_validators = RunExtension._keep_validators
    _record_health = RunExtension._record_health

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def close(self, run_id: int, sources: dict[str, SourceStats], complete: bool) -> None:
        now = utcnow()
        waiting = pending_counts(self.archive.db)
        for url, stats in sources.items():
            self._keep_validators(stats, complete)
            self._record_health(url, stats, now)
            self.archive.record_source_result(
                run_id, url, stats.kind, status=stats.status, fetched=stats.fetched, new=stats.new,
                errors=len(stats.errors), error="\n".join(stats.errors[:20]) or None, deferred=waiting.get(url, 0),
            )


def merged_sources(reports: list[dict]) -> dict[str, SourceStats]:
    """One SourceStats per source from every node's report: counts added, flags or-ed, errors joined."""
    merged: dict[str, SourceStats] = {}
    for report in reports:
        for url, fields in (report.get("sources") or {}).items():
            into = merged.setdefault(url, SourceStats(fields.get("kind", "")))
            into.fetched += fields.get("fetched", 0)
            into.errors.extend(fields.get("errors") or [])
            for flag in ("not_modified", "read", "reached", "failed", "retry_later"):
                setattr(into, flag, getattr(into, flag) or bool(fields.get(flag)))
            for asked, (kind, values) in (fields.get("validators") or {}).items():
                into.validators[asked] = (kind, values)
    return merged
