"""Canonical article URLs, so one story is stored and fetched once however it is linked."""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

import courlan
from w3lib.url import canonicalize_url


def canonical_url(url: str) -> str:
    """Drop tracking parameters and fragments, sort the query, lower-case the host."""
    url = url.strip()
    with contextlib.suppress(ValueError):  # courlan rejects some odd but fetchable URLs
        url = courlan.normalize_url(url)
    return canonicalize_url(url, keep_fragments=False)


def url_key(url: str) -> str:
    """The identity of an article URL: http/https, `www.` and a trailing slash don't count."""
    parts = urlsplit(canonical_url(url))
    host = parts.netloc.lower().removeprefix("www.")
    path = parts.path.rstrip("/") or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{path}{query}"
