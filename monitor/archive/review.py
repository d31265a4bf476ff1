"""Reviewers' verdicts on mentions: confirmed, or rejected ("not this person") for good.

A verdict is kept per (person, article) in the `reviews` table, so it outlives reruns and
`monitor rematch`. A rejection holds back every alert for that person and story: the
queue never takes them again (queue.py), the dispatcher skips rows still waiting, and
rows already put into an alert that cannot have reached anyone are taken out of it here.
"""

from __future__ import annotations

import json
from collections import defaultdict

from sqlite_utils import Database

from ..errors import MonitorError
from . import queue
from .evidence import load_mention
from .store import utcnow

VERDICTS = ("confirmed", "rejected")


def review(db: Database, mention_id: int, verdict: str, note: str | None = None,
           reviewer: str | None = None) -> dict:
    """Record a verdict on a mention's (person, article); return the review row.

    A later verdict on the same (person, article) replaces the earlier one. `reviewer` is
    the signed-in reviewer's id when the verdict comes from the browser. Raises
    UnknownMention for an unknown id.
    """
    if verdict not in VERDICTS:
        raise MonitorError(f"verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
    mention = load_mention(db, mention_id)
    row = {
        "person_id": mention["person_id"], "article_id": mention["article_id"], "mention_id": mention_id,
        "verdict": verdict, "note": note or None, "reviewed_at": utcnow(), "reviewer": reviewer or None,
    }
    with db.atomic():
        db.execute(
            "insert into reviews (person_id, article_id, mention_id, verdict, note, reviewed_at, reviewer) "
            "values (:person_id, :article_id, :mention_id, :verdict, :note, :reviewed_at, :reviewer) "
            "on conflict (person_id, article_id) do update set mention_id = excluded.mention_id, "
            "verdict = excluded.verdict, note = excluded.note, reviewed_at = excluded.reviewed_at, "
            "reviewer = excluded.reviewer",
            row,
        )
        withdrawn = 0
        if verdict == "rejected":
            withdrawn = _withdraw(db, mention["person_id"], mention["story_id"] or mention["article_id"])
    return {**row, "person": mention["person"], "withdrawn": withdrawn}


# Alerts that cannot have reached anyone yet: their rows may still be taken out.
_UNSENT = "select id from alerts where status = 'pending' and maybe_delivered = 0"


def _withdraw(db: Database, person_id: int, story_id: int) -> int:
    """Take the person's rows for this story out of alerts not yet (possibly) delivered; count them.

    The rows go back to waiting (alert_id NULL), where the dispatcher leaves rejected ones;
    an alert left with nothing to say is deleted. An alert that may already have reached
    someone is frozen and left alone: resending it must repeat exactly what was sent.
    """
    withdrawn, alert_ids = queue.withdraw(db, person_id, story_id, _UNSENT)
    for alert_id in alert_ids:
        # What the alert still carries, in the order the dispatcher writes alerts.mention_ids.
        left = queue.carried(db, alert_id)
        if left:
            db.execute("update alerts set mention_ids = ? where id = ?", [json.dumps(left), alert_id])
        else:
            db.execute("delete from alerts where id = ?", [alert_id])
    return withdrawn


def rejected_snippets(db: Database) -> dict[str, list[str]]:
    """Person name -> snippets of mentions reviewers rejected: negative context for the matcher."""
    found: dict[str, list[str]] = defaultdict(list)
    rows = db.execute(
        "select p.name, m.snippet from reviews r join mentions m on m.person_id = r.person_id "
        "and m.article_id = r.article_id join people p on p.id = r.person_id "
        "where r.verdict = 'rejected' and m.snippet is not null order by p.name, m.id")
    for name, snippet in rows:
        if snippet not in found[name]:
            found[name].append(snippet)
    return dict(found)
