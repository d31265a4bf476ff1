"""Real loopback servers for the alert tests: an SMTP server (aiosmtpd) and a Slack webhook stand-in.

Both can fail on demand: SMTP refuses connections (stopped) or answers DATA with an error
code; the webhook answers 500, 429 with Retry-After, or goes silent after reading a request.
Loaded as a pytest plugin (`pytest_plugins = ["alert_servers"]`).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from siteserver import LoopbackServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- SMTP ---------------------------------------------------------------------------------


class _Handler:
    def __init__(self, server: SMTPServer):
        self.server = server

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls hooks by this name
        if self.server.data_reply:
            return self.server.data_reply
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append(message)
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if self.server.delay:  # a slow server: delivered, but the "250" comes late
            await asyncio.sleep(self.server.delay)
        return "250 Message accepted for delivery"


class SMTPServer:
    """aiosmtpd on 127.0.0.1. `stop()` makes connections fail (refused); `start()` brings it back."""

    def __init__(self, port: int | None = None, *, tls: ssl.SSLContext | None = None, implicit_tls: bool = False,
                 credentials: tuple[str, str] | None = None):
        self.port = port or free_port()
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.data_reply = ""  # e.g. "451 4.3.0 try again later": answer DATA with this
        self.delay = 0.0  # seconds between taking a message and saying so
        self.lock = threading.Lock()
        self.logins: list[str] = []
        kwargs: dict = {}
        if tls is not None and implicit_tls:
            kwargs["ssl_context"] = tls
        elif tls is not None:
            kwargs.update(tls_context=tls, require_starttls=True)
        if credentials:
            # AUTH is required only after STARTTLS: aiosmtpd does not count implicit TLS as
            # TLS for AUTH, and warns when AUTH is required over plain text.
            starttls = tls is not None and not implicit_tls
            kwargs.update(authenticator=self._authenticator(credentials), auth_required=starttls,
                          auth_require_tls=starttls)
        self._kwargs = kwargs
        self.controller: Controller | None = None

    def _authenticator(self, credentials: tuple[str, str]):
        def check(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and (
                auth_data.login.decode(), auth_data.password.decode()) == credentials
            self.logins.append(auth_data.login.decode() if isinstance(auth_data, LoginPassword) else "?")
            return AuthResult(success=ok, handled=False)  # let aiosmtpd answer 535

        return check

    def start(self) -> SMTPServer:
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **self._kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def bodies(self) -> list[tuple[str, str]]:
        """(plain, html) of every message received."""
        out = []
        for m in self.messages:
            plain = m.get_body(("plain",))
            html = m.get_body(("html",))
            out.append((plain.get_content() if plain else "", html.get_content() if html else ""))
        return out


@pytest.fixture
def smtp_server():
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cert, key)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


def server_tls(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def client_tls(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


# -- Slack webhook stand-in ---------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: str = "ok"
    headers: dict[str, str] = field(default_factory=dict)
    silent_for: float = 0.0  # read the request, then say nothing for this long


class SlackServer(LoopbackServer):
    """An HTTP server standing in for a Slack incoming webhook at /services/T0/B0/<token>."""

    def __init__(self):
        self.received: list[dict] = []  # payloads answered with 200
        self.requests = 0
        self.replies: list[Reply] = []  # consumed one per request; empty -> 200 ok
        self.always: Reply | None = None  # answer every request like this (an outage)
        self.delay = 0.0  # seconds between taking a request and answering it
        self.lock = threading.Lock()
        self.token = "XXsecretTOKENxx1234567890"
        super().__init__(self._handler())

    @property
    def url(self) -> str:
        return f"{self.base}/services/T0/B0/{self.token}"

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # http.server calls this by name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with server.lock:
                    server.requests += 1
                    reply = server.always or (server.replies.pop(0) if server.replies else Reply())
                    if self.path != f"/services/T0/B0/{server.token}":
                        reply = Reply(404, "no_service")
                    if reply.status == 200:
                        server.received.append(json.loads(body))
                if reply.silent_for or server.delay:
                    time.sleep(reply.silent_for or server.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body.encode())
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, format, *args):  # keep test output clean
                pass

        return Handler

    def texts(self) -> list[str]:
        """Every section text and fallback text received, for assertions on content."""
        out = []
        for payload in self.received:
            out.append(payload.get("text", ""))
            for block in payload.get("blocks", []):
                text = block.get("text")
                if isinstance(text, dict):
                    out.append(text.get("text", ""))
        return out


@pytest.fixture
def slack_server():
    server = SlackServer().start()
    yield server
    server.stop()


# -- an archive with watched people, filled through the real store (and so the real outbox) --

ANDRY = "Andry José Hernández Romero"
NERI = "Neri José Alvarado Borges"
MERWIL = "Merwil Gutiérrez Flores"


class AlertWorld:
    """A fresh archive file, the alert settings pointing at the loopback servers, and helpers."""

    def __init__(self, folder: Path, smtp: SMTPServer | None, slack: SlackServer | None, *,
                 file_channel: bool = False, max_attempts: int = 3):
        from monitor.archive.store import Archive
        from monitor.config import AlertSettings, EmailSettings, FileChannelSettings, SlackSettings
        from monitor.items import Person

        self.env = {"TEST_SLACK_WEBHOOK": slack.url if slack else "", "TEST_SMTP_PASSWORD": "hunter2-very-secret"}
        self.settings = AlertSettings(
            min_score=90,
            max_attempts=max_attempts,
            email=EmailSettings(smtp_host="127.0.0.1", smtp_port=smtp.port, starttls=False,
                                sender="monitor@example.org", to=("team@example.org",),
                                timeout=5) if smtp else None,
            slack=SlackSettings(webhook_url_env="TEST_SLACK_WEBHOOK", timeout=5) if slack else None,
            file=FileChannelSettings(dir=folder / "outbox-files") if file_channel else None,
        )
        self.people = {name: Person(name) for name in (ANDRY, NERI, MERWIL)}
        self.archive = Archive(folder / "archive.db", alerts=self.settings)
        self.ids = self.archive.sync_people(list(self.people.values()))
        self.db = self.archive.db
        self.count = 0

    def add(self, person: str, *, title: str = "", text: str = "", url: str = "", outlet: str = "Example News",
            published: str | None = "now", score: int = 95):
        """Store one article naming `person` (its text defaults to a unique story)."""
        from datetime import datetime, timezone

        from monitor.items import Article, Mention

        self.count += 1
        n = self.count
        # Distinct words per article, or the store rightly takes them for copies of one story.
        unique = " ".join(f"d{n}w{i}" for i in range(25))
        text = text or (f"Story number {n}: {unique}. Relatives of {person} said they had no news "
                        f"since March, when {person} was sent to CECOT. {unique}.")
        if published == "now":
            published = datetime.now(timezone.utc).isoformat(timespec="seconds")
        start = text.index(person)
        article = Article(url=url or f"https://news{n}.example.org/story/{n}", title=title or f"Story {n}",
                          text=text, source="https://example.org/rss.xml", published=published, outlet=outlet)
        mention = Mention(person=self.people[person], matched=person, start=start, end=start + len(person),
                          score=score, snippet=text[max(0, start - 60): start + len(person) + 60])
        return self.archive.save_article(article, [mention], self.ids)

    def use_email(self, **changes) -> None:
        """Change [alerts.email] settings (login, TLS, port) for the next sends."""
        from dataclasses import replace

        self.settings = replace(self.settings, email=replace(self.settings.email, **changes))
        self.archive.alerts = self.settings

    def use_slack(self, **changes) -> None:
        from dataclasses import replace

        self.settings = replace(self.settings, slack=replace(self.settings.slack, **changes))
        self.archive.alerts = self.settings

    def send(self, **kwargs):
        from alerts import Backoff, send_pending

        kwargs.setdefault("backoff", Backoff(0, 0))
        kwargs.setdefault("env", self.env)
        return send_pending(self.db, self.settings, **kwargs)

    def alerts(self, channel: str | None = None) -> list[dict]:
        where, args = ("where channel = ?", [channel]) if channel else ("", [])
        return list(self.db.query(f"select * from alerts {where} order by id", args))


@pytest.fixture
def world(tmp_path, smtp_server, slack_server):
    w = AlertWorld(tmp_path, smtp_server, slack_server)
    yield w
    w.archive.close()


# -- a loopback news site for `monitor run` end to end ----------------------------------

PEOPLE = (ANDRY, NERI, MERWIL)


def config_for(tmp_path: Path, site, smtp_port: int) -> Path:
    """A monitor.toml: the site's feed, the three people, email and Slack on the loopback servers."""
    from conftest import write_config

    people = "".join(f'[[person]]\nname = "{p}"\n' for p in PEOPLE)
    body = (
        f'[[feed]]\nurl = "{site.base}/feed.xml"\n\n'
        "[alerts]\nmin_score = 50\nmax_attempts = 1000\n\n"
        f'[alerts.email]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}\nstarttls = false\n'
        'from = "monitor@example.org"\nto = ["team@example.org"]\n\n'
        '[alerts.slack]\nwebhook_url_env = "TEST_SLACK_WEBHOOK"\n'
    )
    return write_config(tmp_path, body, people)


class GrowingSite:
    """Publishes numbered articles, each naming one watched person, all listed in the feed."""

    def __init__(self, site):
        self.site = site
        self.items: list[dict] = []

    def publish(self) -> None:
        from datetime import date

        from pages import article_html, rss

        n = len(self.items)
        person = PEOPLE[n % len(PEOPLE)]
        # Long distinct paragraphs: each article is its own story, not a syndicated copy.
        own = [" ".join(f"n{n}p{k}w{i}" for i in range(40)) + "." for k in range(4)]
        page = article_html(f"Report {n} on the CECOT deportees",
                            [f"Relatives of {person} asked again for news on day {n}.", *own],
                            date=date.today().isoformat())
        self.site.add(f"/news/{n}.html", page)
        self.items.append({"title": f"Report {n}", "link": f"{self.site.base}/news/{n}.html", "guid": f"g{n}"})
        self.site.add("/feed.xml", rss(self.items), "application/rss+xml")
