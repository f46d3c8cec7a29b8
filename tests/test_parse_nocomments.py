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


def test_two_unmarked_short_blocks_after_a_heading_are_no_comments() -> None:
    # a rating line and a spam-filter notice under a reply form's prompt ("Leave a
    # Comment"), the page's comments cut away: neither has a name, a date or a reply line,
    # and two such blocks under a form are its notices far more often than anonymous
    # comments (under a comment heading or counter they stay: test_parse_text's
    # test_unmarked_blocks_that_are_no_sentence_are_no_comments)
    result = parse_file(FIX / "rating_and_notice.txt")
    assert result.articles[0].comments == ()
    assert any("2 of 2 blocks" in w for w in result.warnings)


def test_a_zone_of_recipe_teasers_is_no_comment_run() -> None:
    # "Load more comments", then a grid of teasers (doubled titles, a line of description,
    # the author's name, "1 hour, 6 ingredients"): most blocks are no sentence and most of
    # those that are carry no header; a doubled title reads as one author, not a run of them
    result = parse_file(FIX / "teaser_grid.txt")
    assert result.articles[0].comments == ()
    assert any("teasers, not a comment run" in w for w in result.warnings)


def test_a_longer_run_of_headerless_comments_is_still_taken() -> None:
    # comments whose names and dates the dump lost, as a run of three: kept
    article = ("Lemon drizzle loaf\n\n" + "This loaf is the one I bake when the lemons look "
               "tired, and the drizzle soaks in while it cools down on the rack. " * 2 + "\n\n")
    comments = ["Made this twice now and it never lasts the afternoon.",
                "Could I use limes instead? We have a tree full of them.",
                "The zest tip is the best part of the recipe, thank you."]
    text = article + "Comments\n\n" + "\n\n\n".join(comments) + "\n"
    from moderation.parse import parse_bytes

    got = [c.text for c in parse_bytes(text.encode(), "run.txt").articles[0].comments]
    assert got == comments


def test_a_blog_index_whose_excerpts_count_their_comments_gives_none() -> None:
    # each excerpt closes with its date and its own comment count: articles, not comments
    from moderation.parse.text import parse_text

    article = ("Easy Lemon Drizzle Cake\n\nPosted on March 3, 2024 by Anna\n\n"
               "This lemon drizzle cake is the one I bake when the lemons in the bowl look tired. "
               "It is moist, zesty and ready in under an hour, and it keeps for days in a tin.\n\n")
    posts = (("Lemon Bars", "Tangy, sweet and so easy to make."),
             ("Blueberry Muffins", "Fluffy muffins packed with berries!"),
             ("Banana Bread", "The best way to use ripe bananas."),
             ("Apple Crumble", "A cosy dessert for cold evenings 🍎"),
             ("Carrot Cake", "Moist cake with a cream cheese frosting."))
    index = "\n".join(f"{t}\n{x}\n{k + 3} Mar 2024 · {k} Comments\n" for k, (t, x) in enumerate(posts))
    got = parse_text(article + index + "\nPrivacy Policy\n")
    assert got.comments == ()
