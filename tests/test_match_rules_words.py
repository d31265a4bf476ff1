"""Alert-line rules for everyday-word surnames, initials, longer names and Portuguese surnames.

Each test names the rule it covers (docs/matching.md, "Rules for the alert line"); the
people and sentences are made up for these tests.
"""

from __future__ import annotations

from monitor.items import Person
from monitor.match import compile_watchlist, explain, find_mentions
from monitor.match.language import is_portuguese
from monitor.match.namedata import frequent, ordinary
from monitor.match.normalize import tokenize

ALERT = 90

NADIA = Person("Nadia Colette Stone", context=("Dover",))
MATHIEU = Person("Mathieu Charpentier", context=("Lille",))
KARIM = Person("Karim Youssef Mansour", context=("Tunis",))
ANNE = Person("Anne-Sophie Kessler", context=("Strasbourg",))
PEDRO = Person("Pedro Luis Castaño Roca", context=("Girona",))
JEAN_PAUL = Person("Jean-Paul Mbenda", context=("Douala",))
ANA = Person("Ana María Gómez", context=("Tijuana",))
RODRIGO = Person("Rodrigo Neves Barbosa", context=("Revere",))
PAVEL = Person("Pavel Zaitsev", context=("Perm",))
WATCHLIST = compile_watchlist([NADIA, MATHIEU, KARIM, ANNE, PEDRO, JEAN_PAUL, ANA, RODRIGO, PAVEL])


def scored(text: str) -> list[tuple[str, str, int]]:
    """(person, matched, score) of every mention found, alerted or stored below the line."""
    return [(m.person.name, m.matched, m.score) for m in find_mentions(text, WATCHLIST)]


def alerts(text: str) -> list[tuple[str, str]]:
    return [(name, matched) for name, matched, score in scored(text) if score >= ALERT]


def test_a_surname_that_is_an_everyday_word_needs_a_context_word() -> None:
    # ordinary-word: "stone" is a frequent English word; "Michael" is as frequent, but a name.
    assert ordinary("stone") and ordinary("torre") and not ordinary("michael") and not ordinary("rosa")
    assert alerts("Nadia Stone sang at the festival on Saturday.") == []
    assert scored("Nadia Stone sang at the festival on Saturday.") == [(NADIA.name, "Nadia Stone", 80)]
    assert alerts("Nadia Stone, held in Dover since May, has a hearing.") == [(NADIA.name, "Nadia Stone")]
    lines = explain("Nadia Stone sang at the festival on Saturday.", WATCHLIST, NADIA.name)
    assert any("ordinary-word" in line for line in lines)


def test_a_name_word_in_lower_case_beside_capitals_is_the_everyday_word() -> None:
    # lower-case-word: "le charpentier Mathieu Lefort" is a carpenter called Mathieu.
    text = "Le charpentier Mathieu Lefort, installé à Lille, a fermé son atelier."
    assert scored(text) == []
    assert any("lower-case-word" in line for line in explain(text, WATCHLIST, MATHIEU.name))
    assert alerts("Mathieu Charpentier, installé à Lille, a été placé en rétention.") == [
        (MATHIEU.name, "Mathieu Charpentier")
    ]


def test_a_middle_initial_that_agrees_is_a_fuller_form() -> None:
    # middle-initial: Karim and Mansour are both frequent; "Karim Y." narrows it down.
    assert alerts("Expulsés le 3 mars : MANSOUR, Karim Y. ; LEROUX, Marc.") == [(KARIM.name, "MANSOUR, Karim Y")]
    assert alerts("Karim Mansour a parlé hier soir.") == []
    # Another middle initial is another man: not even a possible mention.
    assert scored("Karim T. Mansour a parlé à Tunis.") == []


def test_every_given_name_as_an_initial_with_the_surname_alerts_with_context() -> None:
    # given-initials: hyphenated ("A.-S.") or separate ("P. L.") initials of every given name.
    assert alerts("A.-S. Kessler, placée en rétention à Strasbourg, conteste son expulsion.") == [
        (ANNE.name, "A.-S. Kessler")
    ]
    assert alerts("P. L. Castaño, detenido en Girona, pidió asilo.") == [(PEDRO.name, "P. L. Castaño")]
    assert alerts("A.-S. Kessler a publié un livre de recettes.") == []
    assert alerts("P. L. Castaño escribió una columna sobre fútbol.") == []
    assert any("given-initials" in line for line in explain("A.-S. Kessler, à Strasbourg.", WATCHLIST, ANNE.name))


def test_a_surname_after_the_whole_name_makes_it_someone_elses() -> None:
    # longer-name: "Jean-Paul Mbenda Moreau" is not Jean-Paul Mbenda, even near "Douala".
    text = "Jean-Paul Mbenda Moreau, le ministre, est arrivé à Douala."
    assert scored(text) == []
    assert any("longer-name" in line for line in explain(text, WATCHLIST, JEAN_PAUL.name))
    assert alerts("Jean-Paul Mbenda, 40 ans, est arrivé à Douala.") == [(JEAN_PAUL.name, "Jean-Paul Mbenda")]


def test_two_very_common_given_names_and_one_very_common_surname_need_context() -> None:
    # common-full-name, three words: "Ana María" is one compound given name.
    assert scored("Ana María Gómez ganó el torneo de ajedrez.") == [(ANA.name, "Ana María Gómez", 80)]
    assert alerts("Ana María Gómez fue detenida en Tijuana el martes.") == [(ANA.name, "Ana María Gómez")]


def test_in_portuguese_the_last_surname_alerts_with_a_context_word() -> None:
    # portuguese-surname: people go by the father's surname, the last one.
    assert is_portuguese(tokenize("Ele foi detido pelo ICE, disse a família."))
    assert not is_portuguese(tokenize("Fue detenido por ICE, dijo la familia."))
    assert not is_portuguese(tokenize("He was detained by ICE, the family said."))
    assert alerts("Rodrigo Barbosa foi detido pelo ICE em Revere, disse a família.") == [
        (RODRIGO.name, "Rodrigo Barbosa")
    ]
    assert scored("Rodrigo Barbosa fue detenido por ICE en Revere, dijo la familia.") == [
        (RODRIGO.name, "Rodrigo Barbosa", 85)
    ]
    assert alerts("Rodrigo Barbosa foi eleito vereador, disse a imprensa.") == []


def test_russian_y_and_i_after_a_vowel_are_one_spelling() -> None:
    # spelling-variant: "Zaytsev" / "Zaitsev" is romanization, not a typo.
    assert alerts("Pavel Zaytsev, from Perm, asked for asylum in March.") == [(PAVEL.name, "Pavel Zaytsev")]
    assert alerts("Pavel Zaytsev signed for the club.") == []


def test_a_glued_arabic_article_weighs_nothing_in_frequent_names() -> None:
    # frequent-names: "Elidrissi" is as frequent as "Idrissi".
    assert frequent("elidrissi", False) and frequent("idrissi", False)


def test_an_arabic_name_spelled_with_other_vowels_is_no_typo() -> None:
    # arabic-vowels: "Rashedi" and "Rashidi" are two romanizations of one name.
    from monitor.match.translit import vowel_variant

    assert vowel_variant("rashedi", "rashidi") and vowel_variant("mohamed", "muhammad")
    assert not vowel_variant("rashed", "rashidi")
    nabil = Person("Nabil Karim Al-Rashidi", context=("Yemen",))
    watchlist = compile_watchlist([nabil, PEDRO])
    text = "Nabil Al Rashedi, who fled Yemen in 2019, was held at Otay Mesa."
    found = [(m.matched, m.score) for m in find_mentions(text, watchlist)]
    assert found == [("Nabil Al Rashedi", 90)]
    assert any("arabic-vowels" in line for line in explain(text, watchlist, nabil.name))
    # Only for Arabic names: a vowel slip in a Spanish name is still a typo.
    # (95 for given name + first surname, less half of a 5-point edit: a context word is near.)
    assert [m.score for m in find_mentions("Pedro Castiño Roca, de Girona, habló.", watchlist)] == [93]


def test_every_given_name_and_the_last_surname_outside_spanish_text() -> None:
    # every-given-name: "Rodrigo Neves Barbosa" has one given name; use a two-given-name person.
    joao = Person("João Pedro Neves Barbosa", context=("Revere",))
    watchlist = compile_watchlist([joao])

    def found(text: str) -> list[tuple[str, int]]:
        return [(m.matched, m.score) for m in find_mentions(text, watchlist)]

    text = "João Pedro Barbosa, a Revere mechanic, was detained on Tuesday."
    assert found(text) == [("João Pedro Barbosa", 90)]
    assert any("every-given-name" in line for line in explain(text, watchlist, joao.name))
    french = "João Pedro Barbosa, mécanicien à Revere, a été arrêté mardi par les agents."
    assert found(french) == [("João Pedro Barbosa", 90)]
    # In Spanish text the maternal surname alone is another family's: stored for review.
    assert found("João Pedro Barbosa, mecánico de Revere, fue detenido el martes.") == [("João Pedro Barbosa", 85)]
    # One given name is not enough, and nor is no context word.
    assert found("João Barbosa, a Revere mechanic, was detained on Tuesday.") == [("João Barbosa", 85)]
    assert found("João Pedro Barbosa, a mechanic, was detained on Tuesday.") == []


def test_a_silent_h_is_a_spelling_variant() -> None:
    # spelling-variant: "Jhonatan" and "Jonathan" are one name; "Jonathan" is a common
    # name, so as a typo (two edits) it was never looked at.
    from monitor.match.translit import same_spelling

    assert same_spelling("jhonatan", "jonathan") and same_spelling("thiago", "tiago")
    assert not same_spelling("sanchez", "sancez") and not same_spelling("hernandez", "ernandez")
    jhonatan = Person("Jhonatan Alexis Mendoza Pirela", context=("CECOT",))
    watchlist = compile_watchlist([jhonatan])
    found = [(m.matched, m.score) for m in find_mentions("Jonathan Mendoza Pirela fue deportado.", watchlist)]
    assert found == [("Jonathan Mendoza Pirela", 95)]


def test_two_given_names_joined_by_a_conjunction_share_the_surnames() -> None:
    # shared-surnames: "Carlos y Luis Ruiz Tovar" names Carlos Ruiz Tovar too.
    carlos = Person("Carlos Eduardo Ruiz Tovar", context=("CECOT",))
    luis = Person("Luis Ruiz Tovar")
    watchlist = compile_watchlist([carlos, luis])

    def found(text: str) -> list[tuple[str, str]]:
        return [(m.person.name, m.matched) for m in find_mentions(text, watchlist) if m.score >= ALERT]

    text = "Los hermanos Carlos y Luis Ruiz Tovar fueron enviados al CECOT."
    assert found(text) == [(carlos.name, "Carlos y Luis Ruiz Tovar"), (luis.name, "Luis Ruiz Tovar")]
    assert any("shared-surnames" in line for line in explain(text, watchlist, carlos.name))
    assert found("Carlos and Luis Ruiz Tovar were detained in Texas.")[0] == (carlos.name, "Carlos and Luis Ruiz Tovar")
    # Another first name before the conjunction is not Carlos.
    assert found("Pedro y Luis Ruiz Tovar fueron detenidos.") == [(luis.name, "Luis Ruiz Tovar")]


def test_abbreviations_french_russian_and_short_silent_h() -> None:
    # abbreviation: "St-Fleur" is Saint-Fleur; spelling-variant: "Voronine" / "Voronin",
    # "Dimitri" / "Dmitri", "Jhon" / "John"; a given name in -ine is its own name.
    from monitor.match.translit import same_spelling

    assert same_spelling("voronine", "voronin") and same_spelling("dimitri", "dmitri")
    assert same_spelling("jhon", "john") and not same_spelling("martine", "martin")
    people = [Person("Marc-Olivier Saint-Aimé", context=("Miami",)), Person("Dmitri Orekhin", context=("Otay Mesa",)),
              Person("Jhon Freiner Cuesta", context=("Krome",))]
    watchlist = compile_watchlist(people)
    for text, matched in (
        ("Marc-Olivier St-Aimé, renvoyé de Miami, est arrivé à Port-au-Prince.", "Marc-Olivier St-Aimé"),
        ("Dimitri Orekhine attend à Otay Mesa une réponse à sa demande d'asile.", "Dimitri Orekhine"),
        ("John Freiner Cuesta was held at Krome for a month.", "John Freiner Cuesta"),
    ):
        assert [(m.matched, m.score >= ALERT) for m in find_mentions(text, watchlist)] == [(matched, True)], text
