"""Re-match the stored archive for the people added or changed since the last rematch, without fetching anything.

Which people: those whose entry's name, aliases, context or exclude words changed (or
who were added, or came back to the watchlist) since a rematch last searched for them;
`people.changed_at` and `people.rematched_at` in the archive keep that. Setting
`rematched_at` to NULL makes the next rematch search for that person again.

Which articles: only those stored before the entry changed (later ones were matched
against it already) whose full-text index holds a word of one of those people's names
or aliases. The articles are matched with the whole watchlist, as a run would, in the
extraction worker pool, and only the new or changed people's mentions are added.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .archive.store import Archive
from .archive.unalerted import explain, not_alerted
from .config import Config
from .items import Mention, Person
from .lock import run_lock
from .match.article import article_mentions
from .match.cache import cache_path, cached_watchlist
from .match.names import PARTICLES
from .match.normalize import fold
from .match.translit import variants
from .workers import MATCH_IN_WORKERS_MAX_PEOPLE, ExtractionPool, PageFailed, default_workers

# Name words per full-text query: one query per chunk keeps each query's size bounded.
WORDS_PER_QUERY = 200
# Articles handed to the pool at a time (their texts are in memory meanwhile).
BATCH = 64
_NO_LIMIT = 2**63 - 1
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@dataclass
class RematchSummary:
    run_id: int
    articles: int = 0
    people: int = 0  # new or changed people searched for (those with an article fetched before the change)
    mentions_new: int = 0
    alerts_queued: int = 0
    failed: int = 0  # articles whose matching killed or hung a worker
    alerts: object = None
    not_alerted: str = ""  # new mentions that queued no alert, by reason, with the key to change

    def line(self) -> str:
        who = "person" if self.people == 1 else "people"
        text = (
            f"rematch {self.run_id}: {self.articles} articles searched for {self.people} new or changed {who}, "
            f"{self.mentions_new} new mentions, {self.alerts_queued} alerts queued"
        )
        if self.failed:
            text += f"; {self.failed} articles could not be matched (searched again next time)"
        return f"{text}; {self.not_alerted}" if self.not_alerted else text


def rematch(config: Config, deliver=None, workers: int | None = None) -> RematchSummary:
    """Search the stored articles for the new or changed people of the watchlist; alert their new mentions."""
    with run_lock(config.lock_path):
        archive = Archive(config.database, config.alerts)
        try:
            people_ids = archive.sync_people(config.people)
            summary = RematchSummary(archive.start_run("rematch"))
            due = due_people(archive, people_ids)
            if due:
                asyncio.run(_search(config, archive, people_ids, due, summary, workers))
                if not summary.failed:
                    with archive.db.atomic():
                        archive.db.execute("update people set rematched_at = changed_at where id in "
                                           f"({','.join('?' * len(due))})", list(due))
            archive.finish_run(summary.run_id, mentions_new=summary.mentions_new)
            summary.not_alerted = explain(not_alerted(archive.db, summary.run_id, config.alerts), config.alerts)
            if deliver is not None:
                summary.alerts = deliver(archive.db, config.alerts)
            return summary
        finally:
            archive.close()


def due_people(archive: Archive, people_ids: dict[str, int]) -> dict[int, int | None]:
    """id -> last article id stored before the entry changed, for the watched people a rematch has not searched for.

    None means unknown (search every article).
    """
    rows = archive.db.execute("select id, articles_before from people where active = 1 and "
                              "(rematched_at is null or rematched_at != coalesce(changed_at, ''))")
    watched = set(people_ids.values())
    return {person_id: before for person_id, before in rows if person_id in watched}


def name_words(people: Iterable[Person]) -> list[str]:
    """The words of these people's names, aliases and their other spellings, as full-text query terms.

    Particles ("de", "van") and initials are left out: nearly every article has them,
    and no mention consists of them alone.
    """
    words: dict[str, None] = {}
    for person in people:
        for text in (person.name, *person.aliases):
            for spelling in (text, *variants(text)):
                for word in _WORD.findall(spelling):
                    if len(word) > 1 and fold(word) not in PARTICLES:
                        words[word.lower()] = None
    return list(words)


def candidate_articles(archive: Archive, words: Sequence[str], up_to: int | None) -> list[int]:
    """Ids (up to `up_to`; None: any) of the articles whose title or text holds one of `words` (FTS5)."""
    found: set[int] = set()
    for start in range(0, len(words), WORDS_PER_QUERY):
        query = " OR ".join('"' + w.replace('"', '""') + '"' for w in words[start:start + WORDS_PER_QUERY])
        found.update(row[0] for row in archive.db.execute(
            "select rowid from articles_fts where articles_fts match ? and rowid <= ?",
            [query, _NO_LIMIT if up_to is None else up_to]))
    return sorted(found)


async def _search(config: Config, archive: Archive, people_ids: dict[str, int], due: dict[int, int | None],
                  summary: RematchSummary, workers: int | None) -> None:
    by_id = {person_id: name for name, person_id in people_ids.items()}
    people = {p.name: p for p in config.people}
    # Each entry is looked for in the articles stored before it changed: later ones were
    # matched against it already. People imported together share that point: one query.
    groups: dict[int | None, list[Person]] = {}
    for person_id, before in due.items():
        groups.setdefault(before, []).append(people[by_id[person_id]])
    ids: set[int] = set()
    wanted: set[str] = set()
    for before, group in groups.items():
        if before == 0 or (before is None and not archive.db.execute("select 1 from articles limit 1").fetchone()):
            continue  # added before any article was stored: nothing to search
        wanted.update(person.name for person in group)
        ids.update(candidate_articles(archive, name_words(group), before))
    summary.people = len(wanted)
    if ids:
        await _match_all(config, archive, sorted(ids), wanted, people_ids, summary, workers)


async def _match_all(config: Config, archive: Archive, ids: list[int], wanted: set[str], people_ids: dict[str, int],
                     summary: RematchSummary, workers: int | None) -> None:
    """Match the articles `ids` with the whole watchlist in the worker pool; store the `wanted` people's mentions."""
    crawl = config.crawl
    if workers is None:
        # No worker processes for a watchlist they would not hold (it is matched here).
        workers = default_workers() if len(config.people) <= MATCH_IN_WORKERS_MAX_PEOPLE else 0
    pool = ExtractionPool(workers, config.people, crawl.extract_timeout, crawl.worker_memory_mb)
    # A watchlist too big to copy into every worker is compiled once, here.
    watchlist = None if pool.matches_in_workers else cached_watchlist(config.people, cache_path(config.database))
    try:
        for start in range(0, len(ids), BATCH):
            rows = list(archive.db.execute(
                f"select id, title, text from articles where id in ({','.join('?' * len(ids[start:start + BATCH]))})",
                ids[start:start + BATCH]))
            if pool.matches_in_workers:
                found = await asyncio.gather(*(pool.match(title or "", text or "") for _, title, text in rows),
                                             return_exceptions=True)
            else:
                found = [article_mentions(title or "", text or "", watchlist) for _, title, text in rows]
            for (article_id, _, _), mentions in zip(rows, found, strict=True):
                _store(archive, article_id, mentions, wanted, people_ids, summary)
    finally:
        pool.close()


def _store(archive: Archive, article_id: int, mentions: list[Mention] | BaseException, wanted: set[str],
           people_ids: dict[str, int], summary: RematchSummary) -> None:
    if isinstance(mentions, PageFailed):
        summary.failed += 1
        return
    if isinstance(mentions, BaseException):
        raise mentions
    summary.articles += 1
    fresh = [m for m in mentions if m.person.name in wanted]
    saved = archive.add_mentions(article_id, fresh, people_ids, summary.run_id)
    summary.mentions_new += len(saved.mention_ids)
    summary.alerts_queued += saved.queued
