"""The configured channels behind one interface: deliver an alert, or a test message."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import make_msgid

from monitor.config import AlertSettings

from . import compose, files, slack, smtp
from .content import SOURCE, VANISHED, AlertItem
from .errors import DeliveryError


@dataclass(frozen=True)
class Outgoing:
    """One alert as a channel sees it."""

    alert_id: int
    message_id: str
    items: Sequence[AlertItem]
    created_at: str
    parts_sent: int = 0


class Channel:
    """Base: `deliver` returns a note ('' when all went well) or raises DeliveryError."""

    name = ""
    domain = "mention-monitor.invalid"  # right-hand side of Message-IDs
    secrets: tuple[str, ...] = ()

    def deliver(self, alert: Outgoing, on_part: Callable[[int], None]) -> str:
        raise NotImplementedError

    def probe(self, now: datetime) -> str:
        """Send a test message; return what happened, for `monitor alerts test`."""
        raise NotImplementedError


class EmailChannel(Channel):
    name = "email"

    def __init__(self, settings: AlertSettings, env: Mapping[str, str], ssl_context: ssl.SSLContext | None):
        assert settings.email is not None
        self.settings = settings.email
        self.env = env
        self.ssl_context = ssl_context
        self.domain = self.settings.sender.rpartition("@")[2].strip("<> ") or self.domain
        password = env.get(self.settings.password_env) if self.settings.password_env else None
        self.secrets = (password,) if password else ()

    def deliver(self, alert: Outgoing, on_part: Callable[[int], None]) -> str:
        if alert.parts_sent:
            return ""  # the server accepted it before the run died: only the bookkeeping was left
        message = compose.email_message(
            alert.items, sender=self.settings.sender, to=self.settings.to, message_id=alert.message_id,
            date=datetime.fromisoformat(alert.created_at), alert_id=alert.alert_id,
        )
        return smtp.send(self.settings, message, self.env, self.ssl_context, on_sent=lambda: on_part(1))

    def probe(self, now: datetime) -> str:
        message = compose.probe_email(sender=self.settings.sender, to=self.settings.to,
                                      message_id=make_msgid("test", self.domain), date=now)
        note = smtp.send(self.settings, message, self.env, self.ssl_context)
        where = f"{self.settings.smtp_host}:{self.settings.smtp_port}"
        return note or f"sent to {', '.join(self.settings.to)} via {where}"


class SlackChannel(Channel):
    name = "slack"

    def __init__(self, settings: AlertSettings, env: Mapping[str, str]):
        assert settings.slack is not None
        self.settings = settings.slack
        self.url = env.get(self.settings.webhook_url_env, "").strip()
        self.secrets = tuple(slack.secret_parts(self.url)) if self.url else ()

    def _url(self) -> str:
        variable = f"environment variable {self.settings.webhook_url_env} (named in [alerts.slack])"
        if not self.url:
            raise DeliveryError(f"{variable} is not set")
        if not slack.is_webhook_url(self.url):  # its value is the secret: never echoed
            raise DeliveryError(f"{variable} is not a URL; set it to the webhook URL Slack gave you "
                                "(https://hooks.slack.com/services/...)", retryable=False)
        return self.url

    def deliver(self, alert: Outgoing, on_part: Callable[[int], None]) -> str:
        payloads = compose.slack_payloads(alert.items, alert_id=alert.alert_id)
        slack.post_all(self._url(), payloads, timeout=self.settings.timeout, start=alert.parts_sent,
                       on_posted=on_part)
        return ""

    def probe(self, now: datetime) -> str:
        text = "mention-monitor test message: alerts will reach this channel."
        slack.post(self._url(), {"text": text}, timeout=self.settings.timeout)
        return "posted to the webhook"


class FileChannel(Channel):
    name = "file"

    def __init__(self, settings: AlertSettings):
        assert settings.file is not None
        self.folder = settings.file.dir

    def deliver(self, alert: Outgoing, on_part: Callable[[int], None]) -> str:
        document = {
            "type": "alert",
            "alert_id": alert.alert_id,
            "message_id": alert.message_id,
            "created_at": alert.created_at,
            "subject": compose.subject(alert.items),
            "mentions": [_item_json(i) for i in alert.items if i.kind not in (VANISHED, SOURCE)],
            # Pages that no longer name someone they named: after the new mentions, as in email.
            "changes": [_change_json(i) for i in alert.items if i.kind == VANISHED],
            # Sources that need a person (failing run after run, or gone dark): last.
            "sources": [_source_json(i) for i in alert.items if i.kind == SOURCE],
        }
        files.write(self.folder, files.alert_path(self.folder, alert.alert_id).name, document)
        return ""

    def probe(self, now: datetime) -> str:
        name = f"test-{now.strftime('%Y%m%dT%H%M%S')}.json"
        path = files.write(self.folder, name, {"type": "test", "at": now.isoformat(timespec="seconds")})
        return f"wrote {path}"


def _item_json(item: AlertItem) -> dict:
    return {
        "kind": item.kind, "mention_id": item.mention_id, "person": item.person,
        "first_for_person": item.first_for_person, "title": item.title, "outlet": item.outlet,
        "published": item.published, "url": item.url,
        "links": [{"url": u, "outlet": o} for u, o in item.links], "snippet": item.snippet,
        "matched": item.matched, "score": item.score,
    }


def _change_json(item: AlertItem) -> dict:
    """A "no longer named" item: the page, when the re-check found it, and what the page used to say."""
    return {
        "kind": item.kind, "mention_id": item.mention_id, "person": item.person, "title": item.title,
        "outlet": item.outlet, "published": item.published, "url": item.url, "checked_at": item.checked_at,
        "check_id": item.check_id, "snippet": item.snippet, "matched": item.matched,
        "text": compose.vanished_line(item),
    }


def _source_json(item: AlertItem) -> dict:
    """A source-health notice: the source, what is wrong, and since when (the episode's start)."""
    return {
        "kind": item.kind, "source_kind": item.title, "url": item.url, "problem": item.problem,
        "detail": item.detail, "since": item.since, "text": " ".join(p for p in compose.source_lines(item) if p),
    }


def configured(settings: AlertSettings, env: Mapping[str, str],
               ssl_context: ssl.SSLContext | None = None) -> list[Channel]:
    """The channels `settings` configures, in settings.channels order."""
    makers = {
        "email": lambda: EmailChannel(settings, env, ssl_context),
        "slack": lambda: SlackChannel(settings, env),
        "file": lambda: FileChannel(settings),
    }
    return [makers[name]() for name in settings.channels]
