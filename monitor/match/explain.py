"""Why a text did or did not match a person, in words, for `monitor match --explain`."""

from __future__ import annotations

from .forms import parse_rule
from .index import Watchlist
from .normalize import HAS_MOJIBAKE, fill_unknown, split_glued, tokenize, unmangle


def _people(watchlist: Watchlist, person_name: str | None) -> list[int]:
    if person_name is None:
        return list(range(len(watchlist.people)))
    from .normalize import fold

    wanted = " ".join(fold(w) for w in person_name.split())
    return [
        i for i, p in enumerate(watchlist.people)
        if " ".join(fold(w) for w in p.name.split()) == wanted
    ]


def explain(text: str, watchlist: Watchlist, person_name: str | None = None) -> list[str]:
    """Human-readable lines: forms tried per person, what each candidate scored, and why."""
    from . import analyse, resolve_overlaps

    people = _people(watchlist, person_name)
    if person_name is not None and not people:
        return [f"{person_name!r} is not on the watchlist"]
    candidates = analyse(text, watchlist)
    reported = {id(c) for c in resolve_overlaps([c for c in candidates if c.accepted])}
    tokens = tokenize(text)
    keys = {t.key for t in tokens}
    lines = []
    mangled = sorted({text[t.start : t.end] for t in tokens if HAS_MOJIBAKE.search(text[t.start : t.end])})
    if mangled:
        fixed = ", ".join(f"{w!r} as {unmangle(w)!r}" for w in mangled[:5])
        lines.append(f"mojibake: read {fixed} (UTF-8 shown as cp1252/Latin-1)")
    lost = {text[t.start : t.end]: t.key for t in fill_unknown(tokens, text, watchlist.vocab)
            if "\ufffd" in text[t.start : t.end]}
    if lost:
        fixed = ", ".join(f"{w!r} as {k!r}" for w, k in list(lost.items())[:5])
        lines.append(f"mojibake: read {fixed} (a byte lost in decoding)")
    split = split_glued(tokens, text, watchlist.vocab)
    if len(split) != len(tokens):
        glued = sorted({text[t.start : t.end] for t in tokens} - {text[t.start : t.end] for t in split})
        lines.append(f"glued-names: split {', '.join(glued)} where two watched name words meet")
        keys |= {t.key for t in split}
    only_with_candidates = person_name is None and len(people) > 20
    for index in people:
        mine = [c for c in candidates if c.person == index]
        if only_with_candidates and not mine:
            continue
        person = watchlist.people[index]
        lines.append(f"{person.name}:")
        for name in watchlist.names_of(index):
            label = "alias" if name.alias else "name"
            lines.append(f"  {label} {name.text!r} -> {name.describe()}")
            rule = parse_rule(name.text) if not name.origin else ""
            if rule:
                lines.append(f"    parsed so because {rule}")
            present = [p.key for p in name.parts if p.key in keys]
            lines.append(f"    words of it in the text: {', '.join(present) or 'none'}")
        if not mine:
            lines.append(
                "  no candidate: no two neighbouring words of the text spell two parts of the name"
            )
        shown = set()
        for c in sorted(mine, key=lambda c: c.start):
            if (c.start, c.end, c.score, c.accepted) in shown:
                continue  # the same words matched through another spelling of the name
            shown.add((c.start, c.end, c.score, c.accepted))
            status = (
                "REPORTED" if id(c) in reported
                else "accepted but overlapped by a longer mention" if c.accepted
                else "rejected"
            )
            matched = " ".join(text[c.start : c.end].split())
            context = f", context: {', '.join(c.context)}" if c.context else ""
            lines.append(
                f"  [{c.start}:{c.end}] {matched!r} form={c.form} edits={c.verdict.edits} "
                f"score={c.score}{context} -> {status}"
            )
            for reason in c.reasons:
                lines.append(f"      {reason}")
    if not lines or lines[-1].startswith(("glued-names", "mojibake")):
        lines.append("no watched name has two neighbouring words in this text")
    return lines
