"""Whether the words around a name tell the story a watched person is in: a detention or a deportation.

The people this monitor watches are in the news because they were detained, deported
or expelled (docs/matching.md). A namesake is in the news for something else: a goal,
a film, a pie contest. So the vocabulary of detention and deportation in the sentence
or the paragraph of a name ties it to the watched person (rule story-tie): it outweighs
a public role written beside the name ("Andry Hernández Romero, actor venezolano,
sigue preso en el CECOT"), and a name thousands share needs it before a place word
nearby is enough to alert ("Robert Johnson, 71, a retired teacher from Elizabeth, won
the town's pie contest" names one of the thousands).
"""

from __future__ import annotations

import re
import unicodedata

PARAGRAPH_REACH = 600  # characters read each side of a name, within its paragraph

# Folded (lower case, no accents) stems in English, Spanish, Portuguese and French.
_WORDS = re.compile(
    r"\b(?:"
    # English
    r"deport(?:ed|ee|ees|ation|ations|ing|s)?|detain(?:ed|ee|ees|ing)?|detention|"
    r"in\s+custody|immigration\s+(?:custody|court|judge|agents?|officers?|authorities|jail)|"
    r"asylum|refugees?|expelled|expulsion|jailed|imprisoned|incarcerated|prison|"
    r"held\s+(?:by|at|in|without)|alien\s+enemies|removal\s+(?:order|flight)|"
    # Spanish
    r"deportad[oa]s?|deportacion(?:es)?|deportar(?:on|lo|la)?|detenid[oa]s?|detencion|"
    r"pres[oa]s?|prision|carcel|encarcelad[oa]s?|expulsad[oa]s?|migratori[oa]s?|"
    r"recluid[oa]s?|privad[oa]s?\s+de\s+libertad|asilo|refugiad[oa]s?|"
    # Portuguese
    r"deportacao|deportacoes|detid[oa]s?|detencao|prisao|expuls[oa]s?|"
    # French
    r"expulse(?:e|es|s)?|reconduit(?:e|es|s)?\s+a\s+la\s+frontiere|retenu(?:e|es|s)?|"
    r"retention|detenu(?:e|es|s)?|deporte(?:e|es|s)?|emprisonne(?:e|es|s)?|"
    r"incarcere(?:e|es|s)?|interpelle(?:e|es|s)?|oqtf|sans[- ]papiers|asile|refugie(?:e|es|s)?"
    r")\b"
)
# Acronyms, only in capitals: "ICE" (the agency, not ice), "CECOT", "CRA" (a French
# detention centre), "CBP".
_ACRONYMS = re.compile(r"\b(?:ICE|CECOT|CRA|CBP|DHS|OQTF)\b")
_SENTENCE_END = re.compile(r"[.!?…][\"”’»)]*\s+(?=[\"“«¿¡(]*[A-ZÀ-Þ0-9])|\n")


def plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tie_in(text: str) -> str:
    """The first detention or deportation word in `text` (as written), or ""."""
    m = _ACRONYMS.search(text)
    if m:
        return m.group(0)
    m = _WORDS.search(plain(text))
    return m.group(0) if m else ""


def sentence_of(text: str, start: int, end: int) -> tuple[int, int]:
    """Character span of the sentence holding text[start:end]."""
    left = 0
    for m in _SENTENCE_END.finditer(text, max(0, start - PARAGRAPH_REACH), start):
        left = m.end()
    m = _SENTENCE_END.search(text, end, end + PARAGRAPH_REACH)
    right = m.start() + 1 if m else min(len(text), end + PARAGRAPH_REACH)
    return left, right


def paragraph_of(text: str, start: int, end: int) -> tuple[int, int]:
    """Character span of the paragraph holding text[start:end] (lines are paragraphs, as
    extracted articles write them), at most PARAGRAPH_REACH characters each side."""
    left = text.rfind("\n", max(0, start - PARAGRAPH_REACH), start) + 1 or max(0, start - PARAGRAPH_REACH)
    right = text.find("\n", end, end + PARAGRAPH_REACH)
    return left, right if right >= 0 else min(len(text), end + PARAGRAPH_REACH)


def story_tie(text: str, start: int, end: int, sentence_only: bool = False) -> str:
    """The detention or deportation word that ties the name at text[start:end] to the
    story, in its sentence (or its paragraph, unless `sentence_only`), or ""."""
    a, b = sentence_of(text, start, end) if sentence_only else paragraph_of(text, start, end)
    return tie_in(text[a:b])
