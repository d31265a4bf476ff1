"""Slack through an incoming webhook: POST Block Kit JSON with the standard library."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlsplit

from .errors import DeliveryError, redact

USER_AGENT = "mention-monitor alerts"


def post_all(url: str, payloads: Sequence[dict], *, timeout: float, start: int = 0,
             on_posted: Callable[[int], None] = lambda n: None) -> None:
    """Post payloads[start:] in order; after each, on_posted(number posted so far).

    A retry passes start = the count already posted, so a split alert is not repeated.
    """
    for number in range(start, len(payloads)):
        post(url, payloads[number], timeout=timeout)
        on_posted(number + 1)


def post(url: str, payload: dict, *, timeout: float) -> None:
    """One webhook call. 429 and 5xx are retryable; other 4xx mean a bad webhook or payload.

    The webhook URL is itself the secret: errors name only its host.
    """
    where = f"Slack webhook ({urlsplit(url).hostname or 'invalid URL'})"
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
        method="POST",
    )
    secrets = secret_parts(url)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(1024)
    except urllib.error.HTTPError as e:
        raise _http_error(e, where, secrets) from None
    except urllib.error.URLError as e:
        # Raised while connecting or sending: Slack has not seen a whole request.
        raise DeliveryError(redact(f"{where}: cannot connect: {e.reason}", secrets)) from None
    except ValueError as e:  # not a URL urllib can open
        raise DeliveryError(redact(f"{where}: {e}", secrets), retryable=False) from None
    except OSError as e:
        # The request went out but no answer came back: Slack may have posted it.
        raise DeliveryError(
            redact(f"{where}: no answer ({type(e).__name__}: {e}); it may have been posted", secrets),
            maybe_delivered=True,
        ) from None


def is_webhook_url(url: str) -> bool:
    """An http(s) URL with a host: anything else urllib would refuse with "unknown url type"."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def secret_parts(url: str) -> list[str]:
    """The webhook URL, and the pieces of its path and query (the token) that could be echoed alone."""
    parts = urlsplit(url)
    path, query = parts.path, parts.query
    secrets = [url, path, *(part for part in path.split("/") if len(part) >= 6 and part != "services")]
    if query:
        secrets += [query, *(value for _, value in parse_qsl(query) if value)]
    return secrets


def _http_error(e: urllib.error.HTTPError, where: str, secrets: list[str]) -> DeliveryError:
    try:
        body = e.read(300).decode("utf-8", "replace")
    except OSError:
        body = ""
    finally:
        e.close()
    detail = redact(f"{where}: HTTP {e.code} {' '.join(body.split())}".rstrip(), secrets)
    if e.code == 429:
        return DeliveryError(detail, retry_after=_retry_after(e.headers.get("Retry-After")))
    return DeliveryError(detail, retryable=e.code >= 500)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return None
