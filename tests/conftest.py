"""Shared fixtures: a real loopback HTTP server, config files, and the `monitor` command."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from siteserver import SiteServer

ROOT = Path(__file__).resolve().parent.parent
FILES = Path(__file__).resolve().parent / "files"
# The shared corpus of real pages and feeds sits beside the checkout; tests that need all
# of it skip (saying so) where it is absent, and a few of its files live in tests/files.
CORPUS = Path(os.environ.get("MONITOR_CORPUS", ROOT.parent / "shared" / "corpus"))

sys.path.insert(0, str(Path(__file__).resolve().parent))

ALLOW_LOOPBACK = 'allow_private_networks = ["127.0.0.1/32"]\n'


def _datasette_leaks_quietly():
    """Datasette opens throwaway `:memory:` connections and never closes them: one when
    datasette.filters is imported, one for its SQLite version, one per facet check
    (detect_json1). Python 3.13 reports each as an unclosed database (an error here)
    whenever the garbage collector frees it, in whichever test is running. Import and
    prime Datasette here, before any test module imports it, with those warnings off."""
    import gc
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            import datasette.filters  # noqa: F401
            from datasette.utils.sqlite import sqlite_version
        except ImportError:
            return
        sqlite_version()  # cached after the first call
        gc.collect()


_datasette_leaks_quietly()


@pytest.fixture(scope="session", autouse=True)
def _datasette_closes_its_facet_connections():
    """Facet checks open a `:memory:` connection each time (see above): make them close it."""
    import sqlite3
    from contextlib import closing

    try:
        import datasette.facets
        import datasette.filters
        from datasette.utils import detect_json1
    except ImportError:
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


TESTS = str(Path(__file__).resolve().parent) + os.sep


@pytest.fixture(autouse=True)
def _close_what_the_test_opened(monkeypatch):
    """Close, after each test, the SQLite connections opened on its behalf and left open.

    Tests open archives to look into them (`Database(path)`, `open_database`, `Archive`);
    Python 3.13 reports each one freed while open (`ResourceWarning: unclosed database`,
    an error here) in whichever later test the garbage collector happens to run.
    """
    import sqlite3

    opened: list[sqlite3.Connection] = []
    real_connect = sqlite3.connect

    def connect(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        if _called_from_a_test():
            opened.append(conn)
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)
    yield
    for conn in opened:
        conn.close()


def _called_from_a_test() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith(TESTS):
            return True
        frame = frame.f_back
    return False


@pytest.fixture
def site():
    """A fresh loopback web server per test (routes are added by the test)."""
    server = SiteServer().start()
    server.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """One `monitor demo` for the suite: (its directory, the finished command). Tests only read
    its archive (a `monitor rematch` over it finds nothing new); a test that changes it makes its own."""
    directory = tmp_path_factory.mktemp("demo")
    return directory, run_monitor("demo", "--dir", str(directory))


def write_config(directory: Path, body: str, people: str = "") -> Path:
    """A monitor.toml in `directory`: polite settings turned down for loopback, plus `body`."""
    path = directory / "monitor.toml"
    path.write_text(
        'database = "mentions.db"\n'
        + people
        + "\n"
        + body
        + "\n[crawl]\ndelay = 0\ntimeout = 10\nretries = 0\n"
        # The test servers listen on 127.0.0.1; 127.0.0.2 (also loopback) stands in for a private host.
        + ALLOW_LOOPBACK,
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


def wait_for(condition, seconds: float = 60) -> None:
    """Poll `condition` until it is true; fail the test after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)
