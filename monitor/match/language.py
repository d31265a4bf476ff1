"""Which language an article is written in, as far as name forms care: Portuguese, Spanish or neither.

Portuguese names put the mother's family name first and the father's last, and people go
by the last one ("Wellington Alves Pimenta" is "Wellington Pimenta"), where Spanish ones
go by the first ("Andrés Téllez Romero" is "Andrés Téllez"). A handful of function words
that only Portuguese uses among English, Spanish, Portuguese and French tells them apart.
"""

from __future__ import annotations

from collections.abc import Sequence

from .normalize import Token

# Folded; none is a word of Spanish, English or French ("não", "foi", "pelo"...).
_PORTUGUESE = frozenset(
    ("ao", "aos", "dele", "dela", "disse", "em", "foi", "nao", "pela", "pelo", "seu", "sua", "tambem", "uma")
)
_PORTUGUESE_ENDINGS = ("cao", "coes")
# Spanish function words Portuguese does not use ("el", "fue", "dijo").
_SPANISH = frozenset(("del", "dijo", "el", "fue", "hasta", "los", "muy", "pero", "sus", "una", "ya"))


def is_portuguese(tokens: Sequence[Token]) -> bool:
    """At least two Portuguese-only function words or "-ção"/"-ções" words ("deportação";
    Spanish writes "-ción"), and more of them than Spanish-only function words."""
    pt = es = 0
    for token in tokens:
        if token.key in _PORTUGUESE or token.key.endswith(_PORTUGUESE_ENDINGS):
            pt += 1
        elif token.key in _SPANISH:
            es += 1
    return pt >= 2 and pt > es


# English and French function words that Spanish does not use.
_ENGLISH_FRENCH = frozenset((
    "the", "was", "were", "is", "and", "of", "to", "his", "her", "from", "with", "who", "has",
    "had", "said", "on", "in", "at", "by", "for",
    "le", "les", "est", "des", "une", "ete", "il", "elle", "dans", "pour", "avec", "qui", "sont", "au", "aux",
))


def maybe_spanish(tokens: Sequence[Token]) -> bool:
    """Unless at least two English, French or Portuguese function words say otherwise
    (and outnumber Spanish ones), the article may follow the Spanish naming custom,
    where the maternal surname alone is another family's name."""
    other = es = 0
    for token in tokens:
        if token.key in _SPANISH:
            es += 1
        elif token.key in _ENGLISH_FRENCH or token.key in _PORTUGUESE or token.key.endswith(_PORTUGUESE_ENDINGS):
            other += 1
    return not (other >= 2 and other > es)
