"""The archive's schema: the only place tables are created or changed (sqlite-utils migrations).

Add a change as a new function at the end, decorated with `@migrations()`; never edit one
that has shipped, since users' archives already ran it.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("mention-monitor")


@migrations()
def m001_core(db: Database) -> None:
    db["people"].create(
        {
            "id": int,
            "name": str,
            "aliases": str,  # JSON list
            "context": str,  # JSON list
            "exclude": str,  # JSON list
            "search": int,
            "notes": str,
            "min_score": int,
            "added_at": str,
            "active": int,  # 0 once the person left the watchlist; their mentions stay
        },
        pk="id",
        not_null={"name"},
        defaults={"search": 1, "active": 1, "aliases": "[]", "context": "[]", "exclude": "[]"},
    )
    db["people"].create_index(["name"], unique=True)

    db["sources"].create(
        {
            "id": int,
            "kind": str,  # feed | sitemap | site | search
            "url": str,
            "name": str,
            "etag": str,
            "last_modified": str,
            "first_seen_at": str,
            "last_fetched_at": str,
            "last_full_fetch_at": str,  # last unconditional fetch (stale-validator guard)
            "last_status": str,  # ok | not_modified | error
            "last_error": str,
            "last_new_at": str,  # last time the source yielded an article not seen before
            "consecutive_failures": int,
        },
        pk="id",
        not_null={"url", "kind"},
        defaults={"consecutive_failures": 0},
    )
    db["sources"].create_index(["url"], unique=True)

    db["articles"].create(
        {
            "id": int,
            "url": str,  # canonical URL
            "url_key": str,  # the URL's identity: scheme, www. and trailing slash removed
            "final_url": str,
            "title": str,
            "text": str,
            "published": str,
            "fetched_at": str,
            "source": str,  # configured source URL (or name) that led to it
            "source_kind": str,
            "outlet": str,
            "language": str,
            "author": str,
            "text_from": str,  # page | feed
            "status": int,
            "fingerprint": str,  # the text's story sketch (hex; see stories.py and story_keys)
            "story_id": int,  # id of the first article of the same story
        },
        pk="id",
        not_null={"url", "url_key"},
    )
    db["articles"].create_index(["url_key"], unique=True)
    db["articles"].create_index(["url"])
    db["articles"].create_index(["story_id"])
    db["articles"].create_index(["fetched_at"])
    db["articles"].enable_fts(["title", "text"], create_triggers=True, tokenize="unicode61 remove_diacritics 2")

    db["mentions"].create(
        {
            "id": int,
            "article_id": int,
            "person_id": int,
            "matched": str,
            "start": int,
            "end": int,
            "field": str,  # text | title: which article field start/end index
            "score": int,
            "form": str,  # full | short | surnames | alias | backref
            "context": str,  # JSON list of context words found
            "snippet": str,
            "alertable": int,  # score >= the person's min_score at the time it was stored
            "first_for_person": int,  # the first mention ever stored for this person
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id"), ("person_id", "people", "id")],
    )
    db["mentions"].create_index(["article_id", "person_id", "field", "start"], unique=True)
    db["mentions"].create_index(["person_id", "created_at"])

    # The outbox: one row per (channel, person, story) that is due an alert. Written in
    # the same transaction as the mention, so a crash cannot lose or double it.
    db["outbox"].create(
        {
            "id": int,
            "channel": str,
            "person_id": int,
            "story_id": int,
            "mention_id": int,
            "alert_id": int,  # the delivery that carries it; NULL until dispatched
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("mention_id", "mentions", "id"), ("person_id", "people", "id")],
    )
    db["outbox"].create_index(["channel", "person_id", "story_id"], unique=True)
    db["outbox"].create_index(["alert_id"])

    # One row per message sent (or tried) on a channel.
    db["alerts"].create(
        {
            "id": int,
            "channel": str,
            "status": str,  # pending | sent | failed
            "attempts": int,
            "created_at": str,
            "last_attempt_at": str,
            "next_attempt_at": str,
            "sent_at": str,
            "error": str,
            "message_id": str,
            "mention_ids": str,  # JSON list: which mentions it carries (also via outbox)
        },
        pk="id",
        defaults={"status": "pending", "attempts": 0},
    )
    db["alerts"].create_index(["channel", "status"])

    db["runs"].create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "status": str,  # running | ok | killed | error
            "command": str,  # run | rematch | demo
            "pages_fetched": int,
            "articles_new": int,
            "mentions_new": int,
            "alerts_sent": int,
            "alerts_failed": int,
            "errors": int,
            "source_errors": str,  # JSON {source url: [reasons]}
        },
        pk="id",
    )

    db["run_sources"].create(
        {
            "id": int,
            "run_id": int,
            "source_id": int,
            "url": str,
            "kind": str,
            "status": str,  # ok | not_modified | error
            "fetched": int,
            "new": int,
            "errors": int,
            "error": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id"), ("source_id", "sources", "id")],
    )
    db["run_sources"].create_index(["run_id"])

    # Errors met while fetching or extracting one URL, per run (bad page, 404, binary...).
    db["fetch_errors"].create(
        {
            "id": int,
            "run_id": int,
            "source": str,
            "url": str,
            "reason": str,
            "at": str,
        },
        pk="id",
    )

    # Raw responses of articles that yielded a mention: the evidence a lawyer files.
    db["responses"].create(
        {
            "id": int,
            "article_id": int,
            "url": str,
            "final_url": str,
            "status": int,
            "headers": str,  # JSON
            "body_gz": bytes,
            "sha256": str,  # of the uncompressed body
            "fetched_at": str,
            "kind": str,  # first | recheck
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["responses"].create_index(["article_id"])

    # Later re-checks of mentioned articles (change watch).
    db["checks"].create(
        {
            "id": int,
            "article_id": int,
            "checked_at": str,
            "status": str,  # unchanged | changed | unreachable | gone
            "http_status": int,
            "sha256": str,
            "mentions_present": int,
            "note": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["checks"].create_index(["article_id"])

    # Reviewers' verdicts, per (person, article) so they survive reruns and rematch.
    db["reviews"].create(
        {
            "id": int,
            "person_id": int,
            "article_id": int,
            "mention_id": int,
            "verdict": str,  # confirmed | rejected
            "note": str,
            "reviewed_at": str,
        },
        pk="id",
        foreign_keys=[("person_id", "people", "id"), ("article_id", "articles", "id")],
    )
    db["reviews"].create_index(["person_id", "article_id"], unique=True)


@migrations()
def m002_alert_delivery_state(db: Database) -> None:
    """What the dispatcher needs to resend an alert without changing it (alerts/dispatch.py)."""
    # 1 once an attempt may have reached the recipient (the run died mid-send, or the
    # server went silent after the data was sent): the content is then frozen, so a
    # resend is an exact duplicate with the same Message-ID rather than a new message.
    db["alerts"].add_column("maybe_delivered", int, not_null_default=0)
    # Slack alerts past Slack's limits go out as several messages: how many already did.
    db["alerts"].add_column("parts_sent", int, not_null_default=0)
    # JSON of what the alert says (people, headlines, links, snippets), as sent.
    db["alerts"].add_column("content", str)


@migrations()
def m003_change_watch(db: Database) -> None:
    """Change watch and review (monitor/archive/changes.py, monitor/archive/review.py)."""
    # When a re-check first found the page no longer naming this mention's person.
    db["mentions"].add_column("vanished_at", str)
    # Alerts about a page that changed after it named someone, one row per (channel,
    # kind, person, article); like the outbox, alert_id stays NULL until dispatched.
    db["change_alerts"].create(
        {
            "id": int,
            "channel": str,
            "kind": str,  # vanished: the page no longer names the person
            "person_id": int,
            "article_id": int,
            "mention_id": int,  # the earlier mention that is gone
            "check_id": int,  # the re-check that found it
            "created_at": str,
            "alert_id": int,
        },
        pk="id",
        foreign_keys=[("person_id", "people", "id"), ("article_id", "articles", "id"),
                      ("mention_id", "mentions", "id"), ("check_id", "checks", "id")],
    )
    db["change_alerts"].create_index(["channel", "kind", "person_id", "article_id"], unique=True)
    db["change_alerts"].create_index(["alert_id"])
    # Every mention with its reviewer's verdict, for reviewing in Datasette.
    db.create_view("review_queue", """
        select m.id as mention_id, p.name as person, m.matched, m.score, m.snippet, a.title, a.url,
               m.first_for_person, m.created_at, m.vanished_at, r.verdict, r.note, r.reviewed_at
        from mentions m
        join people p on p.id = m.person_id
        join articles a on a.id = m.article_id
        left join reviews r on r.person_id = m.person_id and r.article_id = m.article_id
    """)

def migrate(db: Database) -> None:
    """Bring the archive up to the current schema; safe to call on every open."""
    migrations.apply(db)


@migrations()
def m004_story_keys(db: Database) -> None:
    """Index article sketches so finding a syndicated copy is a lookup, not a scan."""
    db["story_keys"].create({"key": int, "article_id": int}, foreign_keys=[("article_id", "articles", "id")])
    db["story_keys"].create_index(["key"])
    from .stories import sketch  # the sketch of each stored text, as the store now writes it

    for row in list(db.query("select id, text from articles")):
        keys = sketch(row["text"] or "")
        db["story_keys"].insert_all({"key": key, "article_id": row["id"]} for key in keys)
        db["articles"].update(row["id"], {"fingerprint": " ".join(f"{k:08x}" for k in keys)})


@migrations()
def m005_health_alerts(db: Database) -> None:
    """Source-health notices for the alert channels (monitor/archive/health.py `queue_health_notices`)."""
    # One row per (channel, source, problem, episode): a source that newly fails N runs in a
    # row or goes dark is told once per episode, not on every run while it lasts. `since`
    # names the episode (the first failed run of the streak, or the last new item before the
    # dark spell), so a recovery followed by a new failure is a new row. Like the outbox,
    # alert_id stays NULL until the dispatcher puts the row into an alert.
    db["health_alerts"].create(
        {
            "id": int,
            "channel": str,
            "source_url": str,
            "source_kind": str,  # feed | sitemap | site | search
            "problem": str,  # failing | dark
            "detail": str,  # e.g. "failed 3 runs in a row (last: ...)"
            "since": str,  # the episode's start
            "run_id": int,  # the run that found it
            "created_at": str,
            "alert_id": int,
        },
        pk="id",
    )
    db["health_alerts"].create_index(["channel", "source_url", "problem", "since"], unique=True)
    db["health_alerts"].create_index(["alert_id"])


@migrations()
def m006_pending_urls(db: Database) -> None:
    """URLs a source listed over `crawl.max_urls_per_source`, fetched by later runs (monitor/archive/backlog.py)."""
    db["pending_urls"].create(
        {
            "id": int,
            "source": str,  # the configured feed or sitemap URL
            "kind": str,  # feed | sitemap
            "url": str,
            "title": str,
            "text": str,
            "published": str,
            "outlet": str,
            "first_seen_at": str,
        },
        pk="id",
    )
    db["pending_urls"].create_index(["url"], unique=True)
    db["pending_urls"].create_index(["source", "id"])
    db["run_sources"].add_column("deferred", int)


@migrations()
def m007_run_history(db: Database) -> None:
    """Run bookkeeping that stays cheap for years (archive/history.py) and pages given up on (monitor/workers.py)."""
    # Every query the run makes on its history, indexed (checked with EXPLAIN QUERY PLAN in
    # tests/test_history.py): without these each run scans all the runs before it.
    db["run_sources"].create_index(["url", "run_id"], if_not_exists=True)
    db.execute("create index if not exists idx_run_sources_url_new on run_sources (url, run_id) where new > 0")
    db["fetch_errors"].create_index(["run_id"], if_not_exists=True)
    db["fetch_errors"].create_index(["url"], if_not_exists=True)
    db["runs"].create_index(["started_at"], if_not_exists=True)
    db["runs"].create_index(["status"], if_not_exists=True)
    # The run that stored each article and mention: "new in this run" is exact, not a clock comparison.
    db["articles"].add_column("run_id", int)
    db["mentions"].add_column("run_id", int)
    db["articles"].create_index(["run_id"], if_not_exists=True)
    db["mentions"].create_index(["run_id"], if_not_exists=True)
    # A page that killed, hung or exhausted its extraction worker, with how often: after
    # crawl.page_attempts it is given up (not extracted again) until its row is deleted.
    # Not run bookkeeping: it is never pruned, so a poison page stays given up.
    db["page_failures"].create(
        {
            "url_key": str,
            "url": str,
            "source": str,
            "attempts": int,
            "reason": str,  # the last failure
            "first_at": str,
            "last_at": str,
            "given_up_at": str,  # NULL while it is still tried
        },
        pk="url_key",
        defaults={"attempts": 0},
    )


@migrations()
def m008_browser_review(db: Database) -> None:
    """Review from the browser (monitor/web/pages.py): who gave a verdict, and a real queue."""
    # The signed-in reviewer's id for verdicts given in `monitor serve`; empty from the CLI.
    db["reviews"].add_column("reviewer", str)
    # Only mentions nobody has judged yet; possible mentions (below the alert threshold,
    # never alerted) first, since no alert brought them to anyone's eyes.
    db.execute("drop view if exists review_queue")
    db.create_view("review_queue", """
        select m.id as mention_id, p.name as person, m.matched, m.score,
               case when m.alertable then 'alerted' else 'possible' end as kind,
               m.snippet, a.title, coalesce(nullif(a.outlet, ''), a.source) as outlet, a.url,
               m.first_for_person, m.created_at, m.vanished_at, p.id as person_id
        from mentions m
        join people p on p.id = m.person_id
        join articles a on a.id = m.article_id
        left join reviews r on r.person_id = m.person_id and r.article_id = m.article_id
        where r.id is null
        order by m.alertable, m.score desc, m.created_at desc, m.id desc
    """)


@migrations()
def m009_possible_outbox(db: Database) -> None:
    """Possible mentions (below alerts.min_score) ride the outbox too, in their own lane.

    A `possible` row is queued once per (channel, person, story) like an alert, but the
    confident lane's dedup ignores it: a later confident mention of the same story still
    queues (and alerts), instead of finding its slot taken by the possible one.
    """
    db["outbox"].add_column("possible", int, not_null_default=0)
    db.execute("drop index if exists idx_outbox_channel_person_id_story_id")
    db["outbox"].create_index(["channel", "person_id", "story_id", "possible"], unique=True)


@migrations()
def m010_alert_queue(db: Database) -> None:
    """One alert queue (monitor/archive/queue.py) for `outbox`, `change_alerts` and `health_alerts`; one rejection view.

    Every row of the three tables is copied with its alert (`alert_id`), so what waited
    still waits and what was sent stays sent; the old names stay as read-only views.
    `kind` says which queue a row came from: mention | possible (outbox), vanished
    (change_alerts), health (health_alerts). `story_id` is set for every row about a
    person (for `vanished`, the page's story), so one view answers "rejected for this
    person and story" for all of them.
    """
    db["alert_queue"].create(
        {
            "id": int,
            "kind": str,  # mention | possible | vanished | health
            "channel": str,
            "person_id": int,
            "story_id": int,
            "article_id": int,
            "mention_id": int,
            "check_id": int,  # vanished: the re-check that found the name gone
            "source_url": str,  # health: the source, its kind, what is wrong, since when
            "source_kind": str,
            "problem": str,
            "detail": str,
            "since": str,
            "run_id": int,
            "created_at": str,
            "alert_id": int,  # the delivery that carries it; NULL until dispatched
        },
        pk="id",
        not_null={"kind", "channel"},
        # No foreign keys: a row copied from an old archive may name a mention someone
        # deleted by hand (the sqlite3 shell does not enforce them), and must not stop the
        # archive from opening. The dispatcher joins, so such a row says nothing.
    )
    # Uniqueness per kind, as the three tables had it: a (person, story) once per channel
    # and lane, a name removed from a page once ever, a source problem once per episode.
    db.execute("create unique index idx_alert_queue_story on alert_queue (channel, kind, person_id, story_id) "
               "where kind in ('mention', 'possible')")
    db.execute("create unique index idx_alert_queue_change on alert_queue (channel, kind, person_id, article_id) "
               "where kind = 'vanished'")
    db.execute("create unique index idx_alert_queue_health on alert_queue (channel, source_url, problem, since) "
               "where kind = 'health'")
    db.execute("create index idx_alert_queue_waiting on alert_queue (channel, alert_id)")
    db.execute("create index idx_alert_queue_alert_id on alert_queue (alert_id)")
    db.execute("""
        insert into alert_queue (kind, channel, person_id, story_id, article_id, mention_id, created_at, alert_id)
        select case when o.possible then 'possible' else 'mention' end, o.channel, o.person_id, o.story_id,
               m.article_id, o.mention_id, o.created_at, o.alert_id
        from outbox o left join mentions m on m.id = o.mention_id order by o.id
    """)
    db.execute("""
        insert into alert_queue (kind, channel, person_id, story_id, article_id, mention_id, check_id, created_at,
                                 alert_id)
        select c.kind, c.channel, c.person_id, coalesce(a.story_id, c.article_id), c.article_id, c.mention_id,
               c.check_id, c.created_at, c.alert_id
        from change_alerts c left join articles a on a.id = c.article_id order by c.id
    """)
    db.execute("""
        insert into alert_queue (kind, channel, source_url, source_kind, problem, detail, since, run_id, created_at,
                                 alert_id)
        select 'health', channel, source_url, source_kind, problem, detail, since, run_id, created_at, alert_id
        from health_alerts order by id
    """)
    for table in ("outbox", "change_alerts", "health_alerts"):
        db.execute(f"drop table {table}")
    # The old names, read-only, for saved queries and scripts written against 0.1.0.
    db.create_view("outbox", """
        select id, channel, person_id, story_id, mention_id, alert_id, created_at, kind = 'possible' as possible
        from alert_queue where kind in ('mention', 'possible')
    """)
    db.create_view("change_alerts", """
        select id, channel, kind, person_id, article_id, mention_id, check_id, created_at, alert_id
        from alert_queue where kind = 'vanished'
    """)
    db.create_view("health_alerts", """
        select id, channel, source_url, source_kind, problem, detail, since, run_id, created_at, alert_id
        from alert_queue where kind = 'health'
    """)
    # "A reviewer said this is not that person", per (person, story): every question of
    # the kind (queueing, dispatch, change watch, why not alerted) asks this view.
    db.create_view("rejected_stories", """
        select distinct r.person_id, coalesce(a.story_id, a.id) as story_id
        from reviews r join articles a on a.id = r.article_id
        where r.verdict = 'rejected'
    """)


@migrations()
def m011_rematch_state(db: Database) -> None:
    """Which watchlist entries `monitor rematch` still has to search the archive for (monitor/rematch.py)."""
    # When the entry's name, aliases, context or exclude words last changed (or it was
    # added, or came back to the watchlist): articles fetched before then were matched
    # against an older entry, or none.
    db["people"].add_column("changed_at", str)
    # The last article id stored before then: articles up to it are the ones to search.
    db["people"].add_column("articles_before", int)
    # The `changed_at` a rematch last searched the archive for; equal to it: nothing to do.
    db["people"].add_column("rematched_at", str)
    db.execute("update people set changed_at = added_at, articles_before = case when added_at is null then null "
               "else coalesce((select max(a.id) from articles a where a.fetched_at <= people.added_at), 0) end")
