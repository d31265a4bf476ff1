"""What nodes push to ingest, as JSON: articles with their mentions, re-checks, fetch errors, failed extractions,
cycle ends.

JSON, not pickle: ingest runs beside the archive and should not run code a Redis
client wrote. Mentions name their person; ingest resolves the name in its own watchlist.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, fields

from ..items import Article, Fetched, Mention, Person, Recheck

_ARTICLE_FIELDS = [f.name for f in fields(Article) if f.name != "mentions"]
_BYTES_FIELDS = {f.name for f in fields(Article) if f.type in ("bytes", bytes)}  # base64 in the record


def article_record(article: Article, cycle: str) -> str:
    data = {name: getattr(article, name) for name in _ARTICLE_FIELDS}
    for name in _BYTES_FIELDS:
        data[name] = base64.b64encode(data[name]).decode("ascii")
    data["mentions"] = _mentions_data(article.mentions)
    return json.dumps({"kind": "article", "cycle": cycle, "article": data}, ensure_ascii=False)


def error_record(cycle: str, source: str, url: str, reason: str) -> str:
    return json.dumps({"kind": "error", "cycle": cycle, "source": source, "url": url, "reason": reason},
                      ensure_ascii=False)


def page_failure_record(cycle: str, source: str, url: str, reason: str) -> str:
    """A page that killed, hung or exhausted its extraction worker: ingest counts it in page_failures."""
    return json.dumps({"kind": "page_failure", "cycle": cycle, "source": source, "url": url, "reason": reason},
                      ensure_ascii=False)


def recheck_record(item: Recheck, cycle: str) -> str:
    """A re-check as the pipelines left it: what was fetched, the text of it and of the last kept version
    (the title and text the comparison reads), the mentions found, or why it could not be read."""
    fetched = item.fetched
    data = {
        "article_id": item.article_id, "url": item.url, "failure": item.failure,
        "fetched": {"http_status": fetched.http_status, "final_url": fetched.final_url,
                    "headers": dict(fetched.headers), "error": fetched.error,
                    "body": None if fetched.body is None else base64.b64encode(fetched.body).decode("ascii")},
        "fields": _text_fields(item.fields), "before": _text_fields(item.before),
        "mentions": _mentions_data(item.mentions),
    }
    return json.dumps({"kind": "recheck", "cycle": cycle, "recheck": data}, ensure_ascii=False)


def read_recheck(data: dict, people: dict[str, Person]) -> tuple[Recheck, list[str]]:
    """The Recheck (its mentions resolved against `people`), and the person names ingest does not know."""
    fetched = data["fetched"]
    body = fetched.get("body")
    item = Recheck(
        int(data["article_id"]), str(data["url"]),
        Fetched(fetched.get("http_status"), fetched.get("final_url") or "", dict(fetched.get("headers") or {}),
                None if body is None else base64.b64decode(body), fetched.get("error") or ""),
        fields=data.get("fields"), before=data.get("before"), failure=data.get("failure") or "",
    )
    item.mentions, unknown = _read_mentions(data.get("mentions", []), people)
    return item, unknown


def _text_fields(fields: dict | None) -> dict | None:
    return None if fields is None else {"title": fields.get("title") or "", "text": fields.get("text") or ""}


def _mentions_data(mentions: list[Mention]) -> list[dict]:
    return [{**{k: v for k, v in asdict(m).items() if k != "person"}, "person": m.person.name} for m in mentions]


def _read_mentions(data: list[dict], people: dict[str, Person]) -> tuple[list[Mention], list[str]]:
    unknown = []
    mentions = []
    for m in data:
        person = people.get(m["person"])
        if person is None:
            unknown.append(m["person"])
            continue
        values = {k: v for k, v in m.items() if k != "person"}
        values["context"] = tuple(values.get("context") or ())
        mentions.append(Mention(person=person, **values))
    return mentions, unknown


def read_article(data: dict, people: dict[str, Person]) -> tuple[Article, list[str]]:
    """The Article (its mentions resolved against `people`), and the person names ingest does not know."""
    mentions, unknown = _read_mentions(data.get("mentions", []), people)
    values = {name: data.get(name) for name in _ARTICLE_FIELDS if name in data}
    for name in _BYTES_FIELDS & set(values):
        values[name] = base64.b64decode(values[name] or "")
    article = Article(**values, mentions=mentions)
    return article, unknown


def parse(raw: bytes | str) -> dict:
    """One record; ValueError for anything that is not one."""
    record = json.loads(raw)
    if not isinstance(record, dict) or "kind" not in record:
        raise ValueError("not a monitor record")
    return record
