"""Spellings of one name across transliterations: Arabic "Abd al-" names and articles,
Russian patronymics. Watched names get the other spellings as extra names (rule translit).

Arabic names reach Latin script in many ways: "Abdelrahman", "Abdul Rahman", "Abd
al-Rahman", "Abderrahmane" (the article assimilates before r, s, t, n, d, z, sh);
"El-Masri", "al-Misri", "Elmasry". Typos cover vowel and y/i differences ("Misri",
"Masry"); the word splits and articles need spelled-out variants. Russian patronymics
("Ivanovich", "Sergeyevna") are middle names, never surnames.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .namedata import is_given
from .normalize import fold

_SPLIT_ABD = re.compile(r"^(abd)(el|al|ul|ol|ur|er|ar|u|e)?([a-z]{3,})$")
_ARTICLE = frozenset({"al", "el", "ul"})
_WORTH_A_LOOK = re.compile(r"(?i)\babd|\b[ae]l\b|\b[ae]l-")
_PATRONYMIC = re.compile(r"(?:ovich|evich|ovna|evna|ichna|ych)$")


_RUSSIAN_SURNAME = re.compile(r"(?:ov|ova|ev|eva|sky|skiy|skii|skaya|enko)$")


def is_russian(keys: list[str]) -> bool:
    """A name looks Russian (or Ukrainian): a patronymic, or a surname ending -ov, -ev, -sky, -enko..."""
    return any(is_patronymic(k) or (len(k) > 4 and _RUSSIAN_SURNAME.search(k)) for k in keys)


def is_patronymic(key: str) -> bool:
    """A Russian/Ukrainian patronymic ("ivanovich", "petrovna"): a middle name."""
    return len(key) > 6 and bool(_PATRONYMIC.search(key))


def is_abd(key: str) -> bool:
    """The "Abd" prefix on its own ("abdel", "abdul", "abd"): the next word is the same given name."""
    return bool(re.fullmatch(r"abd(?:el|al|ul|ol|u|e|ur|er|ar)?", key))


def abd_rest(key: str) -> str | None:
    """The name after a glued "Abd" prefix ("abdelkarim" -> "karim"), or None."""
    glued = _SPLIT_ABD.match(key)
    return glued.group(3) if glued and not is_abd(key) else None


def _abd_forms(rest: str) -> list[str]:
    """Spellings of Abd + rest ("rahman"): glued, split, with the article."""
    cap = rest.capitalize()
    sun = rest[0] if rest[0] in "rstndz" else "l"
    return [f"Abdel{rest}", f"Abdul{rest}", f"Abdul {cap}", f"Abdel {cap}", f"Abd al-{cap}",
            f"Abd el-{cap}", f"Abda{sun}{rest}", f"Abde{sun}{rest}", f"Abdu{sun}{rest}"]


def variants(text: str) -> list[str]:
    """Other spellings of a watched name, as full names "surnames, given names"; [] if none.

    Only for names with an "Abd" given name or an "al-/el-" surname; the result keeps the
    configured split between given names and surnames.
    """
    if not _WORTH_A_LOOK.search(text):
        return []  # the common case, cheaply: nothing to respell
    words = text.replace(",", " ").split()
    keys = [fold(w) for w in words]
    given_forms: list[list[str]] = []
    surname_forms: list[list[str]] = []
    touched = False
    i = 0
    while i < len(keys):
        key = keys[i]
        glued = _SPLIT_ABD.match(key)
        if glued and not is_abd(key):
            given_forms.append([words[i], *_abd_forms(glued.group(3))])
            touched = True
        elif is_abd(key) and i + 1 < len(keys):
            rest = re.sub(r"^(?:al|el|ul)-?", "", keys[i + 1])
            given_forms.append([f"{words[i]} {words[i + 1]}", *_abd_forms(rest)])
            touched = True
            i += 1
        elif (key in _ARTICLE and i + 1 < len(keys)) or re.match(r"^(?:al|el)-", words[i].lower()):
            bare = keys[i + 1] if key in _ARTICLE else fold(words[i][3:])
            cap = bare.capitalize()
            surname_forms.append([f"El-{cap}", f"Al-{cap}", f"El{bare}", f"Al{bare}"])
            touched = True
            i += 1 if key in _ARTICLE else 0
        else:
            (surname_forms if surname_forms or i == len(keys) - 1 else given_forms).append([words[i]])
        i += 1
    if not touched or not surname_forms:
        return []
    out = []
    for given in _product(given_forms):
        for surname in _product(surname_forms):
            out.append(f"{surname}, {given}")
    # Spellings that differ only in hyphens and spaces split the words differently, so
    # they stay; exact repeats go.
    unique = dict.fromkeys(v for v in out if v.lower() != text.lower())
    return list(unique)[:48]


def _product(groups: list[list[str]]) -> list[str]:
    combos = [""]
    for group in groups:
        combos = [f"{c} {g}".strip() for c in combos for g in group]
    return combos


# Spelling variants that are no typo (rule spelling-variant): Russian names romanized
# by different systems ("Dmitry" / "Dmitri" / "Dmitriy", "Sergey" / "Sergei", "Yevgeny" / "Evgeniy",
# "Sergeyevich" / "Sergeevich", "Nikolayevna" / "Nikolaevna", "Natalya" / "Natalia")
# Spanish letters pronounced alike ("Vásquez" / "Vázquez", "Suárez" / "Suáres"), and
# doubled letters that romanizations drop ("Mohammed" / "Mohamed", "Hassan" / "Hasan").
_Y_BEFORE_E = re.compile(r"(?<=[aeiou])y(?=e)")
# "Zaytsev" / "Zaitsev", "Nikolay" / "Nikolai": y after a vowel before a consonant or the end.
_Y_AFTER_VOWEL = re.compile(r"(?<=[aeiou])y(?=[^aeiouy]|$)")
_PATRONYMIC_EV = re.compile(r"e(?:y?e)v(?=ich|na)")
_FINAL_I = re.compile(r"(?:iy|ii|yi|y)$")
_YA = re.compile(r"(?<=[^aeiou])ya$")
_ALIKE = str.maketrans({"z": "s", "v": "b"})
_DOUBLE = re.compile(r"([a-z])\1+")
# A silent "h" after the first letter, except in ch, sh, kh, zh, ph, gh: "Jhonatan" /
# "Jonathan", "Yohan" / "Yoan", "Thiago" / "Tiago".
_SILENT_H = re.compile(r"(?<=[^cskzpg])h")


@lru_cache(maxsize=100_000)
def _spelling_key(key: str) -> str:
    if key.startswith("ye"):
        key = key[1:]  # "Yevgeny" / "Evgeniy", "Yelena" / "Elena"
    if key.startswith("dimitr"):
        key = "d" + key[2:]  # "Dimitri" / "Dmitri"
    if len(key) >= 6 and key.endswith("ine") and key[-4] not in "aeiou" and not is_given(key):
        # French writes Russian -in as -ine ("Voronine" / "Voronin", "Poutine"); a given
        # name in -ine is a name of its own ("Martine" is not Martin).
        key = key[:-1]
    rest = _Y_AFTER_VOWEL.sub("i", _Y_BEFORE_E.sub("", key[1:]))
    rest = _PATRONYMIC_EV.sub("ev", rest)
    rest = _YA.sub("ia", _FINAL_I.sub("i", rest))
    rest = _SILENT_H.sub("", key[0] + rest)[1:]
    return _DOUBLE.sub(r"\1", key[0] + rest.translate(_ALIKE))


def same_spelling(a: str, b: str) -> bool:
    """Two folded words of 5+ letters are one name spelled two ways (not a typo); the first
    letter must agree (the key keeps it), so "Vásquez" is never "Básquez". A silent h
    counts from 4 letters ("Jhon" / "John")."""
    if a == b or min(len(a), len(b)) < 4:
        return False
    if min(len(a), len(b)) < 5:
        return a[0] == b[0] and _SILENT_H.sub("", a) == _SILENT_H.sub("", b)
    key = _spelling_key(a)
    return key == _spelling_key(b)  # the first letters are compared as written, after "ye" -> "e"


_ENDING = re.compile(r"(?:iy|ii|yi|ij|y|i)$")


def spellings(key: str) -> list[str]:
    """`key` and its romanizations from Russian, for looking a name up in the name table
    (which ranks "Evgenii" and "Dmitrii", the anyascii spellings of Cyrillic names)."""
    base = key[1:] if key.startswith("ye") else key
    forms = {key, base}
    if len(base) >= 5 and _ENDING.search(base):
        stem = _ENDING.sub("", base)
        forms |= {stem + end for end in ("ii", "i", "y", "iy")}
    if len(base) >= 5:
        forms |= {f.replace("ey", "ei") for f in list(forms)}
    return sorted(forms)


_VOWELS = re.compile(r"[aeiouy]+")


def is_arabic(keys: list[str]) -> bool:
    """A watched name looks Arabic: an article ("al", "el") or an "Abd" name among its words."""
    return any(k in _ARTICLE or is_abd(k) or abd_rest(k) is not None for k in keys)


def vowel_variant(text_key: str, name_key: str) -> bool:
    """Two spellings of one Arabic name that differ only in their vowels ("Hashemi" /
    "Hashimi", "Mohamed" / "Muhammad", "Youssef" / "Yusuf"): Arabic script writes short
    vowels rarely, so each romanization picks its own (rule arabic-vowels). The first
    letter, the consonants in order (doubled or not) and the number of vowel groups agree."""
    if text_key[0] != name_key[0] or min(len(text_key), len(name_key)) < 4:
        return False
    a, b = _DOUBLE.sub(r"\1", text_key.replace("ou", "u")), _DOUBLE.sub(r"\1", name_key.replace("ou", "u"))
    return (_VOWELS.sub("", a) == _VOWELS.sub("", b)
            and len(_VOWELS.findall(a)) == len(_VOWELS.findall(b)))
