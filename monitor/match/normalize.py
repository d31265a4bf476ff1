"""Text -> name-comparable tokens with character offsets into the original text.

Watchlist names and article text go through the same `fold`, so "Hernández",
"HERNANDEZ", "Ｈｅｒｎáｎｄｅｚ" and "Эрнандес"-style spellings compare as plain ASCII.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

from .names import PARTICLES

# UTF-8 read as cp1252/Latin-1 (rule mojibake): a lead "Â".."Å" and a continuation byte
# shown as a Latin-1 or cp1252 character ("SuÃ¡rez", "BriceÃ±o"); "â€™" is a mangled ’.
_CONTINUATION = "\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_MOJIBAKE_PAIR = f"[\u00c2-\u00c5][{_CONTINUATION}]"
_APOSTROPHE = "(?:['’ʼ]|â€™)"
# A token starts with a letter; soft hyphens and zero-width characters may sit inside it
# (HTML noise), apostrophes only between letters ("O'Neil", "Romero’s").
_TOKEN = re.compile(r"[^\W\d_](?:[\w\u00ad\u200b-\u200d\u2060]|['’ʼ](?=[^\W\d_]))*")
# The same with mojibake pairs anywhere, so a mangled name stays one word; used only for
# text where one scan finds mojibake (the plain pattern is ~30% faster, most text is clean).
# A replacement character (Latin-1 bytes decoded as UTF-8: "Hern\ufffdndez") stays inside
# the word too; fold drops it, so the name is one deleted letter away (a typo).
_TOKEN_MANGLED = re.compile(
    f"(?:{_MOJIBAKE_PAIR}|(?!â€™)[^\\W\\d_]|\ufffd(?=[^\\W\\d_]))"
    f"(?:{_MOJIBAKE_PAIR}|(?!â€™)[\\w\u00ad\u200b-\u200d\u2060\ufffd]|{_APOSTROPHE}(?=[^\\W\\d_]))*"
)
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff'’ʼ"))
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_POSSESSIVE = re.compile(r"['’ʼ][sS]$")
_POSSESSIVE_MANGLED = re.compile(f"{_APOSTROPHE}[sS]$")
HAS_MOJIBAKE = re.compile(_MOJIBAKE_PAIR + "|â€™")
# French elision glued to a name: "d’Andry", "l'avocat"; only lower-case, so "D'Angelo"
# and "O'Neil" stay whole.
_ELISION = re.compile(r"^(?:[dljmnstc]|qu)['’ʼ](?=[^\W\d_])")
# Line-end hyphenation: "Hernán-\ndez" is one word when the piece after the break is lower case.
_HYPHEN_BREAK = re.compile(r"[-\u00ad][ \t]*\r?\n[ \t]*$")

# A lower-case letter right before a capital: where inline links glue two names.
_CASE_SHIFT = re.compile(r"[a-z\u00df-\u00ff][A-Z\u00c0-\u00de]")

GLUE_BREAK, GLUE_SPACE, GLUE_PUNCT = 0, 1, 2


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lower-case ASCII form of one word: accents, width, case and script folded away."""
    if _mangled(word):
        word = unmangle(word)
    text = unicodedata.normalize("NFKD", word.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c)).translate(_INVISIBLE)
    if not text.isascii():
        text = anyascii(text).lower()
    return _NOT_ALNUM.sub("", text)


def unmangle(word: str) -> str:
    """One word back from UTF-8 read as cp1252 or Latin-1 ("NÃºÃ±ez" -> "Núñez"), else as is.

    Pages are repaired before matching (monitor/charset.py), but text handed to the
    matcher directly (feeds, the CLI, stored rows from before the repair) may still carry
    it; per word it costs nothing when there is no mojibake pair.
    """
    for _ in range(2):  # twice: text encoded wrongly twice ("HernÃƒÂ¡ndez") is common too
        for codec in ("cp1252", "latin-1"):
            try:
                word = word.encode(codec).decode("utf-8")
                break
            except UnicodeError:
                continue
        else:
            return word
        if not HAS_MOJIBAKE.search(word):
            return word
    return word


class Token:
    """One word of the text: where it is, its folded key, and how it joins the previous word."""

    __slots__ = ("cap", "end", "glue", "initial", "key", "particle", "start", "upper")

    def __init__(self, start: int, end: int, key: str, cap: bool, upper: bool, glue: int):
        self.start = start
        self.end = end
        self.key = key
        self.cap = cap  # starts with a capital letter (true for ALL-CAPS too)
        self.upper = upper  # entirely upper case (headlines, court lists)
        self.glue = glue  # GLUE_* for the gap between the previous token and this one
        self.initial = False  # a single letter followed by "." ("A. J. Hernández")
        self.particle = key in PARTICLES

    def __repr__(self) -> str:
        return f"Token({self.key!r}, {self.start}, {self.end}, glue={self.glue})"


def _glue(gap: str) -> int:
    """How a gap joins two words: a name may run across GLUE_SPACE and GLUE_PUNCT gaps only."""
    if gap == " ":
        return GLUE_SPACE
    gap = gap.translate(_INVISIBLE)
    if not gap or gap.isspace():
        # A blank line ends a paragraph; a single line break may split a name.
        return GLUE_BREAK if gap.count("\n") > 1 else GLUE_SPACE
    core = gap.strip()
    if core in ("-", "‐", "‑", ","):
        return GLUE_PUNCT
    return GLUE_BREAK


def tokenize(text: str) -> list[Token]:
    """Split `text` into name-comparable tokens, keeping offsets into `text`."""
    tokens: list[Token] = []
    prev_end = 0
    pending_join = False
    mangled = _mangled(text)
    pattern = _TOKEN_MANGLED if mangled else _TOKEN
    possessive_end = _POSSESSIVE_MANGLED if mangled else _POSSESSIVE
    for m in pattern.finditer(text):
        start, end = m.start(), m.end()
        word = m.group()
        if (tokens and word[0].islower() and _HYPHEN_BREAK.search(text, prev_end - 1, start)) or (
            pending_join and word[0].islower() and text[prev_end:start].isspace()
        ):
            _join(tokens[-1], text, end)
            prev_end = end
            pending_join = False
            continue
        pending_join = word.endswith("\u00ad")
        elision = _ELISION.match(word)
        if elision:
            start += elision.end()
            word = word[elision.end() :]
        possessive = possessive_end.search(word)
        if possessive and len(word) > 3:
            end -= len(possessive.group())
            word = word[: possessive.start()]
        key = fold(word)
        if not key:
            continue
        gap = text[prev_end:start]
        glue = _glue(gap) if tokens else GLUE_BREAK
        tokens.append(Token(start, end, key, word[0].isupper(), word.isupper(), glue))
        prev_end = m.end()
    _mark_initials(tokens, text)
    return tokens


def _mangled(text: str) -> bool:
    # Substring tests first: four C scans cost a fifth of the regex over clean text.
    if "\ufffd" in text:
        return True
    return any(lead in text for lead in ("Ã", "Â", "â€", "Ä", "Å")) and HAS_MOJIBAKE.search(text) is not None


def _join(token: Token, text: str, end: int) -> None:
    """Glue the second half of a word hyphenated across a line break onto its first half."""
    token.end = end
    pieces = _TOKEN_MANGLED.findall(text, token.start, end)
    token.key = fold("".join(pieces))
    token.particle = False


def _mark_initials(tokens: list[Token], text: str) -> None:
    """A one-letter capital followed by a period is an initial; the period does not break a name."""
    for i, token in enumerate(tokens):
        if len(token.key) == 1 and token.cap and text[token.end : token.end + 1] == ".":
            token.initial = True
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            gap = text[token.end + 1 : nxt.start] if nxt is not None else ""
            if nxt is not None and gap.isspace():
                nxt.glue = GLUE_SPACE
            elif nxt is not None and gap.startswith(",") and (gap[1:].isspace() or not gap[1:]):
                nxt.glue = GLUE_PUNCT  # "Mendoza R., Jorge": the comma between the blocks
            elif nxt is not None and gap in ("-", "‐", "‑") and len(nxt.key) == 1:
                nxt.glue = GLUE_PUNCT  # "J.-B. Mbarga", "M.-C. Ngono": a hyphenated given name's initials


_FILLERS = "aeioun"  # what a lost byte most often was in Spanish, Portuguese, French names


def fill_unknown(tokens: list[Token], text: str, vocab: dict[str, int]) -> list[Token]:
    """Words with a replacement character ("Guzm\ufffdn": Latin-1 bytes read as UTF-8) take
    the watched name word they spell with one letter in its place (rule mojibake), so
    "Guzmán" matches exactly instead of as a typo; other words keep the letter dropped."""
    if "\ufffd" not in text:
        return tokens
    for token in tokens:
        word = text[token.start : token.end]
        if "\ufffd" not in word:
            continue
        for filler in _FILLERS:
            key = fold(word.replace("\ufffd", filler))
            if key in vocab:
                token.key = key
                break
    return tokens


def split_glued(tokens: list[Token], text: str, vocab: dict[str, int]) -> list[Token]:
    """Split words glued by inline links ("NoemKristi" from "Kristi Noem</a>Kristi Lynn Noem")
    where a lower-case letter meets a capital and both halves are watched name words, so
    "McDonald" stays whole unless "mc" is somebody's name."""
    split: dict[int, int] = {}
    mixed = [
        (i, w) for i, t in enumerate(tokens)
        if t.cap and not t.upper and not (w := text[t.start : t.end])[1:].islower() and t.key not in vocab
    ]
    for i, word in mixed:
        token = tokens[i]
        for m in _CASE_SHIFT.finditer(word, 1):
            cut = m.start() + 1
            if fold(word[:cut]) in vocab and fold(word[cut:]) in vocab:
                split[i] = token.start + cut
                break
    if not split:
        return tokens
    out: list[Token] = []
    for i, token in enumerate(tokens):
        cut = split.get(i)
        if cut is None:
            out.append(token)
            continue
        right = text[cut : token.end]
        out.append(Token(token.start, cut, fold(text[token.start : cut]), token.cap, False, token.glue))
        # The glued halves belong to two separate writings of a name: no run spans them.
        out.append(Token(cut, token.end, fold(right), True, right.isupper(), GLUE_BREAK))
    return out
