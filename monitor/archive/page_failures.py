"""Pages that killed, hung or exhausted their extraction worker: counted across runs, given up after a few tries.

A poison page must not cost every run its time limit (or a worker) forever: after
`crawl.page_attempts` failures its `page_failures` row is marked given up and the page
is no longer extracted; its feed entry's own text, if any, is stored instead. Deleting
the row (or setting `given_up_at` to NULL) makes the next run try it again.
"""

from __future__ import annotations

from sqlite_utils import Database

from ..urls import url_key
from .store import utcnow


def given_up_keys(db: Database) -> set[str]:
    """The URL keys (monitor/urls.py `url_key`) of every page given up on: a run reads them once."""
    return {row[0] for row in db.execute("select url_key from page_failures where given_up_at is not null")}


def record_failure(db: Database, url: str, source: str, reason: str, attempts_allowed: int) -> int:
    """Count one more failure of `url`; return its attempts so far (given up once they reach `attempts_allowed`)."""
    now = utcnow()
    key = url_key(url)
    with db.atomic():
        db.execute(
            "insert into page_failures (url_key, url, source, attempts, reason, first_at, last_at) "
            "values (?, ?, ?, 1, ?, ?, ?) on conflict(url_key) do update set "
            "attempts = attempts + 1, reason = excluded.reason, last_at = excluded.last_at",
            [key, url, source, reason, now, now],
        )
        attempts = db.execute("select attempts from page_failures where url_key = ?", [key]).fetchone()[0]
        if attempts >= attempts_allowed:
            db.execute("update page_failures set given_up_at = coalesce(given_up_at, ?) where url_key = ?", [now, key])
    return attempts
