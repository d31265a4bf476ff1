"""Shared by the benchmark scripts: the corpus served on loopback, configs, timed `monitor` runs, tables."""

from __future__ import annotations

import gzip
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("MONITOR_CORPUS", ROOT.parent / "shared" / "corpus"))

sys.path.insert(0, str(ROOT / "tests"))  # the loopback server and feed builders the tests use

from pages import rss  # noqa: E402
from siteserver import SiteServer  # noqa: E402


def require_corpus() -> list[dict]:
    """The corpus index (one dict per page); exits with a message, not a traceback, when it is absent."""
    index = CORPUS / "index.jsonl"
    if not index.exists():
        print(f"skipped: the shared corpus of real pages is not at {CORPUS} (set MONITOR_CORPUS)")
        raise SystemExit(0)
    return [json.loads(line) for line in index.read_text().splitlines() if line.strip()]


def page_html(page: dict) -> str:
    """A corpus page decoded as Scrapy decodes it for the spider (declared charset, else UTF-8)."""
    from scrapy.http import HtmlResponse

    body = gzip.decompress((CORPUS / page["path"]).read_bytes())
    return HtmlResponse(page.get("url") or "http://127.0.0.1/", body=body, headers={"Content-Type": "text/html"}).text


def serve_pages(site: SiteServer, pages: list[dict], feeds: int = 1, validators: bool = True,
                prefix: str = "") -> list[str]:
    """Serve every page gzipped as stored, spread round-robin over `feeds` RSS feeds; return the feed URLs.

    With `validators` the feeds send ETag/Last-Modified and answer conditional GETs with 304.
    """
    items: list[list[dict]] = [[] for _ in range(feeds)]
    for number, page in enumerate(pages):
        path = f"{prefix}/article/{number}.html"
        site.add(path, (CORPUS / page["path"]).read_bytes(), "text/html", headers={"Content-Encoding": "gzip"})
        items[number % feeds].append({"title": page.get("title") or f"Story {number}", "link": site.base + path,
                                      "guid": path})
    urls = []
    for number, entries in enumerate(items):
        urls.append(site.add(f"{prefix}/feed/{number}.xml", rss(entries), "application/rss+xml", validators=validators))
    return urls


def write_config(directory: Path, feeds: list[str], people: list[str] = (), people_file: str = "",
                 concurrency: int = 16) -> Path:
    """A monitor.toml for loopback: no delay, no robots.txt, no retries.

    Every page comes from one host here, so `concurrent_per_domain` stands in for the many
    hosts of a real run, where the per-domain limit of 2 rarely binds.
    """
    lines = ['database = "mentions.db"']
    if people_file:
        lines.append(f'people_file = "{people_file}"')
    lines += [f'[[person]]\nname = "{name}"' for name in people]
    lines += [f'[[feed]]\nurl = "{url}"' for url in feeds]
    lines.append(f"[crawl]\ndelay = 0\nrobots_txt = false\nretries = 0\ntimeout = 30\n"
                 f"concurrent_per_domain = {concurrency}\n"
                 # The pages are served on 127.0.0.1, which the private-network guard refuses by default.
                 'allow_private_networks = ["127.0.0.1/32"]')
    path = directory / "monitor.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Run:
    seconds: float
    stdout: str
    peak_rss_mb: float  # sampled peak of the summed RSS of the run and its worker processes
    peak_pss_mb: float  # the same in PSS: pages shared between processes counted once
    hwm_mb: float  # sum of each process's own peak RSS (an upper bound: peaks need not coincide)
    processes: int
    cpu: dict[str, float]  # CPU seconds (user + system) by process: "main" (the run) and its children by name
    hwm_by_role: dict[str, float]  # MB: each process's own peak RSS, summed by role

    def count(self, what: str) -> int:
        """A figure from the run's summary line: "pages fetched", "new articles", "new mentions"."""
        found = re.search(rf"(\d+) {what}", self.stdout)
        return int(found.group(1)) if found else 0


def run_monitor(config: Path, *args: str, env: dict | None = None, profile: str = "") -> Run:
    """`python -m monitor run --no-alerts -c config` in a subprocess, timed, its process tree's memory sampled.

    With `profile`, the run's main process runs under cProfile, which writes its stats to that file.
    """
    profiler = ["-m", "cProfile", "-o", profile] if profile else []
    command = [sys.executable, *profiler, "-m", "monitor", "run", "--no-alerts", "-c", str(config), *args]
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    sampler = TreeSampler(proc.pid)
    sampler.start()
    stdout, stderr = proc.communicate(timeout=900)
    seconds = time.perf_counter() - started
    sampler.stop()
    if proc.returncode != 0:
        raise SystemExit(f"monitor run failed ({proc.returncode}):\n{stderr[-3000:]}")
    cpu: dict[str, float] = {}
    hwm: dict[str, float] = {}
    for pid, (name, ticks) in sampler.cpu.items():
        label = "main" if pid == proc.pid else name
        cpu[label] = cpu.get(label, 0.0) + ticks / os.sysconf("SC_CLK_TCK")
        hwm[label] = hwm.get(label, 0.0) + sampler.hwm.get(pid, 0) / 1024
    return Run(seconds, stdout, sampler.peak_rss / 1024, sampler.peak_pss / 1024, sum(sampler.hwm.values()) / 1024,
               len(sampler.hwm), cpu, hwm)


class TreeSampler(threading.Thread):
    """Samples /proc every 20 ms: summed RSS and PSS of a process and all its descendants (kB)."""

    def __init__(self, pid: int, interval: float = 0.02):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = 0
        self.hwm: dict[int, int] = {}
        self.cpu: dict[int, tuple[str, int]] = {}  # pid -> (role, user + system clock ticks at the last sample)
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            rss = pss = 0
            for pid in descendants(self.pid):
                status = _read_kb(f"/proc/{pid}/status", ("VmRSS", "VmHWM"))
                if "VmRSS" not in status:
                    continue
                rss += status["VmRSS"]
                self.hwm[pid] = max(self.hwm.get(pid, 0), status.get("VmHWM", 0))
                pss += _read_kb(f"/proc/{pid}/smaps_rollup", ("Pss",)).get("Pss", status["VmRSS"])
                self.cpu[pid] = _cpu_ticks(pid) or self.cpu.get(pid, ("", 0))
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _cpu_ticks(pid: int) -> tuple[str, int] | None:
    """(role, user + system clock ticks); role: "forkserver", "worker" (forked by it), or "other"."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        parent = Path(f"/proc/{stat[1]}/cmdline").read_bytes()
    except OSError:
        return None
    forkserver = b"multiprocessing.forkserver" in cmdline
    if not forkserver:
        return "other", int(stat[11]) + int(stat[12])
    role = "worker" if b"multiprocessing.forkserver" in parent else "forkserver"
    return role, int(stat[11]) + int(stat[12])


def _read_kb(path: str, keys: tuple[str, ...]) -> dict[str, int]:
    try:
        text = Path(path).read_text()
    except OSError:
        return {}
    values = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in keys:
            values[key] = int(rest.split()[0])
    return values


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{model}, {cores} cores, {memory:.0f} GiB, Python {platform.python_version()}, {platform.system()}"


def table(headers: list[str], rows: list[list[object]]) -> str:
    cells = [headers] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells]
    lines.insert(1, "|-" + "-|-".join("-" * w for w in widths) + "-|")
    return "\n".join(lines)
