"""The alert queue -> channels: deliver pending alerts, retry with backoff, report per channel.

Called at the end of `monitor run` and by `monitor alerts send`. A channel that fails is
recorded in the `alerts` table and retried on a later call; it never raises, and never
holds up another channel.
"""

from __future__ import annotations

import logging
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlite_utils import Database

from monitor.config import AlertSettings

from . import content, records
from .channels import Channel, Outgoing, configured
from .errors import DeliveryError, redact

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """Wait before retry n: base * 2**(n-1) seconds, at most `cap`. Backoff(0, 0) in tests."""

    base: float = 300.0
    cap: float = 6 * 3600.0

    def delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.cap, self.base * 2 ** max(attempts - 1, 0)))


@dataclass
class ChannelReport:
    channel: str
    sent: int = 0  # alerts (messages) delivered by this call
    mentions: int = 0  # new mentions those alerts carried
    changes: int = 0  # "no longer named" items they carried
    sources: int = 0  # source-health notices they carried
    failed: int = 0  # alerts that gave up during this call (max_attempts or a permanent error)
    pending: int = 0  # alerts still waiting for a retry after this call
    revived: int = 0  # failed alerts made pending again (`monitor alerts send --retry-failed`)
    errors: list[str] = field(default_factory=list)


@dataclass
class DispatchReport:
    channels: dict[str, ChannelReport] = field(default_factory=dict)

    @property
    def sent(self) -> int:
        return sum(c.sent for c in self.channels.values())

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.channels.values())

    @property
    def pending(self) -> int:
        return sum(c.pending for c in self.channels.values())

    def run_counts(self) -> dict[str, int]:
        """The `runs` table's alert columns."""
        return {"alerts_sent": self.sent, "alerts_failed": self.failed}

    def lines(self) -> list[str]:
        """One line per channel for the run summary."""
        out = []
        for c in self.channels.values():
            carried = f"{c.mentions} mentions" + (f", {c.changes} names removed" if c.changes else "")
            carried += f", {c.sources} sources need attention" if c.sources else ""
            line = f"{c.channel}: {c.sent} sent ({carried}), {c.failed} failed, {c.pending} pending"
            line += f", {c.revived} failed alerts retried" if c.revived else ""
            if c.errors:
                line += f" - last error: {c.errors[-1]}"
            out.append(line)
        return out


def send_pending(
    db: Database,
    settings: AlertSettings,
    *,
    now: datetime | None = None,
    env: Mapping[str, str] | None = None,
    backoff: Backoff | None = None,
    ssl_context: ssl.SSLContext | None = None,
    ignore_backoff: bool = False,
    retry_failed: bool = False,
) -> DispatchReport:
    """Deliver every due alert on every configured channel; never raises for a channel's failure.

    `ignore_backoff` sends every pending alert now, however recently it failed (a person
    ran `monitor alerts send`); `retry_failed` first revives alerts marked failed.
    """
    now = now or datetime.now(timezone.utc)
    env = os.environ if env is None else env
    report = DispatchReport()
    for channel in configured(settings, env, ssl_context):
        revived = records.revive_failed(db, [channel.name]) if retry_failed else 0
        report.channels[channel.name] = _send_channel(db, channel, settings, now, backoff or Backoff(),
                                                      ignore_backoff or retry_failed)
        report.channels[channel.name].revived = revived
    return report


def _send_channel(db: Database, channel: Channel, settings: AlertSettings, now: datetime,
                  backoff: Backoff, ignore_backoff: bool = False) -> ChannelReport:
    result = ChannelReport(channel.name)
    for due in records.claim(db, channel.name, now, ignore_backoff):
        was_maybe_delivered = bool(due["maybe_delivered"])
        if not was_maybe_delivered and records.drop_if_empty(db, due["id"]):
            continue
        row = records.start_attempt(db, due, now, channel.domain)
        outgoing = Outgoing(row["id"], row["message_id"], content.loads(row["content"]), row["created_at"],
                            row["parts_sent"] or 0)
        try:
            note = channel.deliver(outgoing, lambda n, alert_id=row["id"]: records.record_parts(db, alert_id, n))
        except Exception as e:  # a channel's bug must not stop the others
            error = e if isinstance(e, DeliveryError) else DeliveryError(f"{type(e).__name__}: {e}")
            text = redact(str(error), channel.secrets)
            error.args = (text,)
            status = records.mark_failed(db, row, error, now, backoff.delay(row["attempts"]),
                                         settings.max_attempts, was_maybe_delivered)
            log.warning("alert %s on %s: %s (%s)", row["id"], channel.name, text, status)
            result.errors.append(text)
            result.failed += status == "failed"
            if error.retryable:
                break  # the channel is down: later alerts wait for the next run, untried
            continue
        records.mark_sent(db, row["id"], now, redact(note, channel.secrets))
        result.sent += 1
        changes = sum(item.kind == content.VANISHED for item in outgoing.items)
        sources = sum(item.kind == content.SOURCE for item in outgoing.items)
        possible = sum(item.possible for item in outgoing.items)  # not alerts: not counted
        result.mentions += len(outgoing.items) - changes - sources - possible
        result.changes += changes
        result.sources += sources
    result.pending = records.pending_count(db, channel.name)
    return result


def send_test(
    settings: AlertSettings,
    *,
    env: Mapping[str, str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> list[tuple[str, bool, str]]:
    """Send a test message through every configured channel: [(channel, ok, detail)]."""
    env = os.environ if env is None else env
    results = []
    for channel in configured(settings, env, ssl_context):
        try:
            detail, ok = channel.probe(datetime.now(timezone.utc)), True
        except Exception as e:  # report every channel, whatever breaks
            detail, ok = str(e) if isinstance(e, DeliveryError) else f"{type(e).__name__}: {e}", False
        results.append((channel.name, ok, redact(detail, channel.secrets)))
    return results
