"""A private redis-server on a free loopback port, nothing written to disk (cluster tests and benchmark)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alert_servers import free_port

DEBIAN_BINARY = Path("/usr/bin/redis-server")  # where Debian's redis-server puts it, if not on PATH


def redis_server_binary() -> str | None:
    """The redis-server to start, or None when Redis is not installed."""
    return shutil.which("redis-server") or (str(DEBIAN_BINARY) if DEBIAN_BINARY.exists() else None)


@contextmanager
def running_redis(binary: str, seconds: float = 10) -> Iterator[str]:
    """Start `binary` on 127.0.0.1 (no RDB, no AOF); yield its URL once it answers PING; stop it after."""
    port = free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_ping(port, server, seconds)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


def _wait_for_ping(port: int, server: subprocess.Popen, seconds: float) -> None:
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + seconds
    try:
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server on 127.0.0.1:{port} did not answer within {seconds:g} s "
                                       f"(exit code {server.poll()})") from None
                time.sleep(0.05)
    finally:
        client.close()
