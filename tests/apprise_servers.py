"""Loopback stand-ins for the services behind Apprise URLs: `json://` and `ntfy://` endpoints that record each request.

They fail on demand: an HTTP status (5xx, 4xx, 429), silence after reading a request
(a slow service), or no listener at all (`stop()`: connection refused; `start()` brings
the server back on the same port). Each URL carries a token the server checks, so a test
can look for that token in the database, the logs and the output.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from alert_servers import Reply, free_port


class NotifyServer:
    """Answers Apprise's json:// POSTs at /hook/<token> and ntfy:// POSTs with basic auth (user, token)."""

    def __init__(self, token: str = "TOKENapprise5ecret9876"):
        self.port = free_port()
        self.token = token
        self.received: list[dict] = []  # requests answered 2xx: path, headers, body (parsed JSON or text)
        self.requests = 0
        self.replies: list[Reply] = []  # consumed one per request; empty -> 200
        self.always: Reply | None = None  # answer every request like this (an outage)
        self.delay = 0.0  # seconds between taking a request and answering it
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def json_url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook/{self.token}"

    @property
    def ntfy_url(self) -> str:
        return f"ntfy://family:{self.token}@127.0.0.1:{self.port}/alerts"

    def start(self) -> NotifyServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # http.server calls this by name
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with server.lock:
                    server.requests += 1
                    reply = server.always or (server.replies.pop(0) if server.replies else Reply())
                    if not server._authorised(self.path, self.headers.get("Authorization", "")):
                        reply = Reply(401, "unauthorised")
                    if 200 <= reply.status < 300:
                        server.received.append({"path": self.path, "headers": dict(self.headers.items()),
                                                "body": _parse(raw)})
                if reply.silent_for or server.delay:
                    time.sleep(reply.silent_for or server.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    body = reply.body.encode()
                    self.send_header("Content-Type", "application/json" if body[:1] == b"{" else "text/plain")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, format, *args):  # keep test output clean
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._server.handle_error = lambda request, address: None  # a killed client resets: expected here
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _authorised(self, path: str, authorization: str) -> bool:
        if path.startswith("/hook/"):
            return path.split("?")[0] == f"/hook/{self.token}"
        expected = base64.b64encode(f"family:{self.token}".encode()).decode()
        return authorization == f"Basic {expected}"

    def messages(self) -> list[str]:
        """The text of every message taken: json's `message`, ntfy's `message` (or its raw body)."""
        out = []
        for request in self.received:
            body = request["body"]
            out.append(body.get("message", "") if isinstance(body, dict) else body)
        return out

    def titles(self) -> list[str]:
        out = []
        for request in self.received:
            body = request["body"]
            out.append(body.get("title", "") if isinstance(body, dict) else request["headers"].get("X-Title", ""))
        return out


def _parse(raw: bytes):
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


@pytest.fixture
def notify_server():
    server = NotifyServer().start()
    yield server
    server.stop()
