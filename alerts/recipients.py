"""Who gets which items of an email alert: one message per recipient, never a shared To: of several families.

The `to` list gets the mentions of the people `[alerts.email] people` allows (everyone by
default); a person's own recipients (`notify_email`) get that person's items only;
source-health notices go to the addresses in `alerts.operators` (to the `to` list when
none is named). The plan is deterministic for the same items and settings, so a retry
after a crash can skip the recipients already served (the alert's `parts_sent`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from monitor.archive.routing import is_operator, wants
from monitor.config import AlertSettings

from .content import SOURCE, AlertItem


def email_plan(settings: AlertSettings, items: Sequence[AlertItem]) -> list[tuple[str, list[AlertItem]]]:
    """[(address, the items that address gets)], in a stable order; addresses with nothing are left out."""
    assert settings.email is not None
    chosen: dict[str, tuple[str, set[int]]] = {}  # casefolded address -> (as written, item indexes)

    def give(address: str, indexes) -> None:
        entry = chosen.setdefault(address.casefold(), (address, set()))
        entry[1].update(indexes)

    for address in settings.email.to:
        give(address, (i for i, item in enumerate(items) if (
            is_operator(settings, address) if item.kind == SOURCE else wants(settings.email.people, item.person))))
    for address in (o for o in settings.operators if "@" in o):
        give(address, (i for i, item in enumerate(items) if item.kind == SOURCE))
    for person, addresses in settings.notify_email:
        mine = [i for i, item in enumerate(items)
                if item.kind != SOURCE and item.person.casefold() == person.casefold()]
        for address in addresses:
            give(address, mine)
    return [(address, [items[i] for i in sorted(indexes)]) for address, indexes in chosen.values() if indexes]


def message_id(alert_message_id: str, address: str, recipients: int) -> str:
    """The alert's Message-ID, made one per recipient when there are several; stable across retries."""
    if recipients <= 1:
        return alert_message_id
    local, _, domain = alert_message_id.strip("<>").partition("@")
    tag = hashlib.sha256(address.casefold().encode("utf-8")).hexdigest()[:10]
    return f"<{local}.{tag}@{domain}>"
