"""Build monitor/match/data/words.txt.gz: name words that are also everyday words, from wordfreq.

Usage: pip install wordfreq==3.1.1 && python tools/build_word_table.py

wordfreq (Apache-2.0 code, CC-BY-SA data; Speer, "wordfreq", frequencies from
Wikipedia, subtitles, news, books, web text and more) takes ~1.1 s and ~140 MB to load
its four lists, too much for every extraction worker, and the matcher only needs to
know, for the name words it already knows, which are ordinary words too ("Stone",
"Torre", "Branco", "Rua"). Kept: folded words with a Zipf frequency of at least
MIN_ZIPF (10 uses per million words) in English, Spanish, Portuguese or French that the
name table knows (tools/build_name_table.py) and that are not given names there
("Michael" and "Rosa" are as frequent in text as "stone", but they are names first).
"""

from __future__ import annotations

import gzip
from pathlib import Path

from wordfreq import top_n_list, zipf_frequency

from monitor.match.namedata import is_given, known
from monitor.match.normalize import fold

LANGUAGES = ("en", "es", "pt", "fr")
MIN_ZIPF = 4.0
OUT = Path(__file__).resolve().parent.parent / "monitor" / "match" / "data" / "words.txt.gz"


def ordinary_name_words() -> list[str]:
    """Folded name words that are frequent everyday words in one of LANGUAGES."""
    found = set()
    for lang in LANGUAGES:
        for word in top_n_list(lang, 100_000):
            if zipf_frequency(word, lang) < MIN_ZIPF:
                break  # the list is in frequency order
            key = fold(word)
            if len(key) >= 3 and key.isalpha() and known(key) and not is_given(key):
                found.add(key)
    return sorted(found)


def main() -> None:
    words = ordinary_name_words()
    OUT.write_bytes(gzip.compress("\n".join(words).encode("utf-8"), mtime=0))
    print(f"{len(words)} words, {OUT.stat().st_size} bytes -> {OUT}")


if __name__ == "__main__":
    main()
