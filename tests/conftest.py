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

ALLOW_LOOPBACK = 'allow_private_networks = ["127.0.0.1/32"]\n'


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
