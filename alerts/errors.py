"""DeliveryError: how a channel says a send failed, and whether trying again makes sense."""

from __future__ import annotations

from collections.abc import Iterable


class DeliveryError(Exception):
    """A channel could not deliver. The message is safe to store: secrets are redacted.

    `maybe_delivered` is set when the failure came after the data left (a timeout
    waiting for the server's answer), so the recipient may have it already.
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = True,
        retry_after: float | None = None,
        maybe_delivered: bool = False,
    ):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.maybe_delivered = maybe_delivered


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every secret (and, for URLs, their path, which is the token) with [redacted]."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    return text
