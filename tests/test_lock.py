"""Cron-safe runs: one run at a time (the other exits 75, one line, nothing changed), killed runs leave
no stale lock, quiet output by default and progress with -v."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack

import pytest
from badserver import end_group, monitor, start_monitor
from conftest import wait_for, write_config
from pages import article_html, rss
from sqlite_utils import Database

from monitor.config import load_config
from monitor.errors import LockedError
from monitor.lock import run_lock

ANDRY = '[[person]]\nname = "Andry José Hernández Romero"\n'


@pytest.fixture
def slow_site(site):
    """A feed that takes 3 s to answer, so a run holds the lock that long (until `site.feed_slow` is cleared)."""
    site.feed_slow = threading.Event()
    site.feed_slow.set()

    def slow_feed(h) -> None:
        if site.feed_slow.is_set():
            time.sleep(3)
        body = rss([{"title": "A", "link": f"{site.base}/a.html"}]).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    site.routes["/feed.xml"] = slow_feed
    site.add("/a.html", article_html("A", ["Andry José Hernández Romero was named in court."]))
    return site


def finish(process: subprocess.Popen, out, err) -> tuple[int, str, str]:
    code = process.wait(60)
    end_group(process)
    out.seek(0)
    err.seek(0)
    return code, out.read().decode(), err.read().decode()


def test_two_runs_started_together_one_runs_the_other_exits_75(tmp_path, slow_site):
    config = write_config(tmp_path, f'[[feed]]\nurl = "{slow_site.base}/feed.xml"\n', ANDRY)
    with ExitStack() as stack:
        files = [[stack.enter_context(tempfile.TemporaryFile()) for _ in "oe"] for _ in range(2)]
        processes = [start_monitor("run", "--no-alerts", "-c", str(config), out=o, err=e) for o, e in files]
        results = sorted(finish(p, o, e) for p, (o, e) in zip(processes, files, strict=True))
    (ran, ran_out, _), (locked, locked_out, locked_err) = results
    assert (ran, locked) == (0, 75)
    assert locked_out == "" and len(locked_err.splitlines()) == 1
    assert "another run holds the lock" in locked_err and "nothing done" in locked_err
    db = Database(tmp_path / "mentions.db")
    assert db["runs"].count == 1 and db["articles"].count == 1
    assert "1 new articles" in ran_out


def test_a_run_while_another_holds_the_lock_changes_nothing(tmp_path, slow_site):
    config = write_config(tmp_path, f'[[feed]]\nurl = "{slow_site.base}/feed.xml"\n', ANDRY)
    assert monitor("run", "--no-alerts", "-c", str(config)).returncode == 0
    archive = lambda: {p: p.read_bytes() for p in sorted(tmp_path.glob("mentions.db*")) if p.suffix != ".lock"}  # noqa: E731
    before = archive()
    with run_lock(load_config(str(config)).lock_path):
        started = time.monotonic()
        second = monitor("run", "--no-alerts", "-c", str(config))
        elapsed = time.monotonic() - started
    assert second.returncode == 75 and second.stdout == ""
    assert len(second.stderr.splitlines()) == 1
    assert elapsed < 20  # it did not wait for the slow feed: it never started a crawl
    assert archive() == before


def test_lock_of_a_killed_run_is_recovered(tmp_path, slow_site):
    config = write_config(tmp_path, f'[[feed]]\nurl = "{slow_site.base}/feed.xml"\n', ANDRY)
    lock = load_config(str(config)).lock_path
    process = start_monitor("run", "--no-alerts", "-c", str(config), out=subprocess.DEVNULL, err=subprocess.DEVNULL)
    wait_for(lambda: slow_site.requests_for("/feed.xml"))  # it holds the lock and is crawling
    assert lock.read_text().strip() == str(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait()
    end_group(process)
    slow_site.feed_slow.clear()  # the rerun only has to get the lock: it need not wait for the feed too
    rerun = monitor("run", "--no-alerts", "-c", str(config))
    assert rerun.returncode == 0, rerun.stderr
    db = Database(tmp_path / "mentions.db")
    assert [r["status"] for r in db.query("select status from runs order by id")] == ["killed", "ok"]
    assert db["articles"].count == 1


def test_run_lock_dies_with_its_process(tmp_path):
    lock = tmp_path / "archive.db.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from monitor.lock import run_lock\n"
         f"with run_lock(Path({str(lock)!r})):\n    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(LockedError, match=f"pid {holder.pid}"), run_lock(lock):
        pass
    holder.kill()
    holder.wait()
    holder.stdout.close()
    with run_lock(lock):
        assert lock.read_text() == str(os.getpid())


def test_quiet_by_default_progress_with_v(tmp_path, site):
    site.add("/a.html", article_html("A", ["Andry José Hernández Romero was named in court."]))
    site.add("/feed.xml", rss([{"title": "A", "link": f"{site.base}/a.html"}]), "application/rss+xml")
    config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n', ANDRY)
    quiet = monitor("run", "--no-alerts", "-c", str(config))
    assert quiet.returncode == 0
    assert quiet.stderr == "" and len(quiet.stdout.splitlines()) == 1
    assert quiet.stdout.startswith("run 1: 1 sources, 1 pages fetched, 1 new articles, 1 new mentions")
    loud = monitor("run", "--no-alerts", "-v", "-c", str(config))
    assert loud.returncode == 0 and len(loud.stdout.splitlines()) == 1
    assert "responses" in loud.stderr  # the progress line, written when the crawl ends at the latest


def test_the_locked_message_says_how_long_the_other_run_has_held_the_lock(tmp_path, slow_site):
    # A run stuck for hours must show in every cron mail, not as the same line as a busy one.
    config = write_config(tmp_path, f'[[feed]]\nurl = "{slow_site.base}/feed.xml"\n', ANDRY)
    lock = load_config(str(config)).lock_path
    with run_lock(lock):
        five_hours_ago = time.time() - 5 * 3600 - 7 * 60
        os.utime(lock, (five_hours_ago, five_hours_ago))
        second = monitor("run", "--no-alerts", "-c", str(config))
    assert second.returncode == 75
    assert f"another run holds the lock (pid {os.getpid()}, for 5 h 07 min); nothing done" in second.stderr


def test_a_lock_file_holding_garbage_still_gives_the_one_line_and_exit_75(tmp_path, slow_site):
    # Whatever the lock file holds (here 1 MB of bytes that are not UTF-8), the locked run
    # reads a few bytes of it, prints its one line and changes nothing.
    config = write_config(tmp_path, f'[[feed]]\nurl = "{slow_site.base}/feed.xml"\n', ANDRY)
    lock = load_config(str(config)).lock_path
    with run_lock(lock):
        lock.write_bytes(b"\xff\xfe" * 500_000)
        second = monitor("run", "--no-alerts", "-c", str(config))
    assert second.returncode == 75, second.stderr
    assert "another run holds the lock (pid unknown, for 0 min); nothing done" in second.stderr
    assert len(second.stderr.splitlines()) == 1
