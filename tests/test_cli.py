"""The smaller commands: init, people import/list, alerts test, and their exit codes."""

from __future__ import annotations

import json

from conftest import run_monitor

from monitor.config import load_config


def test_init_writes_a_starter_config_that_loads_and_never_overwrites(tmp_path):
    result = run_monitor("init", str(tmp_path))
    assert result.returncode == 0, result.stderr
    config = load_config(tmp_path / "monitor.toml")
    assert [p.name for p in config.people][:1] == ["Andry José Hernández Romero"]
    assert config.people_file == tmp_path / "people.csv"
    assert "Merwil Gutiérrez Flores" in [p.name for p in config.people]
    (tmp_path / "monitor.toml").write_text("# mine\n", encoding="utf-8")
    again = run_monitor("init", str(tmp_path))
    assert again.returncode == 1
    assert "already exists; not overwritten" in again.stderr
    assert (tmp_path / "monitor.toml").read_text(encoding="utf-8") == "# mine\n"


def test_people_import_merges_by_name_and_list_shows_them(tmp_path):
    assert run_monitor("init", str(tmp_path)).returncode == 0
    incoming = tmp_path / "export.csv"
    incoming.write_text(
        "name;aliases;context\n"
        "merwil gutierrez flores;MERWIL GUTIERREZ;cecot, Venezuela\n"
        "Jerce Reyes Barrios;;CECOT, El Salvador\n",
        encoding="utf-8",
    )
    config = str(tmp_path / "monitor.toml")
    result = run_monitor("people", "import", "-c", config, str(incoming))
    assert result.returncode == 0, result.stderr
    assert "1 added, 1 updated" in result.stdout
    people = {p.name: p for p in load_config(config).people}
    # A merge, not a replacement: what the file knew stays; case and accents do not make new entries.
    assert people["Merwil Gutiérrez Flores"].aliases == ("Merwil Gutiérrez",)
    assert people["Merwil Gutiérrez Flores"].context == ("CECOT", "El Salvador", "deported", "Venezuela")
    assert people["Jerce Reyes Barrios"].context == ("CECOT", "El Salvador")  # "," separates in a ";" file
    assert "Jerce Reyes Barrios" in people and "Neri José Alvarado Borges" in people
    listed = run_monitor("people", "list", "-c", config)
    assert "Jerce Reyes Barrios  (0 mentions)" in listed.stdout


def test_people_import_rejects_a_file_without_names(tmp_path):
    assert run_monitor("init", str(tmp_path)).returncode == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("who,aliases\nX,Y\n", encoding="utf-8")
    result = run_monitor("people", "import", "-c", str(tmp_path / "monitor.toml"), str(bad))
    assert result.returncode == 2
    assert f"{bad}:1: people file needs a 'name' column" in result.stderr


def test_alerts_test_reports_each_channel(tmp_path):
    (tmp_path / "monitor.toml").write_text(
        '[alerts.file]\ndir = "out"\n[alerts.slack]\nwebhook_url_env = "NO_SUCH_VARIABLE_SET"\n', encoding="utf-8"
    )
    result = run_monitor("alerts", "test", "-c", str(tmp_path / "monitor.toml"))
    assert result.returncode == 1  # one channel failed
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert lines["file"].startswith("ok")
    assert lines["slack"].startswith("FAILED") and "NO_SUCH_VARIABLE_SET" in lines["slack"]
    written = list((tmp_path / "out").glob("*.json"))
    assert len(written) == 1 and json.loads(written[0].read_text(encoding="utf-8"))


def test_alerts_test_without_channels_is_a_config_error(tmp_path):
    (tmp_path / "monitor.toml").write_text("", encoding="utf-8")
    result = run_monitor("alerts", "test", "-c", str(tmp_path / "monitor.toml"))
    assert result.returncode == 2
    assert "no alert channel configured" in result.stderr


def test_serve_answers_on_the_port_it_was_given(tmp_path):
    """`monitor serve` itself: a real Datasette on 127.0.0.1, read-only, on the demo-like archive."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    (tmp_path / "monitor.toml").write_text('database = "archive.db"\n', encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "monitor", "serve", "-c", str(tmp_path / "monitor.toml"), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        assert f"http://127.0.0.1:{port}/archive" in server.stdout.readline()
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/archive/people.json?_shape=array") as page:
                    assert json.loads(page.read()) == []
                    break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "monitor serve did not answer"
                time.sleep(0.2)
        post = urllib.request.Request(f"http://127.0.0.1:{port}/archive/-/query", data=b"sql=delete from people")
        try:
            urllib.request.urlopen(post)
            refused = False
        except urllib.error.HTTPError as e:
            refused = e.code == 405
        assert refused
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()


def test_alerts_send_delivers_what_a_run_left_pending_once_and_respects_the_lock(tmp_path, site):
    from datetime import datetime, timezone

    from conftest import write_config
    from pages import article_html, rss

    from monitor.lock import run_lock

    today = datetime.now(timezone.utc).date().isoformat()
    site.add("/a.html", article_html("Vigil", ["Merwil Gutiérrez Flores was named at the vigil."], date=today))
    site.add("/feed.xml", rss([{"title": "Vigil", "link": f"{site.base}/a.html"}]), "application/rss+xml")
    body = f'[[feed]]\nurl = "{site.base}/feed.xml"\n[alerts.file]\ndir = "out"\n'
    config = write_config(tmp_path, body, '[[person]]\nname = "Merwil Gutiérrez Flores"\n')
    assert run_monitor("run", "--no-alerts", "-c", str(config)).returncode == 0
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("alert-*.json"))

    with run_lock(load_config(config).lock_path):  # a run in progress
        locked = run_monitor("alerts", "send", "-c", str(config))
    assert locked.returncode == 75 and len(locked.stderr.strip().splitlines()) == 1

    sent = run_monitor("alerts", "send", "-c", str(config))
    assert sent.returncode == 0, sent.stderr
    assert "file: 1 sent (1 mentions)" in sent.stdout
    [alert] = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "out").glob("alert-*.json")]
    assert [m["person"] for m in alert["mentions"]] == ["Merwil Gutiérrez Flores"]
    again = run_monitor("alerts", "send", "-c", str(config))
    assert "file: 0 sent" in again.stdout
    assert len(list((tmp_path / "out").glob("alert-*.json"))) == 1
