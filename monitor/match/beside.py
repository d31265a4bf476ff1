"""The words right beside a name that say it is someone or something else (rule namesake-sign).

Three signs, each read from the few words before or after the matched name:

- an institution or a street named after a person: "la avenida Francisco Madero", "St. Rose
  Church", "the Robert Johnson Foundation", "Obi & Partners", "Ivo Rua is a street";
- a public role given as the person's description: "Karim Benali, l'attaquant du MC Oran",
  "El actor Yoandri Casanova" (a footballer, a mayor or a novelist is in the news for
  that, not for a detention), unless the watched person's own context words name it;
- a parent of the same name: "Su padre, Jhon Quintana, ...", "Francisco Madero, de 64
  años, padre del joven deportado".
"""

from __future__ import annotations

import re

from .normalize import fold
from .topic import plain, tie_in

REACH = 90  # characters read on each side: a few words

# Words that come before the name of the person a place or body is named after, in the
# languages the press writes it so (Spanish, Portuguese, French); English puts them after.
PLACE_BEFORE = frozenset("""
calle avenida av avda paseo plaza plazuela barrio colonia carretera puente parque estadio
escuela colegio liceo instituto universidad hospital clinica fundacion centro teatro iglesia
capilla parroquia biblioteca museo aeropuerto premio calzada boulevard bulevar
rua travessa praca largo alameda rodovia ponte escola colegio faculdade fundacao igreja
capela paroquia aeroporto estadio ginasio creche
rue boulevard bd avenue allee impasse quai chemin place pont stade ecole college lycee
universite hopital fondation eglise chapelle paroisse bibliotheque musee aeroport gymnase
saint sainte st ste san santa santo sao
restaurante tienda panaderia hotel edificio empresa galeria almacen
loja padaria edificio predio
restaurant boulangerie hotel magasin immeuble galerie marche
""".split())
# Abbreviations written with a period before the name ("St. Rose Church", "Av. Bolívar").
PLACE_ABBREVIATIONS = frozenset({"st", "ste", "av", "avda", "bd", "pca"})
# Adjectives that sit between such a word and the name ("la escuela primaria Francisco ...").
PLACE_ADJECTIVES = frozenset("""
primaria secundaria municipal nacional estatal estadual federal publica general comunitario
comunitaria regional provincial departamental elementaire maternelle publique
""".split())
# Capitalized words that follow the name of the person a place or body is named after.
PLACE_AFTER = frozenset("""
street st avenue ave road rd boulevard blvd lane drive square bridge highway park plaza
school academy institute college university hospital clinic center centre library museum
stadium arena airport hall church chapel cathedral foundation trust fund prize award
memorial scholarship llp llc inc ltd associates
restaurant cafe bakery store shop market hotel motel building tower group company corp
corporation studio studios gallery theater theatre salon motors farms
""".split())
_FIRM = re.compile(r"\s*(?:&|\+)\s*\w")
# "Ivo Rua is a street", "Stone, Grace and Hill is a law firm", "es una calle".
_IS_A_PLACE = re.compile(
    r"(?:\s*(?:,|&|\band\b|\by\b|\bet\b|\be\b)\s*[A-ZÀ-Þ][\w'’-]*)*\s*,?\s+"
    r"(?:is|was|es|era|est|était|é|era)\s+(?:a|an|un|una|une|uma|the|el|la|le|o)\s+"
    r"(?:(?:name|nombre|nom|nome)\s+(?:of|de|do|da|d')\s*(?:a|an|un|una|une|uma)?\s+)?"
    r"(?:street|road|avenue|square|school|church|chapel|hospital|foundation|company|brand|"
    r"law firm|firm|calle|avenida|plaza|escuela|iglesia|empresa|bufete|marca|rua|praça|"
    r"escola|igreja|rue|place|école|église|cabinet|entreprise|société|marque)\b",
    re.IGNORECASE,
)

# Public roles: people in the news for them, not for a detention or a deportation.
ROLES = frozenset("""
footballer midfielder striker forward defender goalkeeper goalie winger fullback pitcher
shortstop quarterback boxer runner sprinter marathoner weightlifter cyclist swimmer
wrestler golfer jockey coach athlete olympian
actor actress singer rapper musician guitarist drummer pianist novelist writer author poet
sculptor filmmaker comedian chef dancer journalist reporter columnist anchor presenter
professor scientist researcher businessman businesswoman entrepreneur tycoon magnate ceo executive
billionaire model influencer youtuber producer head chief director directora jefe jefa
directeur directrice diretor diretora
periodista reportero reportera columnista presentador presentadora cientifico cientifica
empresario empresaria modelo productor productora
jornalista reporter apresentador apresentadora empresario cientista produtor produtora
journaliste presentateur presentatrice chroniqueur chroniqueuse scientifique mannequin
producteur productrice
mayor senator congressman congresswoman councillor councilman councilwoman minister governor
ambassador diplomat judge prosecutor bishop cardinal
futbolista delantero defensa portero arquero mediocampista centrocampista
lanzador pelotero beisbolista boxeador atleta ciclista nadador luchador
tenista golfista entrenador seleccionador
actriz cantante cantautor rapero musico guitarrista pianista escritor escritora novelista
poeta poetisa escultor cineasta humorista bailarin bailarina
alcalde alcaldesa senador senadora diputado diputada ministro ministra gobernador
gobernadora embajador embajadora concejal concejala juez jueza obispo
jogador atacante avancado zagueiro goleiro guardaredes treinador pugilista
cantor cantora ator atriz romancista realizador
prefeito prefeita vereador vereadora deputado deputada governadora embaixador juiz juiza
footballeur attaquant defenseur gardien entraineur joueur athlete coureur boxeur
cycliste nageur acteur chanteur chanteuse rappeur musicien musicienne ecrivain ecrivaine
romancier romanciere poete realisateur realisatrice humoriste danseur danseuse
maire senateur senatrice depute deputee gouverneur ambassadeur juge procureur eveque
""".split())
# Roles of the people who take part in a detention story without being detained: the
# judge, the lawyer, the mayor, the spokesman. A detention word nearby does not make
# them the detainee (rule story-tie leaves these roles alone).
OFFICIAL_ROLES = frozenset("""
judge prosecutor mayor senator congressman congresswoman councillor councilman councilwoman
minister governor ambassador diplomat bishop cardinal lawyer attorney spokesman spokeswoman
spokesperson sheriff consul warden priest pastor chaplain adjoint adjointe
cura sacerdote capellan pretre pasteur cure aumonier
juez jueza fiscal alcalde alcaldesa senador senadora diputado diputada ministro ministra
gobernador gobernadora embajador embajadora concejal concejala obispo abogado abogada portavoz
consul
prefeito prefeita vereador vereadora deputado deputada governadora embaixador juiz juiza
advogado advogada portavoz
maire senateur senatrice depute deputee gouverneur ambassadeur juge procureur eveque avocat
avocate porteparole
""".split())
# A character of fiction: detained or not, only in the story told.
FICTION_ROLES = frozenset("character personaje personagem personnage".split())
# Roles a detention word nearby does not overrule (rule story-tie).
STORY_ROLES = OFFICIAL_ROLES | FICTION_ROLES
ROLES = ROLES | STORY_ROLES
# Roles only in the appositive after the name ("Fatoumata Camara, présidente d'une
# association"): before it, "President Donald Trump" is how the press titles the man.
ROLES_AFTER = ROLES | frozenset("president presidente presidenta chairman chairwoman".split())
_DEFINITE = frozenset({"the", "el", "la", "le", "les", "los", "las", "o", "os", "l"})
_INDEFINITE = frozenset({"a", "an", "un", "una", "une", "uma", "um"})
_STOP = frozenset("""
of from at in for with by de del du des do da dos das en a au aux em no na pour para por con
com avec who which que qui who's whose
""".split())
_RIGHTS = re.compile(r"(?:of|des|de|dos|do)\s+(?:human|los\s+derechos|derechos|droits|direitos)", re.IGNORECASE)
_ELISION = re.compile(r"^(?:[dlDL]|qu|Qu)['’]")
_AGE = re.compile(r"\s*(?:de\s+)?\d{1,3}(?:\s+(?:años|ans|anos|years?(?:\s+old)?))?\s*$", re.IGNORECASE)

_KIN = r"(?:padre|papá|father|dad|père|pai|madre|mamá|mother|mom|mère|mãe)"
_PARENT_BEFORE = re.compile(
    r"\b(?:su|sus|his|her|their|sa|son|leur|seu|sua)\s+" + _KIN + r"\s*,\s*"
    r"(?:(?:también|tambien)\s+llamad[oa]\s+|also\s+(?:named|called)\s+|(?:lui\s+)?aussi\s+"
    r"(?:appelée?|prénommée?)\s+|também\s+chamad[oa]\s+)?$",
    re.IGNORECASE,
)
_PARENT_AFTER = re.compile(
    r"\s*,\s*(?:(?:de\s+)?\d{1,3}(?:\s+(?:años|ans|anos|years?\s+old))?\s*,\s*)?"
    r"(?:(?:el|the|le|o|la|a)\s+)?" + _KIN + r"\s+"
    r"(?:del|du|do|da|dos|das|des|of\s+(?:the|his|her|[A-Z])|de\s+(?:la|los|las|l['’]|[A-ZÀ-Þ]))",
)


_CHILD = (r"(?:su|sus|his|her|their|son|sa|ses|leur|seu|sua|o|a)\s+"
          r"(?:hij[oa]s?|sons?|daughters?|child|children|kids?|fils|filles?|enfants?|filh[oa]s?)\b")
# "... recorrió tres ministerios buscando a su hijo": the one searching is the parent.
_SEEKS_CHILD = re.compile(
    r"\b(?:busca(?:ndo|ba|ron)?|buscó|looking\s+for|searching\s+for|searched\s+for|search\s+for|"
    r"(?:re)?cherch(?:e|ait|ant|ent)|procura(?:ndo|va)?|procurou)\s+(?:a\s+|à\s+|de\s+)?" + _CHILD,
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?…][\"”’»)]*\s")


def namesake_sign(text: str, start: int, end: int) -> tuple[str, str, str]:
    """What the words beside text[start:end] say: (place or parent sign, role sign, the
    role's folded word), each "" when nothing says so.

    The role is returned apart so the caller can let a person's own context words (a
    watched footballer with context "futbolista") overrule it; the rest holds for anyone.
    """
    before = text[max(0, start - REACH) : start]
    after = text[end : end + REACH]
    role, role_key = _role(before, after)
    if not role:
        role, role_key = _event(after)
    sign = (_place_before(before) or _place_after(after) or _place_lower(before, after) or _parent(before, after)
            or _seeks_child(text, start, end))
    return sign, role, role_key


def place_sign(text: str, start: int, end: int) -> str:
    """Only the place or body sign: it holds even for a full, distinctive name ("Rua
    Wellington Rodrigues da Silva" is a street whatever the name)."""
    before, after = text[max(0, start - REACH) : start], text[end : end + REACH]
    return _place_before(before) or _place_after(after) or _place_lower(before, after)


def sign_for(found: tuple[str, str, str], own_words: frozenset[str]) -> str:
    """The reason `namesake_sign` gave, for a person whose folded context words are `own_words`."""
    place_or_parent, role, role_key = found
    if place_or_parent:
        return place_or_parent
    return role if role and role_key not in own_words else ""


# "a school named after X", "la calle lleva el nombre de X", "porte le nom de X".
_NAMED_AFTER = re.compile(
    r"(?:named\s+(?:after|for)|lleva\s+el\s+nombre\s+de(?:l)?|leva\s+o\s+nome\s+de|"
    r"porte\s+le\s+nom\s+d[eu]|bautizad[oa]\s+con\s+el\s+nombre\s+de)\s*$",
    re.IGNORECASE,
)
# "Robert Johnson (1911–1938)", "(born 1950)", "(n. 1950)": a life in years, someone historic.
_LIFE_YEARS = re.compile(r"\s*\((?:\d{4}\s*[-–—]\s*\d{4}|(?:born|b\.|n\.|née?\s+en|nacid[oa]\s+en)\s*\d{4})\)")


def _place_before(before: str) -> str:
    m = _NAMED_AFTER.search(before)
    if m:
        return f"after {' '.join(m.group(0).split())!r}: a place or body named after someone"
    if not before[-1:].isspace():
        return ""
    for word in before.split()[-3:][::-1]:
        bare = word.rstrip(".")
        key = fold(bare)
        if word.endswith(".") and key in PLACE_ABBREVIATIONS:
            return f"after {word!r}: a place or body named after someone"
        if not bare or not bare[-1].isalnum() or bare != word:
            return ""  # punctuation: the words before belong to something else
        if key in PLACE_BEFORE:
            return f"after {word!r}: a place or body named after someone"
        if not (word[0].isupper() or key in PLACE_ADJECTIVES):
            return ""
    return ""


_THE_BEFORE = re.compile(r"\b(?:the|la|el|le|o|a)\s+$", re.IGNORECASE)


def _place_lower(before: str, after: str) -> str:
    """"at the Andrés Eloy Blanco school": an article before, an institution word after,
    in lower case too."""
    m = re.match(r"[ \t]+([a-z]+)\b", after)
    if m and m.group(1) in PLACE_AFTER and _THE_BEFORE.search(before):
        return f"'the ... {m.group(1)}': a place or body named after someone"
    return ""


def _place_after(after: str) -> str:
    m = _LIFE_YEARS.match(after)
    if m:
        return f"{m.group(0).strip()!r} after the name: someone of another time"
    m = re.match(r"[ \t]+([A-Z][\w]*)\.?", after)
    if m and fold(m.group(1)) in PLACE_AFTER:
        return f"before {m.group(1)!r}: a place or body named after someone"
    if _FIRM.match(after):
        return "before '&': a firm's name"
    m = _IS_A_PLACE.match(after)
    if m:
        return f"'{' '.join(m.group(0).split())}': a place or body, not a person"
    return ""


_POSSESSIVE_ROLE = re.compile(
    r"\b(?:su|sus|his|her|their|sa|son|leur|seu|sua)\s+([\w'’-]+)\s*,\s*$", re.IGNORECASE
)
# What a namesake is in the news for, said right after the name: "Mamadou Diop a remporté
# le marathon", "Robert Johnson scored 18 points", "fue elegida alcaldesa" (folded).
_EVENT = re.compile(
    r"(?:\w+\s+){0,2}?(?:"
    r"won|wins|scored|scores|beat|defeated|clinched|starred|stars|recorded|published|premiered|"
    r"was\s+(?:re-?)?elected|was\s+named\s+(?:coach|captain|director|ceo|head)|signed\s+(?:with|for)|"
    r"broke\s+the\s+record|took\s+(?:gold|silver|bronze)|finished\s+(?:first|second|third)|"
    r"gano|marco|anoto|conquisto|vencio|derroto|publico|estreno|estrena|protagoniza|protagonizo|grabo|"
    r"fue\s+(?:elegid|elect|reelect|nombrad)[oa]|firmo\s+(?:con|por)|se\s+corono|"
    r"venceu|ganhou|marcou|conquistou|defendeu|publicou|estreou|gravou|foi\s+(?:eleit|reeleit|nomead)[oa]|"
    r"assinou\s+(?:com|pelo|pela)|"
    r"a\s+remporte|remporte|a\s+gagne|a\s+marque|a\s+battu|a\s+publie|a\s+sorti|"
    r"(?:has\s+)?coach(?:ed|es)|entrena|entreno|treina|treinou|a\s+entraine|entraine|"
    r"inaugurated|inauguro|inaugurou|a\s+inaugure|"
    r"a\s+ete\s+(?:elue?|reelue?|nommee?)|a\s+signe|s'est\s+imposee?|a\s+decroche"
    r")\b"
)
EVENT = "(event)"  # the role key of an event sign (weak forms only)
FEAT = "(feat)"  # an event that holds for any form: a sports feat, an honour received
# Sports feats and honours received: "scored in stoppage time", "lanzó seis entradas",
# "recibió un reconocimiento", "recebeu homenagem" (folded).
_FEAT = re.compile(
    r"(?:\w+\s+){0,2}?(?:"
    r"scored|scores|pitched|homered|struck\s+out|marco\s+(?:un|el|dos|tres|su)|anoto\s+(?:un|el|dos|tres|su)|"
    r"lanzo\s+\w+\s+entradas|poncho|jonroneo|marcou\s+(?:um|o|dois|tres|seu)|a\s+marque|"
    r"received\s+(?:an?\s+)?(?:award|honou?r|prize|medal)|was\s+honou?red|"
    r"recibio\s+(?:\w+\s+){0,3}?(?:un|el|la)\s+(?:reconocimiento|homenaje|premio|medalla)|fue\s+homenajead[oa]|"
    r"recebeu\s+(?:uma?\s+|o\s+|a\s+)?(?:homenagem|premio|medalha)|foi\s+homenagead[oa]|"
    r"a\s+recu\s+(?:un|le|la)\s+(?:prix|hommage|medaille)|a\s+ete\s+(?:decore|honore)e?"
    r")\b"
)
# "won his appeal", "ganó el amparo", "a gagné son recours": a win in court is the
# detainee's story, not a namesake's (folded).
_LEGAL_WIN = re.compile(
    r"\b(?:appeal|case|release|bond|stay|reprieve|lawsuit|suit|ruling|hearing|apelacion|amparo|caso|"
    r"recurso|fianza|libertad|liberacion|juicio|demanda|recours|appel|proces|liberte|liberdade|"
    r"habeas)\b"
)
_CLAUSE_END = re.compile(r"[.!?;:](?:\s|$)|\n")


def _event(after: str) -> tuple[str, str]:
    """An achievement the sentence gives the name as its subject (rule namesake-sign: an
    event), read after an appositive if there is one."""
    end = _CLAUSE_END.search(after)
    clause = after[: end.start()] if end else after
    if clause.startswith(","):
        parts = clause.split(",")
        if len(parts) < 3:
            return "", ""  # the name is itself in an appositive or a list
        clause = parts[-1]  # after the description: "X, 71, a retired teacher, won ..."
    said = plain(clause.strip())
    m = _FEAT.match(said)
    if m:
        return f"{' '.join(m.group(0).split())!r} after the name: someone in the news for that (event)", FEAT
    m = _EVENT.match(said)
    if m and not _LEGAL_WIN.search(said, m.end(), m.end() + 40):
        return f"{' '.join(m.group(0).split())!r} after the name: someone in the news for that (event)", EVENT
    return "", ""


# "El alcalde de Valencia, Carlos Ruiz, pidió ...": the name as the appositive of a role.
_ROLE_THEN_NAME = re.compile(
    r"(?:^|[\s(«\"“])(?:el|la|los|las|the|le|les|o|a|l['’])\s*((?:[\w'’-]+\s+){0,2}?[\w'’-]+)"
    r"(?:\s+(?:de|del|of|du|des|do|da|dos|das|for|de\s+la)\s+[^,.;:!?\n]{1,40})?\s*,\s*$",
    re.IGNORECASE,
)


def _role(before: str, after: str) -> tuple[str, str]:
    m = _POSSESSIVE_ROLE.search(before)
    if m and fold(m.group(1)) in ROLES:
        return f"after {' '.join(m.group(0).split())!r}: someone known for that role", fold(m.group(1))
    m = _ROLE_THEN_NAME.search(before)
    if m and after.lstrip(" ").startswith(","):
        # "El obispo auxiliar de Zacatecas, X,": the comma after the name closes the
        # appositive; "Según el abogado, X fue deportado" (no comma after X) reports what
        # the lawyer said about X.
        key = next((k for k in map(fold, m.group(1).split()) if k in ROLES_AFTER), "")
        if key:
            return f"after {' '.join(m.group(0).split())!r}, set off by commas: someone known for that role", key
    words = before.split()
    if before[-1:].isspace() and words and words[-1][-1].isalnum():  # "el boxeador. Tomás": no
        key = fold(_ELISION.sub("", words[-1]))
        if key in ROLES:
            return f"after the role {words[-1]!r}: someone known for it", key
        # "El pitcher zuliano X": a Spanish adjective after the role.
        if len(words) >= 2 and words[-1].islower() and words[-2].isalpha():
            key = fold(words[-2])
            if key in ROLES and fold(words[-1]) not in _STOP:
                return f"after the role {words[-2]!r} {words[-1]!r}: someone known for it", key
    segments = after.split(",")
    if len(segments) < 2 or segments[0].strip():
        return "", ""  # no appositive right after the name
    description = segments[1]
    if _AGE.fullmatch(description) and len(segments) > 2:
        description = segments[2]
    description = re.split(r"[.;:()\n—–]", description)[0]
    words = description.split()[:5]
    indefinite = False
    for n, word in enumerate(words):
        key = fold(_ELISION.sub("", word))
        if n == 0 and fold(word) in _INDEFINITE:
            indefinite = True  # "a Newark roofer": someone introduced, not someone known,
            continue  # but "a vice mayor of Fuzhou" holds office all the same
        if indefinite and key in ROLES_AFTER and key not in STORY_ROLES:
            return "", ""
        if n == 0 and fold(word) in _DEFINITE:
            continue
        if key in _STOP:
            return "", ""
        if indefinite and key not in STORY_ROLES:
            continue
        if key in ROLES_AFTER:
            if _RIGHTS.match(" ".join(words[n + 1 :])):
                return "", ""  # a human-rights defender
            return f"described as {word!r}: someone known for that role", key
    return "", ""


def _seeks_child(text: str, start: int, end: int) -> str:
    """A parent named by what the sentence says they do: "X, de 58 años, recorrió tres
    ministerios buscando a su hijo" (the son is the one detained). Not when the sentence
    ties X to a detention too ("X, deportado en marzo, busca a su hijo": story-tie)."""
    rest = text[end : end + 2 * REACH]
    stop = _SENTENCE_END.search(rest)
    sentence = rest[: stop.start()] if stop else rest
    m = _SEEKS_CHILD.search(sentence)
    if not m:
        return ""
    head = text[max(0, start - REACH) : start]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if tie_in(head[ends[-1] if ends else 0 :] + " " + sentence):
        return ""
    return f"{' '.join(m.group(0).split())!r} after the name: a parent searching for a child (namesake-sign)"


def _parent(before: str, after: str) -> str:
    m = _PARENT_BEFORE.search(before)
    if m:
        return f"after {' '.join(m.group(0).split())!r}: a parent of the same name"
    m = _PARENT_AFTER.match(after)
    if m:
        return f"{' '.join(m.group(0).split())!r}: a parent of the same name"
    return ""
