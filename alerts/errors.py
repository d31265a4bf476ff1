"""DeliveryError: how a channel says a send failed, and whether trying again makes sense."""

from __future__ import annotations

import base64
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
    """Replace every secret, whatever its length, and its base64 forms with [redacted].

    A server that echoes what it was sent (an SMTP AUTH exchange) repeats it base64-encoded.
    """
    forms = {form for secret in secrets if secret for form in (secret, *base64_forms(secret))}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "[redacted]")
    return text


def base64_forms(secret: str) -> list[str]:
    """`secret` in base64, standard and URL-safe, with and without padding."""
    raw = secret.encode("utf-8")
    forms = []
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        encoded = encode(raw).decode("ascii")
        forms += [encoded, encoded.rstrip("=")]
    return [form for form in forms if len(form) >= 4]  # a 1-character base64 form would hit any text
