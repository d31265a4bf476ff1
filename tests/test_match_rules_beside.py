"""Alert-line rules read from the words beside a name: namesake-sign and hyphenated-surname.

Each test names the rule it covers (docs/matching.md, "Rules for the alert line"); the
people and sentences are made up for these tests.
"""

from __future__ import annotations

from monitor.items import Person
from monitor.match import compile_watchlist, explain, find_mentions

ALERT = 90

TOMAS = Person("Tomás Ibarra", context=("Tucson", "ICE", "Hermosillo"))
RAMIRO = Person("Ramiro Quesada Luna", context=("Oaxaca", "deportado"))
NELSON = Person("Nelson Quiroga", context=("boxeador", "Neuquén"))
MARC = Person("Marc Pierre-Louis", context=("Montréal",))
WATCHLIST = compile_watchlist([TOMAS, RAMIRO, NELSON, MARC])


def scored(text: str) -> list[tuple[str, str, int]]:
    """(person, matched, score) of every mention found, alerted or stored below the line."""
    return [(m.person.name, m.matched, m.score) for m in find_mentions(text, WATCHLIST)]


def alerts(text: str) -> list[tuple[str, str]]:
    return [(name, matched) for name, matched, score in scored(text) if score >= ALERT]


def rule_named(text: str, person: Person, rule: str) -> bool:
    return any(rule in line for line in explain(text, WATCHLIST, person.name))


def test_a_street_or_school_named_after_someone_is_not_them() -> None:
    # namesake-sign: the word before the name says it names a place or a body.
    for text in (
        "Vecinos de Tucson pintaron un mural en la calle Tomás Ibarra.",
        "Le lycée Tomás Ibarra, à Hermosillo, ferme pour travaux.",
        "A Escola Municipal Tomás Ibarra, em Tucson, abre inscrições.",
        "Parishioners met at St. Tomás Ibarra in Tucson after the raid by ICE.",
    ):
        assert alerts(text) == [], text
        assert scored(text) == [(TOMAS.name, "Tomás Ibarra", 80)], text
    assert rule_named("Vecinos de Tucson pintaron un mural en la calle Tomás Ibarra.", TOMAS, "namesake-sign")
    # The man himself, with the same context words, still alerts.
    assert alerts("Tomás Ibarra fue detenido por ICE en Tucson el martes.") == [(TOMAS.name, "Tomás Ibarra")]


def test_a_foundation_firm_or_street_after_the_name_is_not_the_person() -> None:
    # namesake-sign: English puts the institution word after the name.
    for text in (
        "The Tomás Ibarra Foundation funds lawyers for ICE detainees in Tucson.",
        "Tomás Ibarra Street in Tucson is closed while ICE agents search the block.",
        "Tomás Ibarra & Sons, a Tucson roofing company, was raided by ICE.",
        "Tomás Ibarra is a street in Hermosillo where ICE deportees are dropped off.",
    ):
        assert alerts(text) == [], text
    assert alerts("Tomás Ibarra, a roofer, was raided by ICE in Tucson.") == [(TOMAS.name, "Tomás Ibarra")]


def test_a_public_role_beside_the_name_marks_a_namesake() -> None:
    # namesake-sign: "the striker", "el boxeador": someone in the news for that role.
    for text in (
        "Tomás Ibarra, the Hermosillo-born striker, scored twice on Sunday.",
        "Tomás Ibarra, el alcalde de Hermosillo, inauguró el puente.",
        "Tomás Ibarra, 31, the Tucson welterweight boxer, won by knockout.",
        "El actor Tomás Ibarra presentó su película en Hermosillo.",
        "Tomás Ibarra, l'attaquant de Tucson, a signé à Lyon.",
    ):
        assert alerts(text) == [], text
    # A lone surname after the namesake is the namesake's too.
    assert alerts("Tomás Ibarra, the striker, was born in Hermosillo. Ibarra scored twice.") == []
    assert rule_named("El actor Tomás Ibarra presentó su película en Hermosillo.", TOMAS, "namesake-sign")
    # Someone introduced with "a", or by an ordinary trade, is not a public figure; a role
    # ending the sentence before is someone else's.
    for text in (
        "Ganó el boxeador. Tomás Ibarra, detenido por ICE en Tucson, lo vio por televisión.",
        "Tomás Ibarra, a striker in a Sunday league, was detained by ICE in Tucson.",
        "Tomás Ibarra, the Tucson welder held by ICE since May, lost his appeal.",
    ):
        assert alerts(text) == [(TOMAS.name, "Tomás Ibarra")], text
    # A role the watched person's own context words name is no sign against them.
    assert alerts("Nelson Quiroga, el boxeador de Neuquén, fue detenido.") == [(NELSON.name, "Nelson Quiroga")]


def test_a_parent_of_the_same_name_is_not_the_watched_son() -> None:
    # namesake-sign: "su padre, Tomás Ibarra" is the father.
    for text in (
        "Su padre, Tomás Ibarra, viajó a Hermosillo para pedir noticias del detenido.",
        "Tomás Ibarra, de 62 años, padre del joven detenido por ICE, habló en Tucson.",
        "His father, also named Tomás Ibarra, waited outside the ICE office in Tucson.",
    ):
        assert alerts(text) == [], text
    # A father himself, or a son introduced by his relatives, is still the man watched.
    for text in (
        "Tomás Ibarra, padre de dos niños, fue detenido por ICE en Tucson.",
        "Su hijo, Tomás Ibarra, fue detenido por ICE en Tucson.",
    ):
        assert alerts(text) == [(TOMAS.name, "Tomás Ibarra")], text
    # A full name of three words with an uncommon word is left alone, as exclude words leave it.
    assert alerts("Su padre, Ramiro Quesada Luna, fue deportado desde Oaxaca.") == [
        (RAMIRO.name, "Ramiro Quesada Luna")
    ]


def test_a_hyphenated_surname_written_whole_is_no_frequent_name() -> None:
    # hyphenated-surname: Marc, Pierre and Louis are all frequent names; "Pierre-Louis" is rare.
    assert alerts("Expulsés : PIERRE-LOUIS, Marc ; DUVAL, Anne") == [(MARC.name, "PIERRE-LOUIS, Marc")]
    assert rule_named("Expulsés : PIERRE-LOUIS, Marc ; DUVAL, Anne", MARC, "hyphenated-surname")
    # Without the hyphen the words are three frequent names, as before.
    assert alerts("Marc Pierre Louis a chanté samedi.") == []


ANDRY = Person("Andry Hernández Romero", context=("Venezuela",))
BRAYAN = Person("Brayan Rondón", context=("Acarigua",))
TIED = compile_watchlist([ANDRY, BRAYAN, TOMAS])


def tied_alerts(text: str) -> list[tuple[str, str]]:
    return [(m.person.name, m.matched) for m in find_mentions(text, TIED) if m.score >= ALERT]


def test_a_detention_in_the_story_outweighs_a_role_beside_the_name() -> None:
    # story-tie: the watched man may be an actor or a barber; the detention says it is him.
    for text, person, matched in (
        ("Andry Hernández, actor venezolano, sigue preso en el CECOT.", ANDRY, "Andry Hernández"),
        ("El actor Andry Hernández fue deportado a El Salvador en marzo.", ANDRY, "Andry Hernández"),
        ("Brayan Rondón, the singer, remains in CECOT, his mother said.", BRAYAN, "Brayan Rondón"),
        ("Tomás Ibarra, the striker, was detained by immigration agents in Tucson.", TOMAS, "Tomás Ibarra"),
        ("Tomás Ibarra, l'attaquant, a été placé en rétention à Tucson.", TOMAS, "Tomás Ibarra"),
        ("Tomás Ibarra, o cantor, foi detido em Tucson.", TOMAS, "Tomás Ibarra"),
        # The story in the next sentence of the paragraph counts too.
        ("Brayan Rondón, the singer, left Acarigua in 2023. In March he was deported.", BRAYAN, "Brayan Rondón"),
    ):
        assert tied_alerts(text) == [(person.name, matched)], text
    lines = explain("Andry Hernández, actor venezolano, sigue preso en el CECOT.", TIED, ANDRY.name)
    assert any("story-tie" in line for line in lines)
    # Nothing about a detention: the role holds, in the sentence and in the paragraph.
    for text in (
        "Andry Hernández, actor venezolano, estrena una obra en Caracas.",
        "Brayan Rondón, the singer, left Acarigua in 2023.\nIn March a cousin of his was deported.",
        "Tomás Ibarra, the Hermosillo-born striker, scored twice on Sunday.",
        # "ice" as a word is no agency; only "ICE" in capitals is.
        "Tomás Ibarra, the striker, slipped on the ice in Tucson.",
    ):
        assert tied_alerts(text) == [], text
    # A place or a parent is not overruled by the story: the father of a deportee is in it too.
    assert tied_alerts("Su padre, Tomás Ibarra, pidió noticias del hijo deportado.") == []
    assert tied_alerts("Vecinos pintaron la calle Tomás Ibarra en honor a los deportados.") == []


def test_a_president_of_something_is_a_public_role() -> None:
    # namesake-sign: "présidente d'une association" is someone known for it ...
    assert tied_alerts("Brayan Rondón, président du club d'Acarigua, a ouvert le tournoi.") == []
    assert tied_alerts("Brayan Rondón, presidente de la asociación de Acarigua, habló.") == []
    # ... unless the story ties him to a detention (story-tie).
    assert tied_alerts("Brayan Rondón, presidente de la asociación de Acarigua, fue detenido por ICE.") == [
        (BRAYAN.name, "Brayan Rondón")
    ]


def test_a_parent_searching_for_a_child_is_not_the_watched_man() -> None:
    # namesake-sign: the one looking for his son is the father; the son is the detainee.
    for text in (
        "Tomás Ibarra, de 61 años, recorrió las oficinas de Tucson buscando a su hijo.",
        "Tomás Ibarra spent a week in Tucson looking for his son. The young man was sent to CECOT.",
        "Tomás Ibarra, venu de Hermosillo, cherche son fils depuis mars.",
        "Tomás Ibarra passou o dia em Tucson procurando o filho.",
    ):
        assert alerts(text) == [], text
        assert [s for *_, s in scored(text)] == [80], text
    assert rule_named("Tomás Ibarra passou o dia em Tucson procurando o filho.", TOMAS, "a parent searching")
    # A detention in his own sentence makes him the detainee (story-tie), and a son who
    # searches for nobody is the man himself.
    for text in (
        "Tomás Ibarra, deportado en marzo desde Tucson, busca a su hijo en Hermosillo.",
        "Tomás Ibarra called his son from Tucson on Sunday.",
    ):
        assert alerts(text) == [(TOMAS.name, "Tomás Ibarra")], text


def test_the_lawyer_or_the_judge_in_a_detention_story_is_not_the_detainee() -> None:
    # namesake-sign: roles of the people who take part in the story; story-tie leaves them.
    for text in (
        "Tomás Ibarra, the judge, ordered the deportation of the Tucson man.",
        "Su abogado, Tomás Ibarra, dijo en Tucson que la deportación fue ilegal.",
        "L'avocat Tomás Ibarra a fait appel de l'expulsion à Tucson.",
        "Tomás Ibarra, porta-voz do ICE em Tucson, confirmou a deportação.",
    ):
        assert tied_alerts(text) == [], text
    # "Según el abogado, X ..." introduces what the lawyer said about X: no sign.
    assert tied_alerts("Según el abogado, Tomás Ibarra fue deportado desde Tucson.") == [(TOMAS.name, "Tomás Ibarra")]


def test_a_name_thousands_share_in_the_news_for_a_win_is_a_namesake() -> None:
    # namesake-sign (event): "Tomás Ibarra" is two frequent names; with a context word it
    # alerts, unless the sentence makes him the winner of something.
    for text in (
        "Tomás Ibarra ganó el maratón de Hermosillo.",
        "Tomás Ibarra, 44, a retired teacher from Tucson, won the county chess open.",
        "Tomás Ibarra a remporté le tournoi de Tucson.",
    ):
        assert tied_alerts(text) == [], text
        assert rule_named(text, TOMAS, "(event)"), text
    # A rare name that won something is the person: "Brayan Rondón" is strong.
    assert tied_alerts("Brayan Rondón ganó un concurso de barbería en Acarigua.") == [(BRAYAN.name, "Brayan Rondón")]
    # A win in court is the detainee's own story.
    for text in ("Tomás Ibarra won his appeal in Tucson on Tuesday.", "Tomás Ibarra ganó el amparo en Tucson."):
        assert tied_alerts(text) == [(TOMAS.name, "Tomás Ibarra")], text
    # And the story outweighs the win (story-tie).
    assert tied_alerts("Tomás Ibarra won a boxing title in Tucson before ICE detained him.") == [
        (TOMAS.name, "Tomás Ibarra")
    ]


def test_more_public_roles_and_the_pastor_who_visits_detainees() -> None:
    # namesake-sign: a journalist, a businessman, a model are known for that ...
    for text in (
        "Tomás Ibarra, the Tucson journalist, won an award for his series.",
        "El empresario Tomás Ibarra inauguró una planta en Hermosillo.",
        "Tomás Ibarra, jornalista de Tucson, lançou um livro.",
    ):
        assert tied_alerts(text) == [], text
    # ... but a journalist can be detained too (story-tie) ...
    assert tied_alerts("Tomás Ibarra, the Tucson journalist, was detained by ICE on Friday.") == [
        (TOMAS.name, "Tomás Ibarra")
    ]
    # ... while the pastor who visits detainees is in the story without being one.
    assert tied_alerts("El pastor Tomás Ibarra visitó a los detenidos en Tucson.") == []


def test_a_name_set_off_as_the_appositive_of_a_role() -> None:
    # namesake-sign: "El alcalde de Hermosillo, Tomás Ibarra, ..." is the mayor.
    for text in (
        "El alcalde de Hermosillo, Tomás Ibarra, pidió información sobre los deportados.",
        "The sheriff of Pima County, Tomás Ibarra, said ICE had not called him in Tucson.",
    ):
        assert tied_alerts(text) == [], text
    # No comma after the name: what the lawyer said about the man.
    assert tied_alerts("Según el abogado de la familia, Tomás Ibarra fue deportado desde Tucson.") == [
        (TOMAS.name, "Tomás Ibarra")
    ]


def test_a_place_named_after_someone_or_a_life_in_years_is_not_the_person() -> None:
    # namesake-sign: said in so many words, or with the years of a life.
    for text in (
        "The new ICE processing centre in Tucson is named after Tomás Ibarra.",
        "La escuela de Hermosillo lleva el nombre de Tomás Ibarra desde 1990.",
        "Tomás Ibarra (1901–1968) fundó el primer sindicato de Hermosillo.",
        "Tomás Ibarra (born 1950) wrote the history of Tucson.",
    ):
        assert tied_alerts(text) == [], text
    # A vigil held for him is about him.
    assert tied_alerts("A vigil was held in Tucson for Tomás Ibarra, detained by ICE since May.") == [
        (TOMAS.name, "Tomás Ibarra")
    ]


def test_a_shop_hotel_or_fictional_character_named_so_is_not_the_person() -> None:
    # namesake-sign: businesses named after someone, and characters of fiction.
    for text in (
        "Police in Tucson say the Tomás Ibarra Restaurant was robbed twice this year.",
        "El restaurante Tomás Ibarra, en Hermosillo, cerró tras la redada de ICE.",
        "In the novel, the character Tomás Ibarra is detained by ICE in Tucson.",
    ):
        assert tied_alerts(text) == [], text


def test_roles_with_qualifiers_and_offices_after_an_indefinite_article() -> None:
    # namesake-sign: a qualifier between the article and the role, a Spanish adjective
    # after the role, an office held whatever the article, a head of department.
    for text in (
        "El alcalde interino de Hermosillo, Tomás Ibarra, visitó a los deportados.",
        "El boxeador sonorense Tomás Ibarra ganó por nocaut en Tucson.",
        "Tomás Ibarra, a deputy mayor of Tucson, met the ICE field director.",
        "Dr. Tomás Ibarra, head of surgery at the Tucson clinic, presented the results.",
    ):
        assert tied_alerts(text) == [], text
    # An ordinary trade after "a" is still someone introduced, not an office.
    assert tied_alerts("Tomás Ibarra, a Tucson roofer, was detained by ICE.") == [(TOMAS.name, "Tomás Ibarra")]


def test_feats_and_honours_mark_a_namesake_even_with_a_rare_name() -> None:
    # namesake-sign (event): sports feats and honours hold for any form, "Brayan Rondón" too.
    for text in (
        "Brayan Rondón scored twice as Acarigua beat Guanare 3-1.",
        "Brayan Rondón recibió ayer un reconocimiento de la alcaldía de Acarigua.",
    ):
        assert tied_alerts(text) == [], text
    # A detention in the paragraph still outweighs the feat (story-tie).
    assert tied_alerts("Brayan Rondón scored twice for Acarigua in 2022. He was deported in March.") == [
        (BRAYAN.name, "Brayan Rondón")
    ]


def test_an_institution_in_lower_case_and_a_street_with_a_full_name() -> None:
    # namesake-sign: "the X school" in lower case; a street even for a full, distinctive name.
    ramiro_street = "Vecinos de Oaxaca cerraron la calle Ramiro Quesada Luna por la protesta de deportados."
    assert tied_alerts("Pupils at the Brayan Rondón school in Acarigua have no water.") == []
    assert [(m.person.name, m.score) for m in find_mentions(ramiro_street, WATCHLIST)] == [(RAMIRO.name, 80)]


def test_the_same_name_again_is_the_same_namesake() -> None:
    # namesake-sign, repeated: the mayor named again without his title is still the mayor.
    text = "El alcalde Tomás Ibarra habló en Hermosillo. Más tarde, Tomás Ibarra recibió a los vecinos."
    assert tied_alerts(text) == []
    assert sorted(s for *_, s in scored(text)) == [80, 80]
