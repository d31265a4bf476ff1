"""Every mistake a newcomer makes gets plain words, a documented exit code and no traceback."""

from __future__ import annotations

import socket

from conftest import run_monitor, write_config
from pages import article_html, rss

from monitor.config import load_config
from monitor.config.peoplecsv import load_people_csv, write_people_csv

MERWIL = '[[person]]\nname = "Merwil Gutiérrez Flores"\ncontext = ["CECOT"]\n'


def no_traceback(result) -> bool:
    return "Traceback" not in result.stderr and "Traceback" not in result.stdout


def test_review_with_both_verdicts_is_a_usage_error(tmp_path):
    (tmp_path / "monitor.toml").write_text("", encoding="utf-8")
    result = run_monitor("review", "-c", str(tmp_path / "monitor.toml"), "1", "--confirm", "--reject", "--note", "x")
    assert result.returncode == 2
    assert "either --confirm or --reject" in result.stderr and no_traceback(result)


def test_match_a_missing_file_is_a_usage_error_and_no_mention_is_said(tmp_path):
    config = write_config(tmp_path, "", MERWIL)
    missing = run_monitor("match", "-c", str(config), str(tmp_path / "missing.txt"))
    assert missing.returncode == 2
    assert "missing.txt" in missing.stderr and "does not exist" in missing.stderr and no_traceback(missing)
    quiet = tmp_path / "quiet.txt"
    quiet.write_text("Nothing about anyone here.", encoding="utf-8")
    none = run_monitor("match", "-c", str(config), str(quiet))
    assert none.returncode == 0 and none.stdout == ""
    assert f"{quiet}: no mention of the one person on the watchlist" in none.stderr


def test_serve_refuses_an_impossible_port_and_a_busy_one_before_saying_serving(tmp_path):
    (tmp_path / "monitor.toml").write_text('database = "a.db"\n', encoding="utf-8")
    config = str(tmp_path / "monitor.toml")
    impossible = run_monitor("serve", "-c", config, "--port", "99999")
    assert impossible.returncode == 2
    assert "'--port'" in impossible.stderr and "1<=x<=65535" in impossible.stderr and no_traceback(impossible)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_monitor("serve", "-c", config, "--port", str(port), timeout=60)
    assert result.returncode == 1
    assert "Serving" not in result.stdout
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr and "--port" in result.stderr
    assert no_traceback(result)


def test_init_into_an_impossible_folder_says_so_and_debug_shows_the_traceback():
    result = run_monitor("init", "/proc/nope")
    assert result.returncode == 1
    message = "Error: /proc/nope: cannot create this folder (No such file or directory); choose another"
    assert result.stderr.strip() == message
    debug = run_monitor("--debug", "init", "/proc/nope")
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_slack_variable_that_is_not_a_url_is_named(tmp_path):
    (tmp_path / "monitor.toml").write_text('[alerts.slack]\nwebhook_url_env = "SLACK_WEBHOOK_URL"\n', encoding="utf-8")
    result = run_monitor("alerts", "test", "-c", str(tmp_path / "monitor.toml"), env={"SLACK_WEBHOOK_URL": "not-a-url"})
    assert result.returncode == 1
    named = "slack: FAILED - environment variable SLACK_WEBHOOK_URL (named in [alerts.slack]) is not a URL"
    assert named in result.stdout
    assert "unknown url type" not in result.stdout and "not-a-url" not in result.stdout + result.stderr


def test_misspelt_table_and_a_string_for_a_list_name_file_line_and_key(tmp_path):
    typo = tmp_path / "typo.toml"
    typo.write_text('database = "m.db"\n\n[alert.file]\ndir = "out"\n', encoding="utf-8")
    result = run_monitor("sources", "-c", str(typo))
    assert result.returncode == 2
    assert f"{typo}:3: alert: unknown key (did you mean 'alerts'?" in result.stderr
    context = tmp_path / "context.toml"
    context.write_text('[[person]]\nname = "Merwil Gutiérrez Flores"\ncontext = "CECOT"\n', encoding="utf-8")
    result = run_monitor("sources", "-c", str(context))
    assert result.returncode == 2
    assert f'{context}:3: person[0].context: must be a list in brackets, e.g. ["CECOT"]' in result.stderr


def test_people_csv_keeps_multi_line_cells_and_quotes_across_round_trips(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(
        'name,aliases,context,notes\r\n'
        'Andry José Hernández Romero,Andry Hernández,CECOT;El Salvador,"Makeup artist, known as ""Andry"".\r\n'
        'Asylum hearing in 2025."\r\n'
        'Merwil Gutiérrez Flores,,CECOT,\r\n'.encode()
    )
    for _ in range(3):  # each import rewrites the file: nothing may grow or break
        people = load_people_csv(path)
        write_people_csv(path, people)
    andry, merwil = load_people_csv(path)
    assert andry.notes == 'Makeup artist, known as "Andry".\r\nAsylum hearing in 2025.'
    assert andry.context == ("CECOT", "El Salvador") and merwil.name == "Merwil Gutiérrez Flores"


def test_demo_refuses_to_overwrite_a_config_the_user_changed(tmp_path):
    from monitor.demo.run import _refuse_edited_config, demo_config
    from monitor.errors import MonitorError

    directory = tmp_path / "monitor-demo"
    directory.mkdir()
    written = demo_config("http://127.0.0.1:40404")
    (directory / "monitor.toml").write_text(written, encoding="utf-8")
    _refuse_edited_config(directory)  # as the demo wrote it: a new demo may replace it
    edited = written + '\n[[feed]]\nurl = "https://news.example/rss"\n'
    (directory / "monitor.toml").write_text(edited, encoding="utf-8")
    try:
        _refuse_edited_config(directory)
        raise AssertionError("an edited config was not refused")
    except MonitorError as e:
        assert "changed since `monitor demo` wrote it; not overwritten" in str(e)
    result = run_monitor("demo", "--dir", str(directory))
    assert result.returncode == 1
    assert "To start the demo afresh" in result.stderr and "--dir" in result.stderr
    assert "news.example" in (directory / "monitor.toml").read_text(encoding="utf-8")
    assert not (directory / "demo.db").exists()


def test_misplaced_sources_say_where_they_belong_and_verbose_never_prints_bodies(tmp_path, site):
    body_words = "Merwil Gutiérrez Flores was named at the vigil held outside CECOT in El Salvador"
    site.add("/news/vigil.html", article_html("Vigil", [body_words + ". " + "More text. " * 200]))
    site.add("/feed.xml", rss([{"title": "Vigil", "link": f"{site.base}/news/vigil.html"}]), "application/rss+xml")
    site.add("/", '<!doctype html><html><head><title>Home</title>'
                  '<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head>'
                  '<body><a href="/news/vigil.html">Vigil</a></body></html>')
    body = (f'[[feed]]\nurl = "{site.base}/"\n'
            f'[[sitemap]]\nurl = "{site.base}/feed.xml"\n'
            f'[[feed]]\nurl = "{site.base}/feed.xml"\n')
    config = write_config(tmp_path, body, MERWIL)
    result = run_monitor("run", "-v", "--no-alerts", "-c", str(config))
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"this is a web page, not a feed; its feeds are: {site.base}/feed.xml" in result.stderr
    assert "this is an RSS feed, not a sitemap: list it under [[feed]]" in result.stderr
    assert "1 new mentions" in result.stdout
    assert "Scraped" in result.stderr  # -v still shows progress...
    assert "More text. More text." not in result.stderr  # ...never the article's text
    assert load_config(config).feeds[0].url == f"{site.base}/"
