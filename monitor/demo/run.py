"""`monitor demo`: serve the bundled sample news site on loopback, crawl it for real, report."""

from __future__ import annotations

import mimetypes
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path

from ..archive.store import Archive
from ..config import load_config
from ..errors import MonitorError
from ..runner import Deliver, RunSummary, run_cycle

DEMO_PEOPLE = """
[[person]]
name = "Andry José Hernández Romero"
aliases = ["Andry Hernández"]
context = ["CECOT", "El Salvador", "Venezuela", "deported", "makeup artist", "maquillador"]

[[person]]
name = "Merwil Gutiérrez Flores"
context = ["CECOT", "El Salvador", "deported"]

[[person]]
name = "Neri José Alvarado Borges"
context = ["CECOT", "El Salvador", "Dallas"]
"""


def demo_config(base: str) -> str:
    """The demo's monitor.toml: every source kind, the sample watchlist, a file channel."""
    return f"""# Written by `monitor demo`. The sample site it names was served on loopback
# for the demo only, so `monitor run` on this file will report its sources as down;
# `monitor serve`, `monitor rematch` and `monitor match` work on the archive.
database = "demo.db"
{DEMO_PEOPLE}
[[feed]]
url = "{base}/feed.xml"
name = "The Demo Courier"

[[sitemap]]
url = "{base}/sitemap.xml"

[[site]]
start_url = "{base}/"
allow = ["/news/", "/es/", "/wire/"]
max_depth = 2

[crawl]
delay = 0                    # loopback: no need to be gentle
allow_private_networks = ["127.0.0.1/32"]   # the sample site is on loopback, which is refused by default
user_agent = "mention-monitor-demo/0.1 (+https://github.com/mention-monitor/mention-monitor)"

[alerts]
min_score = 90
backfill_days = 36500        # the sample articles are dated November 2026: alert them all

[alerts.file]
dir = "alerts"
"""


@dataclass
class DemoResult:
    directory: Path
    summary: RunSummary
    articles: int
    alert_files: int

    def report(self) -> str:
        s = self.summary
        config = self.directory / "monitor.toml"
        lines = [
            "mention-monitor demo: crawled a sample news site served on 127.0.0.1",
            f"  sources       {s.sources} (an RSS feed, a news sitemap, a link-following site crawl)",
            f"  pages fetched {s.pages}",
            f"  articles      {self.articles} stored",
            f"  mentions      {s.mentions_new}, of the demo watchlist's three people:",
        ]
        lines += [f"      {row['person']:<30} named in {row['n']} articles" for row in s.by_person]
        if self.alert_files:
            lines.append(f"  alerts        {self.alert_files} written to {self.directory / 'alerts'}/ (file channel)")
        if s.source_errors:
            count = sum(len(v) for v in s.source_errors.values())
            lines.append(f"  problems      {count} reported (stored in the runs table)")
        lines += [
            "",
            f"Archive: {self.directory / 'demo.db'}   Config: {config}",
            "Next:",
        ]
        commands = [
            (f"monitor serve -c {config}", "browse and search the mentions in Datasette"),
            (f"monitor match -c {config} FILE", "try the matcher on any text"),
            (f"monitor rematch -c {config}", "re-search the archive after editing the watchlist"),
            ("monitor init", "write a starter config for your own sources"),
        ]
        width = max(len(command) for command, _ in commands)
        lines += [f"  {command:<{width}}  {why}" for command, why in commands]
        return "\n".join(lines)


def run_demo(directory: Path, deliver: Deliver | None = None, verbose: bool = False) -> DemoResult:
    """Serve the sample site, write a fresh demo config and archive in `directory`, run one cycle."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise MonitorError(f"{directory}: cannot create this folder ({e.strerror or e}); use --dir") from None
    _refuse_edited_config(directory)
    _remove_previous_demo(directory)
    with serve_demo_site() as base:
        (directory / "monitor.toml").write_text(demo_config(base), encoding="utf-8")
        config = load_config(directory / "monitor.toml")
        summary = run_cycle(config, deliver=deliver, verbose=verbose, command="demo")
    with Archive(config.database) as archive:
        articles = archive.db["articles"].count
    alert_files = len(list((directory / "alerts").glob("*"))) if (directory / "alerts").exists() else 0
    return DemoResult(directory, summary, articles, alert_files)


def _refuse_edited_config(directory: Path) -> None:
    """A monitor.toml the user changed since a demo wrote it is theirs: never overwrite it."""
    path = directory / "monitor.toml"
    if not path.exists():
        return
    current = path.read_text(encoding="utf-8", errors="replace")
    # The demo's config differs between runs only in the sample site's port.
    written = re.search(r'^url = "(http://127\.0\.0\.1:\d+)/feed\.xml"$', current, re.MULTILINE)
    if written is None or current != demo_config(written.group(1)):
        raise MonitorError(
            f"{path}: changed since `monitor demo` wrote it; not overwritten. To start the demo afresh, "
            f"move your edits elsewhere and delete {directory}, or run `monitor demo --dir ANOTHER_FOLDER`"
        )


def _remove_previous_demo(directory: Path) -> None:
    """Each demo starts fresh: the site's port changes between runs, so old URLs would not match."""
    for name in ("demo.db", "demo.db-wal", "demo.db-shm", "demo.db.lock"):
        (directory / name).unlink(missing_ok=True)
    shutil.rmtree(directory / "alerts", ignore_errors=True)


@contextmanager
def serve_demo_site() -> Iterator[str]:
    """Serve the bundled site on an ephemeral loopback port; yield its base URL."""
    root = files("monitor.demo") / "site"
    holder: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0].lstrip("/") or "index.html"
            if path.endswith("/"):
                path += "index.html"
            resource = root.joinpath(*[p for p in path.split("/") if p not in ("", "..")])
            if ".." in path.split("/") or not resource.is_file() or path.endswith((".md", ".json")):
                self.send_error(404)
                return
            body = resource.read_bytes()
            if path.endswith((".xml", ".txt")):
                body = body.replace(b"http://DEMO_HOST", holder["base"].encode())
            self.send_response(200)
            self.send_header("Content-Type", _content_type(path))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    holder["base"] = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder["base"]
    finally:
        server.shutdown()
        server.server_close()


def _content_type(path: str) -> str:
    """No charset parameter: each page's own <meta charset> speaks, as on many Latin American sites."""
    if path.endswith("feed.xml"):
        return "application/rss+xml"
    return mimetypes.guess_type(path)[0] or "application/octet-stream"
