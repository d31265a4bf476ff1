"""Which language an article is written in, as far as name forms care: Portuguese or not.

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
