"""Articles per second of the name matcher against synthetic watchlists of growing size.

Usage: python benchmarks/match_speed.py [--articles N] [--sizes 10,1000,10000,50000]

Text: real article bodies from the shared corpus ($MONITOR_CORPUS, default
../shared/corpus: pages/*/truth/*.txt and pages/newspaper4k/*.txt), cut or repeated
to 1,000 words; when it is absent the script says so and the labelled matching cases
stand in (short, name-dense texts: figures not comparable with the README's). Watchlists are generated here (60%
Spanish-style, 40% English-style names, padded with syllable-made surnames so the
vocabulary grows with the list). The naive baseline runs rapidfuzz partial_ratio of
every name over the whole article, at the sizes where it finishes in reasonable time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import time
from pathlib import Path

from rapidfuzz import fuzz

from monitor.items import Person
from monitor.match import compile_watchlist, find_mentions


def words(text: str) -> list[str]:
    return text.split()


ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("MONITOR_CORPUS", ROOT.parent / "shared" / "corpus")) / "pages"
CASES = ROOT / "tests" / "files" / "matching"

SPANISH_GIVEN = words(
    "Andry José Luis Carlos Juan María Ana Pedro Miguel Jorge Jesús Rafael Daniel Wilmer "
    "Yorman Frengel Neiyerver Jerce Deiby Kenyer Franyer Yeferson Darwin Anyelo Gabriela "
    "Carmen Rosa Lucía Valentina Camila Andrés Alejandro Fernando Ricardo Eduardo "
)
SURNAMES = words(
    "Hernández Romero García González Rodríguez Martínez López Pérez Sánchez Ramírez Torres "
    "Flores Rivas Colmenares Briceño Zambrano Quintero Villalobos Urdaneta Guanipa Chirinos "
    "Mavárez Echenique Carrizales Yépez Tovar Barrios Mota Rengel Sequera Marcano Alcalá "
)
ENGLISH_GIVEN = words(
    "John Michael David James Robert Mary Sarah Emily Thomas Patrick Daniel Jennifer Linda "
    "William Richard Susan Karen Jessica Matthew Andrew "
)
ENGLISH_SURNAMES = words(
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Whitfield "
    "Thompson Walker Harris Clark Lewis Robinson Young Allen Wright "
)
SYLLABLES = words(
    "ba be bi bo da de do ga go la le li lo ma me mi mo na ne ni no ra re ri ro sa se to va "
    "ve za "
)


def pseudo(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def watchlist_people(n: int, seed: int = 7) -> list[Person]:
    rng = random.Random(seed)
    people = []
    for _ in range(n):
        if rng.random() < 0.6:
            given = rng.sample(SPANISH_GIVEN, rng.choice([1, 2]))
            surnames = [rng.choice(SURNAMES) if rng.random() < 0.5 else pseudo(rng) for _ in range(2)]
        else:
            given = [rng.choice(ENGLISH_GIVEN)]
            surnames = [rng.choice(ENGLISH_SURNAMES) if rng.random() < 0.5 else pseudo(rng)]
        people.append(Person(" ".join(given + surnames), context=("CECOT",)))
    return people


def articles(count: int, words: int = 1000) -> list[str]:
    texts = []
    if CORPUS.exists():
        paths = sorted(CORPUS.glob("*/truth/*.txt")) + sorted(CORPUS.glob("newspaper4k/*.txt"))
        texts = [p.read_text(encoding="utf-8", errors="replace") for p in paths]
        texts = [t for t in texts if len(t.split()) > 200]
    if not texts:
        for name in ("cases.jsonl", "generated.jsonl"):
            lines = (CASES / name).read_text(encoding="utf-8").splitlines()
            texts.append(" ".join(json.loads(line)["text"] for line in lines if line.strip()))
    out = []
    for i in range(count):
        text = texts[i % len(texts)]
        while len(text.split()) < words:
            text = text + "\n\n" + text
        # Cut after the 1,000th word, keeping the text's own line breaks.
        cut = [m.end() for m in re.finditer(r"\S+", text)][words - 1]
        out.append(text[:cut])
    return out


def rate(fn, texts: list[str], min_seconds: float = 1.0) -> float:
    """Articles per second, repeating the set until at least `min_seconds` have passed."""
    done, start = 0, time.perf_counter()
    while True:
        for text in texts:
            fn(text)
        done += len(texts)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--sizes", default="10,1000,10000,50000")
    parser.add_argument("--naive-max", type=int, default=10000, help="largest size for the naive scan")
    parser.add_argument("--extraction", type=int, default=10000, metavar="PEOPLE",
                        help="also compare matching at PEOPLE with extraction of real pages (0: skip)")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"note: no shared corpus at {CORPUS.parent} (set MONITOR_CORPUS); timing the labelled "
              "matching cases instead, whose figures are not comparable with the README's")
    texts = articles(args.articles)
    print(f"{len(texts)} articles of {len(texts[0].split())} words; source: "
          f"{CORPUS.parent if CORPUS.exists() else 'labelled matching cases (tests/files/matching)'}")
    print(f"{'people':>7} {'compile s':>9} {'art/s':>8} {'ms/art':>7} {'naive art/s':>11} {'speedup':>8}"
          f" {'mentions':>8}")
    base_ms = None
    for size in (int(s) for s in args.sizes.split(",")):
        people = watchlist_people(size)
        t0 = time.perf_counter()
        watchlist = compile_watchlist(people)
        compile_s = time.perf_counter() - t0
        mentions = sum(len(find_mentions(t, watchlist)) for t in texts)
        fast = rate(lambda t, w=watchlist: find_mentions(t, w), texts)
        naive = None
        if size <= args.naive_max:
            names = [p.name for p in people]
            sample = texts[: max(1, min(len(texts), 200_000 // (size * 10) or 1))]

            def scan(text: str, names: list[str] = names) -> None:
                for name in names:
                    fuzz.partial_ratio(name, text, score_cutoff=90)

            naive = rate(scan, sample, min_seconds=0.5)
        ms = 1000 / fast
        if size == 1000:
            base_ms = ms
        naive_s = f"{naive:11.1f}" if naive else f"{'-':>11}"
        speedup = f"{fast / naive:7.1f}x" if naive else f"{'-':>8}"
        print(f"{size:7} {compile_s:9.2f} {fast:8.0f} {ms:7.2f} {naive_s} {speedup} {mentions:8}")
    if base_ms:
        print(f"cost at 50k / cost at 1k: {ms / base_ms:.2f}x" if size == 50000 else "")
    if args.extraction:
        extraction_share(args.articles, args.extraction)


def extraction_share(count: int, people: int) -> None:
    """Matching time per article at `people` against trafilatura extraction of real pages."""
    from common import page_html, require_corpus

    from monitor.extract import extract_fields
    from monitor.match.article import article_mentions

    pages = require_corpus()[:count]
    htmls = [(page_html(p), p.get("url") or "http://127.0.0.1/") for p in pages]
    t0 = time.perf_counter()
    fields = [extract_fields(html, url) for html, url in htmls]
    extract_ms = (time.perf_counter() - t0) * 1000 / len(htmls)
    texts = [(f["title"], f["text"]) for f in fields if f]
    watchlist = compile_watchlist(watchlist_people(people))
    for title, text in texts:  # warm the typo cache as a crawl would
        article_mentions(title, text, watchlist)
    t0 = time.perf_counter()
    for title, text in texts:
        article_mentions(title, text, watchlist)
    match_ms = (time.perf_counter() - t0) * 1000 / len(texts)
    print(f"extraction {extract_ms:.1f} ms/page, matching at {people} people {match_ms:.2f} ms/article: "
          f"{100 * match_ms / extract_ms:.1f}% of extraction")


if __name__ == "__main__":
    main()
