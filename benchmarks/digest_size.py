"""Size of one alert as each channel sends it, capped (`alerts.max_items`, service limits) against uncapped.

Prints a table: email bytes for digests of 10 to 300 mentions with and without the cap
(Gmail clips a message past about 102 KB), and the characters of the Apprise message per
service limit. The baseline is the uncapped email of the same items, built in the same run.
No network and no corpus: the items are made up; snippets of 180 characters are what the
store keeps around a name, 600 is the longest an alert quotes.
"""

from __future__ import annotations

from datetime import datetime, timezone

from alerts import apprise, email_text, limits
from alerts.content import AlertItem

GMAIL_CLIP = 102 * 1024
PEOPLE = ("Andry José Hernández Romero", "Neri José Alvarado Borges", "Merwil Gutiérrez Flores")


def items(n: int, snippet_chars: int = 180) -> list[AlertItem]:
    out = []
    for i in range(n):
        person = PEOPLE[i % 3]
        snippet = (f"Relatives of {person} said on Tuesday they still had no word from the prison, "
                   f"weeks after the transfer flight; lawyers asked the court again. ") * 3
        out.append(AlertItem(
            mention_id=i + 1, person=person, title=f"Families of deportees held in CECOT ask for proof of life ({i})",
            url=f"https://news{i}.example.org/2026/11/cecot-families-{i}.html", outlet=f"Example News {i % 40}",
            published="2026-11-02T10:00:00+00:00", snippet=snippet[:snippet_chars], matched=person,
            links=((f"https://news{i}.example.org/2026/11/cecot-families-{i}.html", f"Example News {i % 40}"),
                   (f"https://wire.example.com/{i}", "Wire")),
        ))
    return out


def email_bytes(shown: list[AlertItem], more: str = "") -> int:
    message = email_text.email_message(shown, sender="monitor@example.org", to=("team@example.org",),
                                    message_id="<alert-1.x@example.org>", date=datetime.now(timezone.utc), more=more)
    return len(message.as_bytes())


def main() -> None:
    print("| mentions | snippet | email uncapped | capped at 50 | ratio | under Gmail's clip |")
    print("|---|---|---|---|---|---|")
    for n, chars in ((10, 180), (50, 180), (100, 180), (300, 180), (300, 600)):
        all_items = items(n, chars)
        full = email_bytes(all_items)
        shown, left = limits.cap(all_items, 50)
        capped = email_bytes(shown, limits.more_line(left, "https://archive.example.org/"))
        print(f"| {n} | {chars} chars | {full / 1024:.0f} KB | {capped / 1024:.0f} KB | {capped / full:.2f} | "
              f"{'yes' if capped < GMAIL_CLIP else 'NO'} (uncapped: {'yes' if full < GMAIL_CLIP else 'no'}) |")
    print()
    print("| service limit | 300 mentions: characters sent | items shown | and N more |")
    print("|---|---|---|---|")
    all_items = items(300)
    for name, limit in (("SMS 160", 160), ("WhatsApp 1,024", 1024), ("Signal 2,000", 2000),
                        ("Telegram 4,096", 4096), ("ntfy 7,800", 7800)):
        fitted = apprise.message(all_items, fmt="text", limit=limit, max_items=50,
                                 public_url="https://archive.example.org/", alert_id=12)
        print(f"| {name} | {len(fitted.body)} | {300 - fitted.left_out} | {fitted.left_out} |")


if __name__ == "__main__":
    main()
