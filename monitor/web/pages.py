"""The archive's own pages in `monitor serve`: people, a person, a mention (with review), an article."""

from __future__ import annotations

import asyncio
import json
from importlib import resources
from typing import Any

from datasette.utils.asgi import Forbidden, NotFound, Response
from markupsafe import Markup, escape

from ..match.snippets import confidence, highlight

PLUGIN = "mention-monitor"
REVIEW = "monitor-review"

_PERSON_ARTICLES = """
select a.id as article_id, a.title, a.url, coalesce(a.published, a.fetched_at) as date,
       coalesce(nullif(a.outlet, ''), a.source) as outlet, a.language, a.text_from,
       min(m.id) as mention_id, m.snippet, m.matched, r.verdict, r.reviewer
from mentions m
join articles a on a.id = m.article_id
left join reviews r on r.person_id = m.person_id and r.article_id = m.article_id
where m.person_id = :id
group by a.id
order by coalesce(a.published, a.fetched_at) desc, a.id desc
"""

_MENTION = """
select m.*, p.name as person, p.aliases, a.title, a.url, a.published, a.fetched_at, a.language,
       coalesce(nullif(a.outlet, ''), a.source) as outlet, a.text_from,
       r.verdict, r.note as review_note, r.reviewer, r.reviewed_at
from mentions m
join people p on p.id = m.person_id
join articles a on a.id = m.article_id
left join reviews r on r.person_id = m.person_id and r.article_id = m.article_id
where m.id = :id
"""

_PEOPLE = """
select p.id, p.name, p.aliases, p.active, count(distinct m.article_id) as articles,
       max(coalesce(a.published, a.fetched_at)) as latest
from people p
left join mentions m on m.person_id = p.id
left join articles a on a.id = m.article_id
where :q = '' or fold(p.name || ' ' || coalesce(p.aliases, '')) like '%' || fold(:q) || '%'
group by p.id
order by articles = 0, p.name
"""


def marked(snippet: str, matched: str) -> Markup:
    """The snippet as HTML with the matched name in <mark>, everything else escaped."""
    return Markup("".join(f"<mark>{escape(t)}</mark>" if hit else str(escape(t))
                          for t, hit in highlight(snippet or "", matched or "")))


def _archive(datasette: Any) -> Any:
    name = (datasette.plugin_config(PLUGIN) or {}).get("database")
    return datasette.get_database(name)


async def _rows(datasette: Any, sql: str, params: dict) -> list[dict]:
    return [dict(r) for r in (await _archive(datasette).execute(sql, params)).rows]


async def _page(datasette: Any, request: Any, template: str, context: dict) -> Response:
    context = {"db_name": _archive(datasette).name, **context}
    return Response.html(await datasette.render_template(template, context, request=request))


async def people_page(request: Any, datasette: Any) -> Response:
    q = request.args.get("q", "")
    people = await _rows(datasette, _PEOPLE, {"q": q})
    for p in people:
        p["aliases"] = _aliases(p["aliases"])
    return await _page(datasette, request, "monitor_people.html", {"people": people, "q": q})


async def _row(datasette: Any, table: str, row_id: int) -> dict:
    """The row `row_id` of `table` (people or articles), or a 404 naming what is missing."""
    found = await _rows(datasette, f"select * from {table} where id = :id", {"id": row_id})
    if not found:
        raise NotFound(f"No {'person' if table == 'people' else 'article'} with id {row_id}")
    return found[0]


async def person_page(request: Any, datasette: Any) -> Response:
    pid = int(request.url_vars["id"])
    person = await _row(datasette, "people", pid)
    articles = await _rows(datasette, _PERSON_ARTICLES, {"id": pid})
    for a in articles:
        a["snippet_html"] = marked(a["snippet"], a["matched"])
    return await _page(datasette, request, "monitor_person.html", {
        "person": person, "aliases": _aliases(person["aliases"]), "articles": articles})


async def mention_page(request: Any, datasette: Any) -> Response:
    mention = await _mention(datasette, int(request.url_vars["id"]))
    can_review = await datasette.permission_allowed(request.actor, REVIEW, default=False)
    raw = await _rows(datasette, "select * from mentions where id = :id", {"id": mention["id"]})
    return await _page(datasette, request, "monitor_mention.html", {
        "m": mention, "snippet_html": marked(mention["snippet"], mention["matched"]),
        "fields": _fields(datasette, raw[0], skip=("snippet",)),
        "confidence": confidence(mention["person"], _aliases(mention["aliases"]), mention["matched"],
                                 bool(mention["alertable"])),
        "can_review": can_review})


async def review_post(request: Any, datasette: Any) -> Response:
    """A reviewer's verdict from the mention page, recorded as `monitor review` records it."""
    if request.method != "POST":
        return Response.redirect(datasette.urls.path(f"/-/mention/{request.url_vars['id']}"))
    if not await datasette.permission_allowed(request.actor, REVIEW, default=False):
        raise Forbidden("Sign in as a reviewer to give a verdict.")
    mention = await _mention(datasette, int(request.url_vars["id"]))
    form = await request.post_vars()
    verdict = form.get("verdict")
    if verdict not in ("confirmed", "rejected"):
        return Response.text("verdict must be confirmed or rejected", status=400)
    path = _archive(datasette).path
    done = await asyncio.to_thread(_record, path, mention["id"], verdict, form.get("note") or None,
                                   request.actor["id"])
    word = "Confirmed" if verdict == "confirmed" else "Marked as not this person"
    datasette.add_message(request, f"{word}: mention {mention['id']} ({done['person']}).", datasette.INFO)
    return Response.redirect(datasette.urls.path(f"/-/mention/{mention['id']}"))


def _record(path: str, mention_id: int, verdict: str, note: str | None, reviewer: str) -> dict:
    # The archive is served read-only; a verdict goes through its own connection, as the CLI's does.
    from ..archive.review import review
    from ..archive.store import open_database

    db = open_database(path)
    try:
        return review(db, mention_id, verdict, note, reviewer=reviewer)
    finally:
        db.close()


async def article_page(request: Any, datasette: Any) -> Response:
    aid = int(request.url_vars["id"])
    article = await _row(datasette, "articles", aid)
    mentions = await _rows(datasette, "select m.id, m.matched, m.score, m.person_id, p.name as person "
                           "from mentions m join people p on p.id = m.person_id where m.article_id = :id "
                           "order by m.id", {"id": aid})
    names = [m["matched"] for m in mentions]
    paragraphs = _paragraphs(article["text"] or "", names)
    return await _page(datasette, request, "monitor_article.html", {
        "a": article, "paragraphs": paragraphs, "mentions": mentions,
        "fields": _fields(datasette, article, skip=("text",))})


async def css(request: Any, datasette: Any) -> Response:
    text = resources.files("monitor.web").joinpath("monitor.css").read_text(encoding="utf-8")
    return Response(text, content_type="text/css; charset=utf-8", headers={"cache-control": "max-age=600"})


async def _mention(datasette: Any, mention_id: int) -> dict:
    found = await _rows(datasette, _MENTION, {"id": mention_id})
    if not found:
        raise NotFound(f"No mention with id {mention_id}")
    return found[0]


def _paragraphs(text: str, names: list[str]) -> list[Markup]:
    """The text as paragraphs (one per line), every name marked, even one broken across lines."""
    pieces = [(text or "", False)]
    for name in sorted(set(names), key=len, reverse=True):
        pieces = [part for piece, hit in pieces
                  for part in ([(piece, True)] if hit else highlight(piece, name))]
    paragraphs, current = [], ""
    for piece, hit in pieces:
        lines = piece.split("\n")
        for i, line in enumerate(lines):
            if i:  # a line break: close this paragraph (and a mark open across it), start the next
                paragraphs.append(current)
                current = ""
            if line:
                current += f"<mark>{escape(line)}</mark>" if hit else str(escape(line))
    paragraphs.append(current)
    return [Markup(p) for p in paragraphs if Markup(p).striptags().strip()]


# Ids in the "all stored fields" box that link to the page of what they name.
_ID_PAGES = {"person_id": "/-/person/", "article_id": "/-/article/", "story_id": "/-/article/"}


def _fields(datasette: Any, row: dict, skip: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    # Every stored column, for the "all stored fields" box; the text shown above is not repeated,
    # and columns the server hides (raw bodies) read as NULL and are left out.
    fields = []
    for key, value in row.items():
        if key in skip or value is None or value == "":
            continue
        if key in _ID_PAGES and isinstance(value, int):
            value = Markup(f'<a href="{datasette.urls.path(_ID_PAGES[key] + str(value))}">{value}</a>')
        fields.append((key, value))
    return fields


def _aliases(raw: str | None) -> list[str]:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


ROUTES = [
    (r"^/-/monitor\.css$", css),
    (r"^/-/people$", people_page),
    (r"^/-/person/(?P<id>\d+)$", person_page),
    (r"^/-/mention/(?P<id>\d+)$", mention_page),
    (r"^/-/mention/(?P<id>\d+)/review$", review_post),
    (r"^/-/article/(?P<id>\d+)$", article_page),
]

# Datasette's own row pages of these tables, sent to the readable page of the same row.
_READABLE = {"articles": "/-/article/", "mentions": "/-/mention/", "people": "/-/person/"}


def readable_rows(app: Any, datasette: Any) -> Any:
    """An ASGI app sending HTML row pages of articles, mentions and people to their readable pages.

    Datasette's row page is one table cell per column (17 for an article, its text squeezed
    into one of them); the readable pages show the same row for people, with every stored
    field in a box at the end. The .json and .csv forms of a row are left as they are.
    """

    async def redirecting(scope: dict, receive: Any, send: Any) -> None:
        target = _readable_target(scope, datasette) if scope["type"] == "http" else None
        if target is None:
            await app(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 302,
                    "headers": [(b"location", target.encode()), (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    return redirecting


def _readable_target(scope: dict, datasette: Any) -> str | None:
    if scope.get("method") not in ("GET", "HEAD"):
        return None
    name = (datasette.plugin_config(PLUGIN) or {}).get("database")
    prefix = datasette.urls.database(name) + "/" if name else None
    path = scope.get("path", "")
    if not prefix or not path.startswith(prefix):
        return None
    table, _, pk = path[len(prefix):].partition("/")
    if table not in _READABLE or not pk.isascii() or not pk.isdigit():
        return None
    return datasette.urls.path(_READABLE[table] + pk)
