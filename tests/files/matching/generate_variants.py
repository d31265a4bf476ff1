"""Regenerate generated.jsonl and generated_people.json: synthetic names rendered as each variant.

Run from anywhere: `python tests/files/matching/generate_variants.py`. Seeded, so the
output only changes when this script does. Hand-written cases live in cases.jsonl.
"""

from __future__ import annotations

import json
import random
import unicodedata
from pathlib import Path

HERE = Path(__file__).parent
RNG = random.Random(20250315)

# Distinctive first names of the kind seen in the 2025 CECOT deportation lists.
RARE_GIVEN = """Andry Neiyerver Frengel Jerce Wilmer Yorman Deiby Yonaiker Leonel Yorbis
Franyer Kenyer Jhoan Yeferson Darwin Edwuar Anyelo Jesmel Eliezer Gerlin Keiber
Orlin Yusleidy Maikel Brayan Wuilliam Yendri Dixon Eudis Joiner""".split()
COMMON_SECOND = "José Luis Alberto Antonio Alejandro Rafael Manuel Enrique Daniel David".split()
SURNAMES = """Hernández Romero González Pérez Rodríguez Martínez Sánchez Ramírez Torres Flores
Rivas Colmenares Briceño Zambrano Quintero Villalobos Urdaneta Parababire Guanipa Chirinos
Mavárez Echenique Carrizales Yépez Tovar Barrios Mota Rengel Sequera Marcano Alcalá Landaeta""".split()
OTHER_GIVEN = "Carlos Juan Pedro Miguel Jorge Luis Fernando Ricardo".split()

EN = [
    "Relatives of {name} gathered outside the courthouse on Tuesday.",
    "{name} has not been heard from since the flight left Texas.",
    "Lawyers for {name} filed a new petition this week.",
    "A judge asked the government to explain where {name} is being held.",
]
ES = [
    "Familiares de {name} se reunieron frente al tribunal el martes.",
    "{name} no ha podido comunicarse con su familia desde marzo.",
    "Los abogados de {name} presentaron un nuevo recurso esta semana.",
    "Una jueza pidió al gobierno explicar dónde está {name}.",
]
PT = ["A família de {name} pediu informações ao consulado.", "{name} continua sem contato com a família."]
FR = ["La famille de {name} demande des nouvelles au consulat.", "{name} n’a pas pu parler à son avocat."]
TEMPLATES = {"en": EN, "es": ES, "pt": PT, "fr": FR}


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def typo(word: str) -> str:
    """One edit inside the word (never the first letter)."""
    i = RNG.randrange(1, len(word) - 1)
    kind = RNG.choice(["sub", "del", "swap"])
    if kind == "del":
        return word[:i] + word[i + 1 :]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + RNG.choice("aeiourns") + word[i + 1 :]


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def make_people(n: int) -> list[dict]:
    people = []
    used = set()
    for given in RNG.sample(RARE_GIVEN, n):
        second = RNG.choice(COMMON_SECOND) if RNG.random() < 0.6 else None
        s1, s2 = RNG.sample(SURNAMES, 2)
        if (s1, s2) in used:
            continue
        used.add((s1, s2))
        parts = [given] + ([second] if second else []) + [s1, s2]
        people.append({"name": " ".join(parts), "given": given, "second": second, "s1": s1,
                       "s2": s2, "context": ["CECOT", "Tren de Aragua"]})
    return people


def positives(p: dict) -> dict[str, str]:
    g, g2, s1, s2 = p["given"], p["second"], p["s1"], p["s2"]
    full = p["name"]
    longest = max([g, s1, s2], key=len)
    out = {
        "exact": full,
        "accents": strip_accents(full),
        "case": full.upper(),
        "middle_dropped": f"{g} {s1} {s2}",
        "maternal_dropped": f"{g} {s1}",
        "hyphenated": f"{g} {s1}-{s2}",
        "typo": full.replace(longest, typo(longest)) if len(longest) >= 6 else full,
        "surname_first": f"{s1.upper()} {s2.upper()}, {g}" + (f" {g2}" if g2 else ""),
        "line_break": f"{g}\n{s1} {s2}",
        "noise": f"{g}\u00a0{s1[:3]}\u00ad{s1[3:]} {s2}",
        "fullwidth": f"{fullwidth(g)} {s1} {s2}",
        "titles": f"Sr. {g} {s1} {s2}",
    }
    if g2:
        out["initials"] = f"{g[0]}. {g2[0]}. {s1} {s2}"
    return out


def negatives(p: dict) -> dict[str, str]:
    g2, s1, s2 = p["second"], p["s1"], p["s2"]
    other = RNG.choice([x for x in OTHER_GIVEN if x != g2])
    out = {
        "other_given": f"{other} {s1} {s2}",
        "lone_surname": s1,
        "surnames_no_support": f"{s1} {s2}",
        "inside_word": f"{s1}ville",
    }
    if g2:
        out["namesake"] = f"{g2} {s1}"
    return out


def main() -> None:
    people = make_people(24)
    rows = []
    for p in people:
        for positive, variants in ((True, positives(p)), (False, negatives(p))):
            for variant, rendered in variants.items():
                lang = RNG.choice(["en", "en", "es", "es", "pt", "fr"])
                text = RNG.choice(TEMPLATES[lang]).format(name=rendered)
                rows.append({"lang": lang, "variant": variant, "text": text,
                             "people": [p["name"]] if positive else []})
        g, s1, s2 = p["given"], p["s1"], p["s2"]
        rows.append({"lang": "en", "variant": "surnames_after_full", "people": [p["name"]],
                     "text": f"{EN[0].format(name=p['name'])} {s1} {s2}'s sister spoke first."})
        rows.append({"lang": "es", "variant": "context_surnames", "people": [p["name"]],
                     "text": f"Según la lista del CECOT, {s1} {s2} llegó el 16 de marzo."})
        rows.append({"lang": "en", "variant": "scattered", "people": [],
                     "text": f"{g} arrived late. {s1} was already there, and {s2} came later."})
    with open(HERE / "generated.jsonl", "w", encoding="utf-8") as f:
        for i, row in enumerate(rows):
            f.write(json.dumps({"id": f"gen-{i:04d}", **row}, ensure_ascii=False) + "\n")
    public = [{"name": p["name"], "context": p["context"]} for p in people]
    (HERE / "generated_people.json").write_text(json.dumps(public, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
