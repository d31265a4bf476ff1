"""Who gets what, as configured: [[alerts.apprise]], alerts.operators, per-person notify_email, [serve] public_url.

Read by monitor/config.py's reader (passed in as `reader`, for its typed getters and its
errors that cite file, line and key), then checked against the watchlist: a `people`
entry that names nobody would silently starve a family's channel, so it is an error.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

ALERT_KEYS = {"max_items", "operators", "apprise"}
APPRISE_KEYS = {"name", "url_env", "people", "format"}
FORMATS = ("text", "markdown")
BUILT_IN = ("email", "slack", "file")


def apprise_tables(reader: Any, value: Any) -> tuple:
    """[[alerts.apprise]] tables -> AppriseSettings, one per channel."""
    from . import AppriseSettings

    t = "alerts.apprise"
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise reader.fail(t, "must be written as [[alerts.apprise]] tables")
    out, seen = [], set(BUILT_IN)
    for index, data in enumerate(value):
        p = f"{t}[{index}]."
        if "url" in data:  # say why, before the generic unknown-key message
            raise reader.fail(p + "url", "holds tokens: put it in an environment variable and name it with url_env",
                              t, index)
        reader.check_keys(data, APPRISE_KEYS, p, t, index)
        name = reader.string(data, "name", p, t, index, required=True)
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name) or name in seen:
            why = "is already taken" if name in seen else "must be letters, digits, '-', '_' or '.'"
            raise reader.fail(p + "name", f"{name!r} {why} (each channel needs its own name)", t, index)
        seen.add(name)
        fmt = reader.string(data, "format", p, t, index, default="") or ""
        if fmt and fmt not in FORMATS:
            raise reader.fail(p + "format", f"must be one of {', '.join(FORMATS)}, got {fmt!r}", t, index)
        out.append(AppriseSettings(
            name=name, url_env=reader.string(data, "url_env", p, t, index, required=True),
            people=reader.strings(data, "people", p, t, index), format=fmt,
        ))
    return tuple(out)


def finish(reader: Any, alerts: Any, data: dict, people: list) -> Any:
    """AlertSettings completed with notify_email (from the watchlist) and public_url, its people filters checked."""
    public_url = _public_url(reader, data.get("serve", {}))
    names = {p.name.casefold() for p in people}
    _check_people(reader, alerts, names)
    notify = tuple((p.name, p.notify_email) for p in people if p.notify_email)
    if notify and alerts.email is None:
        _no_email_for(reader, data, notify[0][0])
    for operator in alerts.operators:
        if "@" in operator and alerts.email is None:
            raise reader.fail("alerts.operators", f"{operator!r} is an address, but there is no [alerts.email] "
                              "table to send through", "alerts")
        if "@" not in operator and operator not in alerts.channels:
            raise reader.fail("alerts.operators", f"{operator!r} is neither an email address nor a configured "
                              f"channel (channels: {', '.join(alerts.channels) or 'none'})", "alerts")
    return replace(alerts, public_url=public_url, notify_email=notify)


def _no_email_for(reader: Any, data: dict, name: str) -> None:
    """notify_email without [alerts.email]: point at the [[person]] entry, or at the people file."""
    value = data.get("person", [])
    tables = [value] if isinstance(value, dict) else [v for v in value if isinstance(v, dict)]
    for index, table in enumerate(tables):
        if str(table.get("name", "")).strip() == name and table.get("notify_email"):
            raise reader.fail(f"person[{index}].notify_email", "needs an [alerts.email] table to send through",
                              "person", index)
    raise reader.fail("people_file", f"{name!r} has a notify_email, which needs an [alerts.email] table to send "
                      "through")


def _check_people(reader: Any, alerts: Any, names: set[str]) -> None:
    tables = [("alerts.email", alerts.email, "alerts.email", 0), ("alerts.slack", alerts.slack, "alerts.slack", 0),
              ("alerts.file", alerts.file, "alerts.file", 0)]
    tables += [(f"alerts.apprise[{i}]", a, "alerts.apprise", i) for i, a in enumerate(alerts.apprise)]
    for where, settings, table, index in tables:
        for name in getattr(settings, "people", ()) if settings is not None else ():
            if name.casefold() not in names:
                raise reader.fail(f"{where}.people", f"{name!r} is not on the watchlist (check the spelling: "
                                  "this channel would never hear of them)", table, index)


def _public_url(reader: Any, serve: Any) -> str:
    if not isinstance(serve, dict):
        raise reader.fail("serve", "must be a [serve] table")
    reader.check_keys(serve, {"public_url"}, "serve.", "serve")
    if "public_url" not in serve:
        return ""
    return reader.url(serve, "public_url", "serve.", "serve", 0).rstrip("/")
