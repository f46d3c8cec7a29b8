"""Pages without comments: no comment is invented from what sits where comments would be
(issue 16, "Bad input"), and the parse says why it took none."""

from __future__ import annotations

from pathlib import Path

from moderation.parse import parse_file

FIX = Path(__file__).resolve().parent / "fixtures" / "parse" / "nocomments"


def test_empty_comment_area_of_unknown_markup_gives_no_comment() -> None:
    # an empty comment section: heading, a guidelines notice under a name-like title, a
    # rating and a pager; the markup names no comment, so the area's text is split like a
    # dump, and one name-like line with no date over it tells no commenters apart
    result = parse_file(FIX / "empty_comment_area.html")
    assert result.articles[0].comments == ()
    assert any("no comments told apart" in w or "not taken as" in w for w in result.warnings)
    assert not any("comment markup not recognised" in w for w in result.warnings)
