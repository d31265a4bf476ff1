"""What an alert says: the archive rows it carries, read into plain AlertItems (JSON-able).

Three kinds of item, from the archive's `alert_queue` (monitor/archive/queue.py): `new` (a
`mention` or `possible` row: a mention found), `vanished` (a re-check found a page that
named the person no longer does) and `source` (a `health` row: a source failing run after
run, or gone dark).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from urllib.parse import urlsplit

from sqlite_utils import Database

from monitor.match.snippets import confidence

NEW = "new"
VANISHED = "vanished"
SOURCE = "source"


@dataclass(frozen=True)
class AlertItem:
    """One thing an alert reports.

    kind `new`: a (person, story) found, with the mention that queued it and every copy's
    link. kind `vanished`: a page that named the person no longer does; `mention_id` is the
    earlier mention that is gone (its snippet is what the page used to say), `checked_at`
    and `check_id` the re-check that found it, `links` the page alone. kind `source`: a
    source that needs a person; `url` is the source, `title` its kind (feed, sitemap...),
    `problem` failing or dark, `detail` what is wrong, `since` when the episode began,
    `mention_id` 0 and `person` empty.
    """

    mention_id: int
    person: str
    title: str
    url: str
    outlet: str = ""
    published: str | None = None
    snippet: str = ""
    matched: str = ""
    score: int = 0
    first_for_person: bool = False
    # (url, outlet) of every stored copy of the story, the mention's own article first.
    links: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    kind: str = NEW
    checked_at: str | None = None
    check_id: int | None = None
    problem: str = ""
    detail: str = ""
    since: str | None = None
    # What a reader needs to judge a new mention without opening it: the article's language,
    # when the mention was found (beside `published`), the confidence in words ("exact
    # name", "likely: spelled 'Andry Hernandes'"), and whether the text came from a feed
    # entry without a link of its own (then `url` is no page to visit).
    language: str = ""
    found_at: str | None = None
    confidence: str = ""
    feed_text: bool = False
    # A mention below alerts.min_score: shown apart, under "Possible mentions: please check",
    # after everything else, and never counted as an alert.
    possible: bool = False


_ITEMS_SQL = """
select o.story_id, m.id as mention_id, p.name as person, a.title, a.url, a.outlet, a.published,
       m.snippet, m.matched, m.score, m.first_for_person, a.id as article_id,
       a.language, m.created_at, p.aliases, m.alertable, a.text_from, o.kind = 'possible' as possible
from alert_queue o
join mentions m on m.id = o.mention_id
join articles a on a.id = m.article_id
join people p on p.id = o.person_id
where o.alert_id = ? and o.kind in ('mention', 'possible')
"""

_LINKS_SQL = "select id, url, outlet from articles where story_id = ? or id = ? order by id"
# A feed entry without a link is stored under the feed's URL plus this marker (spiders/feeds.py).
FEED_ENTRY_MARK = "monitor-entry="

# The old mention may be gone (a rematch rewrites an article's mentions): the item still
# goes out, without the quote.
_CHANGES_SQL = """
select c.kind, c.mention_id, p.name as person, a.title, a.url, a.outlet, a.published,
       m.snippet, m.matched, m.score, k.checked_at, c.check_id
from alert_queue c
join articles a on a.id = c.article_id
join people p on p.id = c.person_id
left join mentions m on m.id = c.mention_id
left join checks k on k.id = c.check_id
where c.alert_id = ? and c.kind = 'vanished'
order by c.id
"""


_SOURCES_SQL = """
select source_url, source_kind, problem, detail, since from alert_queue where alert_id = ? and kind = 'health'
order by id
"""


def load_items(db: Database, alert_id: int) -> list[AlertItem]:
    """The items of one alert, straight from the archive, in the order they are shown."""
    items, stories = [], []
    for row in db.execute(_ITEMS_SQL, [alert_id]).fetchall():
        (story_id, mention_id, person, title, url, outlet, published, snippet, matched, score, first, article_id,
         language, found_at, aliases, alertable, text_from, possible) = row
        copies = db.execute(_LINKS_SQL, [story_id, story_id]).fetchall()
        # The article the mention was found in comes first; its syndicated copies follow.
        copies.sort(key=lambda c: (c[0] != article_id, c[0]))
        links = _labelled(copies)
        items.append(
            AlertItem(
                mention_id=mention_id,
                person=person,
                title=title or url,
                url=url,
                published=published,
                snippet=snippet or "",
                matched=matched or "",
                score=score or 0,
                first_for_person=bool(first) and not possible,
                links=links,
                outlet=links[0][1] if links else outlet or host_of(url),
                language=language or "",
                found_at=found_at,
                confidence=confidence(person, _json_list(aliases), matched or "", bool(alertable)),
                feed_text=text_from == "feed" and FEED_ENTRY_MARK in url,
                possible=bool(possible),
            )
        )
        stories.append((person, story_id))
    sure = [i for i in items if not i.possible]
    alerted = {key for key, i in zip(stories, items, strict=True) if not i.possible}
    # A story that alerts in this very message is not listed again as possible.
    maybe = [i for key, i in zip(stories, items, strict=True) if i.possible and key not in alerted]
    # Possible mentions come last, so a message over its limits cuts them first.
    return order(_first_by_date(sure)) + _changes(db, alert_id) + _sources(db, alert_id) + order(maybe)


def _labelled(copies: list) -> tuple[tuple[str, str], ...]:
    """(url, label) per copy: its outlet, or its own site where copies on several sites share one label.

    Copies found through one feed or search service carry that source's name as outlet;
    three different newspapers must not all read "Google News".
    """
    hosts: dict[str, set[str]] = {}
    for _, u, o in copies:
        hosts.setdefault(o or "", set()).add(host_of(u))
    return tuple((u, o if o and len(hosts[o]) == 1 else host_of(u) or o or "") for _, u, o in copies)


def _first_by_date(items: list[AlertItem]) -> list[AlertItem]:
    """"First mention ever" on the earliest-published of a person's items, not the first crawled."""
    flagged = {i.person for i in items if i.first_for_person}
    earliest: dict[str, AlertItem] = {}
    for item in sorted(items, key=lambda i: (i.published or i.found_at or "", i.mention_id)):
        if item.person in flagged:
            earliest.setdefault(item.person, item)
    return [replace(i, first_for_person=earliest.get(i.person) is i) if i.person in flagged else i for i in items]


def _json_list(raw: str | None) -> list[str]:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _sources(db: Database, alert_id: int) -> list[AlertItem]:
    """The alert's source-health notices, listed last, as queued."""
    return [
        AlertItem(mention_id=0, person="", title=kind or "source", url=url, outlet=host_of(url), kind=SOURCE,
                  problem=problem or "", detail=detail or "", since=since)
        for url, kind, problem, detail, since in db.execute(_SOURCES_SQL, [alert_id]).fetchall()
    ]


def _changes(db: Database, alert_id: int) -> list[AlertItem]:
    """The alert's "no longer named" items, after the new mentions: by person, then as queued."""
    items = []
    for row in db.execute(_CHANGES_SQL, [alert_id]).fetchall():
        kind, mention_id, person, title, url, outlet, published, snippet, matched, score, checked_at, check_id = row
        outlet = outlet or host_of(url)
        items.append(AlertItem(
            mention_id=mention_id, person=person, title=title or url, url=url, outlet=outlet, published=published,
            snippet=snippet or "", matched=matched or "", score=score or 0, links=((url, outlet),), kind=kind,
            checked_at=checked_at, check_id=check_id,
        ))
    return sorted(items, key=lambda i: i.person.casefold())


def order(items: list[AlertItem]) -> list[AlertItem]:
    """First-ever mentions of a person lead (the news a family waits for), then by person, newest first."""
    by_date = sorted(items, key=lambda i: i.published or "", reverse=True)
    return sorted(by_date, key=lambda i: (not i.first_for_person, i.person.casefold()))


def host_of(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def dumps(items: list[AlertItem]) -> str:
    return json.dumps([asdict(i) for i in items], ensure_ascii=False)


def loads(text: str) -> list[AlertItem]:
    items = []
    for raw in json.loads(text):
        raw["links"] = tuple(tuple(link) for link in raw.get("links", ()))
        items.append(AlertItem(**raw))
    return items
