"""The extraction pool: worker processes never outlive the run that started them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import write_config
from pages import article_html, rss


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (the forkserver and its workers), read from /proc."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_exit_when_the_run_is_killed(tmp_path, site):
    items = []
    for number in range(150):
        site.add(f"/a{number}.html", article_html(f"A{number}", ["Andry José Hernández Romero spoke."] * 20))
        items.append({"title": f"A{number}", "link": f"{site.base}/a{number}.html"})
    site.add("/feed.xml", rss(items), "application/rss+xml")
    config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n',
                          '[[person]]\nname = "Andry José Hernández Romero"\n')
    run = subprocess.Popen([sys.executable, "-m", "monitor", "run", "--no-alerts", "-c", str(config)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while time.monotonic() < deadline and len(workers) < 2 and run.poll() is None:
        workers = descendants(run.pid)
        time.sleep(0.1)
    assert workers, "the run started no worker processes"
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(pid) for pid in workers):
        time.sleep(0.2)
    assert not [pid for pid in workers if alive(pid)]


# Run in a fresh interpreter, so its forkserver starts cold (imports trafilatura) as in a run.
LAUNCH_PROBE = """
import asyncio, os, sys
sys.path.insert(0, sys.argv[1])
from test_workers import descendants
from monitor.workers import ExtractionPool

async def main():
    pool = ExtractionPool(workers=2)
    text = b"Andry Jose Hernandez Romero was seen. " * 40
    html = b"<html><body><article><p>" + text + b"</p></article></body></html>"
    page = asyncio.ensure_future(pool.extract(html, "text/html; charset=utf-8", "http://127.0.0.1/a.html"))
    await asyncio.sleep(0)  # the page is handed to the pool; the loop runs again as soon as it may
    below = descendants(os.getpid())  # the forkserver, the resource tracker, and workers forked by the server
    workers = set().union(*(descendants(pid) for pid in below))
    print("workers-launched-when-the-loop-ran-again", len(workers))
    fields = await page
    print("text", "Hernandez Romero" in fields["text"])
    pool.close()

asyncio.run(main())
"""


def test_the_event_loop_keeps_running_while_the_pool_launches_its_workers():
    # Launching workers waits for the forkserver's imports (seconds under load). Were that
    # on the reactor's thread, every download in flight would wait too and, past
    # crawl.timeout, fail at once: the loop must be free again before the workers exist.
    probe = subprocess.run([sys.executable, "-c", LAUNCH_PROBE, str(Path(__file__).parent)],
                           capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == ["workers-launched-when-the-loop-ran-again", "0", "text", "True"]
