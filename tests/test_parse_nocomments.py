"""Pages without comments: no comment is invented from what sits where comments would be
(issue 16, "Bad input"), and the parse says why it took none."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    # (the rating, "(3 ratings without comment)", speaks of the comment section: dropped as
    # the section's notice first; the spam notice is then a lone unmarked block)
    assert any("speak of the comment section itself" in w for w in result.warnings)
    assert any("one block after the comment zone's start" in w for w in result.warnings)
    text = (FIX / "rating_and_notice.txt").read_text().replace(
        "(3 ratings without comment)", "(3 ratings)")
    from moderation.parse import parse_bytes

    result = parse_bytes(text.encode(), "rating.txt")
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


_ARTICLE = ("Lemon drizzle loaf\n\n" + ("This loaf is the one I bake when the lemons look tired, "
            "and the drizzle soaks in while it cools down on the rack.\n\n") * 4)


def test_a_comment_section_loaded_by_javascript_gives_no_comment() -> None:
    # the static page keeps the widget's button and notices only; the button ("Show
    # comments") is short and capitalised like a name, but a line that names the comment
    # section is about it, never a commenter
    from moderation.parse import parse_bytes
    from moderation.parse.textcomments import is_name_like

    for button, notice in (("Show comments", "Please enable JavaScript to view the comments."),
                           ("Kommentare anzeigen", "Bitte aktivieren Sie JavaScript."),
                           ("Voir les commentaires", "Veuillez activer JavaScript.")):
        text = f"{_ARTICLE}Comments\n\n{button}\n\nLoading comments...\n\n{notice}\n"
        result = parse_bytes(text.encode(), "js.txt")
        assert result.articles[0].comments == (), button
        assert not is_name_like(button)
    assert is_name_like("Anna Berg") and is_name_like("Commodore64")  # (no word "comment")


def test_short_unmarked_blocks_that_speak_of_the_comment_section_are_no_comments() -> None:
    # a paywalled comment section ("37 Kommentare", the notice, the pitch) and a loading
    # notice: each block's first line names the comments, none has a name, date or reply line
    from moderation.parse import parse_bytes

    # (under a reply form's prompt and its notice: two unmarked blocks, which a form keeps
    # where neither speaks of comments)
    form = ("Laisser un commentaire\n\nVotre adresse email ne sera pas publiée.\n"
            "Votre adresse email ne sera pas publiée.\n\n")
    paywall = ("37 Kommentare\n\nKommentare sind nur für Abonnenten sichtbar.\n\n"
               "Jetzt abonnieren und mitdiskutieren\n\nBereits Abonnent? Anmelden\n")
    loader = ("Comments\n\nShow comments\n\nLoading comments...\n\nPlease enable "
              "JavaScript to view the comments powered by Disqus.\n")
    for widget in (paywall, loader):
        result = parse_bytes((_ARTICLE + form + widget).encode(), "notice.txt")
        assert result.articles[0].comments == (), widget
        # (since stop 41 the French form's prompt is known: what follows it is the footer)
        assert any("speak of the comment section itself" in w or "page's footer" in w
                   for w in result.warnings)
    # a reader's comment that mentions comments is longer, or carries its header: kept
    comments = ("Comments\n\nAnna Berg\n\nThe comments here are always better than the "
                "article, and this one is no exception.\n\nPeter M.\n\nGreat loaf, "
                "thanks for sharing it with us.\n")
    got = parse_bytes((_ARTICLE + comments).encode(), "kept.txt").articles[0].comments
    assert [c.author for c in got] == ["Anna Berg", "Peter M."]


# a numbered FAQ: each item a short question on its own line, its answer under it
_FAQ_ITEMS = ("1. Can I freeze it?\nYes, it freezes well for up to three months, wrapped tightly.\n\n"
              "2. Can I use butter instead of oil?\nYes! Melted butter works just as well.\n\n"
              "3. How long does it keep?\nAbout four days in the fridge, covered.\n\n"
              "4. Why did my loaf sink?\nMost often the oven door was opened too early.\n")


def test_a_numbered_faq_at_the_end_is_no_comment_list() -> None:
    # the page's last numbered list, prose items that ask: read as comments when nothing
    # marks them, unless each item is a short question on its own line with its answer under it
    from moderation.parse import parse_bytes

    faq = "Frequently asked questions\n\n" + _FAQ_ITEMS
    result = parse_bytes((_ARTICLE + faq).encode(), "faq.txt")
    assert result.articles[0].comments == ()
    # the same list with comments in it (questions inside the text, not over an answer)
    asked = ("1. Made this twice now and it never lasts the afternoon! Can I use limes?\n\n"
             "2. Could I use limes instead? We have a tree full of them and love this loaf.\n\n"
             "3. The zest tip is the best part of the recipe, thank you so much!\n\n"
             "4. Baked it for my mother's birthday and she asked for the recipe, wow!\n")
    got = parse_bytes((_ARTICLE + asked).encode(), "asked.txt").articles[0].comments
    assert len(got) == 4


def test_dated_related_posts_after_the_reply_form_are_no_comments() -> None:
    # the form's notice opens the comment zone; below it, a related-posts list: a headline,
    # its date, an excerpt. Dated blocks signed by no one, a headline over each date: teasers
    from moderation.parse import parse_bytes

    related = ("You may also like\n\nHow to make sourdough at home\n12. März 2024\nSourdough "
               "takes patience, but the result is worth every minute you spend on it.\n\nThe "
               "easiest banana bread\n14. März 2024\nThis banana bread is moist, sweet and "
               "ready in under an hour, perfect for breakfast.\n\nWhy cast iron is worth it\n"
               "2. April 2024\nA good pan lasts a lifetime, and cast iron gets better every "
               "time you use it.\n")
    form = "Your email address will not be published. Required fields are marked *\n\n"
    result = parse_bytes((_ARTICLE + form + related).encode(), "related.txt")
    assert result.articles[0].comments == ()
    assert any("a list of teasers (related posts)" in w for w in result.warnings)
    # the same dated blocks signed by their commenters stay comments
    signed = related.replace("How to make sourdough at home", "Anna Berg").replace(
        "The easiest banana bread", "Peter M.").replace("Why cast iron is worth it", "lisa_k")
    got = parse_bytes((_ARTICLE + form + signed).encode(), "signed.txt").articles[0].comments
    assert [c.author for c in got] == ["Anna Berg", "Peter M.", "lisa_k"]


def test_a_faq_under_the_comment_heading_is_no_comment_list() -> None:
    # the page's comment heading and form notice, then a numbered FAQ: items of a question
    # over its answer, signed and dated by no one
    from moderation.parse import parse_bytes

    faq = ("Leave a Comment\n\nAll comments are moderated before posting.\n\n"
           "Frequently asked questions\n\n" + _FAQ_ITEMS)
    result = parse_bytes((_ARTICLE + faq).encode(), "faq2.txt")
    assert result.articles[0].comments == ()
    assert any("a FAQ, not comments" in w for w in result.warnings)


@pytest.mark.parametrize("prompt", [
    "Laisser un commentaire", "Laisser une réponse", "Schreibe einen Kommentar",
    "Hinterlasse einen Kommentar", "Deja un comentario", "Lascia un commento",
    "Deixe um comentário", "Geef een reactie", "Laat een reactie achter",
    "Lämna en kommentar", "Skriv en kommentar", "Dodaj komentarz",
    "Votre adresse email ne sera pas publiée.", "Deine Email-Adresse wird nicht veröffentlicht.",
])
def test_the_reply_forms_prompt_in_wordpress_translations_ends_a_comment_zone(prompt: str) -> None:
    """An empty comment section is often only the reply form: its prompt and notice in the
    languages WordPress prints them (stop 41: only English "Leave a Reply" and the notices
    were known; "email" without a hyphen missed the French notice)."""
    from moderation.parse import chrome, parse_bytes

    assert chrome.is_zone_end(prompt)
    page = (_ARTICLE + f"{prompt}\n\nVotre adresse e-mail ne sera pas publiée.\n\nCommentaire *"
            "\n\nNom *\n\nE-mail *\n")
    assert parse_bytes(page.encode(), "form.txt").articles[0].comments == ()
