"""Email over SMTP: plain, STARTTLS or implicit TLS, optional login with secrets from the environment."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Mapping
from email.message import EmailMessage

from monitor.config import EmailSettings

from .errors import DeliveryError, redact


def send(
    settings: EmailSettings,
    message: EmailMessage,
    env: Mapping[str, str],
    ssl_context: ssl.SSLContext | None = None,
    on_sent: Callable[[], None] = lambda: None,
) -> str:
    """Deliver `message`; return a note ('' when all went well), raise DeliveryError if not sent.

    Every failure before the message data is handed over is a clean "not sent"; one
    after it (the server went silent before its final answer) may have been delivered.
    `on_sent` runs as soon as the server has accepted the message, before QUIT, so the
    caller can record it with the least delay.
    """
    user, password = _credentials(settings, env)
    where = f"SMTP {settings.smtp_host}:{settings.smtp_port}"
    if (user or password) and not (settings.starttls or settings.ssl):
        raise DeliveryError(f"{where}: {PLAINTEXT_LOGIN}", retryable=False)
    secrets = _secret_forms(user, password)
    try:
        client = _connect(settings, ssl_context)
    except (OSError, smtplib.SMTPException) as e:
        raise DeliveryError(redact(f"{where}: cannot connect: {_describe(e)}", secrets)) from None
    try:
        try:
            _greet(client, settings, user, password, ssl_context)
        except (OSError, smtplib.SMTPException) as e:
            raise DeliveryError(redact(f"{where}: {_describe(e)}", secrets)) from None
        try:
            refused = client.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPResponseException) as e:
            raise DeliveryError(redact(f"{where}: refused: {_describe(e)}", secrets)) from None
        except (OSError, smtplib.SMTPException) as e:
            raise DeliveryError(
                redact(f"{where}: no answer after sending the message ({_describe(e)}); it may have been delivered",
                       secrets),
                maybe_delivered=True,
            ) from None
        on_sent()
    finally:
        _close(client)
    if refused:
        # Delivered to the others: sending again would repeat it to them, so only note it.
        return "refused by the server for " + ", ".join(f"{a} ({code})" for a, (code, _) in refused.items())
    return ""


PLAINTEXT_LOGIN = "refusing to log in over plain text (set starttls = true or ssl = true in [alerts.email])"


def _secret_forms(user: str | None, password: str | None) -> list[str]:
    """The password, and the AUTH PLAIN blob that carries it (redact adds the base64 forms)."""
    if not password:
        return []
    return [password, f"\0{user or ''}\0{password}", f"{user or ''}\0{password}"]


def _credentials(settings: EmailSettings, env: Mapping[str, str]) -> tuple[str | None, str | None]:
    user = env.get(settings.username_env) if settings.username_env else None
    password = env.get(settings.password_env) if settings.password_env else None
    for name, value in ((settings.username_env, user), (settings.password_env, password)):
        if name and not value:
            raise DeliveryError(f"environment variable {name} (named in [alerts.email]) is not set")
    return user, password


def _connect(settings: EmailSettings, ssl_context: ssl.SSLContext | None) -> smtplib.SMTP:
    if settings.ssl:
        context = ssl_context or ssl.create_default_context()
        return smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=settings.timeout, context=context)
    return smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout)


def _greet(client: smtplib.SMTP, settings: EmailSettings, user: str | None, password: str | None,
           ssl_context: ssl.SSLContext | None) -> None:
    client.ehlo()
    if settings.starttls and not settings.ssl:
        # Never fall back to plain text when TLS was asked for: the login would leak.
        client.starttls(context=ssl_context or ssl.create_default_context())
        client.ehlo()
    if user or password:
        try:
            client.login(user or "", password or "")
        except smtplib.SMTPResponseException as e:
            # Some servers echo the AUTH exchange in their answer: keep only its code.
            raise smtplib.SMTPException(f"login refused ({e.smtp_code}); the server's answer is not kept") from None


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


def _describe(e: BaseException) -> str:
    if isinstance(e, smtplib.SMTPResponseException):
        text = e.smtp_error.decode("utf-8", "replace") if isinstance(e.smtp_error, bytes) else str(e.smtp_error)
        return f"{e.smtp_code} {' '.join(text.split())}"
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{a}: {code}" for a, (code, _) in e.recipients.items())
    return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
