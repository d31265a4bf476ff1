"""`monitor demo`: the embedded default, checked against the sample site's ground truth."""

from __future__ import annotations

import json
from importlib.resources import files

from conftest import run_monitor
from sqlite_utils import Database

SITE = files("monitor.demo") / "site"


def found_by_path(db: Database) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for row in db.query("select a.url, p.name from mentions m join articles a on a.id = m.article_id "
                        "join people p on p.id = m.person_id"):
        found.setdefault("/" + row["url"].split("/", 3)[3], set()).add(row["name"])
    return found


def test_demo_finishes_and_explains_what_to_do_next(demo):
    directory, result = demo
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "named in" in out and "Andry José Hernández Romero" in out
    assert f"monitor serve -c {directory / 'monitor.toml'}" in out
    assert (directory / "demo.db").exists()


def test_demo_finds_every_named_person_and_no_one_else(demo):
    directory, _ = demo
    expected = json.loads(SITE.joinpath("expected.json").read_text(encoding="utf-8"))
    found = found_by_path(Database(directory / "demo.db"))
    for path, truth in expected.items():
        if truth.get("robots_disallowed"):
            assert path not in found  # robots.txt obeyed
            continue
        assert found.get(path, set()) == set(truth["people"]), path
    brief = [names for path, names in found.items() if "monitor-entry=" in path]
    assert brief == [{"Merwil Gutiérrez Flores"}]  # the feed item without a link


def test_demo_alerts_once_per_story_in_the_file_channel(demo):
    directory, _ = demo
    db = Database(directory / "demo.db")
    alerts = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((directory / "alerts").glob("*.json"))]
    assert alerts, "the demo writes its alerts to files"
    delivered = [(m["person"], m["url"]) for alert in alerts for m in alert["mentions"]]
    assert len(delivered) == len(set(delivered))
    # The wire copy of the Dallas story is the same story: one alert lists both links.
    wire = [m for alert in alerts for m in alert["mentions"] if len(m["links"]) > 1]
    assert any("/wire/" in link["url"] for m in wire for link in m["links"])
    stories = db.execute("select count(distinct story_id) from articles").fetchone()[0]
    assert stories == db["articles"].count - 1


def test_demo_config_works_with_rematch_and_match(demo, tmp_path):
    directory, _ = demo
    result = run_monitor("rematch", "-c", str(directory / "monitor.toml"))
    assert result.returncode == 0, result.stderr
    assert "0 new mentions" in result.stdout
    text = tmp_path / "t.txt"
    text.write_text("Neri José Alvarado Borges, de 25 años.", encoding="utf-8")
    match = run_monitor("match", "-c", str(directory / "monitor.toml"), str(text))
    assert json.loads(match.stdout)["person"] == "Neri José Alvarado Borges"
