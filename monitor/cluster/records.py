"""What nodes push to ingest, as JSON: articles with their mentions, fetch errors, failed extractions, cycle ends.

JSON, not pickle: ingest runs beside the archive and should not run code a Redis
client wrote. Mentions name their person; ingest resolves the name in its own watchlist.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, fields

from ..items import Article, Mention, Person

_ARTICLE_FIELDS = [f.name for f in fields(Article) if f.name != "mentions"]
_BYTES_FIELDS = {f.name for f in fields(Article) if f.type in ("bytes", bytes)}  # base64 in the record


def article_record(article: Article, cycle: str) -> str:
    data = {name: getattr(article, name) for name in _ARTICLE_FIELDS}
    for name in _BYTES_FIELDS:
        data[name] = base64.b64encode(data[name]).decode("ascii")
    data["mentions"] = [
        {**{k: v for k, v in asdict(m).items() if k != "person"}, "person": m.person.name} for m in article.mentions
    ]
    return json.dumps({"kind": "article", "cycle": cycle, "article": data}, ensure_ascii=False)


def error_record(cycle: str, source: str, url: str, reason: str) -> str:
    return json.dumps({"kind": "error", "cycle": cycle, "source": source, "url": url, "reason": reason},
                      ensure_ascii=False)


def page_failure_record(cycle: str, source: str, url: str, reason: str) -> str:
    """A page that killed, hung or exhausted its extraction worker: ingest counts it in page_failures."""
    return json.dumps({"kind": "page_failure", "cycle": cycle, "source": source, "url": url, "reason": reason},
                      ensure_ascii=False)


def read_article(data: dict, people: dict[str, Person]) -> tuple[Article, list[str]]:
    """The Article (its mentions resolved against `people`), and the person names ingest does not know."""
    unknown = []
    mentions = []
    for m in data.get("mentions", []):
        person = people.get(m["person"])
        if person is None:
            unknown.append(m["person"])
            continue
        values = {k: v for k, v in m.items() if k != "person"}
        values["context"] = tuple(values.get("context") or ())
        mentions.append(Mention(person=person, **values))
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
