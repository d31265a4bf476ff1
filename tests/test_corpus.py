"""The done-when of the pipeline: ~300 real news pages through one RSS feed on loopback.

Stores at least 95% of them with text, finds the watched people where the article bodies
name them (recall at least 0.95), reports nobody who is not named, and a second run
fetches no article page again and adds nothing.
"""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
from conftest import CORPUS, run_monitor, write_config
from pages import rss
from sqlite_utils import Database

pytestmark = pytest.mark.skipif(
    not (CORPUS / "index.jsonl").exists(),
    reason=f"the shared corpus of real pages is not at {CORPUS} (set MONITOR_CORPUS to run this)",
)

# People the corpus's real articles name (found by reading the ground-truth texts).
WATCHLIST = [
    "Donald Trump", "Joe Biden", "Jeffrey Epstein", "Adam Neumann", "Kristi Noem", "Pedro Sánchez",
    "Giorgia Meloni", "Julian Assange", "Mario Vargas Llosa", "Álvaro García Ortiz", "Elon Musk",
    "Jeff Bezos", "Ilhan Omar", "Taylor Swift", "Mike Pompeo", "Santiago Peña", "Mette Frederiksen",
    "Sheldon Adelson", "Marcelo Claure", "Jim Bridenstine", "Cecilia Sala", "Mauro Icardi",
]


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def names_in(text: str) -> set[str]:
    """Who the text names in full (accent- and case-insensitive, whole words, genitive allowed)."""
    folded = fold(text)
    return {name for name in WATCHLIST if re.search(rf"\b{re.escape(fold(name))}(?:s|'s|’s)?\b", folded)}


def surname_in(name: str, text: str) -> bool:
    # A genitive counts ("Donald Trumps interesse", Danish; "Trump's").
    return re.search(rf"\b{re.escape(fold(name.split()[-1]))}(?:s|'s|’s)?\b", fold(text)) is not None


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    from siteserver import SiteServer

    site = SiteServer().start()
    pages = [json.loads(line) for line in (CORPUS / "index.jsonl").read_text().splitlines()]
    items, truth = [], {}
    for number, page in enumerate(pages):
        path = f"/article/{number}.html"
        site.add(path, (CORPUS / page["path"]).read_bytes(), "text/html", headers={"Content-Encoding": "gzip"})
        items.append({"title": page.get("title") or f"Story {number}", "link": site.base + path, "guid": path})
        if page.get("truth_format") == "text/article-body":
            truth[path] = (CORPUS / page["truth"]).read_text(encoding="utf-8")
    site.add("/feed.xml", rss(items), "application/rss+xml", validators=True)
    site.add("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
    directory = tmp_path_factory.mktemp("corpus")
    people = "".join(f'[[person]]\nname = "{name}"\n' for name in WATCHLIST)
    config = write_config(directory, f'[[feed]]\nurl = "{site.base}/feed.xml"\n', people)
    first = run_monitor("run", "--no-alerts", "-c", str(config), timeout=600)
    first_log = list(site.log)
    site.clear_log()
    second = run_monitor("run", "--no-alerts", "-c", str(config), timeout=600)
    db = Database(directory / "mentions.db")
    yield {
        "pages": pages, "truth": truth, "first": first, "second": second, "first_log": first_log,
        "second_log": list(site.log), "db": db,
    }
    db.close()
    site.stop()


def test_stores_at_least_95_percent_of_pages_with_text(corpus_run):
    assert corpus_run["first"].returncode == 0, corpus_run["first"].stderr[-2000:]
    db = corpus_run["db"]
    with_text = db.execute("select count(*) from articles where length(text) > 0").fetchone()[0]
    assert with_text >= 0.95 * len(corpus_run["pages"])


def test_finds_named_people_and_nobody_else(corpus_run):
    db = corpus_run["db"]
    rows = db.query(
        "select a.url, a.title, p.name from mentions m join articles a on a.id = m.article_id "
        "join people p on p.id = m.person_id"
    )
    found: dict[str, set[str]] = {}
    titles: dict[str, str] = {}
    for row in rows:
        path = "/" + row["url"].split("/", 3)[3]
        found.setdefault(path, set()).add(row["name"])
        titles[path] = row["title"] or ""
    expected = {path: names_in(text) for path, text in corpus_run["truth"].items()}
    wanted = {(path, name) for path, names in expected.items() for name in names}
    got = {(path, name) for path, names in found.items() for name in names}
    assert len(wanted) >= 30, "the watchlist should be named often enough in the corpus to measure recall"
    recall = len(wanted & got) / len(wanted)
    assert recall >= 0.95, sorted(wanted - got)
    # Nobody reported who is not named: the person's surname must be in the article's
    # body (ground truth) or headline. Pages without full ground truth are judged on the
    # stored text itself.
    stored_text = {"/" + r["url"].split("/", 3)[3]: r["text"] for r in db.query("select url, text from articles")}
    wrong = [
        (path, name) for path, name in got
        if not surname_in(name, corpus_run["truth"].get(path, stored_text.get(path, "")) + " " + titles[path])
    ]
    assert wrong == []


def test_second_run_fetches_no_article_and_adds_nothing(corpus_run):
    assert corpus_run["second"].returncode == 0
    assert [p for p, _ in corpus_run["second_log"] if p.startswith("/article/")] == []
    assert "0 new articles, 0 new mentions" in corpus_run["second"].stdout
    first_article_fetches = [p for p, _ in corpus_run["first_log"] if p.startswith("/article/")]
    assert len(first_article_fetches) == len(set(first_article_fetches)) == len(corpus_run["pages"])
