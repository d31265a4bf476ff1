"""The hostile web on loopback: slow, looping, huge, binary, walled, broken and empty responses.

`add_bad_routes(server)` puts every bad case on a `SiteServer` and returns them as `BadCase`s:
the URL, how it is configured (feed entry, feed, sitemap) and a word its reported reason must
contain. `LoopbackProxy` stands in for the rest of the internet in the feed corpus test.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

from pages import article_html
from siteserver import LoopbackServer, SiteServer

CHALLENGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body>
<div class="main-wrapper"><h1>www.example-news.test</h1>
<h2>Checking your browser before accessing www.example-news.test.</h2>
<p>This process is automatic. Your browser will redirect to your requested content shortly.</p>
<noscript>Enable JavaScript and cookies to continue</noscript>
<script>window._cf_chl_opt={cvId: '3', cZone: 'www.example-news.test'};</script>
</div></body></html>"""

CAPTCHA = """<!DOCTYPE html><html><head><title>Are you a robot?</title></head><body>
<h1>Please verify you are a human</h1>
<p>Access to this page has been denied because we believe you are using automation tools.</p>
<div class="g-recaptcha" data-sitekey="6Lc_test"></div></body></html>"""

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


@dataclass(frozen=True)
class BadCase:
    name: str
    url: str
    reason: str  # a word the reported reason must contain (lower case)
    role: str = "entry"  # entry (a feed entry's link) | feed | sitemap


def trickle(handler: BaseHTTPRequestHandler) -> None:
    """Promise 10 kB, then send a byte every half second: only a timeout ends it."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", "10000")
    handler.end_headers()
    _drip(handler, b"<", 0.5, 30)


def huge_declared(handler: BaseHTTPRequestHandler) -> None:
    """Announce 50 MB up front (Content-Length), then start sending it."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(50 * 1024 * 1024))
    handler.end_headers()
    _drip(handler, b"<p>" + b"x" * 65533, 0, 800)


def huge_streamed(handler: BaseHTTPRequestHandler) -> None:
    """No Content-Length: the body runs until the client hangs up (the size cap must catch it)."""
    handler.close_connection = True
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Connection", "close")
    handler.end_headers()
    _drip(handler, b"<p>" + b"y" * 65533, 0, 800)


def _drip(handler: BaseHTTPRequestHandler, chunk: bytes, pause: float, times: int) -> None:
    try:
        for _ in range(times):
            handler.wfile.write(chunk)
            handler.wfile.flush()
            if pause:
                time.sleep(pause)
    except OSError:
        pass  # the client gave up, as it should
    handler.close_connection = True


def redirect_to(location: str):
    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(302)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return handler


def add_bad_routes(site: SiteServer, prefix: str = "/bad") -> list[BadCase]:
    """Every bad case the monitor must survive, served by `site` under `prefix`."""
    p = prefix
    site.routes[f"{p}/trickle.html"] = trickle
    site.routes[f"{p}/loop-a.html"] = redirect_to(f"{p}/loop-b.html")
    site.routes[f"{p}/loop-b.html"] = redirect_to(f"{p}/loop-a.html")
    site.routes[f"{p}/huge.html"] = huge_declared
    site.routes[f"{p}/huge-streamed.html"] = huge_streamed
    site.add(f"{p}/report.pdf", PDF, "application/pdf")
    site.add(f"{p}/fake.html", PDF, "text/html; charset=utf-8")
    site.add(f"{p}/image.html", b"\x89PNG\r\n\x1a\n" + bytes(2000), "text/html")
    site.add(f"{p}/wall.html", CHALLENGE, status=200)
    site.add(f"{p}/captcha.html", CAPTCHA, status=200)
    site.add(f"{p}/gone.html", "<h1>Not found</h1>", status=404)
    site.add(f"{p}/broken.html", "<h1>Internal error</h1>", status=500)
    site.add(f"{p}/busy.html", "<h1>Try later</h1>", status=503)
    site.add(f"{p}/feed-wall.xml", CHALLENGE)
    site.add(f"{p}/feed-broken.xml", "oops", "text/plain", status=500)
    site.add(f"{p}/feed-garbage.xml", PDF, "application/rss+xml")
    site.add(f"{p}/empty-sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?>'
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>', "application/xml")
    site.add(f"{p}/challenge-sitemap.xml", CHALLENGE)
    b = site.base + p
    return [
        BadCase("trickling server", f"{b}/trickle.html", "timed out"),
        BadCase("redirect loop", f"{b}/loop-a.html", "redirect"),
        BadCase("huge body (declared)", f"{b}/huge.html", "size cap"),
        BadCase("huge body (streamed)", f"{b}/huge-streamed.html", "size cap"),
        BadCase("PDF", f"{b}/report.pdf", "application/pdf"),
        BadCase("PDF served as HTML", f"{b}/fake.html", "pdf"),
        BadCase("image served as HTML", f"{b}/image.html", "binary"),
        BadCase("bot wall (200)", f"{b}/wall.html", "bot wall"),
        BadCase("captcha (200)", f"{b}/captcha.html", "bot wall"),
        BadCase("HTTP 404", f"{b}/gone.html", "http 404"),
        BadCase("HTTP 500", f"{b}/broken.html", "http 500"),
        BadCase("HTTP 503", f"{b}/busy.html", "http 503"),
        BadCase("feed behind a bot wall", f"{b}/feed-wall.xml", "bot wall", "feed"),
        BadCase("feed HTTP 500", f"{b}/feed-broken.xml", "http 500", "feed"),
        BadCase("feed that is binary", f"{b}/feed-garbage.xml", "not a feed", "feed"),
        BadCase("feed on an unknown host", "http://feeds.monitor-test.invalid/rss.xml", "dns", "feed"),
        BadCase("empty sitemap", f"{b}/empty-sitemap.xml", "empty sitemap", "sitemap"),
        BadCase("sitemap that is a challenge page", f"{b}/challenge-sitemap.xml", "bot wall", "sitemap"),
    ]


# -- a stand-in for the internet ---------------------------------------------------------


def synthetic_article(url: str) -> bytes:
    """A small, unique article page for any URL (what the proxy answers)."""
    tag = hashlib.sha1(url.encode()).hexdigest()[:12]
    return article_html(f"Story {tag}", [f"This is the story kept at {url}, reference {tag}."]).encode()


class LoopbackProxy(LoopbackServer):
    """An HTTP(S) proxy on 127.0.0.1 that never forwards: it answers every URL itself.

    Plain http:// requests get a synthetic article (robots.txt: 404). CONNECT is
    accepted and served over TLS with a throwaway self-signed certificate (Scrapy does
    not verify certificates), so https:// links get the same. Hosts ending in
    `.invalid` get a 502, as a real proxy says when DNS fails. Every URL asked is logged.
    """

    def __init__(self, cert_dir: Path) -> None:
        self.asked: list[str] = []
        self._lock = threading.Lock()
        self._tls = _tls_context(cert_dir)
        proxy = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            scheme_host = ""  # set on the TLS side of a tunnel

            def do_GET(self) -> None:
                url = self.path if "://" in self.path else self.scheme_host + self.path
                with proxy._lock:
                    proxy.asked.append(url)
                host = urlsplit(url).hostname or ""
                if host.endswith(".invalid"):
                    self._answer(502, b"proxy: cannot resolve host", "text/plain")
                elif urlsplit(url).path == "/robots.txt":
                    self._answer(404, b"none", "text/plain")
                else:
                    self._answer(200, synthetic_article(url), "text/html; charset=utf-8")

            def do_CONNECT(self) -> None:
                host = self.path.removesuffix(":443")
                self.send_response(200, "Connection established")
                self.end_headers()
                self.wfile.flush()
                try:
                    tls = proxy._tls.wrap_socket(self.connection, server_side=True)
                except (ssl.SSLError, OSError):
                    self.close_connection = True
                    return
                inner = type("_Tunnel", (_Handler,), {"scheme_host": f"https://{host}"})
                try:
                    with contextlib.suppress(ssl.SSLError, OSError):
                        inner(tls, self.client_address, proxy._server)
                finally:
                    tls.close()
                self.close_connection = True

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        super().__init__(_Handler)
        self.url = self.base

    def env(self) -> dict[str, str]:
        """Environment for a `monitor` subprocess: everything but 127.0.0.1 goes through us."""
        env = {}
        for name in ("http_proxy", "https_proxy"):
            env[name] = env[name.upper()] = self.url
        env["no_proxy"] = env["NO_PROXY"] = "127.0.0.1"
        return env


def _tls_context(cert_dir: Path) -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate for 'localhost'."""
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256())
    )
    cert_path, key_path = cert_dir / "proxy-cert.pem", cert_dir / "proxy-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


def start_monitor(*args: str, env: dict | None = None, out=subprocess.PIPE, err=subprocess.PIPE) -> subprocess.Popen:
    """`python -m monitor ARGS` in its own process group (see `end_group`)."""
    return subprocess.Popen([sys.executable, "-m", "monitor", *args], stdout=out, stderr=err,
                            start_new_session=True, env={**os.environ, **(env or {})})


def end_group(process: subprocess.Popen) -> None:
    """Kill whatever the run left behind in its process group (a killed run's pool workers)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def monitor(*args: str, timeout: float = 180, env: dict | None = None) -> subprocess.CompletedProcess:
    """Like conftest.run_monitor, but output goes to files: a helper process that outlives the
    run (and keeps a pipe open) cannot make the test wait, and is cleaned up with the group."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = start_monitor(*args, env=env, out=out, err=err)
        try:
            code = process.wait(timeout)
        finally:
            end_group(process)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    return subprocess.CompletedProcess(process.args, code, stdout, stderr)

