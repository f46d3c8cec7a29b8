"""Text dumps of unseen sites: the comment run found from the dump's structure (issue 16)."""

from __future__ import annotations

from pathlib import Path

from moderation.parse import parse_file
from moderation.parse.dumpshape import header_runs, shape

FIX = Path(__file__).resolve().parent / "fixtures" / "parse" / "structure"


def test_shape_ignores_words_and_numbers_but_keeps_the_layout() -> None:
    assert shape("januar 3, 2022 at 4:51 pm  ·  Svar") == shape("august 15, 2021 at 10:57 am · Reply")
    assert shape("Verfasst von Baumzwerg am 9. Juli 2018 - 17:34.") == "a 0. a 0 - 0:0."
    assert shape("• #29 米可 米可 於 2016/07/28 15:07") == "• #0 a 0/0/0 0:0"


def test_header_run_in_an_unknown_language_before_the_reply_form() -> None:
    article = parse_file(FIX / "header_run_before_form.txt").articles[0]
    texts = [c.text for c in article.comments]
    assert texts == [
        "Kan man erstatte flødeosten med fløde?",
        "Jeg tror den bliver for tynd, så det vil jeg ikke anbefale.",
        "Skal pastaen ukogt i retten?",
        "Den smagte så lækkert.\nTusind tak for dine altid lækre madplaner.",
    ]
    assert [c.author for c in article.comments] == ["Emma hansen", "Britt", "Camilla",
                                                    "Louise frederiksen"]
    assert article.comments[2].date == "januar 3, 2022 at 4:51 pm  ·  Svar"
    assert "fløde?" not in (article.body or "")
    assert "halv time" in (article.body or "")


def test_dated_news_teasers_are_not_comments() -> None:
    article = parse_file(FIX / "dated_teasers_no_comments.txt").articles[0]
    assert article.comments == ()


def test_numbered_section_headings_are_not_comments() -> None:
    lines = (FIX / "numbered_steps_no_comments.txt").read_text(encoding="utf-8").split("\n")
    assert header_runs(lines) == []
    assert parse_file(FIX / "numbered_steps_no_comments.txt").articles[0].comments == ()
