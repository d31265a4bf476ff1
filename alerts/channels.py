"""The configured channels behind one interface: deliver an alert, or a test message."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import make_msgid

from monitor.config import AlertSettings, AppriseSettings

from . import (
    apprise,
    apprise_send,
    email_text,
    files,
    limits,
    recipients,
    shared_text,
    slack,
    slack_blocks,
    smtp,
    wording,
)
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
        self.alerts = settings
        self.settings = settings.email
        self.public_url = settings.public_url
        self.env = env
        self.ssl_context = ssl_context
        self.domain = self.settings.sender.rpartition("@")[2].strip("<> ") or self.domain
        password = env.get(self.settings.password_env) if self.settings.password_env else None
        self.secrets = (password,) if password else ()

    def deliver(self, alert: Outgoing, on_part: Callable[[int], None]) -> str:
        """One message per recipient (alerts/recipients.py); `parts_sent` counts the recipients served."""
        plan = recipients.email_plan(self.alerts, alert.items)
        notes = []
        for number, (address, items) in enumerate(plan[alert.parts_sent:], alert.parts_sent + 1):
            shown, left_out = limits.cap(items, self.alerts.max_items)
            message = email_text.email_message(
                shown, sender=self.settings.sender, to=(address,),
                message_id=recipients.message_id(alert.message_id, address, len(plan)),
                date=datetime.fromisoformat(alert.created_at), alert_id=alert.alert_id,
                more=limits.more_line(left_out, self.public_url), public_url=self.public_url,
            )
            message.replace_header("Subject", shared_text.subject(items))  # counts what was left out too
            note = smtp.send(self.settings, message, self.env, self.ssl_context,
                             on_sent=lambda number=number: on_part(number))
            notes += [note] if note else []
        return "; ".join(notes)

    def probe(self, now: datetime) -> str:
        """A test message to each address, on its own: to, operators, and people's own recipients."""
        addresses = list(dict.fromkeys([*self.settings.to, *(o for o in self.alerts.operators if "@" in o),
                                        *(a for _, group in self.alerts.notify_email for a in group)]))
        notes = []
        for address in addresses:
            message = email_text.probe_email(sender=self.settings.sender, to=(address,),
                                          message_id=make_msgid("test", self.domain), date=now)
            notes += [n] if (n := smtp.send(self.settings, message, self.env, self.ssl_context)) else []
        where = f"{self.settings.smtp_host}:{self.settings.smtp_port}"
        return "; ".join(notes) or f"sent to {', '.join(addresses)} (one message each) via {where}"


class SlackChannel(Channel):
    name = "slack"

    def __init__(self, settings: AlertSettings, env: Mapping[str, str]):
        assert settings.slack is not None
        self.alerts = settings
        self.settings = settings.slack
        self.public_url = settings.public_url
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
        shown, left_out = limits.cap(alert.items, self.alerts.max_items)
        payloads = slack_blocks.slack_payloads(shown, alert_id=alert.alert_id,
                                          more=limits.more_line(left_out, self.public_url),
                                          public_url=self.public_url)
        slack.post_all(self._url(), payloads, timeout=self.settings.timeout, start=alert.parts_sent,
                       on_posted=on_part)
        return ""

    def probe(self, now: datetime) -> str:
        text = "mention-monitor test message: alerts will reach this channel."
        slack.post(self._url(), {"text": text}, timeout=self.settings.timeout)
        return "posted to the webhook"


class AppriseChannel(Channel):
    """Any service Apprise speaks to, by the URL in the environment variable `url_env` names."""

    def __init__(self, settings: AlertSettings, channel: AppriseSettings, env: Mapping[str, str]):
        self.name = channel.name
        self.alerts = settings
        self.channel = channel
        self.url = env.get(channel.url_env, "").strip()
        self.secrets = tuple(apprise_send.secret_parts(self.url)) if self.url else ()

    def _load(self) -> tuple[object, apprise_send.Service]:
        if not self.url:
            raise DeliveryError(f"environment variable {self.channel.url_env} (named in [[alerts.apprise]] "
                                f"{self.name}) is not set", retryable=False)
        return apprise_send.load(self.url, self.secrets)

    def _where(self, service: apprise_send.Service) -> str:
        return f"{self.name} ({service.scheme}://)"

    def deliver(self, alert: Outgoing, on_part: Callable[[int], None]) -> str:
        if alert.parts_sent:
            return ""  # the service took it before the run died: only the bookkeeping was left
        client, service = self._load()
        fmt = apprise.choose_format(self.channel.format, service.native_format)
        fitted = apprise.message(alert.items, fmt=fmt, limit=apprise.service_limit(service.scheme, service.body_maxlen),
                                 title_limit=service.title_maxlen, max_items=self.alerts.max_items,
                                 public_url=self.alerts.public_url, alert_id=alert.alert_id)
        apprise_send.send(client, body=fitted.body, title=fitted.title, body_format=fmt, where=self._where(service),
                          secrets=self.secrets)
        on_part(1)
        return f"sent; {fitted.left_out} items left to the archive link (length limit)" if fitted.left_out else ""

    def probe(self, now: datetime) -> str:
        client, service = self._load()
        apprise_send.send(client, body="mention-monitor test message: alerts will reach this channel.",
                          title="mention-monitor test" if service.title_maxlen else "", body_format="text",
                          where=self._where(service), secrets=self.secrets)
        return f"sent through Apprise ({service.scheme}://)"


class FileChannel(Channel):
    name = "file"

    def __init__(self, settings: AlertSettings):
        assert settings.file is not None
        self.folder = settings.file.dir
        self.public_url = settings.public_url

    def deliver(self, alert: Outgoing, on_part: Callable[[int], None]) -> str:
        document = {
            "type": "alert",
            "alert_id": alert.alert_id,
            "message_id": alert.message_id,
            "created_at": alert.created_at,
            "subject": shared_text.subject(alert.items),
            "mentions": [_item_json(i, self.public_url) for i in alert.items
                         if i.kind not in (VANISHED, SOURCE) and not i.possible],
            # Pages that no longer name someone they named: after the new mentions, as in email.
            "changes": [_change_json(i) for i in alert.items if i.kind == VANISHED],
            # Sources that need a person (failing run after run, or gone dark): last.
            "sources": [_source_json(i) for i in alert.items if i.kind == SOURCE],
            # Mentions below alerts.min_score: "Possible mentions: please check", not alerts.
            "possible": [_item_json(i, self.public_url) for i in alert.items if i.possible],
        }
        files.write(self.folder, files.alert_path(self.folder, alert.alert_id).name, document)
        return ""

    def probe(self, now: datetime) -> str:
        name = f"test-{now.strftime('%Y%m%dT%H%M%S')}.json"
        path = files.write(self.folder, name, {"type": "test", "at": now.isoformat(timespec="seconds")})
        return f"wrote {path}"


def _item_json(item: AlertItem, public_url: str = "") -> dict:
    return {
        "kind": item.kind, "mention_id": item.mention_id, "person": item.person,
        "first_for_person": item.first_for_person, "title": item.title, "outlet": item.outlet,
        "published": item.published, "url": item.url,
        "links": [{"url": u, "outlet": o} for u, o in item.links], "snippet": item.snippet,
        "matched": item.matched, "score": item.score, "language": item.language, "found_at": item.found_at,
        "confidence": item.confidence, "feed_text": item.feed_text,
        # Empty without serve.public_url.
        "mention_url": wording.mention_url(public_url, item), "reject_url": wording.reject_url(public_url, item),
    }


def _change_json(item: AlertItem) -> dict:
    """A "no longer named" item: the page, when the re-check found it, and what the page used to say."""
    return {
        "kind": item.kind, "mention_id": item.mention_id, "person": item.person, "title": item.title,
        "outlet": item.outlet, "published": item.published, "url": item.url, "checked_at": item.checked_at,
        "check_id": item.check_id, "snippet": item.snippet, "matched": item.matched,
        "text": shared_text.vanished_line(item),
    }


def _source_json(item: AlertItem) -> dict:
    """A source-health notice: the source, what is wrong, and since when (the episode's start)."""
    return {
        "kind": item.kind, "source_kind": item.title, "url": item.url, "problem": item.problem,
        "detail": item.detail, "since": item.since, "text": " ".join(p for p in shared_text.source_lines(item) if p),
        "next_step": shared_text.next_step(item),
    }


def configured(settings: AlertSettings, env: Mapping[str, str],
               ssl_context: ssl.SSLContext | None = None) -> list[Channel]:
    """The channels `settings` configures, in settings.channels order."""
    makers = {
        "email": lambda: EmailChannel(settings, env, ssl_context),
        "slack": lambda: SlackChannel(settings, env),
        "file": lambda: FileChannel(settings),
    }
    makers.update({a.name: (lambda a=a: AppriseChannel(settings, a, env)) for a in settings.apprise})
    return [makers[name]() for name in settings.channels]
