"""An unattended cron run meeting a broken machine: a config or people file that never ends, a
cell too big, an archive path that cannot be one, a full disk. Each is one line naming the
file (exit 1, or 2 for the config's own files), no traceback, and nothing half-written."""

from __future__ import annotations

import resource
import sqlite3
import subprocess
import sys

import pytest
from conftest import write_config
from pages import article_html, rss

ANDRY = "Andry José Hernández Romero"
PEOPLE = f'[[person]]\nname = "{ANDRY}"\ncontext = ["CECOT"]\n'


def monitor_run(config, limit_file_bytes: int | None = None) -> subprocess.CompletedProcess:
    """`monitor run --no-alerts -c CONFIG` in a subprocess; optionally with a file size limit
    (RLIMIT_FSIZE: a write past it fails with EFBIG, as a full disk fails with ENOSPC)."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_bytes, limit_file_bytes))

    return subprocess.run([sys.executable, "-m", "monitor", "run", "--no-alerts", "-c", str(config)],
                          capture_output=True, text=True, timeout=120,
                          preexec_fn=limit if limit_file_bytes else None)


def one_line_error(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_config_that_never_ends_is_refused_without_reading_it_all(tmp_path):
    result = monitor_run("/dev/zero")
    assert result.returncode == 2
    assert one_line_error(result) == "Error: /dev/zero: cannot read config: larger than 10 MB: is this the right file?"


def test_a_people_file_that_never_ends_is_refused_naming_it(tmp_path):
    config = write_config(tmp_path, "")
    config.write_text('people_file = "/dev/zero"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    result = monitor_run(config)
    assert result.returncode == 2
    assert one_line_error(result) == ("Error: /dev/zero: cannot read people file: "
                                      "larger than 64 MB: is this the right file?")


def test_a_people_cell_over_the_csv_field_limit_is_a_config_error_with_file_and_line(tmp_path):
    (tmp_path / "people.csv").write_text(f'name,aliases\n"{ANDRY}",x\n"{"A" * 200_000}",x\n', encoding="utf-8")
    config = write_config(tmp_path, "")
    config.write_text('people_file = "people.csv"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    result = monitor_run(config)
    assert result.returncode == 2
    assert one_line_error(result) == f"Error: {tmp_path / 'people.csv'}:3: field larger than field limit (131072)"


@pytest.mark.parametrize("case", ["a folder", "not sqlite", "inside a file"])
def test_an_archive_path_that_cannot_be_an_archive_is_one_line_naming_it(tmp_path, case):
    config = write_config(tmp_path, "", PEOPLE)
    if case == "a folder":
        (tmp_path / "mentions.db").mkdir()
        expected = f"Error: {tmp_path / 'mentions.db'}: cannot open the archive: unable to open database file"
    elif case == "not sqlite":
        (tmp_path / "mentions.db").write_text("these are my notes, not a database\n" * 200)
        expected = f"Error: {tmp_path / 'mentions.db'}: cannot open the archive: file is not a database"
    else:
        (tmp_path / "notes").write_text("a file")
        config.write_text(config.read_text(encoding="utf-8").replace('"mentions.db"', '"notes/mentions.db"'))
        expected = (f"Error: {tmp_path / 'notes' / 'mentions.db.lock'}: cannot create the lock file: "
                    f"{tmp_path / 'notes'} is a file, not a folder")
    result = monitor_run(config)
    assert result.returncode == 1
    assert one_line_error(result) == expected


def test_a_full_disk_mid_run_is_one_line_and_the_next_run_stores_everything_once(tmp_path, site):
    """The archive may grow to 600 KB: 60 articles do not fit (about 1 MB)."""
    words = "court judge family lawyer prison hearing appeal letter visit transfer report".split()
    for n in range(60):
        text = " ".join(f"{words[(n * k) % 11]}{n * k}" for k in range(400))
        site.add(f"/p/{n}.html", article_html(f"Hearing {n}", [f"Story {n}: {ANDRY} in CECOT. {text}"]))
    site.add("/feed.xml", rss([{"title": f"Story {n}", "link": f"{site.base}/p/{n}.html"} for n in range(60)]),
             "application/rss+xml")
    config = write_config(tmp_path, f'[[feed]]\nurl = "{site.base}/feed.xml"\n', PEOPLE)

    full = monitor_run(config, limit_file_bytes=600_000)

    assert full.returncode == 1
    assert one_line_error(full) == (
        f"Error: {tmp_path / 'mentions.db'}: the archive could not be written (disk I/O error; is the disk full?). "
        "What it holds is whole; the next run fetches what this one could not store.")
    with sqlite3.connect(tmp_path / "mentions.db") as db:
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
        stored_while_full = db.execute("select count(*) from articles").fetchone()[0]
    assert stored_while_full < 60

    again = monitor_run(config)

    assert again.returncode == 0, again.stderr
    with sqlite3.connect(tmp_path / "mentions.db") as db:
        assert db.execute("select count(*), count(distinct url) from articles").fetchone() == (60, 60)
