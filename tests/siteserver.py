"""A real HTTP server on 127.0.0.1 for tests: serves pages, feeds and sitemaps, logs requests."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Resource:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    validators: bool = False  # send ETag/Last-Modified and honour conditional requests


Handler = Callable[[BaseHTTPRequestHandler], None]


def send_body(handler: BaseHTTPRequestHandler, body: bytes, content_type: str, status: int = 200) -> None:
    """Answer `handler`'s request with `body` (the test servers' one way to reply)."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Python's default listen backlog is 5. Scrapy opens a new connection for most requests
    # (its pool keeps only CONCURRENT_REQUESTS_PER_DOMAIN idle ones), so a backlog of 5
    # overflows, the kernel drops the SYN and the client waits out the 1 s SYN retry:
    # 16 pages/s with a 1 s stall every ~15 requests. Real servers listen with 128+.
    request_queue_size = 128


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 (or another loopback address; a free port) that a test starts and stops."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], backlog: int | None = None,
                 host: str = "127.0.0.1") -> None:
        self._server = _Server((host, 0), handler, bind_and_activate=False)
        self._server.request_queue_size = backlog or _Server.request_queue_size
        self._server.server_bind()
        self._server.server_activate()
        self.port = self._server.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class SiteServer(LoopbackServer):
    """Routes are path -> Resource, or path -> a function that writes the response itself."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Resource | Handler] = {}
        self.log: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with server._lock:
                    server.log.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path.split("?")[0]) or server.routes.get(self.path)
                if route is None:
                    self._send(Resource(b"not found", "text/plain", 404))
                elif callable(route):
                    route(self)
                else:
                    self._send(route)

            def _send(self, res: Resource) -> None:
                headers = dict(res.headers)
                status = res.status
                body = res.body
                if res.validators:
                    etag = '"' + hashlib.sha1(res.body).hexdigest()[:16] + '"'
                    headers["ETag"] = etag
                    headers["Last-Modified"] = "Mon, 23 Nov 2026 10:00:00 GMT"
                    if self.headers.get("If-None-Match") == etag:
                        status, body = 304, b""
                self.send_response(status)
                if status != 304:
                    self.send_header("Content-Type", res.content_type)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        super().__init__(_Handler, host=host)

    def add(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8", **kw) -> str:
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[path] = Resource(body, content_type, **kw)
        return self.base + path

    def requests_for(self, prefix: str) -> list[str]:
        with self._lock:
            return [path for path, _ in self.log if path.startswith(prefix)]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()
