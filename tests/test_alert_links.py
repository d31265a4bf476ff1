"""Alerts that lead somewhere: archive links, confidence in words, dates, labels, read from real messages.

Email is parsed from what the loopback aiosmtpd server received; Slack from what the
loopback webhook received.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import alert_servers
from alert_servers import ANDRY, NERI

from monitor.items import Article, Mention, Person
from monitor.match import compile_watchlist, find_mentions

smtp_server, slack_server, world = alert_servers.smtp_server, alert_servers.slack_server, alert_servers.world
PUBLIC = "https://archive.example.org"


def hours_ago(hours: float) -> str:
    # Within alerts.backfill_days: older articles are stored, not alerted.
    return (datetime.now(timezone.utc) - timedelta(hours=hours)).replace(minute=0, second=0).isoformat()


def _public(world) -> None:
    world.settings = replace(world.settings, public_url=PUBLIC)
    world.archive.alerts = world.settings


def _plain(smtp_server, n: int = 0) -> str:
    return smtp_server.messages[n].get_body(("plain",)).get_content().replace("\r\n", "\n")


def _html(smtp_server, n: int = 0) -> str:
    return smtp_server.messages[n].get_body(("html",)).get_content()


def _save(world, person: str, text: str, matched: str, *, url: str, outlet: str = "Diario", **article) -> int:
    start = text.index(matched)
    saved = world.archive.save_article(
        Article(url=url, title=article.pop("title", "Una historia"), text=text, source="https://example.org/rss.xml",
                outlet=outlet, published=article.pop("published", hours_ago(2)), **article),
        [Mention(person=world.people[person], matched=matched, start=start, end=start + len(matched), score=95,
                 snippet=" ".join(text.split()))], world.ids)
    return saved.mention_ids[0]


def test_each_item_links_to_its_mention_page_and_to_not_this_person(world, smtp_server, slack_server):
    _public(world)
    published = hours_ago(5)
    mention_id = world.add(ANDRY, published=published).mention_ids[0]
    world.send()
    page = f"{PUBLIC}/-/mention/{mention_id}"
    plain = _plain(smtp_server)
    assert f"In the archive: {page}\n" in plain
    assert f"Not this person? {page}#review\n" in plain
    # Mention id, confidence in words, found-at beside published-at.
    when = datetime.fromisoformat(published).strftime("%Y-%m-%d %H:%M UTC")
    details = re.search(rf"mention {mention_id} · exact name · published {when} · found \S+ \S+ UTC\n", plain)
    assert details, plain
    html = _html(smtp_server)
    assert f'<a href="{page}">Open in the archive</a>' in html
    assert f'<a href="{page}#review">Not this person</a>' in html
    section = slack_server.received[0]["blocks"][1]["text"]["text"]
    assert f"<{page}|Open in the archive>" in section and f"<{page}#review|Not this person>" in section


def test_without_public_url_no_archive_links(world, smtp_server):
    world.add(ANDRY)
    world.send()
    assert "/-/mention/" not in _plain(smtp_server) and "Not this person" not in _plain(smtp_server)


def test_a_misspelt_name_across_a_line_break_is_marked_and_says_how_it_was_spelt(world, smtp_server, slack_server):
    text = "En la cárcel de CECOT sigue Andry\nHernandes, dijo su madre el lunes en Capacho."
    _save(world, ANDRY, text, "Andry\nHernandes", url="https://diario.example/a", language="es")
    world.send()
    plain = _plain(smtp_server)
    assert " · es · likely: spelled 'Andry Hernandes' · " in plain
    assert "*Andry Hernandes*" in plain  # the name is marked though the page broke it across lines
    assert '<mark style="background:#ffe066">Andry Hernandes</mark>' in _html(smtp_server)
    assert "*Andry Hernandes*" in slack_server.received[0]["blocks"][1]["text"]["text"]


def test_syndicated_copies_carry_their_own_site_not_the_shared_source_name(world, smtp_server):
    text = (f"SAN SALVADOR (AP) - The mother of {ANDRY}, a makeup artist deported to CECOT in March, "
            "said on Monday she has not heard from him since. Lawyers asked the court for proof of life.")
    # Both were found through one news search, whose name is all the outlet they were given.
    world.add(ANDRY, text=text, url="https://apnews.example/cecot", outlet="Google News", title="Mother waits")
    world.add(ANDRY, text=text, url="https://www.local.example/news/cecot", outlet="Google News", title="Mother waits")
    world.send()
    plain = _plain(smtp_server)
    assert "  apnews.example: https://apnews.example/cecot\n" in plain
    assert "  local.example: https://www.local.example/news/cecot\n" in plain
    assert "Google News" not in plain


def test_first_mention_ever_goes_to_the_earliest_published_article(world, smtp_server):
    world.add(NERI, title="Found today, published today")
    world.add(NERI, title="Found later, published the day before", published=hours_ago(30))
    world.send()
    plain = _plain(smtp_server)
    assert plain.count("FIRST MENTION EVER") == 1
    assert f"FIRST MENTION EVER: {NERI}\n  Found later, published the day before\n" in plain


def test_a_feed_entry_without_a_link_is_marked_as_feed_text_not_linked_to_the_feed(world, smtp_server):
    _public(world)
    text = f"Breve: {ANDRY} fue visto en CECOT, según un comunicado leído el lunes."
    _save(world, ANDRY, text, ANDRY, url="https://example.org/rss.xml?monitor-entry=0123456789abcdef",
          text_from="feed", title="Breve")
    world.send()
    plain, html = _plain(smtp_server), _html(smtp_server)
    assert "text from the feed (the entry has no link)" in plain
    assert "monitor-entry" not in plain and "monitor-entry" not in html
    assert f"{PUBLIC}/-/mention/" in plain  # the archive still has the text


def test_stored_snippets_start_and_end_on_whole_words_with_an_ellipsis():
    words = "the lawyers for the family said the day was long and the hearing went on and on".split()
    text = " ".join(words * 12) + f" and {ANDRY} was named " + " ".join(words * 12)
    found = find_mentions(text, compile_watchlist([Person(ANDRY)]))
    snippet = found[0].snippet
    assert snippet.startswith("… ") and snippet.endswith(" …")
    inner = snippet[2:-2].split()
    assert inner[0] in words and inner[-1] in words and ANDRY in snippet

