"""What `monitor serve` refuses: other Host names (DNS rebinding), raw response bodies, CSV formulas."""

from __future__ import annotations

import csv
import io
import ipaddress
import re
import sqlite3
from collections.abc import Iterable
from typing import Any

from ..config.csvsafe import neutralise

# The raw responses are evidence for `monitor evidence`, not for whoever reaches the web page.
HIDDEN_COLUMNS = {("responses", "body_gz")}
# A plain number ("-3", "-0.5") is no formula; leave it as it is.
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def allowed_hosts(bound: str, names: Iterable[str] = ()) -> frozenset[str]:
    """Host header values (without port) `monitor serve` answers: its address, `--host-name`s.

    Bound to a loopback address, `localhost` is accepted too: no other site can make a
    browser send it, which is all DNS rebinding needs.
    """
    hosts = {bound.strip("[]").lower(), *(n.strip().lower() for n in names if n.strip())}
    try:
        if ipaddress.ip_address(bound.strip("[]")).is_loopback:
            hosts.add("localhost")
    except ValueError:
        pass
    return frozenset(hosts)


def host_of(header: str) -> str:
    """'example.org:8001' -> 'example.org'; '[::1]:8001' -> '::1'."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def guard_app(app: Any, bound: str, names: Iterable[str] = ()) -> Any:
    """The app `monitor serve` runs: Host names checked first."""
    return host_guard(app, allowed_hosts(bound, names))


def host_guard(app: Any, hosts: frozenset[str]) -> Any:
    """An ASGI app answering 400 to any HTTP request whose Host header is not in `hosts`."""

    async def guarded(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            header = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
            if host_of(header) not in hosts:
                await _bad_host(send, header)
                return
        await app(scope, receive, send)

    return guarded


async def _bad_host(send: Any, header: str) -> None:
    body = (
        f"Host {header!r} is not served here; start `monitor serve` with --host-name {host_of(header) or 'NAME'} "
        "if that is the name you use.\n"
    ).encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def hide_columns(conn: sqlite3.Connection) -> sqlite3.Connection:
    """Make every read of a hidden column (any query, canned or typed) return NULL."""

    def authorizer(action: int, table: str | None, column: str | None, *_: Any) -> int:
        if action == sqlite3.SQLITE_READ and (table, column) in HIDDEN_COLUMNS:
            return sqlite3.SQLITE_IGNORE
        return sqlite3.SQLITE_OK

    conn.set_authorizer(authorizer)
    return conn


def csv_guard(app: Any) -> Any:
    """An ASGI app rewriting Datasette's CSV answers so no cell starts as a spreadsheet formula."""

    async def guarded(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not _wants_csv(scope):
            await app(scope, receive, send)
            return
        rewriter = _CsvRewriter()

        async def rewriting_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                # The length changes; Datasette streams CSV without one anyway.
                message = {**message, "headers": [h for h in message.get("headers", [])
                                                  if h[0].lower() != b"content-length"]}
            elif message["type"] == "http.response.body":
                more = message.get("more_body", False)
                message = {**message, "body": rewriter.feed(message.get("body", b""), final=not more)}
            await send(message)

        await app(scope, receive, rewriting_send)

    return guarded


def _wants_csv(scope: dict) -> bool:
    path = scope.get("path", "")
    return path.endswith(".csv") or b"_format=csv" in scope.get("query_string", b"")


class _CsvRewriter:
    """Rewrites a CSV byte stream record by record, holding back an unfinished record."""

    def __init__(self) -> None:
        self.pending = b""

    def feed(self, chunk: bytes, final: bool) -> bytes:
        self.pending += chunk
        cut = len(self.pending) if final else _last_record_end(self.pending)
        ready, self.pending = self.pending[:cut], self.pending[cut:]
        if not ready:
            return b""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        for row in csv.reader(io.StringIO(ready.decode("utf-8", errors="replace"), newline="")):
            writer.writerow([cell if _NUMBER.match(cell) else neutralise(cell) for cell in row])
        return out.getvalue().encode("utf-8")


def _last_record_end(data: bytes) -> int:
    """Index just past the last line break outside quotes (0 if none); bytes, so UTF-8 is never cut."""
    quoted = False
    end = 0
    for index, byte in enumerate(data):
        if byte == 0x22:  # "
            quoted = not quoted
        elif byte == 0x0A and not quoted:  # \n
            end = index + 1
    return end
