"""Displayed comment dates as ISO 8601, the raw string kept."""

from __future__ import annotations

import pytest

from moderation.parse import bylines, parse_bytes
from moderation.parse.dates import iso_date


@pytest.mark.parametrize("raw,iso", [
    ("August 3, 2019 at 4:11 am", "2019-08-03T04:11"),
    ("May 3, 2022 at 12:05 pm", "2022-05-03T12:05"),
    ("Verfasst von X am 9. Juli 2018 - 17:34.", "2018-07-09T17:34"),
    ("3 août 2019 à 16 h 04", "2019-08-03T16:04"),
    ("28 de agosto de 2022 às 10:15", "2022-08-28T10:15"),
    ("25 maart 2020 om 09:41", "2020-03-25T09:41"),
    ("januar 3, 2022 at 4:51 pm", "2022-01-03T16:51"),
    ("01 . Apr . 2023", "2023-04-01"),
    ("2013/12/28 21:29", "2013-12-28T21:29"),
    ("2013年12月28日", "2013-12-28"),
    ("03.01.2022", "2022-01-03"),
    ("12.03.2019 um 8.15 Uhr", "2019-03-12T08:15"),
    ("13/5/2020", "2020-05-13"),
    ("2019-08-03 04:11:57", "2019-08-03T04:11"),
    ("2013-10-16T08:01:00+00:00", "2013-10-16T08:01"),
])
def test_readable_dates(raw, iso):
    assert iso_date(raw) == iso


@pytest.mark.parametrize("raw", [None, "", "Reply", "3 days ago", "1 Monat her", "4/5/2020",
                                 "30 février 2020", "Comment 12"])
def test_uncertain_or_relative_dates_give_none(raw):
    assert iso_date(raw) is None


def test_text_dump_comment_keeps_raw_date_and_adds_iso():
    dump = ("A title for the post\n\n" + "The article says a lot of things about bridges and "
            "rivers, and the council will vote on it next week in the town hall.\n\n"
            "2 Comments\n\nAnna\nAugust 3, 2019 at 4:11 am\n\nGreat piece, thanks for "
            "writing it.\n\nBen\nAugust 4, 2019 at 9:30 pm\n\nI disagree with most of it.\n")
    comments = parse_bytes(dump.encode(), "a.txt", "text").articles[0].comments
    dated = [(c.date, c.date_iso) for c in comments if c.date]
    assert ("August 3, 2019 at 4:11 am", "2019-08-03T04:11") in dated
    assert all(c.to_json()["date_iso"] == c.date_iso for c in comments)


def test_relative_ages_and_day_words_in_more_languages_are_date_lines() -> None:

    for line in ("för 2 dagar sedan", "2 dage siden", "2 tygodnie temu", "a year ago",
                 "vor einer Woche", "Yesterday at 10:22", "gestern um 10:22",
                 "le 3 mars 2021 à 10h22", "há 3 dias"):
        assert bylines.is_date_line(line), line
    for line in ("hier", "Tag", "Ein Jahr", "one day", "Today I learned", "I went there a day ago"):
        assert not bylines.is_date_line(line), line


def test_author_date_split_and_initials_across_scripts() -> None:

    assert bylines.split_author_date("Anna Berg 3. März 2024 um 14:25") == (
        "Anna Berg", "3. März 2024 um 14:25")
    assert bylines.split_author_date("Tomasz K. 4 marca 2024") == ("Tomasz K.", "4 marca 2024")
    assert bylines.split_author_date("We met in March 2024 at the lake and talked") is None
    for name in ("Peter M.", "Tomasz Ł.", "Zofia Ś.", "#2 Anna K."):
        assert bylines.ends_in_initial(name), name
    for line in ("Then we went with plan b.", "Peter M", "Ende."):
        assert not bylines.ends_in_initial(line), line
