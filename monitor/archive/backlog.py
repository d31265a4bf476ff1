"""Per-source URL budget for one run, and the backlog of URLs deferred to later runs.

`crawl.max_urls_per_source` caps the article requests one feed or sitemap may make in a
run. What is over the cap is not dropped: it is written to `pending_urls` and the next
runs fetch it first, oldest first, before anything the source lists anew.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sqlite_utils import Database

from ..feeds import FeedEntry
from .store import utcnow


class Backlog:
    """One run's view of the budget and the `pending_urls` table."""

    def __init__(self, db: Database, cap: int) -> None:
        self.db = db
        self.cap = cap
        self.used: dict[str, int] = defaultdict(int)
        self._pending: dict[str, set[str]] = {}  # source -> URLs waiting (read once per source)
        self._new: list[dict] = []
        self._taken: list[int] = []  # pending rows asked for this run

    def take(self, source: str) -> Iterator[tuple[str, str, FeedEntry]]:
        """The source's waiting URLs this run may fetch, oldest first: (url, kind, entry)."""
        rows = self.db.execute(
            "select id, kind, url, title, text, published, outlet from pending_urls where source = ? "
            "order by id limit ?", [source, self.cap],
        ).fetchall()
        for row_id, kind, url, title, text, published, outlet in rows:
            self._taken.append(row_id)
            self.used[source] += 1
            yield url, kind, FeedEntry(url, url, title or "", text or "", published, outlet or "")

    def admit(self, source: str, kind: str, url: str, entry: FeedEntry | None) -> bool:
        """True if the URL may be fetched now; otherwise it is kept for a later run."""
        if url in self._waiting(source):
            return False  # already queued by an earlier run; it comes out in order
        if self.used[source] < self.cap:
            self.used[source] += 1
            return True
        self._waiting(source).add(url)
        entry = entry or FeedEntry(url, url, "", "")
        self._new.append({
            "source": source, "kind": kind, "url": url, "title": entry.title, "text": entry.text,
            "published": entry.published, "outlet": entry.outlet, "first_seen_at": utcnow(),
        })
        if len(self._new) >= 1000:
            self.flush()
        return False

    def flush(self) -> None:
        if self._new:
            with self.db.atomic():
                self.db["pending_urls"].insert_all(self._new, ignore=True)
            self._new = []

    def close(self, complete: bool) -> None:
        """Keep what was deferred; forget what this run fetched, unless the run was cut short."""
        self.flush()
        if complete and self._taken:
            with self.db.atomic():
                for start in range(0, len(self._taken), 500):
                    chunk = self._taken[start : start + 500]
                    self.db.execute(f"delete from pending_urls where id in ({','.join('?' * len(chunk))})", chunk)

    def _waiting(self, source: str) -> set[str]:
        if source not in self._pending:
            self._pending[source] = {
                url for (url,) in self.db.execute("select url from pending_urls where source = ?", [source])
            }
        return self._pending[source]


def pending_counts(db: Database) -> dict[str, int]:
    """source -> URLs waiting for a later run."""
    if not db["pending_urls"].exists():
        return {}
    return dict(db.execute("select source, count(*) from pending_urls group by source").fetchall())
