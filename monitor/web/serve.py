"""Datasette over the archive, read-only, with the bundled metadata and canned queries."""

from __future__ import annotations

import copy
import errno
import json
import os
import re
import socket
import sqlite3
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from datasette.app import Datasette
from datasette.database import Database
from datasette.plugins import pm
from datasette.utils import parse_metadata
from datasette.utils.asgi import Forbidden

from ..archive.store import open_database
from ..config import Config
from ..errors import MonitorError
from . import plugin
from .guard import csv_guard, guard_app, hide_columns

PLACEHOLDER = "archive"  # the database's name inside metadata.yml
SETTINGS = {
    "sql_time_limit_ms": 3000,  # full-text search and timelines over a large archive
    "truncate_cells_html": 400,  # article texts are long; the row page shows them whole
    "allow_download": False,  # a live file; `datasette publish` or a copy is the way out
}


SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# The only forms that may be posted: signing in and out, and a reviewer's verdict (the
# view itself refuses anyone who is not a signed-in reviewer).
POST_PATHS = re.compile(r"^/-/(login|logout|mention/\d+/review)$")
# A reviewer is an environment variable holding a password hash (`datasette hash-password`):
# MONITOR_REVIEWER_PASSWORD_HASH_MARIA lets reviewer "maria" sign in.
REVIEWER_ENV = re.compile(r"^MONITOR_REVIEWER_PASSWORD_HASH_([A-Za-z0-9_]+)$")


class ArchiveDatasette(Datasette):
    """Datasette that answers only GET, HEAD and OPTIONS: nothing here is meant to change.

    Refusing other methods at the door gives a clean 405 for any write attempt (an insert
    API call, a POST to a canned query, a plugin's form) before a view sees it.
    """

    def app(self) -> Any:
        inner = csv_guard(super().app())  # no spreadsheet formulas in CSV exports

        async def read_only(scope: dict, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["method"] not in SAFE_METHODS and not (
                    scope["method"] == "POST" and POST_PATHS.match(scope.get("path", ""))):
                await _method_not_allowed(send)
                return
            await inner(scope, receive, send)

        return read_only


async def _method_not_allowed(send: Any) -> None:
    body = b"The archive is read-only here; change it with the monitor commands.\n"
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"allow", b"GET, HEAD, OPTIONS"),
               (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 405, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class ClosingDatabase(Database):
    """A Datasette database whose `close()` closes every connection it opened.

    Datasette's own `close()` forgets in-memory connections (its `_internal` catalogue),
    which Python 3.13 then reports as unclosed when they are freed.
    """

    def connect(self, write: bool = False) -> Any:
        conn = super().connect(write)
        if conn not in self._all_file_connections:
            self._all_file_connections.append(conn)
        return conn


class ReadOnlyArchive(ClosingDatabase):
    """The archive as Datasette sees it: reads through `mode=ro` connections, writes refused.

    Datasette funnels every write (write canned queries, plugins) through
    `execute_write_fn`; refusing it there means no write connection is ever opened.
    The file is not opened `immutable`: a run may write to it (WAL) while it is served.
    """

    def connect(self, write: bool = False) -> Any:
        return hide_columns(super().connect(write))  # raw bodies are for `monitor evidence` only

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().execute(*args, **kwargs)
        except sqlite3.Warning as e:
            # Python 3.10 raises Warning for "select 1; delete ..." (3.11+ ProgrammingError,
            # which Datasette answers with a 400); without this it was a 500 and a traceback.
            raise sqlite3.ProgrammingError(str(e)) from None

    async def execute_write_fn(self, fn: Any, block: bool = True) -> Any:
        raise Forbidden("The archive is read-only here; change it with the monitor commands.")


@cache
def _bundled_metadata() -> str:
    return resources.files("monitor.web").joinpath("metadata.yml").read_text(encoding="utf-8")


def database_name(db_path: str | os.PathLike) -> str:
    """The name Datasette gives the archive in its URLs: the file's stem (`mentions`)."""
    return Path(db_path).stem


def metadata_for(db_name: str) -> dict:
    """The bundled metadata with its database section filed under `db_name`."""
    metadata = parse_metadata(_bundled_metadata().replace("{db}", db_name))
    databases = metadata.get("databases", {})
    if PLACEHOLDER in databases:
        databases[db_name] = databases.pop(PLACEHOLDER)
    for dashboard in metadata.get("plugins", {}).get("datasette-dashboards", {}).values():
        for chart in dashboard.get("charts", {}).values():
            if chart.get("db") == PLACEHOLDER:
                chart["db"] = db_name
    _refuse_write_queries(metadata)
    return metadata


def _refuse_write_queries(metadata: dict) -> None:
    for database in metadata.get("databases", {}).values():
        for name, query in database.get("queries", {}).items():
            if isinstance(query, dict) and query.get("write"):
                raise MonitorError(
                    f"metadata: query {name!r} is a write query; the archive is served read-only"
                )


def build_datasette(
    db_path: str | os.PathLike,
    metadata: dict | None = None,
    settings: dict | None = None,
) -> Datasette:
    """A Datasette serving the archive at `db_path` read-only, with the bundled metadata.

    The archive is created and migrated first if needed, so a fresh config serves an empty
    archive with every table and query in place. `metadata` and `settings` replace or
    extend the bundled ones (tests, a team's own queries); write queries are refused.
    """
    path = Path(db_path)
    open_database(path).close()
    name = database_name(path)
    merged = copy.deepcopy(metadata) if metadata is not None else metadata_for(name)
    _refuse_write_queries(merged)
    _add_plugin_config(merged, name, os.environ)
    if not pm.is_registered(plugin):
        pm.register(plugin, name="mention-monitor")
    ds = ArchiveDatasette(
        files=[str(path)],
        metadata=merged,
        settings={**SETTINGS, **(settings or {})},
        template_dir=str(resources.files("monitor.web").joinpath("templates")),
    )
    # Swap Datasette's own database object for one that refuses writes, under the same name.
    default = next(db for db in ds.databases.values() if db.path == str(path))
    ds.remove_database(default.name)
    default.close()
    ds.add_database(ReadOnlyArchive(ds, path=str(path), is_mutable=True), name=name)
    internal = ds.databases["_internal"]  # not yet opened: swap in one that closes cleanly
    ds.remove_database("_internal")
    ds.add_database(ClosingDatabase(ds, memory_name=internal.memory_name), name="_internal")
    return ds


def reviewers(environ: Any) -> dict[str, str]:
    """Reviewer id -> the environment variable holding their password hash."""
    found = {}
    for key in environ:
        m = REVIEWER_ENV.match(key)
        if m and environ[key].strip():
            found[m.group(1).lower()] = key
    return found


def _add_plugin_config(metadata: dict, db_name: str, environ: Any) -> None:
    # Hashes stay in the environment: the metadata only names the variables ({"$env": ...}).
    accounts = reviewers(environ)
    plugins = metadata.setdefault("plugins", {})
    plugins.setdefault("mention-monitor", {}).update({"database": db_name, "reviewers": sorted(accounts)})
    auth = plugins.setdefault("datasette-auth-passwords", {})
    for reviewer, var in accounts.items():
        auth[f"{reviewer}_password_hash"] = {"$env": var}


def close_datasette(ds: Datasette) -> None:
    """Close every connection `ds` opened (each request may have opened some)."""
    for db in ds.databases.values():
        db.close()


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or a MonitorError that says what to do instead."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except socket.gaierror as e:
        raise MonitorError(f"--host {host}: not an address this computer has ({e.strerror})") from None
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise MonitorError(f"port {port} on {host} is already in use (another `monitor serve`?); "
                               "stop it, or choose another port with --port") from None
        raise MonitorError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    return sock


def serve(config: Config, sock: socket.socket, host_names: Iterable[str] = ()) -> None:
    """Serve the archive of `config` with Datasette on a bound socket until interrupted (`monitor serve`).

    Only requests naming the bound address (or one of `host_names`) in their Host header are answered.
    """
    import uvicorn

    ds = build_datasette(config.database)
    host, port = sock.getsockname()[:2]
    app = guard_app(ds.app(), host, host_names)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="info", lifespan="on"))
    try:
        server.run(sockets=[sock])
    finally:
        close_datasette(ds)
        sock.close()


def export_metadata(db_path: str | os.PathLike, out: str | os.PathLike) -> Path:
    """Write the bundled metadata for the archive at `db_path` as JSON (for `datasette publish`)."""
    out = Path(out)
    metadata = metadata_for(database_name(db_path))
    out.write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out
