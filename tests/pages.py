"""Small builders for test pages, feeds and sitemaps (real HTML/XML, written out in full)."""

from __future__ import annotations

import gzip
from pathlib import Path
from xml.sax.saxutils import escape

FILES = Path(__file__).resolve().parent / "files"

FILLER = (
    "The hearing lasted most of the afternoon and the courtroom was full. Lawyers for the families "
    "asked the judge to order the government to share what it knows about the men's whereabouts. "
    "Officials declined to comment after the session, citing the ongoing case. "
)


def article_html(title: str, paragraphs: list[str], lang: str = "en", date: str = "2026-11-20") -> str:
    body = "\n".join(f"<p>{escape(p)}</p>" for p in [*paragraphs, FILLER, FILLER])
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>
<meta property="og:type" content="article">
<meta property="article:published_time" content="{date}T10:00:00Z"></head>
<body><header><nav><a href="/">Home</a></nav></header>
<article><h1>{escape(title)}</h1>{body}</article>
<footer>Copyright The Test Gazette</footer></body></html>"""


def rss(items: list[dict]) -> str:
    """items: dicts with title, and optionally link, guid, description, pubDate."""
    parts = []
    for item in items:
        fields = "".join(
            f"<{key}>{escape(item[key])}</{key}>"
            for key in ("title", "link", "guid", "description", "pubDate")
            if key in item
        )
        parts.append(f"<item>{fields}</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Test Gazette</title>'
        f"<link>http://example.org/</link><description>t</description>{''.join(parts)}</channel></rss>"
    )


def sitemap(urls: list[str], news: bool = False) -> str:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    entries = []
    for url in urls:
        extra = (
            "<news:news><news:publication><news:name>Gazette</news:name><news:language>en</news:language>"
            "</news:publication><news:publication_date>2026-11-20T10:00:00Z</news:publication_date>"
            f"<news:title>Story at {escape(url)}</news:title></news:news>"
            if news
            else ""
        )
        entries.append(f"<url><loc>{escape(url)}</loc>{extra}</url>")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>'
        f"{''.join(entries)}</urlset>"
    )


def sitemap_index(urls: list[str]) -> str:
    entries = "".join(f"<sitemap><loc>{escape(u)}</loc></sitemap>" for u in urls)
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'


def corpus_page(name: str) -> bytes:
    """A real news page from tests/files/pages, gzip-compressed as stored."""
    return (FILES / "pages" / name).read_bytes()


def gz(data: str | bytes) -> bytes:
    return gzip.compress(data.encode() if isinstance(data, str) else data, mtime=0)
