"""Syndicated copies share a story; different articles on the same subject do not."""

from __future__ import annotations

from importlib.resources import files

from monitor.archive.stories import same_story, sketch
from monitor.extract import extract_fields

SITE = files("monitor.demo") / "site"


def text_of(path: str) -> str:
    html = SITE.joinpath(*path.split("/")).read_text(encoding="utf-8")
    return extract_fields(html, "http://demo.invalid/" + path)["text"]


def test_wire_copy_with_new_headline_dateline_and_note_is_the_same_story():
    original = text_of("news/2026/11/dallas-family-press-conference.html")
    copy = text_of("wire/2026/11/relatives-plead-for-phone-call.html")
    assert same_story(original, copy)
    assert len(set(sketch(original)) & set(sketch(copy))) >= 2


def test_two_stories_on_the_same_subject_are_different_stories():
    hearing = text_of("news/2026/11/deportees-cecot-hearing.html")
    letter = text_of("news/2026/11/advocacy-letter-cecot.html")
    assert not same_story(hearing, letter)
    assert not set(sketch(hearing)) & set(sketch(letter))


def test_short_texts_are_never_merged():
    assert not same_story("Andry José Hernández Romero was seen.", "Andry José Hernández Romero was seen.")
