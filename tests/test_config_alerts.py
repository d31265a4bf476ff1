"""Config keys for who gets what: [[alerts.apprise]], operators, max_items, notify_email, serve.public_url.

And `monitor alerts test` on an Apprise channel, through the real command: it says which
channel worked, and the token in the channel's URL never shows in what it prints.
"""

from __future__ import annotations

import apprise_servers
import pytest
from alert_servers import Reply
from conftest import run_monitor

from monitor.config import AppriseSettings, load_config
from monitor.errors import ConfigError

notify_server = apprise_servers.notify_server

PEOPLE = '[[person]]\nname = "Andry José Hernández Romero"\nnotify_email = ["family@example.net"]\n\n'
EMAIL = '[alerts.email]\nsmtp_host = "127.0.0.1"\nfrom = "m@example.org"\nto = ["team@example.org"]\n\n'


def write(tmp_path, text):
    path = tmp_path / "monitor.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_apprise_channels_operators_and_per_person_recipients_load(tmp_path):
    path = write(tmp_path, PEOPLE + '[serve]\npublic_url = "https://archive.example.org/"\n\n'
                 '[alerts]\nmax_items = 20\noperators = ["ops@example.org", "team-telegram"]\n\n' + EMAIL
                 + '[[alerts.apprise]]\nname = "family-signal"\nurl_env = "APPRISE_FAMILY"\n'
                 'people = ["andry josé hernández romero"]\n\n'
                 '[[alerts.apprise]]\nname = "team-telegram"\nurl_env = "APPRISE_TEAM"\nformat = "markdown"\n')
    alerts = load_config(path).alerts
    assert alerts.channels == ("email", "family-signal", "team-telegram")
    assert alerts.apprise == (
        AppriseSettings("family-signal", "APPRISE_FAMILY", people=("andry josé hernández romero",)),
        AppriseSettings("team-telegram", "APPRISE_TEAM", format="markdown"),
    )
    assert alerts.max_items == 20 and alerts.operators == ("ops@example.org", "team-telegram")
    assert alerts.notify_email == (("Andry José Hernández Romero", ("family@example.net",)),)
    assert alerts.public_url == "https://archive.example.org"  # kept without its trailing slash
    assert load_config(write(tmp_path, "")).alerts.max_items == 50
    assert load_config(write(tmp_path, "")).alerts.possible is True
    assert load_config(write(tmp_path, "[alerts]\npossible = false\n")).alerts.possible is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[alerts.apprise]]\nname = "x"\nurl = "tgram://123:abc/456"\n',
         ":3: alerts.apprise[0].url: holds tokens: put it in an environment variable"),
        ('[[alerts.apprise]]\nname = "slack"\nurl_env = "A"\n', ":2: alerts.apprise[0].name: 'slack' is already taken"),
        ('[[alerts.apprise]]\nname = "a"\nurl_env = "A"\n\n[[alerts.apprise]]\nname = "a"\nurl_env = "B"\n',
         ":6: alerts.apprise[1].name: 'a' is already taken"),
        ('[[alerts.apprise]]\nname = "a"\nurl_env = "A"\nformat = "html"\n',
         ":4: alerts.apprise[0].format: must be one of text, markdown"),
        ('[[alerts.apprise]]\nname = "a"\n', ":1: alerts.apprise[0].url_env: is required"),
        (PEOPLE + '[[alerts.apprise]]\nname = "a"\nurl_env = "A"\npeople = ["Andry Hernandez"]\n',
         ":8: alerts.apprise[0].people: 'Andry Hernandez' is not on the watchlist"),
        (PEOPLE, ":3: person[0].notify_email: needs an [alerts.email] table"),
        ('[alerts]\noperators = ["ops-chat"]\n', ":2: alerts.operators: 'ops-chat' is neither an email address"),
        ('[alerts]\noperators = ["ops@example.org"]\n', ":2: alerts.operators: 'ops@example.org' is an address, but"),
        ("[alerts]\nmax_items = 0\n", ":2: alerts.max_items: must be at least 1"),
        ('[alerts]\npossible = "yes"\n', ":2: alerts.possible: must be true or false"),
        ('[serve]\npublic_url = "archive.example.org"\n', ":2: serve.public_url: must be an http(s) URL"),
    ],
)
def test_errors_name_file_line_and_key(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(path) in str(error.value) and expected in str(error.value)


def test_alerts_test_covers_apprise_channels_without_printing_the_token(tmp_path, notify_server):
    path = write(tmp_path, '[[alerts.apprise]]\nname = "family-json"\nurl_env = "FAMILY_URL"\n\n'
                 '[[alerts.apprise]]\nname = "team-ntfy"\nurl_env = "TEAM_URL"\n')
    env = {"FAMILY_URL": notify_server.json_url, "TEAM_URL": notify_server.ntfy_url}
    ok = run_monitor("alerts", "test", "-c", str(path), env=env, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "family-json: ok - sent through Apprise (json://)" in ok.stdout
    assert "team-ntfy: ok - sent through Apprise (ntfy://)" in ok.stdout
    assert [m for m in notify_server.messages() if "test message" in m] and len(notify_server.received) == 2

    notify_server.always = Reply(401, f"unauthorised: {notify_server.token}")
    failed = run_monitor("alerts", "test", "-c", str(path), env={**env, "TEAM_URL": ""}, timeout=60)
    assert failed.returncode == 1
    assert "family-json: FAILED" in failed.stdout and "refused: HTTP 401" in failed.stdout
    assert "team-ntfy: FAILED - environment variable TEAM_URL" in failed.stdout
    for result in (ok, failed):
        assert notify_server.token not in result.stdout + result.stderr


def test_a_people_csv_carries_notify_email_and_people_import_keeps_it(tmp_path):
    (tmp_path / "people.csv").write_text(
        "name,aliases,notify_email\nNeri José Alvarado Borges,,madre@example.net; tio@example.net\n"
        "Merwil Gutiérrez Flores,,\n", encoding="utf-8")
    path = write(tmp_path, 'people_file = "people.csv"\n\n' + EMAIL)
    alerts = load_config(path).alerts
    assert alerts.notify_email == (("Neri José Alvarado Borges", ("madre@example.net", "tio@example.net")),)

    (tmp_path / "more.csv").write_text("name\nAndry José Hernández Romero\n", encoding="utf-8")
    imported = run_monitor("people", "import", "-c", str(path), str(tmp_path / "more.csv"), timeout=60)
    assert imported.returncode == 0, imported.stderr
    assert load_config(path).alerts.notify_email == alerts.notify_email  # the rewrite kept the column
    db_file = tmp_path / "mentions.db"
    assert not db_file.exists() or b"madre@example.net" not in db_file.read_bytes()

    without_email = write(tmp_path, 'people_file = "people.csv"\n')
    with pytest.raises(ConfigError, match=r"monitor.toml:1: people_file: 'Neri José Alvarado Borges' has a notify"):
        load_config(without_email)
