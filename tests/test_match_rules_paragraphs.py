"""Paragraphs, not sentences: later references to a name, other people sharing its
surnames, relatives introduced by name (rules other-person, alert-antecedent, story-tie).

News about a detainee names him in full once and then by surname; the same paragraph
may name a namesake, a lawyer or a relative with one of his surnames. The people and
paragraphs are made up for these tests.
"""

from __future__ import annotations

from monitor.items import Person
from monitor.match import compile_watchlist, explain, find_mentions

ALERT = 90

ANDRY = Person("Andry José Hernández Romero", context=("CECOT", "Venezuela"))
FRENGEL = Person("Frengel Reyes Mota", context=("CECOT",))
NADIA = Person("Nadia Ouedraogo", context=("Vincennes",))
WATCHLIST = compile_watchlist([ANDRY, FRENGEL, NADIA])


def alerts(text: str) -> list[str]:
    """What alerts, as the text writes it, in order."""
    return [m.matched for m in find_mentions(text, WATCHLIST) if m.score >= ALERT]


def test_surname_references_after_the_watched_full_name_alert() -> None:
    text = (
        "Andry José Hernández Romero was deported to CECOT in March. Hernández said he feared "
        "for his life. Romero's lawyer filed a petition."
    )
    assert alerts(text) == ["Andry José Hernández Romero", "Hernández", "Romero"]
    text = (
        "Frengel Reyes Mota llegó al CECOT en marzo. Mota, de 25 años, trabajaba en Bogotá. "
        "Reyes Mota no tiene antecedentes."
    )
    assert alerts(text) == ["Frengel Reyes Mota", "Mota", "Reyes Mota"]


def test_surname_references_after_another_full_name_are_that_persons() -> None:
    # other-person: the latest full name a surname fits is its antecedent.
    assert alerts("Luis Hernández Pérez, the mayor of Valencia, opened a school. Hernández said it would grow.") == []
    text = (
        "Andry José Hernández Romero was deported in March.\n"
        "Luis Hernández Pérez, a lawyer in Caracas, took the case. Hernández said the court would hear it."
    )
    assert alerts(text) == ["Andry José Hernández Romero"]
    # Named again, the watched man is the antecedent again.
    text = (
        "Andry Hernández Romero and his cousin, José Hernández, were both detained. José Hernández "
        "was released; Hernández Romero was sent to CECOT."
    )
    assert alerts(text) == ["Andry Hernández Romero", "Hernández Romero"]


def test_relatives_introduced_by_name_later_in_the_paragraph() -> None:
    for text in (
        "Andry José Hernández Romero fue deportado al CECOT. Su madre, Yolimar Romero, vive en "
        "Capacho. Romero contó que no sabe nada de él.",
        "Andry José Hernández Romero fue deportado al CECOT. Su hermano, Carlos Hernández, vive en "
        "Lima. Hernández dijo que lo extraña.",
    ):
        assert alerts(text) == ["Andry José Hernández Romero"], text
    text = (
        "Frengel Reyes Mota llegó al CECOT en marzo.\n\nSu tía, María Reyes, habló con la prensa. "
        "«Reyes no es pandillero», dijo."
    )
    assert alerts(text) == ["Frengel Reyes Mota"]
    # After the relative, the watched man's own surnames are his again.
    text = (
        "Andry José Hernández Romero fue deportado al CECOT. Su hermano, Carlos Hernández, vive en "
        "Lima. Carlos dijo que lo extraña. Hernández Romero, de 31 años, es maquillador."
    )
    assert alerts(text) == ["Andry José Hernández Romero", "Hernández Romero"]
    # A mother named after a weak mention: her surname is not his.
    text = (
        "Hernández Romero, a makeup artist, remains in CECOT. His mother, Alicia Romero, spoke to "
        "reporters. Romero said she had not heard from him."
    )
    assert alerts(text) == []


def test_a_surname_after_an_alerting_common_name_points_back_to_it() -> None:
    # alert-antecedent: "Nadia Ouedraogo" alerts only with its context word (frequent
    # names), and then "Mme Ouedraogo" is her.
    text = "Nadia Ouedraogo a été placée au CRA de Vincennes. Mme Ouedraogo a fait appel."
    assert alerts(text) == ["Nadia Ouedraogo", "Ouedraogo"]
    assert any("lone name word" in line for line in explain(text, WATCHLIST, NADIA.name))
    # Without the context word nothing alerts, and the surname opens nothing either.
    assert alerts("Nadia Ouedraogo a chanté samedi. Mme Ouedraogo a remercié le public.") == []
    # Her lawyer of the same surname is the antecedent of what follows.
    text = (
        "Nadia Ouedraogo a été placée au CRA de Vincennes. Son avocate, Claire Ouedraogo, a fait "
        "appel. Ouedraogo a déclaré que la décision était illégale."
    )
    assert alerts(text) == ["Nadia Ouedraogo"]
