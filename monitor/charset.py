"""Page bytes -> text when the declared charset lies, and mojibake repaired in stored text.

Pages declare UTF-8 and send cp1252 (the name comes out "Hern�ndez"), or declare
ISO-8859-1/-15 and send UTF-8 ("HernÃ¡ndez"); some carry text that was already
double-encoded upstream ("sanciÃ³n"). A name mangled either way matches nobody, so the
bytes decide: strict UTF-8 when they are valid UTF-8 (multi-byte sequences almost never
occur by chance in Latin-1 text), else cp1252; then ftfy repairs what remains.
"""

from __future__ import annotations

import codecs
import re

import ftfy
from scrapy.http import TextResponse

_SINGLE_BYTE = frozenset({"latin_1", "iso8859_15", "cp1252", "iso8859_2", "ascii"})
# Signs of UTF-8 read as Latin-1/cp1252: "Ã" or "Â" before a continuation-range
# character, "â€" (quotes, dashes). Checked first, because ftfy costs milliseconds.
_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf]|â€|Ã[\u00a0-\u00ff]")
_MOJIBAKE_LEADS = ("Ã", "Â", "â€")


def _codec(name: str) -> str:
    try:
        return codecs.lookup(name).name.replace("-", "_")
    except LookupError:
        return ""


def decode_page(body: bytes, content_type: str, url: str) -> str:
    """`page_text` of a response received with this body and Content-Type header.

    The extraction workers call this: Scrapy's charset detection (charset_normalizer when
    nothing declares a charset) and ftfy cost the reactor's process seconds per 300 pages.
    """
    headers = {"Content-Type": content_type} if content_type else {}
    return page_text(TextResponse(url, body=body, headers=headers))


def page_text(response: TextResponse) -> str:
    """The page as text, decoded by what its bytes are rather than what it says it is."""
    declared = _codec(response.encoding)
    body = response.body
    if body.isascii():
        return response.text
    if declared == "utf_8" and b"\xef\xbf\xbd" not in body:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return repair(body.decode("cp1252", errors="replace"))
        return repair(response.text)
    if declared in _SINGLE_BYTE:
        try:
            return repair(body.decode("utf-8"))
        except UnicodeDecodeError:
            pass
    return repair(response.text)


def repair(text: str) -> str:
    """Text with mojibake ("sanciÃ³n", "HernÃ¡ndez") turned back into what was meant."""
    # Every sign the regex looks for starts with one of these; `in` scans a page's HTML
    # many times faster than the regex's alternation does, and most pages have none.
    if not any(lead in text for lead in _MOJIBAKE_LEADS) or not _MOJIBAKE.search(text):
        return text
    return ftfy.fix_encoding(text)
