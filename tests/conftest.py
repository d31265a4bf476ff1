"""Shared fixtures: a real loopback HTTP server, config files, and the `monitor` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from siteserver import SiteServer

ROOT = Path(__file__).resolve().parent.parent
FILES = Path(__file__).resolve().parent / "files"
# The shared corpus of real pages and feeds sits beside the checkout; tests that need all
# of it skip (saying so) where it is absent, and a few of its files live in tests/files.
CORPUS = Path(os.environ.get("MONITOR_CORPUS", ROOT.parent / "shared" / "corpus"))

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session", autouse=True)
def _datasette_closes_its_throwaway_connections():
    """Datasette opens a `:memory:` connection per facet check (detect_json1) and one for its
    SQLite version, and never closes them; Python 3.13 reports each as an unclosed database
    (an error here) whenever the garbage collector frees it, in whichever test is running.
    The archive's own connections are closed by the code and the tests, and still checked."""
    import gc
    import sqlite3
    import warnings
    from contextlib import closing

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:  # importing datasette.filters runs detect_json1() once
            import datasette.facets
            import datasette.filters
            from datasette.utils import detect_json1
            from datasette.utils.sqlite import sqlite_version
        except ImportError:
            detect_json1 = None
        else:
            sqlite_version()  # cached after the first call
        gc.collect()  # frees those connections now, warnings ignored
    if detect_json1 is None:
        yield
        return

    def closing_detect_json1(conn=None):
        if conn is not None:
            return detect_json1(conn)
        with closing(sqlite3.connect(":memory:")) as own:
            return detect_json1(own)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(datasette.facets, "detect_json1", closing_detect_json1)
        patch.setattr(datasette.filters, "detect_json1", closing_detect_json1)
        yield


@pytest.fixture
def site():
    """A fresh loopback web server per test (routes are added by the test)."""
    server = SiteServer().start()
    server.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    yield server
    server.stop()


def write_config(directory: Path, body: str, people: str = "") -> Path:
    """A monitor.toml in `directory`: polite settings turned down for loopback, plus `body`."""
    path = directory / "monitor.toml"
    path.write_text(
        'database = "mentions.db"\n'
        + people
        + "\n"
        + body
        + "\n[crawl]\ndelay = 0\ntimeout = 10\nretries = 0\n",
        encoding="utf-8",
    )
    return path


def run_monitor(*args: str, cwd: Path | None = None, timeout: float = 300, env: dict | None = None):
    """Run the real `monitor` command in a subprocess (Scrapy's reactor runs once per process)."""
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
