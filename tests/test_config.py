"""monitor.toml and people CSV: what loads, and errors that name the file, line and key."""

from __future__ import annotations

import pytest
from conftest import run_monitor

from monitor.config import load_config
from monitor.errors import ConfigError


def write(tmp_path, text, name="monitor.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_full_example_loads_with_defaults(tmp_path):
    path = write(
        tmp_path,
        """
database = "archive/m.db"
[[person]]
name = "Andry José Hernández Romero"
aliases = ["Andry Hernández"]
context = ["CECOT"]
search = false
[[feed]]
url = "https://example.org/rss.xml"
[[sitemap]]
url = "https://example.org/news-sitemap.xml"
[[site]]
start_url = "https://example.org/news/"
allow = ["/news/"]
[[search]]
service = "gdelt"
[alerts.slack]
webhook_url_env = "SLACK_WEBHOOK_URL"
""",
    )
    config = load_config(path)
    assert config.database == tmp_path / "archive" / "m.db"
    person = config.people[0]
    assert (person.name, person.aliases, person.context, person.search) == (
        "Andry José Hernández Romero",
        ("Andry Hernández",),
        ("CECOT",),
        False,
    )
    assert config.feeds[0].url == "https://example.org/rss.xml"
    assert config.sites[0].max_depth == 2
    assert config.crawl.delay == 1.0 and config.crawl.robots_txt
    assert config.alerts.min_score == 90
    assert config.alerts.channels == ("slack",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[feed]]\nurl = "ftp://x"\n', ":2: feed[0].url: must be an http(s) URL"),
        ('[[feed]]\nname = "x"\n', ":1: feed[0].url: is required"),
        ('\n\n[[person]]\nname = "A"\n[[person]]\nname = "B"\nalias = ["x"]\n', ":7: person[1].alias: unknown key"),
        ('[crawl]\ndelay = "fast"\n', ":2: crawl.delay: must be a number"),
        ("[crawl]\ndelay = 1e300\n", ":2: crawl.delay: must be at most 3600, got 1e+300"),
        ("[crawl]\ntimeout = 86400\n", ":2: crawl.timeout: must be at most 3600"),
        ("[crawl]\nretries = 1000000\n", ":2: crawl.retries: must be at most 10"),
        ('[[search]]\nservice = "gdelt"\ndelay = 1e9\n', ":3: search[0].delay: must be at most 3600"),
        ("[alerts]\nmin_score = 120\n", ":2: alerts.min_score: must be between 0 and 100"),
        ('[alerts.slack]\nwebhook_url = "https://hooks.slack.com/x"\n', "webhook_url: is a secret"),
        (
            '[alerts.email]\nsmtp_host = "h"\nfrom = "a@b"\nto = ["c@d"]\npassword = "hunter2"\n',
            ":5: alerts.email.password: put the secret in an environment variable",
        ),
        ('[[search]]\nservice = "yahoo"\n', ":2: search[0].service: must be one of google_news, bing_news, gdelt"),
        ("database = \n", "invalid TOML"),
    ],
)
def test_errors_name_file_line_and_key(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(path) in str(error.value)
    assert expected in str(error.value)


def test_cli_exits_2_with_the_message(tmp_path):
    path = write(tmp_path, '[[feed]]\nurl = "nope"\n')
    result = run_monitor("run", "-c", str(path))
    assert result.returncode == 2
    assert f"{path}:2: feed[0].url: must be an http(s) URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_config_exits_2(tmp_path):
    result = run_monitor("run", "-c", str(tmp_path / "nope.toml"), cwd=tmp_path)
    assert result.returncode == 2
    assert "nope.toml: config file not found" in result.stderr


def test_people_csv_from_a_spreadsheet(tmp_path):
    # Excel's "CSV UTF-8" starts with a BOM; lists are ";"-separated.
    (tmp_path / "people.csv").write_bytes(
        "\ufeffName,Aliases,Context,Notes\n"
        "Merwil Gutiérrez Flores,Merwil Gutiérrez;M. Gutiérrez,CECOT;El Salvador,brother's contact\n"
        ",,,\n".encode()
    )
    config = load_config(
        write(tmp_path, 'people_file = "people.csv"\n[[person]]\nname = "Neri José Alvarado Borges"\n')
    )
    names = [p.name for p in config.people]
    assert names == ["Neri José Alvarado Borges", "Merwil Gutiérrez Flores"]
    merwil = config.people[1]
    assert merwil.aliases == ("Merwil Gutiérrez", "M. Gutiérrez")
    assert merwil.context == ("CECOT", "El Salvador")
    assert merwil.notes == "brother's contact"


def test_people_csv_without_name_column(tmp_path):
    (tmp_path / "people.csv").write_text("who,aliases\nX,Y\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"people.csv:1: people file needs a 'name' column"):
        load_config(write(tmp_path, 'people_file = "people.csv"\n'))


def test_config_from_environment_variable(tmp_path):
    path = write(tmp_path, '[[feed]]\nurl = "nope"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_monitor("run", cwd=elsewhere, env={"MONITOR_CONFIG": str(path)})
    assert result.returncode == 2
    assert str(path) in result.stderr

