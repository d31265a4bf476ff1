"""Possible mentions (below alerts.min_score) reach a person: their own digest section, never counted as alerts.

End to end: `monitor run` over a loopback news site, email to aiosmtpd, Slack to a loopback
webhook, and the file channel, read back the way a user would read them.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import alert_servers
import pytest
from alert_servers import ANDRY, NERI
from conftest import run_monitor, write_config
from pages import article_html, rss

from monitor.archive.store import open_database

smtp_server, slack_server = alert_servers.smtp_server, alert_servers.slack_server

HEADING = "Possible mentions: please check"
# Long paragraphs shared by the first report and its later copy: the store takes the copy for the same story.
STORY = [" ".join(f"cecot{k}w{i}" for i in range(40)) + "." for k in range(4)]
# Surnames alone near a context word: stored at 85, under the default min_score of 90.
SURNAMES = "Relatives say Hernández Romero was deported to CECOT in March and has not been heard from."
FULL = f"Relatives say {ANDRY} was deported to CECOT in March and has not been heard from."


class News:
    """A loopback site whose feed lists the pages added so far."""

    def __init__(self, site):
        self.site, self.items = site, []

    def publish(self, path: str, title: str, first: str, rest: list[str]) -> None:
        self.site.add(path, article_html(title, [first, *rest], date=date.today().isoformat()))
        self.items.append({"title": title, "link": self.site.base + path, "guid": path})
        self.site.add("/feed.xml", rss(self.items), "application/rss+xml")


def _config(tmp_path: Path, site, smtp_port: int, extra: str = "") -> Path:
    people = (f'[[person]]\nname = "{ANDRY}"\ncontext = ["CECOT"]\n\n'
              f'[[person]]\nname = "{NERI}"\n\n')
    body = (
        f'[[feed]]\nurl = "{site.base}/feed.xml"\n\n'
        f"[alerts]\nmax_attempts = 1000\n{extra}\n"
        f'[alerts.email]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}\nstarttls = false\n'
        'from = "monitor@example.org"\nto = ["team@example.org"]\n\n'
        '[alerts.slack]\nwebhook_url_env = "TEST_SLACK_WEBHOOK"\n\n'
        '[alerts.file]\ndir = "alert-files"\n'
    )
    return write_config(tmp_path, body, people)


def _run(config: Path, slack_server) -> str:
    done = run_monitor("run", "-c", str(config), env={"TEST_SLACK_WEBHOOK": slack_server.url})
    assert done.returncode == 0, done.stderr
    return done.stdout


def _plain(smtp_server, n: int) -> str:
    return smtp_server.messages[n].get_body(("plain",)).get_content().replace("\r\n", "\n")


def _html(smtp_server, n: int) -> str:
    return smtp_server.messages[n].get_body(("html",)).get_content()


def _files(tmp_path: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((tmp_path / "alert-files").glob("*.json"))]


def _slack_text(payload: dict) -> str:
    return "\n".join(b["text"]["text"] for b in payload["blocks"] if isinstance(b.get("text"), dict))


@pytest.mark.slow
def test_possible_mentions_have_their_own_section_once_and_do_not_block_a_later_alert(
        tmp_path, site, smtp_server, slack_server):
    news = News(site)
    news.publish("/news/1.html", "Families wait for news", SURNAMES, STORY)
    news.publish("/news/2.html", "Another deportee", f"Relatives of {NERI} asked again for news.",
                 [" ".join(f"neri{k}w{i}" for i in range(40)) + "." for k in range(4)])
    config = _config(tmp_path, site, smtp_server.port)
    _run(config, slack_server)

    # One digest per channel: Neri is the alert; Andry's surnames come after, under the heading.
    assert len(smtp_server.messages) == 1 and len(slack_server.received) == 1
    message = smtp_server.messages[0]
    assert message["Subject"] == f"New mention: {NERI}"  # the possible one is not counted
    plain = _plain(smtp_server, 0)
    assert HEADING.upper() in plain
    confident, possible = plain.split(HEADING.upper())
    assert NERI in confident and ANDRY not in confident
    assert ANDRY in possible and NERI not in possible and "*Hernández Romero*" in possible
    html = _html(smtp_server, 0)
    assert HEADING in html and html.index(NERI) < html.index(HEADING) < html.index(ANDRY)
    slack = _slack_text(slack_server.received[0])
    assert HEADING in slack and slack.index(NERI) < slack.index(HEADING) < slack.index(ANDRY)
    [document] = _files(tmp_path)
    assert [m["person"] for m in document["mentions"]] == [NERI]
    assert [m["person"] for m in document["possible"]] == [ANDRY]
    assert document["possible"][0]["matched"] == "Hernández Romero"

    # A rerun finds nothing new: the possible mention is not sent again on any channel.
    _run(config, slack_server)
    assert len(smtp_server.messages) == 1 and len(slack_server.received) == 1 and len(_files(tmp_path)) == 1

    # A copy of the same story now names him in full: that is an alert, not blocked by the possible one.
    news.publish("/news/1-copy.html", "Families wait for news", FULL, STORY)
    _run(config, slack_server)
    db = open_database(tmp_path / "mentions.db")
    stories = dict(db.execute("select url, coalesce(story_id, id) from articles").fetchall())
    db.close()
    assert stories[site.base + "/news/1-copy.html"] == stories[site.base + "/news/1.html"]  # the same story
    assert len(smtp_server.messages) == 2 and len(slack_server.received) == 2
    assert smtp_server.messages[1]["Subject"] == f"New mention: {ANDRY}"
    later = _plain(smtp_server, 1)
    assert HEADING.upper() not in later and "news/1-copy.html" in later
    assert [m["person"] for m in _files(tmp_path)[1]["mentions"]] == [ANDRY]

    # And once only, again.
    _run(config, slack_server)
    assert len(smtp_server.messages) == 2 and len(slack_server.received) == 2


@pytest.mark.slow
def test_possible_false_sends_no_section(tmp_path, site, smtp_server, slack_server):
    news = News(site)
    news.publish("/news/1.html", "Families wait for news", SURNAMES, STORY)
    news.publish("/news/2.html", "Another deportee", f"Relatives of {NERI} asked again for news.",
                 [" ".join(f"neri{k}w{i}" for i in range(40)) + "." for k in range(4)])
    _run(_config(tmp_path, site, smtp_server.port, "possible = false\n"), slack_server)
    assert len(smtp_server.messages) == 1 and len(slack_server.received) == 1
    plain, html = _plain(smtp_server, 0), _html(smtp_server, 0)
    assert HEADING.upper() not in plain and ANDRY not in plain and HEADING not in html
    assert HEADING not in _slack_text(slack_server.received[0])
    [document] = _files(tmp_path)
    assert document["possible"] == [] and [m["person"] for m in document["mentions"]] == [NERI]


@pytest.mark.slow
def test_only_possible_mentions_make_a_digest_that_counts_no_alert(tmp_path, site, smtp_server, slack_server):
    News(site).publish("/news/1.html", "Families wait for news", SURNAMES, STORY)
    _run(_config(tmp_path, site, smtp_server.port), slack_server)
    assert len(smtp_server.messages) == 1
    subject = smtp_server.messages[0]["Subject"]
    assert subject == f"Possible mention to check: {ANDRY}" and "new mention" not in subject.lower()
    assert HEADING.upper() in _plain(smtp_server, 0)
