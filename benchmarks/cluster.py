"""1-node vs 2-node `monitor crawl` throughput over the corpus on loopback, and the memory of each role.

Baseline: one node, measured in the same round. Every round starts a fresh archive and
empties a private redis-server (loopback, no persistence): the 2-node cycle is the same
work, split. "crawl" is from starting the node(s) until the last one exits (the cycle is
drained); "ingest" is the `monitor ingest` that then stores everything and closes the
cycle. Memory: each role's process tree (node: main + forkserver + extraction workers),
peak summed RSS sampled from /proc. A single-machine `monitor run` over the same pages is
shown for scale. On a 2-core machine, two nodes share the same two cores: this measures
the cluster's overhead more than its scaling.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import SiteServer, TreeSampler, machine, require_corpus, run_monitor, serve_pages, table, write_config
from redisserver import redis_server_binary, running_redis  # the tests' redis-server: common puts tests/ on the path

WATCHLIST = ["Donald Trump", "Joe Biden", "Jeffrey Epstein", "Pedro Sánchez", "Giorgia Meloni", "Elon Musk",
             "Jeff Bezos", "Taylor Swift", "Julian Assange", "Mario Vargas Llosa"]
ENV = "BENCH_MONITOR_REDIS_URL"


def timed(commands: list[list[str]], env: dict) -> tuple[float, list[float], list[str]]:
    """Start every command at once; (seconds until the last exits, peak RSS MB of each tree, stdouts)."""
    started = time.perf_counter()
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for c in commands]
    samplers = [TreeSampler(p.pid) for p in procs]
    for sampler in samplers:
        sampler.start()
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=900)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(proc.args[2:4])} failed ({proc.returncode}):\n{err[-3000:]}")
        outputs.append(out.strip())
    seconds = time.perf_counter() - started
    for sampler in samplers:
        sampler.stop()
    return seconds, [s.peak_rss / 1024 for s in samplers], outputs


def bench_config(directory: Path, feeds: list[str], cluster: bool) -> Path:
    """common.write_config (loopback allowed past the private-network guard), with a [cluster] table."""
    config = write_config(directory, feeds, WATCHLIST)
    if cluster:
        with config.open("a", encoding="utf-8") as f:
            f.write(f'\n[cluster]\nredis_url_env = "{ENV}"\n')
    return config


def cycle(feeds: list[str], url: str, nodes: int) -> dict:
    import redis

    client = redis.Redis.from_url(url)
    client.flushall()
    client.close()
    with tempfile.TemporaryDirectory() as tmp:
        config = bench_config(Path(tmp), feeds, cluster=True)
        env = {**os.environ, ENV: url}
        monitor = [sys.executable, "-m", "monitor"]
        crawl_s, node_mb, lines = timed([[*monitor, "crawl", "-c", str(config)]] * nodes, env)
        ingest_s, ingest_mb, ingest_out = timed([[*monitor, "ingest", "-c", str(config)]], env)
    pages = sum(int(line.split(" pages,")[0].rsplit(" ", 1)[1]) for line in lines)
    return {"crawl": crawl_s, "ingest": ingest_s, "node_mb": max(node_mb), "ingest_mb": ingest_mb[0],
            "pages": pages, "lines": lines, "ingest_line": ingest_out[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="use only the first N corpus pages")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    pages = require_corpus()
    pages = pages[: args.limit] if args.limit else pages
    binary = redis_server_binary()
    if binary is None:
        raise SystemExit("skipped: redis-server is not installed (apt-get install redis-server)")
    print(f"machine: {machine()}")
    site = SiteServer().start()
    try:
        with running_redis(binary) as url:
            feeds = serve_pages(site, pages)
            ones, twos, runs = [], [], []
            for _ in range(args.rounds):  # alternated, so load from elsewhere hits both alike
                ones.append(cycle(feeds, url, 1))
                twos.append(cycle(feeds, url, 2))
                with tempfile.TemporaryDirectory() as tmp:
                    runs.append(run_monitor(bench_config(Path(tmp), feeds, cluster=False)))
    finally:
        site.stop()
    one = min(ones, key=lambda r: r["crawl"] + r["ingest"])
    two = min(twos, key=lambda r: r["crawl"] + r["ingest"])
    run = min(runs, key=lambda r: r.seconds)
    n = len(pages)
    print(f"pages: {n}")
    for name, result in (("1 node", one), ("2 nodes", two)):
        print(f"{name}: " + " | ".join(result["lines"]) + f" || {result['ingest_line']}")

    def row(name: str, result: dict) -> list[str]:
        total = result["crawl"] + result["ingest"]
        base = one["crawl"] + one["ingest"]
        return [name, f"{result['crawl']:.1f}", f"{n / result['crawl']:.1f}", f"{one['crawl'] / result['crawl']:.2f}x",
                f"{result['ingest']:.1f}", f"{n / total:.1f}", f"{base / total:.2f}x",
                f"{result['node_mb']:.0f}", f"{result['ingest_mb']:.0f}"]

    print(table(
        ["", "crawl s", "crawl pages/s", "crawl vs 1 node", "ingest s", "end-to-end pages/s", "end-to-end vs 1 node",
         "node tree MB (peak RSS, each)", "ingest MB"],
        [row("1 node + ingest", one), row("2 nodes + ingest", two),
         ["monitor run (one machine, for scale)", f"{run.seconds:.1f}", f"{n / run.seconds:.1f}", "", "",
          f"{n / run.seconds:.1f}", f"{(one['crawl'] + one['ingest']) / run.seconds:.2f}x", f"{run.peak_rss_mb:.0f}",
          ""]],
    ))
    rounds = {name: [round(r["crawl"] + r["ingest"], 1) for r in results] for name, results in
              (("1 node", ones), ("2 nodes", twos))}
    print(f"all rounds, crawl+ingest seconds: {rounds}, monitor run {[round(r.seconds, 1) for r in runs]}")


if __name__ == "__main__":
    main()
