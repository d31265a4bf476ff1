"""The Datasette plugin of `monitor serve`: fold() in SQL, readable cells, pages and reviewer rights."""

from __future__ import annotations

import re
from datetime import timezone
from typing import Any

from datasette import hookimpl
from markupsafe import Markup, escape

from ..dates import parse_datetime
from ..match.snippets import fold_text
from . import pages
from .pages import PLUGIN, REVIEW, marked

# How search_articles' FTS snippet() marks the words found; exports keep them, pages show <mark>.
FTS_MARK = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


@hookimpl
def prepare_connection(conn: Any) -> None:
    # deterministic lets SQLite use it in indexes and skip re-evaluation.
    conn.create_function("fold", 1, fold_text, deterministic=True)


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    env.filters["when"] = when


def when(value: str | None) -> str:
    """A stored ISO time as people read it, in UTC: "16 Mar 2025, 09:00 UTC"; a bare date stays."""
    parsed = parse_datetime(value) if isinstance(value, str) and "T" in value else None
    if parsed is None:
        return value or "date unknown"
    parsed = parsed.astimezone(timezone.utc)
    return f"{parsed.day} {parsed:%b %Y, %H:%M} UTC"  # no %-d: not every C library has it


@hookimpl
def register_routes() -> list:
    return pages.ROUTES


@hookimpl
def permission_allowed(datasette: Any, actor: dict | None, action: str) -> bool | None:
    if action != REVIEW:
        return None
    reviewers = (datasette.plugin_config(PLUGIN) or {}).get("reviewers") or []
    return bool(actor and actor.get("id") in reviewers)


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    return lambda app: pages.readable_rows(app, datasette)


@hookimpl
def menu_links(datasette: Any) -> list[dict]:
    return [{"href": datasette.urls.path("/-/people"), "label": "People"}]


@hookimpl
def extra_css_urls() -> list[str]:
    return ["/-/monitor.css"]


# (table, column) whose cell links to the readable page of the row.
_PAGE_LINKS = {("articles", "title"): "/-/article/", ("people", "name"): "/-/person/",
               ("mentions", "matched"): "/-/mention/"}


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, datasette: Any) -> Markup | None:
    """Snippets with the name marked, mention and person ids as links to their pages."""
    if not hasattr(row, "keys"):
        return None
    keys = set(row.keys())
    page = _PAGE_LINKS.get((table, column))
    if page and isinstance(value, str) and "id" in keys:
        return Markup(f'<a href="{datasette.urls.path(page + str(row["id"]))}">{escape(value)}</a>')
    if column == "snippet" and isinstance(value, str):
        return _snippet_cell(value, row["matched"] if "matched" in keys else "")
    if column == "mention_id" and isinstance(value, int):
        return Markup(f'<a href="{datasette.urls.path(f"/-/mention/{value}")}">mention {value}</a>')
    if column == "person" and isinstance(value, str) and "person_id" in keys and isinstance(row["person_id"], int):
        href = datasette.urls.path(f"/-/person/{row['person_id']}")
        return Markup(f'<a href="{href}">{escape(value)}</a>')
    return None


def _snippet_cell(value: str, matched: str | None) -> Markup:
    if not matched and FTS_MARK.search(value):
        parts = FTS_MARK.split(value)  # odd pieces are the words found
        return Markup("".join(f"<mark>{escape(p)}</mark>" if i % 2 else str(escape(p)) for i, p in enumerate(parts)))
    return marked(value, matched or "")
