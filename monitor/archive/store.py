"""Reads and writes the archive: articles with their mentions, people, sources, runs."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlite_utils import Database

from ..config import AlertSettings
from ..errors import MonitorError
from ..items import Article, Mention, Person
from ..urls import canonical_url, url_key
from . import queue, schema
from .stories import CANDIDATE_SHARED_KEYS, same_story, sketch

# Syndicated copies are looked for among articles fetched this recently.
STORY_WINDOW_DAYS = 30
# A batch is also flushed once its pages' bodies and texts reach this size: 50 pages near
# the download cap (10 MB each) must not sit in memory together.
BATCH_MAX_BYTES = 8 * 1024 * 1024


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Saved:
    """What storing one article changed."""

    article_id: int
    is_new: bool
    mention_ids: tuple[int, ...] = ()
    queued: int = 0  # alert_queue rows written for confident mentions (alerts due)


def open_database(path: str | os.PathLike) -> Database:
    """Open (creating and migrating) the archive in WAL mode so Datasette can read during a run.

    A file that cannot be one (a folder, a corrupt or foreign file, a full disk) is a
    MonitorError naming it: cron mail shows one line that says which file, not SQLite's
    bare "file is not a database".
    """
    _make_folder(Path(path))
    try:
        db = Database(path)
    except sqlite3.Error as e:
        raise MonitorError(f"{path}: cannot open the archive: {e}") from e
    try:
        db.execute("PRAGMA busy_timeout = 30000")
        db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        schema.migrate(db)
    except sqlite3.Error as e:
        db.close()  # a locked, read-only or corrupt file must not leave a connection open
        raise MonitorError(f"{path}: cannot open the archive: {e}") from e
    except BaseException:
        db.close()
        raise
    return db


def _make_folder(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise MonitorError(f"{path}: cannot create the archive: {path.parent} is a file, not a folder") from None
    except OSError as e:
        raise MonitorError(f"{path}: cannot create the archive's folder {path.parent}: {e.strerror or e}") from None


class Archive:
    """The mention archive: one SQLite file, schema in `schema.py`."""

    def __init__(self, path: str | os.PathLike, alerts: AlertSettings | None = None):
        self.path = Path(path)
        self.db = open_database(self.path)
        self.alerts = alerts or AlertSettings()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- people -------------------------------------------------------------------------

    def sync_people(self, people: Sequence[Person]) -> dict[str, int]:
        """Make the `people` table match the watchlist; return name -> id.

        Only rows that changed are written, so a run with a 50,000-person watchlist that
        did not change costs one read. People who left the watchlist are kept (inactive)
        so their mentions still resolve.
        """
        fields = ("name", "aliases", "context", "exclude", "search", "notes", "min_score", "active")
        stored = {row[0]: row for row in self.db.execute(f"select {', '.join(fields)}, id from people")}
        wanted = {person.name: _person_row(person) for person in people}
        now = utcnow()
        with self.db.atomic():
            # What `monitor rematch` needs to search for a new or changed entry (monitor/rematch.py).
            last = self.db.execute("select coalesce(max(id), 0) from articles").fetchone()[0]
            change = {"changed_at": now, "articles_before": last}
            new = [{**row, "added_at": now, **change} for name, row in wanted.items() if name not in stored]
            self.db["people"].insert_all(new)
            for name, row in wanted.items():
                current = stored.get(name)
                if current is not None and tuple(current[: len(fields)]) != tuple(row[f] for f in fields):
                    self.db["people"].update(current[-1], {**row, **_rematch_due(current, row, change)})
            gone = [row[-1] for name, row in stored.items() if name not in wanted and row[7]]
            for person_id in gone:
                self.db["people"].update(person_id, {"active": 0})
        return {row[1]: row[0] for row in self.db.execute("select id, name from people") if row[1] in wanted}

    def people(self, active_only: bool = True) -> list[dict]:
        where = "where active = 1" if active_only else ""
        return list(self.db.query(f"select * from people {where} order by name"))

    # -- articles -----------------------------------------------------------------------

    def has_article(self, url: str) -> bool:
        rows = self.db.execute("select 1 from articles where url_key = ? limit 1", [url_key(url)]).fetchall()
        return bool(rows)

    def save_article(
        self, article: Article, mentions: Sequence[Mention], people_ids: dict[str, int], run_id: int | None = None
    ) -> Saved:
        """Store an article, its mentions and the alerts they are due, in one transaction; `run_id` is the run's."""
        return self.save_articles([(article, mentions)], people_ids, run_id)[0]

    def save_articles(
        self, articles: Sequence[tuple[Article, Sequence[Mention]]], people_ids: dict[str, int],
        run_id: int | None = None,
    ) -> list[Saved]:
        """Store (article, its mentions) pairs and the alerts they are due, all in one transaction.

        All or nothing: a crash leaves either every article of the batch with all its rows,
        or none of them. An article already stored (or earlier in the same batch) is not
        stored again: its Saved has is_new False.
        """
        now = utcnow()
        with self.db.atomic():
            return [self._save_one(article, mentions, people_ids, run_id, now) for article, mentions in articles]

    def _save_one(self, article: Article, mentions: Sequence[Mention], people_ids: dict[str, int],
                  run_id: int | None, now: str) -> Saved:
        key = url_key(article.url)
        existing = self.db.execute("select id from articles where url_key = ?", [key]).fetchone()
        if existing:
            return Saved(existing[0], is_new=False)
        keys = article.sketch if article.sketch is not None else sketch(article.text)
        article_id = (
            self.db["articles"]
            .insert(
                {
                    "url": canonical_url(article.url),
                    "url_key": key,
                    "final_url": article.final_url or article.url,
                    "title": article.title,
                    "text": article.text,
                    "published": article.published,
                    "fetched_at": article.fetched_at or now,
                    "source": article.source,
                    "source_kind": article.source_kind,
                    "outlet": article.outlet,
                    "language": article.language,
                    "author": article.author,
                    "text_from": article.text_from,
                    "status": article.status,
                    "fingerprint": " ".join(f"{k:08x}" for k in keys),
                    "run_id": run_id,
                }
            )
            .last_pk
        )
        story_id = self._story_for(article_id, keys, article.text, article.fetched_at or now)
        self.db["story_keys"].insert_all({"key": k, "article_id": article_id} for k in keys)
        self.db["articles"].update(article_id, {"story_id": story_id})
        mention_ids, queued = self._add_mentions(article_id, story_id, article, mentions, people_ids, now, run_id)
        if article.body:  # every page's, so a mention `monitor rematch` finds later has its evidence too
            self._keep_response(article_id, article)
        return Saved(article_id, True, tuple(mention_ids), queued)

    def _story_for(self, article_id: int, keys: Sequence[int], text: str, fetched_at: str) -> int:
        """The story an article belongs to: that of an earlier near-identical text, or its own."""
        if not keys:
            return article_id
        marks = ",".join("?" * len(keys))
        candidates = self.db.execute(
            f"select a.id, a.story_id, a.text from story_keys k join articles a on a.id = k.article_id "
            f"where k.key in ({marks}) and a.id != ? and a.fetched_at >= datetime(?, ?) "
            f"group by a.id having count(*) >= ? order by count(*) desc, a.id limit 20",
            [*keys, article_id, fetched_at, f"-{STORY_WINDOW_DAYS} days", CANDIDATE_SHARED_KEYS],
        ).fetchall()
        for other_id, story_id, other_text in candidates:
            if same_story(text, other_text or ""):
                return story_id or other_id
        return article_id

    def _add_mentions(
        self,
        article_id: int,
        story_id: int,
        article: Article,
        mentions: Sequence[Mention],
        people_ids: dict[str, int],
        now: str,
        run_id: int | None = None,
    ) -> tuple[list[int], int]:
        mention_ids, queued = [], 0
        for mention in mentions:
            person_id = people_ids[mention.person.name]
            min_score = mention.person.min_score if mention.person.min_score is not None else self.alerts.min_score
            first = not self.db.execute("select 1 from mentions where person_id = ? limit 1", [person_id]).fetchone()
            cursor = self.db.execute(
                "insert or ignore into mentions (article_id, person_id, matched, start, end, field, score, "
                "form, context, snippet, alertable, first_for_person, created_at, run_id) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    article_id,
                    person_id,
                    mention.matched,
                    mention.start,
                    mention.end,
                    mention.field,
                    mention.score,
                    mention.form,
                    json.dumps(list(mention.context), ensure_ascii=False),
                    mention.snippet,
                    int(mention.score >= min_score),
                    int(first),
                    now,
                    run_id,
                ],
            )
            if not cursor.rowcount:
                continue
            mention_id = cursor.lastrowid
            mention_ids.append(mention_id)
            # Below min_score it is a possible mention: its own digest section (alerts.possible),
            # not counted among the alerts due.
            possible = mention.score < min_score
            written = queue.queue_mention(
                self.db,
                mention_id,
                person_id,
                article_id,
                story_id,
                article.published,
                self.alerts,
                now,
                snippet=mention.snippet,
                possible=possible,
            )
            queued += 0 if possible else written
        return mention_ids, queued

    def add_mentions(
        self, article_id: int, mentions: Sequence[Mention], people_ids: dict[str, int], run_id: int | None = None
    ) -> Saved:
        """Add mentions found later (by rematch run `run_id`) to a stored article; people found there are skipped."""
        now = utcnow()
        with self.db.atomic():
            row = self.db["articles"].get(article_id)
            known = {
                r[0]
                for r in self.db.execute("select distinct person_id from mentions where article_id = ?", [article_id])
            }
            fresh = [m for m in mentions if people_ids[m.person.name] not in known]
            article = Article(
                url=row["url"],
                title=row["title"] or "",
                text=row["text"] or "",
                source=row["source"] or "",
                published=row["published"],
            )
            ids, queued = self._add_mentions(
                article_id, row["story_id"] or article_id, article, fresh, people_ids, now, run_id)
        return Saved(article_id, False, tuple(ids), queued)

    def iter_articles(self, batch: int = 500) -> Iterator[dict]:
        """Every stored article (id, title, text), in batches so memory stays flat."""
        last = 0
        while True:
            rows = list(
                self.db.query("select id, title, text from articles where id > ? order by id limit ?", [last, batch])
            )
            if not rows:
                return
            yield from rows
            last = rows[-1]["id"]

    def _keep_response(self, article_id: int, article: Article) -> None:
        self.db["responses"].insert(
            {
                "article_id": article_id,
                "url": article.url,
                "final_url": article.final_url or article.url,
                "status": article.status,
                "headers": json.dumps(article.headers, ensure_ascii=False),
                "body_gz": article.body_gz or gzip.compress(article.body),
                "sha256": hashlib.sha256(article.body).hexdigest(),
                "fetched_at": article.fetched_at,
                "kind": "first",
            }
        )

    # -- sources ------------------------------------------------------------------------

    def source(self, url: str) -> dict | None:
        rows = list(self.db.query("select * from sources where url = ?", [url]))
        return rows[0] if rows else None

    def update_source(self, url: str, kind: str, **fields) -> None:
        with self.db.atomic():
            current = self.source(url)
            if current is None:
                self.db["sources"].insert({"url": url, "kind": kind, "first_seen_at": utcnow(), **fields})
            else:
                self.db["sources"].update(current["id"], fields)

    # -- runs ---------------------------------------------------------------------------

    def start_run(self, command: str) -> int:
        with self.db.atomic():
            return self.db["runs"].insert({"started_at": utcnow(), "status": "running", "command": command}).last_pk

    def finish_run(self, run_id: int, status: str = "ok", **counts) -> None:
        with self.db.atomic():
            self.db["runs"].update(run_id, {"finished_at": utcnow(), "status": status, **counts})

    def record_error(self, run_id: int | None, source: str, url: str, reason: str) -> None:
        with self.db.atomic():
            self.db["fetch_errors"].insert(
                {"run_id": run_id, "source": source, "url": url, "reason": reason, "at": utcnow()}
            )

    def record_source_result(self, run_id: int | None, url: str, kind: str, **fields) -> None:
        source = self.source(url)
        with self.db.atomic():
            self.db["run_sources"].insert(
                {"run_id": run_id, "source_id": source["id"] if source else None, "url": url, "kind": kind, **fields}
            )

    def mentions_in_run(self, run_id: int) -> list[dict]:
        """Per person, how many articles name them in mentions stored by run `run_id` (and no other run)."""
        return list(
            self.db.query(
                "select p.name as person, count(distinct m.article_id) as n from mentions m "
                "join people p on p.id = m.person_id where m.run_id = ? "
                "group by p.name order by n desc, p.name",
                [run_id],
            )
        )


class Batch:
    """Articles waiting to be stored together: one transaction per `max_items` articles or `max_ms`, whichever first.

    (Or sooner, once they hold BATCH_MAX_BYTES of pages.)

    Nothing in a batch is in the archive until it is flushed, so a crash before the flush
    leaves no trace of those articles and the next run fetches them again. `on_saved` is
    told each article's outcome once its transaction committed (the run's counts).
    """

    def __init__(self, archive: Archive, people_ids: dict[str, int], run_id: int | None, max_items: int = 50,
                 max_ms: float = 500, on_saved: Callable[[Article, Saved], None] | None = None,
                 on_failed: Callable[[Article, Exception], None] | None = None):
        self.archive, self.people_ids, self.run_id = archive, people_ids, run_id
        self.max_items, self.max_ms = max(1, max_items), max_ms
        self.on_saved = on_saved or (lambda article, saved: None)
        self.on_failed = on_failed
        self.waiting: list[Article] = []
        self.since = 0.0  # monotonic time the oldest waiting article came in
        self.size = 0  # bytes of body and text waiting

    def add(self, article: Article) -> None:
        if not self.waiting:
            self.since = time.monotonic()
        self.waiting.append(article)
        self.size += len(article.body or b"") + len(article.text or "")
        if len(self.waiting) >= self.max_items or self.size >= BATCH_MAX_BYTES:
            self.flush()

    def due(self) -> bool:
        """The oldest waiting article has waited `max_ms`."""
        return bool(self.waiting) and (time.monotonic() - self.since) * 1000 >= self.max_ms

    def flush(self) -> int:
        """Store what waits, in one transaction; return how many articles were written or found stored."""
        batch, self.waiting, self.size = self.waiting, [], 0
        if not batch:
            return 0
        try:
            results = list(zip(batch, self._save(batch), strict=True))
        except Exception:
            if self.on_failed is None:
                raise
            # One article the archive refuses must not cost the others: store them one by one.
            results = []
            for article in batch:
                try:
                    results.append((article, self._save([article])[0]))
                except Exception as error:  # reported with the article's URL; the run goes on
                    self.on_failed(article, error)
        for article, saved in results:
            self.on_saved(article, saved)
        return len(results)

    def _save(self, batch: list[Article]) -> list[Saved]:
        return self.archive.save_articles([(a, a.mentions) for a in batch], self.people_ids, self.run_id)


def _rematch_due(current: tuple, row: dict, change: dict) -> dict:
    """`change` for an entry whose matching fields changed or that came back: `monitor rematch` searches again."""
    matching = (row["name"], row["aliases"], row["context"], row["exclude"])
    return change if tuple(current[:4]) != matching or not current[7] else {}


def _person_row(person: Person) -> dict:
    """A watchlist entry as a `people` row (lists as JSON)."""
    return {
        "name": person.name,
        "aliases": json.dumps(list(person.aliases), ensure_ascii=False),
        "context": json.dumps(list(person.context), ensure_ascii=False),
        "exclude": json.dumps(list(person.exclude), ensure_ascii=False),
        "search": int(person.search),
        "notes": person.notes,
        "min_score": person.min_score,
        "active": 1,
    }
