"""The nouns that flow through the pipeline: Person, Page, Article, Mention, Recheck (of a Fetched page)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Person:
    """One entry of the watchlist, as configured (TOML `[[person]]` or the people CSV)."""

    name: str
    aliases: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    # Words that point at a namesake ("astronaut", "NASA"): a weak or ambiguous form
    # near one of these is not reported.
    exclude: tuple[str, ...] = ()
    search: bool = True
    notes: str = ""
    # Per-person override of `alerts.min_score`; None means the global value.
    min_score: int | None = None
    # Addresses that get this person's alerts, and only theirs (never stored in the archive).
    notify_email: tuple[str, ...] = ()


@dataclass
class Page:
    """A downloaded page on its way to extraction (the Scrapy item the spiders yield)."""

    url: str
    html: str
    source: str  # the configured source (feed/sitemap/site/search URL) that led here
    source_kind: str = ""  # feed | sitemap | site | search
    final_url: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""  # raw response body, kept as evidence when the page yields a mention
    fetched_at: str = ""
    # What the feed or sitemap said about the entry: used when the page yields nothing.
    feed_title: str = ""
    feed_text: str = ""
    feed_published: str = ""
    feed_outlet: str = ""


@dataclass
class Article:
    """Extracted text and metadata of one page, ready for matching and storage."""

    url: str
    title: str
    text: str
    source: str
    published: str | None = None
    language: str | None = None
    author: str | None = None
    fetched_at: str = ""
    source_kind: str = ""
    outlet: str = ""
    # "page" when trafilatura found the text, "feed" when the feed entry's own content
    # stood in for a page that yielded nothing.
    text_from: str = "page"
    final_url: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    body_gz: bytes = b""  # `body` gzipped, when a worker did it (the store does it otherwise)
    mentions: list[Mention] = field(default_factory=list)
    sketch: list[int] | None = None  # stories.sketch of the text, when a worker computed it


@dataclass(frozen=True)
class Mention:
    """One place in an article's text (or title) where a watched person is named."""

    person: Person
    matched: str  # the text as found
    start: int  # character offsets into the searched text
    end: int
    score: int  # 0-100, see docs/matching.md "What the score means"
    form: str = "full"  # full | short | surnames | alias | backref
    context: tuple[str, ...] = ()  # context words found near the mention
    snippet: str = ""
    field: str = "text"  # "text" or "title": which field the offsets refer to


@dataclass(frozen=True)
class Fetched:
    """What a re-check fetch returned: a response (body set), or a failure (error set)."""

    http_status: int | None = None
    final_url: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    error: str = ""


@dataclass
class Recheck:
    """A watched article fetched again (the change watch): extracted and matched in the pool, recorded by the store.

    `fetched` is what the spider got; the pipelines fill in the rest.
    """

    article_id: int
    url: str
    fetched: Fetched
    fields: dict | None = None  # the page's extracted text and title, when it answered with a page
    before: dict | None = None  # the same, of the last version kept
    mentions: list[Mention] = field(default_factory=list)
    failure: str = ""  # why the page could not be extracted or matched (a dead or hung worker...)
