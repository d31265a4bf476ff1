"""Send one message through Apprise, and tell a refused message from a transient failure.

Apprise's notify() answers only True or False. What went wrong is in what its plugins
log: "Failed to send ... error=403." carries the service's HTTP status, and a connection
failure is logged as "A Connection error occurred ..." followed, at debug level, by the
socket exception ("Read timed out", "Connection refused"). So the call runs with a handler
on the `apprise` logger that keeps those records (and stops them reaching the run's own
log, where a plugin's debug line could carry a token), and the outcome is read from them:

- HTTP 4xx other than 408 and 429: the service refused this message (bad token, unknown
  chat, too long): not retried, the alert is `failed` at once with the reason.
- HTTP 408, 429, 5xx, connection refused, DNS, TLS: transient, retried with backoff.
- A read timeout: the request went out and no answer came: retried, and marked as
  possibly delivered (the text is frozen so a repeat is the same message).
- A URL Apprise cannot parse, or a service it cannot load: refused (fix the variable).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from .errors import DeliveryError, redact

# urllib3 logs each request line (a Telegram token is in its path) at debug level.
_QUIET_LOGGERS = ("apprise", "urllib3")
_STATUS = re.compile(r"error=(\d{3})\b")
_TIMED_OUT = re.compile(r"read timed out|readtimeout|read timeout", re.IGNORECASE)
# A dotted host name or address (api.telegram.org, 127.0.0.1) is where, not a secret.
_HOST = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


@dataclass(frozen=True)
class Service:
    """What a channel needs to know about the service behind an Apprise URL."""

    scheme: str
    body_maxlen: int
    title_maxlen: int
    native_format: object


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _captured():
    """Collect apprise's (and urllib3's) log records during the call; they reach no other handler."""
    keep = _Keep()
    saved = []
    for name in _QUIET_LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.propagate))
        logger.addHandler(keep)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
    try:
        yield keep.records
    finally:
        for logger, level, propagate in saved:
            logger.removeHandler(keep)
            logger.setLevel(level)
            logger.propagate = propagate


def secret_parts(url: str) -> list[str]:
    """The Apprise URL whole, and every piece of it that could be a token, a password or a phone number.

    Tokens sit anywhere in an Apprise URL (tgram://TOKEN/CHAT, signal://host/+PHONE,
    json://user:pass@host/path?key=value), and a plugin may log one alone, %-decoded.
    """
    from urllib.parse import unquote

    rest = url.split("://", 1)[-1]
    pieces = [p for p in re.split(r"[/:@?&=#,;+\s]+", rest) if len(p) >= 6 and not _HOST.fullmatch(p)]
    pieces += [unquote(p) for p in pieces]
    return [url, rest, unquote(url), *pieces]


def load(url: str, secrets: Iterable[str]) -> tuple[object, Service]:
    """An Apprise object holding the one service of `url`, and what it says about that service."""
    import apprise  # imported here: only channels that use it pay for loading 100+ plugins

    client = apprise.Apprise()
    with _captured() as records:
        added = client.add(url)
    if not added or len(client) != 1:
        why = _last_words(records, secrets) or "check the URL's form in Apprise's documentation"
        raise DeliveryError(redact(f"Apprise cannot use this URL: {why}", secrets), retryable=False)
    plugin = client[0]
    service = Service(scheme=url.split(":", 1)[0].lower(), body_maxlen=int(plugin.body_maxlen or 0),
                      title_maxlen=int(plugin.title_maxlen or 0), native_format=plugin.notify_format)
    return client, service


def send(client: object, *, body: str, title: str, body_format: str, where: str, secrets: Iterable[str]) -> None:
    """Deliver one message; raise DeliveryError (retryable or not, maybe delivered) if it did not go."""
    secrets = list(secrets)
    with _captured() as records:
        try:
            ok = bool(client.notify(body=body, title=title, body_format=body_format))
        except Exception as e:  # a plugin's bug is a failed send, not a crashed run
            raise DeliveryError(redact(f"{where}: {type(e).__name__}: {e}", secrets)) from None
    if ok:
        return
    raise classify(records, where, secrets)


def classify(records: list[logging.LogRecord], where: str, secrets: list[str]) -> DeliveryError:
    """What the plugin's log says about a failed send, as a DeliveryError."""
    said = _last_words(records, secrets)
    texts = [_text(r) for r in records]
    detail = redact(f"{where}: {said or 'the service did not take the message'}", secrets)
    for text in texts:
        if m := _STATUS.search(text):
            status = int(m.group(1))
            if 400 <= status < 500 and status not in (408, 429):
                return DeliveryError(f"{detail} (refused: HTTP {status})", retryable=False)
            return DeliveryError(f"{detail} (HTTP {status}, will retry)")
    if any(_TIMED_OUT.search(t) for t in texts):
        return DeliveryError(f"{detail} (no answer in time; it may have been delivered)", maybe_delivered=True)
    return DeliveryError(f"{detail} (will retry)")


def _text(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # a plugin's bad format string
        return str(record.msg)


def _last_words(records: list[logging.LogRecord], secrets: Iterable[str]) -> str:
    """The plugin's own warning or error (one line, redacted): the reason a person can act on."""
    words = [_text(r) for r in records if r.levelno >= logging.WARNING and r.name.startswith("apprise")]
    return redact(" ".join(" ".join(words[-2:]).split())[:300], secrets) if words else ""
