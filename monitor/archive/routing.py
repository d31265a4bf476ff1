"""Which channels a person's mentions, and a source-health notice, are queued on (the `people` filters, operators)."""

from __future__ import annotations

from sqlite_utils import Database

from ..config import AlertSettings


def wants(people: tuple[str, ...], person: str) -> bool:
    """A channel's `people` filter: empty means everyone; names compare case-insensitively."""
    return not people or person.casefold() in {p.casefold() for p in people}


def notify_addresses(settings: AlertSettings, person: str) -> tuple[str, ...]:
    """The person's own recipients ([[person]] notify_email)."""
    for name, addresses in settings.notify_email:
        if name.casefold() == person.casefold():
            return addresses
    return ()


def channels_for(settings: AlertSettings, person: str) -> tuple[str, ...]:
    """The channels a mention of `person` is queued on.

    The email channel takes it when the `to` list wants the person or the person has
    their own recipients; the email channel then picks, per recipient, what each gets.
    """
    out = []
    if settings.email is not None and (wants(settings.email.people, person) or notify_addresses(settings, person)):
        out.append("email")
    for name, value in (("slack", settings.slack), ("file", settings.file)):
        if value is not None and wants(value.people, person):
            out.append(name)
    out += [a.name for a in settings.apprise if wants(a.people, person)]
    return tuple(out)


def health_channels(settings: AlertSettings) -> tuple[str, ...]:
    """The channels source-health notices go to.

    With `alerts.operators`: the channels it names, and email when it lists an address.
    Without: every channel not kept for some people (a family's channel hears of their
    relative, not of a broken feed).
    """
    if settings.operators:
        named = set(settings.operators)
        emailed = settings.email is not None and any("@" in o for o in settings.operators)
        return tuple(c for c in settings.channels if c in named or (c == "email" and emailed))
    kept = {"email": settings.email, "slack": settings.slack, "file": settings.file}
    kept.update({a.name: a for a in settings.apprise})
    return tuple(c for c in settings.channels if not getattr(kept[c], "people", ()))


def is_operator(settings: AlertSettings, address: str) -> bool:
    """An email address that gets source-health notices."""
    if not settings.operators:
        return True  # no operators named: the team list gets them, as before
    return address.casefold() in {o.casefold() for o in settings.operators}


def person_name(db: Database, person_id: int) -> str:
    row = db.execute("select name from people where id = ?", [person_id]).fetchone()
    return row[0] if row else ""
