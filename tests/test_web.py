"""`monitor serve` in a real Chromium: person pages, accent-blind filters, the dashboard, review.

Needs Debian's `chromium` and `chromium-driver` (.ci/run installs them); skipped, saying so,
where they are absent.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from datasette_auth_passwords.utils import hash_password

from monitor.archive.store import Archive, open_database
from monitor.items import Article, Mention, Person

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.expected_conditions import staleness_of  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMEDRIVER = shutil.which("chromedriver")
if not CHROMEDRIVER and os.environ.get("MONITOR_REQUIRE_BROWSER"):  # CI sets it: never skip there
    raise RuntimeError("MONITOR_REQUIRE_BROWSER is set but chromium-driver is not installed")
pytestmark = pytest.mark.skipif(not CHROMEDRIVER, reason="chromium-driver is not installed")
IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"

ANDRY = Person("Andry José Hernández Romero", aliases=("Andry Hernández",), context=("CECOT",))
MERWIL = Person("Merwil Gutiérrez Flores")
PASSWORD = "a long reviewer passphrase"
# The name spans a line break in the stored text: the page must still mark it.
OLD = ("His mother spoke at the vigil in Capacho. Andry José Hernández\nRomero was deported to the "
       "CECOT prison in El Salvador in March, she said.")
NEW = ("A court in Washington heard the case of Andry José Hernández Romero on Monday. Lawyers "
       "asked for proof of life.")
NAMESAKE = "Merwil Gutiérrez Flores, a baseball coach in Miami, won the league title."


def _mention(person: Person, text: str, matched: str, score: int = 100) -> Mention:
    start = text.index(matched)
    return Mention(person, matched, start, start + len(matched), score, snippet=text)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("web")
    store = Archive(root / "mentions.db")
    ids = store.sync_people([ANDRY, MERWIL])
    store.save_article(Article(url="https://diario.example/vigil", title="Vigilia en Capacho", text=OLD,
                               source="https://diario.example/rss", outlet="Diario", language="es",
                               published="2025-03-16T09:00:00Z"),
                       [_mention(ANDRY, OLD, "Andry José Hernández\nRomero")], ids)
    store.save_article(Article(url="https://news.example/court", title="Court hears the CECOT case", text=NEW,
                               source="https://news.example/feed", outlet="News", language="en",
                               published="2025-03-19T23:30:00Z"),
                       [_mention(ANDRY, NEW, ANDRY.name)], ids)
    store.save_article(Article(url="https://sport.example/coach", title="Coach wins title", text=NAMESAKE,
                               source="https://sport.example/feed", outlet="Sport", language="en",
                               published="2025-03-18T12:00:00Z"),
                       [_mention(MERWIL, NAMESAKE, MERWIL.name, score=80)], ids)
    store.close()
    (root / "monitor.toml").write_text('database = "mentions.db"\n', encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def server(archive: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "TZ": "America/Chicago",
           "MONITOR_REVIEWER_PASSWORD_HASH_MARIA": hash_password(PASSWORD)}
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "serve", "-c", str(archive / "monitor.toml"),
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=5).close()
            break
        except (urllib.error.URLError, ConnectionError):
            assert proc.poll() is None and time.monotonic() < deadline, "monitor serve did not answer"
            time.sleep(0.3)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium')}", "--window-size=1100,900"):
        options.add_argument(flag)
    binary = shutil.which("chromium")
    if binary:
        options.binary_location = binary
    # The browser runs in Chicago too: dates on the dashboard must still be UTC days.
    # ChromeDriver's log goes to a file we own and close: Selenium 4.11 (our floor) opens
    # /dev/null for it and never closes it, and that ResourceWarning fails a later test.
    with open(tmp_path_factory.mktemp("chromedriver") / "chromedriver.log", "wb") as log:
        service = webdriver.ChromeService(executable_path=CHROMEDRIVER, log_output=log,
                                          env={**os.environ, "TZ": "America/Chicago"})
        driver = webdriver.Chrome(options=options, service=service)
        driver.set_page_load_timeout(60)
        yield driver
        driver.quit()


def _person_id(archive: Path, name: str) -> int:
    db = open_database(archive / "mentions.db")
    try:
        return db.execute("select id from people where name = ?", [name]).fetchone()[0]
    finally:
        db.close()


def _mention_id(archive: Path, url: str) -> int:
    db = open_database(archive / "mentions.db")
    try:
        return db.execute("select m.id from mentions m join articles a on a.id = m.article_id where a.url = ?",
                          [url]).fetchone()[0]
    finally:
        db.close()


def _shot(driver, name: str) -> None:
    # MONITOR_SCREENSHOTS=1 refreshes the README's pictures; otherwise tests leave the checkout alone.
    if os.environ.get("MONITOR_SCREENSHOTS"):
        IMAGES.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(IMAGES / name))


def follow(driver, element) -> None:
    """Click a link or submit button and wait until the next page replaced this one."""
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 30).until(staleness_of(page))


def _no_sideways_scroll(driver) -> bool:
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_person_page_lists_articles_newest_first_with_the_name_marked(server, archive, browser):
    browser.get(server + "/")
    follow(browser, browser.find_element(By.LINK_TEXT, "People"))
    follow(browser, browser.find_element(By.LINK_TEXT, ANDRY.name))
    assert browser.find_element(By.TAG_NAME, "h1").text == ANDRY.name
    assert "Andry Hernández" in browser.find_element(By.CLASS_NAME, "monitor-page").text  # the alias
    items = browser.find_elements(By.CLASS_NAME, "monitor-article")
    titles = [i.find_element(By.CLASS_NAME, "monitor-title").text for i in items]
    assert titles == ["Court hears the CECOT case", "Vigilia en Capacho"]
    assert "2025-03-16 · Diario · es · not reviewed" in items[1].text
    # Marked even where the stored text breaks the name across two lines.
    marks = [" ".join(m.text.split()) for m in items[1].find_elements(By.TAG_NAME, "mark")]
    assert marks == [ANDRY.name]
    assert "**" not in browser.page_source
    links = {a.text: a.get_attribute("href") for a in items[1].find_elements(By.TAG_NAME, "a")}
    assert links["original"] == "https://diario.example/vigil"
    # Datasette's own table pages link to the readable pages too.
    browser.get(server + "/mentions/articles")
    assert browser.find_element(By.LINK_TEXT, "Vigilia en Capacho").get_attribute("href").endswith("/-/article/1")
    browser.get(links["archived copy"])
    assert "CECOT prison in El Salvador" in browser.find_element(By.CLASS_NAME, "monitor-text").text
    browser.get(server + f"/-/person/{_person_id(archive, ANDRY.name)}")
    _shot(browser, "person-page.png")


def test_person_filters_ignore_accents_and_case(server, browser):
    browser.get(server + "/mentions/person_mentions?person=hernandez")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    assert len(rows) == 2
    assert {r.find_element(By.CSS_SELECTOR, "td.col-title").text for r in rows} == {
        "Court hears the CECOT case", "Vigilia en Capacho"}
    browser.get(server + "/-/people?q=GUTIERREZ")
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, ".monitor-people a")] == [MERWIL.name]


def test_canned_queries_open_on_results_without_sql_and_fit_a_phone(server, browser):
    for query in ("person_mentions?person=", "latest_mentions_7d", "first_mentions", "search_articles?q=CECOT"):
        browser.get(f"{server}/mentions/{query}")
        assert not browser.find_elements(By.CSS_SELECTOR, "textarea#sql-editor"), query
        assert "select" not in browser.find_element(By.TAG_NAME, "body").text.lower(), query
    # Search highlights are drawn, not shown as **CECOT**.
    assert "**" not in browser.find_element(By.TAG_NAME, "table").text
    assert {m.text for m in browser.find_elements(By.CSS_SELECTOR, "td.col-snippet mark")} == {"CECOT"}
    browser.set_window_size(390, 844)
    try:
        for page in ("/mentions/person_mentions?person=", "/-/people", "/mentions/review_queue", "/"):
            browser.get(server + page)
            assert _no_sideways_scroll(browser), page
        browser.get(server + "/-/people")
        follow(browser, browser.find_element(By.LINK_TEXT, ANDRY.name))
        assert _no_sideways_scroll(browser)
        follow(browser, browser.find_element(By.LINK_TEXT, "Vigilia en Capacho"))  # the mention page
        assert _no_sideways_scroll(browser)
        follow(browser, browser.find_element(By.LINK_TEXT, "archived copy"))
        assert _no_sideways_scroll(browser)
    finally:
        browser.set_window_size(1100, 900)


def test_index_says_where_to_start(server, browser):
    browser.get(server + "/")
    for label in ("People", "Dashboard", "First-ever mention of each person", "Review queue"):
        assert browser.find_elements(By.LINK_TEXT, label), label
    _shot(browser, "index.png")


def test_dashboard_draws_utc_days_with_zero_days_and_whole_numbers_in_chicago(server, browser):
    browser.get(server + "/-/dashboards/mentions")
    svg = "#chart-timeline svg"
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, f"{svg} .mark-symbol path"))
    labels = [t.text for t in browser.find_elements(By.CSS_SELECTOR, f"{svg} .role-axis-label text")]
    days = [t for t in labels if re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}, \d{4}", t)]
    # Chicago's evening before ("Mar 15") or no date at all would be the time-zone slip.
    assert days == ["Mar 16, 2025", "Mar 17, 2025", "Mar 18, 2025", "Mar 19, 2025"], labels
    numbers = [t for t in labels if re.fullmatch(r"[\d.]+", t)]
    # Whole numbers, each once: a 0.5 tick would show as "0.5", or as a second "1" when rounded.
    assert numbers == ["0", "1"], labels
    # Four days (16th to 19th) for each of two people, zero-filled: 8 points.
    assert len(browser.find_elements(By.CSS_SELECTOR, f"{svg} g.mark-symbol.role-mark path")) == 8
    _shot(browser, "dashboard.png")
    # The dashboard's person filter ignores accents too: Andry alone, 16th to 19th, 4 points.
    browser.get(server + "/-/dashboards/mentions?person=hernandez")
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, f"{svg} .mark-symbol path"))
    legend = {t.text for t in browser.find_elements(By.CSS_SELECTOR, f"{svg} .role-legend-label text")}
    assert legend == {ANDRY.name}
    assert len(browser.find_elements(By.CSS_SELECTOR, f"{svg} g.mark-symbol.role-mark path")) == 4


def test_anonymous_visitors_get_no_buttons_and_a_post_is_refused(server, archive, browser):
    mention_id = _mention_id(archive, "https://sport.example/coach")
    browser.delete_all_cookies()
    browser.get(f"{server}/-/mention/{mention_id}")
    assert not browser.find_elements(By.CSS_SELECTOR, "form.monitor-review")
    assert not browser.find_elements(By.ID, "reject")
    # A well-formed POST, CSRF token and all, still changes nothing without a reviewer signed in.
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(server + "/-/login") as page:
        login = page.read().decode()
    token = re.search(r'name="csrftoken" value="([^"]+)"', login).group(1)
    body = urllib.parse.urlencode({"csrftoken": token, "verdict": "rejected"}).encode()
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(f"{server}/-/mention/{mention_id}/review", data=body)
    assert refused.value.code == 403
    refused.value.close()
    db = open_database(archive / "mentions.db")
    try:
        assert db["reviews"].count == 0
    finally:
        db.close()


def test_a_reviewer_signs_in_and_rejects_a_mention(server, archive, browser):
    mention_id = _mention_id(archive, "https://sport.example/coach")
    browser.get(server + "/mentions/review_queue")
    queue = browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns").text
    assert "Coach wins title" in queue
    # The possible mention (below the alert threshold) comes first.
    first = browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    assert "Coach wins title" in first.text
    browser.get(server + "/-/login")
    browser.find_element(By.NAME, "username").send_keys("maria")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    follow(browser, browser.find_element(By.CSS_SELECTOR, "form [type=submit]"))
    browser.get(server + "/mentions/review_queue")
    follow(browser, browser.find_element(By.LINK_TEXT, f"mention {mention_id}"))
    assert browser.find_element(By.CLASS_NAME, "monitor-confidence").text == "exact name"
    browser.find_element(By.ID, "note").send_keys("a baseball coach, not him")
    _shot(browser, "mention-review.png")
    follow(browser, browser.find_element(By.ID, "reject"))
    assert "not this person" in browser.find_element(By.CLASS_NAME, "monitor-verdict").text
    assert "by maria" in browser.find_element(By.CLASS_NAME, "monitor-verdict").text
    browser.get(server + "/mentions/review_queue")
    assert "Coach wins title" not in browser.find_element(By.TAG_NAME, "body").text
    db = open_database(archive / "mentions.db")
    try:
        rows = list(db.query("select mention_id, verdict, note, reviewer from reviews"))
    finally:
        db.close()
    assert rows == [{"mention_id": mention_id, "verdict": "rejected", "note": "a baseball coach, not him",
                     "reviewer": "maria"}]


def test_datasette_row_pages_open_as_readable_pages_that_fit_a_phone(server, archive, browser):
    mention_id = _mention_id(archive, "https://diario.example/vigil")
    browser.set_window_size(390, 844)
    try:
        # Links in Datasette's tables (the id column, a mention's article_id) lead to row pages.
        browser.get(server + "/mentions/articles/1")
        assert browser.current_url == server + "/-/article/1"
        assert browser.find_element(By.TAG_NAME, "h1").text == "Vigilia en Capacho"
        # Times as people read them, in UTC although the server runs in Chicago.
        assert "published 16 Mar 2025, 09:00 UTC" in browser.find_element(By.CLASS_NAME, "monitor-meta").text
        # The stored text's lines are paragraphs; the name broken across two of them is marked whole.
        paragraphs = [p.text for p in browser.find_elements(By.CSS_SELECTOR, ".monitor-text p")]
        assert len(paragraphs) == 2 and "CECOT prison in El Salvador" in paragraphs[1]
        marks = browser.find_elements(By.CSS_SELECTOR, ".monitor-text mark")
        assert " ".join(m.text for m in marks) == ANDRY.name
        assert not browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns")
        # Technical columns wait in a closed box at the end; opening it shows them, still on the phone.
        body = browser.find_element(By.TAG_NAME, "body").text
        assert "url_key" not in body and "fingerprint" not in body
        assert _no_sideways_scroll(browser)
        browser.find_element(By.CSS_SELECTOR, ".monitor-fields summary").click()
        assert "url_key" in browser.find_element(By.CLASS_NAME, "monitor-fields").text
        assert _no_sideways_scroll(browser)
        _shot(browser, "article-phone.png")
        browser.get(f"{server}/mentions/mentions/{mention_id}")
        assert browser.current_url == f"{server}/-/mention/{mention_id}"
        person = browser.find_element(By.LINK_TEXT, ANDRY.name).get_attribute("href")
        assert person == f"{server}/-/person/{_person_id(archive, ANDRY.name)}"
        assert _no_sideways_scroll(browser)
        # Its stored fields link the ids they hold to the pages of what they name.
        browser.find_element(By.CSS_SELECTOR, ".monitor-fields summary").click()
        box = browser.find_element(By.CLASS_NAME, "monitor-fields")
        links = {a.get_attribute("href") for a in box.find_elements(By.TAG_NAME, "a")}
        assert {server + "/-/article/1", f"{server}/-/person/{_person_id(archive, ANDRY.name)}"} <= links
        browser.get(f"{server}/mentions/people/{_person_id(archive, MERWIL.name)}")
        assert browser.find_element(By.TAG_NAME, "h1").text == MERWIL.name
    finally:
        browser.set_window_size(1100, 900)
    # The row as data is unchanged.
    with urllib.request.urlopen(f"{server}/mentions/articles/1.json?_shape=objects") as answer:
        assert b"Vigilia en Capacho" in answer.read()


def test_first_mentions_marks_the_name_in_each_snippet(server, browser):
    browser.get(server + "/mentions/first_mentions")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    marks = {r.find_element(By.CSS_SELECTOR, "td.col-person").text: [
        " ".join(m.text.split()) for m in r.find_elements(By.CSS_SELECTOR, "td.col-snippet mark")] for r in rows}
    assert marks == {ANDRY.name: [ANDRY.name], MERWIL.name: [MERWIL.name]}
