"""Evidence bundles: the page as received, its text, headers and a manifest of hashes, for one mention.

A bundle is a folder a lawyer can file. Every file's SHA-256 is in `manifest.json` and in
`SHA256SUMS` (check it with `sha256sum -c SHA256SUMS`); the original page's hash is also
the one recorded when it was fetched, so the bundle shows the archive was not altered.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

from sqlite_utils import Database

from ..errors import MonitorError

FORMAT = "mention-monitor evidence bundle 1"


class UnknownMention(MonitorError):
    """No mention with this id in the archive (the CLI exits 2)."""


def load_mention(db: Database, mention_id: int) -> dict:
    """The mention with its person's name and article's story id; UnknownMention if absent."""
    rows = list(db.query(
        "select m.*, p.name as person, a.story_id from mentions m join people p on p.id = m.person_id "
        "join articles a on a.id = m.article_id where m.id = ?", [mention_id]))
    if not rows:
        raise UnknownMention(f"no mention with id {mention_id} in the archive")
    return rows[0]


def write_bundle(db: Database, mention_id: int, out_dir: str | Path) -> dict:
    """Write the evidence bundle of one mention into `out_dir` (new or empty); return the manifest.

    Raises UnknownMention for an unknown id, MonitorError if `out_dir` holds files or the
    stored page no longer matches the hash taken at fetch time.
    """
    mention = load_mention(db, mention_id)
    article = db["articles"].get(mention["article_id"])
    responses = list(db.query("select * from responses where article_id = ? order by id", [article["id"]]))
    out = _check_empty(Path(out_dir))
    files: dict[str, bytes] = {}
    first = next((r for r in responses if r["kind"] == "first"), None)
    if first is not None:
        files["original.html"] = _body(first)
        files["headers.json"] = _json_bytes(json.loads(first["headers"] or "{}"))
    later = [(f"recheck-{n}.html", r) for n, r in enumerate((r for r in responses if r is not first), 1)]
    for name, response in later:
        files[name] = _body(response)
    files["text.txt"] = (article["text"] or "").encode("utf-8")
    files["snippet.txt"] = (mention["snippet"] or "").encode("utf-8")
    manifest = _manifest(db, mention, article, first, later, files)
    files["manifest.json"] = _json_bytes(manifest)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
    sums = "".join(f"{_sha256(data)}  {name}\n" for name, data in files.items())
    (out / "SHA256SUMS").write_text(sums, encoding="utf-8")
    return manifest


def _check_empty(out: Path) -> Path:
    """Evidence is never overwritten: the folder must be new or empty."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise MonitorError(f"{out}: not an empty folder; choose a new one for the bundle")
    return out


def _body(response: dict) -> bytes:
    """The response body as received, checked against the hash taken when it was fetched."""
    body = gzip.decompress(response["body_gz"])
    if _sha256(body) != response["sha256"]:
        raise MonitorError(
            f"response {response['id']} ({response['url']}): stored body does not match its fetch-time "
            "SHA-256; the archive is damaged, no bundle written")
    return body


def _manifest(db: Database, mention: dict, article: dict, first: dict | None, later: list[tuple[str, dict]],
              files: dict[str, bytes]) -> dict:
    review = db.execute("select verdict, note, reviewed_at from reviews where person_id = ? and article_id = ?",
                        [mention["person_id"], article["id"]]).fetchone()
    checks = db.query("select checked_at, status, http_status, sha256, mentions_present, note from checks "
                      "where article_id = ? order by id", [article["id"]])
    run = db.execute("select command from runs where id = ?", [mention.get("run_id")]).fetchone()
    return {
        "format": FORMAT,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "mention": {
            "id": mention["id"], "person": mention["person"], "matched": mention["matched"],
            "field": mention["field"], "start": mention["start"], "end": mention["end"],
            "score": mention["score"], "form": mention["form"], "context": json.loads(mention["context"] or "[]"),
            "snippet": mention["snippet"], "first_for_person": bool(mention["first_for_person"]),
            "found_at": mention["created_at"], "vanished_at": mention.get("vanished_at"),
            # "run": in the page when it was fetched; "rematch": later, in the text stored then.
            "found_by": run[0] if run else None,
            "review": dict(zip(("verdict", "note", "reviewed_at"), review, strict=True)) if review else None,
        },
        "article": {
            "id": article["id"], "url": article["url"], "final_url": article["final_url"],
            "title": article["title"], "published": article["published"], "outlet": article["outlet"],
            "language": article["language"], "fetched_at": article["fetched_at"], "text_from": article["text_from"],
        },
        "response": {"file": "original.html", **_response_fields(first)} if first else None,
        "note": _note(article, first),
        "rechecks": [{"file": name, **_response_fields(r)} for name, r in later],
        "checks": [dict(c) for c in checks],
        "files": {name: {"sha256": _sha256(data), "bytes": len(data)} for name, data in files.items()},
    }


def _note(article: dict, first: dict | None) -> str | None:
    """Where text.txt came from when there is no original.html to show it."""
    if first is not None:
        return None
    if article["text_from"] == "feed":
        return "no page response was stored: the text came from the feed entry (text.txt)"
    return (f"no page response was stored: text.txt is the text extracted from the page fetched at "
            f"{article['fetched_at']}, whose response was not kept (archives before rematch evidence kept "
            "only the responses of pages that named someone when fetched)")


def _response_fields(response: dict) -> dict:
    return {
        "url": response["url"], "final_url": response["final_url"], "http_status": response["status"],
        "fetched_at": response["fetched_at"], "sha256_at_fetch": response["sha256"], "kind": response["kind"],
    }


def _json_bytes(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
