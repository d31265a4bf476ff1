"""trafilatura: a downloaded page -> Article fields, or None with the reason logged."""

from __future__ import annotations

import logging
import re

from lxml.etree import ParserError

from .charset import repair
from .items import Article, Page

logger = logging.getLogger(__name__)
# trafilatura warns about every page it discards; we report those ourselves, once, per run.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

# Below this many characters trafilatura's output is a fragment (a caption, a consent
# banner), not an article; the feed entry's own text is a better stand-in.
MIN_TEXT_CHARS = 120
_LANG = re.compile(r"^[a-zA-Z]{2,3}")


def build_article(page: Page, fields: dict | None) -> Article | None:
    """The Article for a page, given what `extract_fields` found in it (None: nothing).

    Falls back to the feed entry's own text; None when neither has usable text. The
    pipeline runs `extract_fields` in a worker process and this in the reactor's.
    """
    if fields and page.source_kind == "site" and not _looks_like_article(fields):
        logger.info("%s: not an article page (no date, not marked as an article)", page.url)
        return None
    if fields and len(fields["text"]) >= MIN_TEXT_CHARS:
        return _article(page, fields, text_from="page")
    if page.feed_text.strip():
        fallback = {
            "title": page.feed_title or (fields or {}).get("title") or "",
            "text": page.feed_text.strip(),
            "published": page.feed_published or (fields or {}).get("published"),
            "language": (fields or {}).get("language"),
            "author": (fields or {}).get("author"),
        }
        return _article(page, fallback, text_from="feed")
    if fields:  # short, but all there is: a missed mention costs more than a stub
        return _article(page, fields, text_from="page")
    logger.info("%s: page yielded no text", page.url)
    return None


def extract_fields(html: str, url: str) -> dict | None:
    """Run trafilatura on one page; None if it finds no main text."""
    # Imported here: only the extraction workers run this (their forkserver imports it
    # once, monitor/worker_preload.py); the reactor's process is spared its ~15 MB.
    import trafilatura

    try:
        tree = trafilatura.load_html(html)
    except (ValueError, ParserError):
        return None
    if tree is None:
        return None
    lang = _page_language(tree)
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, include_tables=True
    )
    if document is None or not (document.text or "").strip():
        return None
    return {
        "title": (document.title or "").strip(),
        "text": document.text.strip(),
        "published": document.date,
        "language": document.language or lang,
        "author": document.author,
        "sitename": document.sitename,
        "pagetype": document.pagetype,
    }


def _looks_like_article(fields: dict) -> bool:
    """Section fronts and tag pages say og:type website, or carry no date at all."""
    pagetype = (fields.get("pagetype") or "").lower()
    if pagetype:
        return pagetype == "article"
    return bool(fields.get("published"))


def _page_language(tree) -> str | None:
    """The page's declared language (`<html lang>` or og:locale), as an ISO 639 code."""
    candidates = [tree.get("lang"), tree.get("xml:lang")]
    candidates += tree.xpath("//meta[@property='og:locale']/@content")[:1]
    candidates += tree.xpath("//meta[@http-equiv='content-language']/@content")[:1]
    for value in candidates:
        if value and (match := _LANG.match(value.strip())):
            return match.group().lower()
    return None


def _article(page: Page, fields: dict, text_from: str) -> Article:
    # A worker repaired the page's own title and text already (monitor/workers.py).
    title = fields.get("title") if fields.get("repaired") else repair(fields.get("title") or "")
    return Article(
        url=page.url,
        title=title or repair(page.feed_title or ""),
        text=fields["text"] if fields.get("repaired") else repair(fields["text"]),
        source=page.source,
        published=fields.get("published") or page.feed_published or None,
        language=fields.get("language"),
        author=fields.get("author"),
        fetched_at=page.fetched_at,
        source_kind=page.source_kind,
        outlet=page.feed_outlet or fields.get("sitename") or "",
        text_from=text_from,
        final_url=page.final_url or page.url,
        status=page.status,
        headers=page.headers,
        body=page.body,
    )
