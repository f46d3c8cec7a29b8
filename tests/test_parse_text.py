"""Text-dump parser: the seeds against their gold parse, comment zones, chrome, boilerplate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation.parse import parse_bytes, parse_file
from moderation.parse.text import parse_text

REPO = Path(__file__).resolve().parent.parent
FIX = Path(__file__).resolve().parent / "fixtures" / "parse"
GOLD = json.loads((FIX / "seeds_gold.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", [k for k in GOLD if not k.startswith("_")])
def test_seed_matches_gold(name: str) -> None:
    result = parse_file(REPO / "seeds" / name)
    assert result.format == "text"
    (article,) = result.articles
    expected = GOLD[name]
    assert article.title == expected["title"]
    assert article.byline == expected["byline"]
    assert [{"author": c.author, "text": c.text} for c in article.comments] == expected["comments"]


def test_seed_comments_have_unknown_parents_and_no_chrome() -> None:
    article = parse_file(REPO / "seeds" / "000_3085d7b6e1beafaf.txt").articles[0]
    assert all(c.parent is None and c.parent_known is False for c in article.comments)
    everything = "\n".join(c.text for c in article.comments) + "\n" + (article.body or "")
    for chrome_line in ("Notify of", "Newest Most Voted", "Inline Feedbacks",
                        "View all comments", "Would love your thoughts", "Support SouthFront",
                        "Illustrative Image", "2,500 $"):
        assert chrome_line not in everything


def test_seed_without_comment_section_body_drops_boilerplate() -> None:
    article = parse_file(REPO / "seeds" / "004_d4341341fef19c32.txt").articles[0]
    assert article.comments == ()
    body = article.body or ""
    assert "The leader of Afghanistan’s resistance front" in body
    assert "SEE ALSO:" not in body
    assert "support HTML5" not in body
    assert "Prepares To Resist Taliban Rule" not in body  # the video's title after its fallback
    assert "\n\n\n" not in body


def test_no_comment_zone_means_no_comments_despite_name_like_lines() -> None:
    article = parse_file(FIX / "no_zone_dump.txt").articles[0]
    assert article.title == "Tide Tables For The Summer Season"
    assert article.comments == ()
    assert "Marta Reyes" in (article.body or "")


def test_german_widget_chrome_authors_and_blank_line_split() -> None:
    article = parse_file(FIX / "german_dump.txt").articles[0]
    assert article.byline == "von Kathrin Berger"
    got = [(c.author, c.text) for c in article.comments]
    assert got == [
        ("Jonas Weber", ("Endlich! Ich fahre jeden Tag dort und es ist gefährlich.\n\n"
                         "Dafür gebe ich gern etwas Geduld während der Bauzeit.")),
        ("Petra Lang", "Stimmt, besonders abends."),
        (None, "Wann wird die Uferstraße gesperrt?"),
    ]
    assert "Benachrichtige" not in (article.body or "")


def test_edited_chrome_phrase_still_opens_the_zone() -> None:
    text = ("A Title For The Page\n\n" + "This is a long enough paragraph of article text to count "
            "as the body of the page before the widget starts.\n\n"
            "Notify off\nNewest Most Voted\nInline Feedback\nView all comment\n"
            "Sam Doe\n\nFirst!! Great piece, thanks for writing it.\n")
    article = parse_text(text)
    assert [(c.author, c.text) for c in article.comments] == [
        ("Sam Doe", "First!! Great piece, thanks for writing it.")]


def test_numbered_comment_list_pingbacks_and_lists_inside_comments() -> None:
    text = ("Page Title Here\n\n" + "word " * 30 + "\n\n3 thoughts on “Page Title Here”\n\n"
            "1. I liked this a lot and have three points:\n"
            "1. the first point\n"
            "2. the second point\n\n"
            "2. Pingback: Some Other Blog » links\n"
            "3. Pingback: Another Blog » more links\n\n"
            "4. Short second comment here.\n\nLeave a Reply\n")
    comments = parse_text(text).comments
    assert [c.kind for c in comments] == ["comment", "pingback", "pingback", "comment"]
    assert comments[0].text.endswith("2. the second point")
    assert comments[3].text == "Short second comment here."


def test_author_and_date_on_one_line() -> None:
    text = ("Top 100 Singers\n\n" + "word " * 30 + "\n\n{ 2 comments… read them below or add one }"
            "\n\nArmanox June 28, 2015 at 10:25 pm\n\nReally, no Shagrath?\n\n"
            "peiman July 31, 2015 at 4:34 pm\n\nWhere is Eric Adams?\n")
    comments = parse_text(text).comments
    assert [(c.author, c.date, c.text) for c in comments] == [
        ("Armanox", "June 28, 2015 at 10:25 pm", "Really, no Shagrath?"),
        ("peiman", "July 31, 2015 at 4:34 pm", "Where is Eric Adams?"),
    ]


def test_no_comments_notice_means_zero_comments() -> None:
    text = ("Some Headline\n\n" + "word " * 30 + "\n\nComments\n\nPlease be respectful when "
            "making a comment.\n\nThere are no comments yet - be the first to add your thoughts\n")
    assert parse_text(text).comments == ()


def test_parse_bytes_text_is_pure_and_repeatable() -> None:
    data = (REPO / "seeds" / "000_3085d7b6e1beafaf.txt").read_bytes()
    first = parse_bytes(data, "seed.txt").to_json()
    assert parse_bytes(data, "seed.txt").to_json() == first
    assert first["format"] == "text"
    assert first["articles"][0]["comments"][0]["parent"] is None


def test_signed_qa_comments_without_a_comment_section() -> None:
    text = ("How do I choose between two verbs?\n\nMy book gave an example that confuses me and "
            "I would like to understand the rule behind it in more detail please.\n"
            "• 1\nmaybe the example is a bad one, try another verb\n– Vogel612\n"
            "Feb 7, 2014 at 10:53\n"
            "• What are you trying to stress in your story?\n– Bill\n3 hours ago\n"
            "2 Answers\nThe answer text is long enough to be an answer and stays in the body.\n"
            "• Is the rule dependent on the verb in question here?\nJan 8, 2020 at 11:18\n")
    article = parse_text(text)
    assert [(c.author, c.text) for c in article.comments] == [
        ("Vogel612", "maybe the example is a bad one, try another verb"),
        ("Bill", "What are you trying to stress in your story?"),
        (None, "Is the rule dependent on the verb in question here?"),
    ]
    assert "stays in the body" in (article.body or "")
    assert "Vogel612" not in (article.body or "")


def test_site_menu_after_the_last_comment_is_not_a_comment() -> None:
    text = ("Hotel Opens On The Island\n\n" + "word " * 30 + "\n\nLabels : , , 2 comments\n\n"
            "1. Wish to visit one day, it looks wonderful.\n\n"
            "2. Such a lovely place to stay.\n\n"
            "Beauty and Dining Reviews\n\nHealth and Wellness Reviews\n\nTravel Reviews\n\n"
            "Yummy Recipes\n")
    comments = parse_text(text).comments
    assert [c.text for c in comments] == ["Wish to visit one day, it looks wonderful.",
                                          "Such a lovely place to stay."]


def test_a_sentence_mentioning_comments_does_not_open_the_zone() -> None:
    text = ("Council Consultation Closes\n\n" + "word " * 30 + "\n\n"
            "The council received 500 comments on the plan.\n\n"
            "Officers will now read them all before the summer.\n")
    article = parse_text(text)
    assert article.comments == ()
    assert "500 comments" in (article.body or "")


def test_blogger_labels_then_numbered_comments() -> None:
    text = ("Reading Club: June Pick\n\n" + "word " * 30 + "\n\nLabels: ,\n\n\n"
            "1. Huhu Sanne :)\n\nInteresting post, I had never heard of the genre.\n\n\n"
            "1. Glad you liked it!\n\n\n2. I will join this month.\n")
    comments = parse_text(text).comments
    assert [c.text for c in comments] == [
        "Huhu Sanne :)\n\nInteresting post, I had never heard of the genre.",
        "Glad you liked it!", "I will join this month."]


PARAGRAPH = ("Ein langer Absatz des Artikels mit vielen Wörtern, damit er als Fließtext zählt "
             "und nicht als Kommentar gelesen wird.")


def test_comment_counter_in_the_article_header_is_passed_over() -> None:
    text = ("Abmahnungen gegen Nutzer\n\nvon Markus R.\n"
            "Die Recherche zeigt ein Geflecht aus Firmen, Anwälten und Fotografen, das seit "
            "Jahren Abmahnungen verschickt.\n- - 91 Ergänzungen\n\n"
            + "\n\n".join([PARAGRAPH] * 8)
            + "\n\n91 Ergänzungen\n\n1. Erster Kommentar zum Artikel, mit etwas Text.\n\n"
            "2. Zweiter Kommentar.\n")
    article = parse_text(text)
    assert [c.text for c in article.comments] == ["Erster Kommentar zum Artikel, mit etwas Text.",
                                                  "Zweiter Kommentar."]
    assert (article.body or "").count("Ein langer Absatz") == 8


def test_reply_form_and_sidebar_without_comments_give_none() -> None:
    text = ("A Quiet Week At The Harbour\n\n" + PARAGRAPH + "\n\nLeave a Reply Cancel reply\n\n"
            "Your email address will not be published. Required fields are marked *\n\n"
            "Save my name, email, and website in this browser for the next time I comment.\n\n"
            "Post Comment\n\nRecent Posts\n\nFerry Fares Rise In January\n\n"
            "Lifeboat Crew Rescues Two Kayakers\n\nArchives\n\nNovember 2024\n")
    assert parse_text(text).comments == ()


def test_long_form_notice_right_after_a_comment_ends_the_zone() -> None:
    notice = ("Mit dem von dir abgeschickten Kommentar akzeptierst du, dass der von dir "
              "geschriebene Kommentar und die personenbezogenen Daten an Google-Server "
              "übermittelt werden. Beachte hierfür meine Datenschutzerklärung und die von Google.")
    text = ("Reading Club: June Pick\n\n" + PARAGRAPH + "\n\n2 Kommentare\n\n"
            "1. Ich mache mit, das Buch klingt gut.\n" + notice + "\n")
    comments = parse_text(text).comments
    assert [c.text for c in comments] == ["Ich mache mit, das Buch klingt gut."]


def test_counter_with_the_number_after_the_word_opens_the_zone() -> None:
    text = ("Court Hears The Case\n\n" + PARAGRAPH + "\n\nAll Comments 2\n\n"
            "• Ann Berg says:\n5 May 2025 at 00:46\n\nThe ruling will matter for years.\n\n"
            "• Tom Lee says:\n6 May 2025 at 08:16\n\nNobody expected the court to agree.\n")
    comments = parse_text(text).comments
    assert [(c.author, c.text) for c in comments] == [
        ("Ann Berg", "The ruling will matter for years."),
        ("Tom Lee", "Nobody expected the court to agree.")]


def test_lone_unmarked_block_after_a_heading_is_no_comment() -> None:
    warnings: list[str] = []
    text = ("A Quiet Week At The Harbour\n\n" + PARAGRAPH + "\n\n3 Comments\n\n"
            "All comments are moderated before they appear on this site.\n")
    assert parse_text(text, warnings).comments == ()
    assert any("not taken as a comment" in w for w in warnings)


def test_unmarked_blocks_that_are_no_sentence_are_no_comments() -> None:
    text = ("A Quiet Week At The Harbour\n\n" + PARAGRAPH + "\n\n3 Comments\n\n"
            "4.88 from 8 votes\n\n\nRate this post\n\n\n"
            "The harbour looked lovely in the photos, thank you for the trip report.\n\n\n"
            "We sailed there last summer and the ferry was late every single day.\n")
    comments = parse_text(text).comments
    assert [c.text for c in comments] == [
        "The harbour looked lovely in the photos, thank you for the trip report.",
        "We sailed there last summer and the ferry was late every single day."]


def test_threaded_numbered_list_without_heading_is_the_comment_list() -> None:
    # no heading in any known language; replies restart the count, the outer count resumes
    text = ("Bolo De Cenoura Simples\n\n" + PARAGRAPH + "\n\n"
            "1. Misture os ovos e o açúcar numa tigela grande até ficar homogêneo.\n"
            "2. Junte a farinha aos poucos.\n\n"
            "Gostou desta receita? Conte pra gente!\n\n"
            "1. Amei a receita, fiz hoje e ficou uma delícia para o lanche!\n\n\n"
            "1. Obrigado pelo retorno, que bom que a família gostou tanto.\n\n\n"
            "2. Fiz com coco fresco e também deu muito certo, recomendo.\n\n\n"
            "4. Ficou muito doce para mim, da próxima vez uso menos açúcar.\n")
    warnings: list[str] = []
    article = parse_text(text, warnings)
    assert [c.text[:12] for c in article.comments] == [
        "Amei a recei", "Obrigado pel", "Fiz com coco", "Ficou muito "]
    assert "Junte a farinha" in (article.body or "")
    assert any("starts over and resumes" in w for w in warnings)


def test_plain_numbered_steps_are_no_comment_list() -> None:
    steps = "\n\n".join(f"{n}. Stir the sauce for another minute and taste it again." for n in
                        (1, 2, 3, 4, 5))
    text = "Tomato Sauce\n\n" + PARAGRAPH + "\n\n" + steps + "\n\n1. Serve it warm.\n"
    assert parse_text(text).comments == ()


def test_plain_numbered_list_of_questions_and_thanks_at_the_end_is_the_comment_list() -> None:
    # the renderer dropped every name, date and reply link: an <ol> of comments, counted
    # 1, 2, 3 with no restart; a bulleted reply under the first; no heading, no form
    text = ("Kyllingepasta i en gryde\n\n" + PARAGRAPH + "\n\n"
            "1. Hak løg og tomater.\n2. Kog pastaen i 12 minutter.\n\n"
            "Ønsker du at se næringsindholdet? Så bliv medlem.\n\n\n"
            "1. Kan man erstatte flødeost med fløde?\n\n"
            "• Britt // Sund på budget\n\n"
            "Jeg tror den bliver for tynd, så det vil jeg ikke anbefale.\n\n"
            "2. Skal pastaen ukogt i retten?\n\n"
            "3. Lækker og nem ret!\nJeg lavede den med ris i stedet.\n\n"
            "4. Denne ret var et hit hos hele familien.\n")
    warnings: list[str] = []
    article = parse_text(text, warnings)
    texts = [c.text for c in article.comments]
    assert texts[0] == "Kan man erstatte flødeost med fløde?"
    assert texts[-1] == "Denne ret var et hit hos hele familien."
    assert "Lækker og nem ret!\nJeg lavede den med ris i stedet." in texts
    assert "Skal pastaen" not in (article.body or "")
    assert "Kog pastaen i 12 minutter." in (article.body or "")
    assert any("prose items that ask or exclaim" in w for w in warnings)


def test_plain_numbered_steps_at_the_end_of_the_page_are_no_comment_list() -> None:
    # the same layout (blank-separated items, nothing after them), but the items state
    steps = "\n\n".join(f"{n}. {s}" for n, s in enumerate((
        "Preheat the oven to 180 degrees and butter a round tin.",
        "Whisk the eggs with the sugar until pale and thick.",
        "Fold in the flour, pour into the tin and bake for 35 minutes.",
        "Leave it to cool before you cut it. Enjoy!"), start=1))
    assert parse_text("Lemon Cake\n\n" + PARAGRAPH + "\n\n" + steps + "\n").comments == ()
    # numbered sections ("Step 1", "Step 2") that ask; a list the article goes on after
    from moderation.parse.dumplists import plain_comment_list

    sections = "\n\n".join(f"{n}. Step {n}\n\nIs the dough smooth yet? Knead it more!"
                            for n in (1, 2, 3))
    lines = ("Bread\n\n" + PARAGRAPH + "\n\n" + sections + "\n").split("\n")
    assert plain_comment_list(lines) is None
    asked = "\n\n".join(f"{n}. Why does bread rise, {w}? Yeast!" for n, w in
                         ((1, "Anna"), (2, "Tom"), (3, "Lisa")))
    lines = ("Bread\n\n" + PARAGRAPH + "\n\n" + asked + "\n").split("\n")
    assert plain_comment_list(lines) is not None  # at the end: read as comments
    lines += (("\n\n" + PARAGRAPH) * 3).split("\n")
    assert plain_comment_list(lines) is None  # the article goes on after it


def test_summary_bullets_and_title_lists_in_the_comment_zone_are_no_comments() -> None:
    # the comments were not rendered: the heading is followed by the article's summary
    # bullets (line under line) and a list of related titles
    text = ("A Quiet Week At The Harbour\n\n" + PARAGRAPH + "\n\n\nAll Comments 4\n\n\n"
            "• The harbour master resigned after twenty years in the post\n"
            "• The ferry company raised its prices for the summer season\n"
            "• Fishermen asked the council for a new breakwater\n\n"
            "Top Reads This Hour\n\nCouncil approves new breakwater for the harbour\n"
            "Ferry prices rise again as summer season begins\n\n"
            "Harbour master steps down after twenty years\n")
    assert parse_text(text).comments == ()


def test_teaser_grid_under_an_author_name_is_no_comment_but_a_dated_reply_is() -> None:
    text = ("A Quiet Week At The Harbour\n\n" + PARAGRAPH + "\n\n3 Comments\n\n"
            "Maria Rossi\n\nBest lemon cake I ever made, thank you ❤️\n\n\n"
            "Giulia Bianchi\n\nFatta per la prima volta ieri buonissima\n"
            "28 Settembre 2023 Rispondi\n\n\n"
            "Benedetta Rossi\n\nTorta furba al limone\n\n\n"
            "Benedetta Rossi\n\n20 minuti, 8 ingredienti\n\n\n"
            "Benedetta Rossi\n\nQuadrotti ricotta e limone\n\n\n"
            "Benedetta Rossi\n\nMousse al limone di Benedetta\n")
    comments = parse_text(text).comments
    assert [c.author for c in comments] == ["Maria Rossi", "Giulia Bianchi"]


def test_threaded_list_right_above_the_reply_form_is_the_comment_list() -> None:
    text = ("Bolo De Cenoura Simples\n\n" + PARAGRAPH + "\n\n"
            "1. Amei a receita, fiz hoje e ficou uma delícia para o lanche!\n\n\n"
            "1. Obrigado pelo retorno, que bom que a família gostou tanto.\n\n\n"
            "3. Fiz com coco fresco e também deu muito certo, recomendo.\n\n\n"
            "Leave a Reply\n\nYour email address will not be published.\n")
    article = parse_text(text)
    assert [c.text[:8] for c in article.comments] == ["Amei a r", "Obrigado", "Fiz com "]
    assert "Amei a receita" not in (article.body or "")


def test_long_lone_block_opening_with_a_sentence_is_kept() -> None:
    # comments whose names and dates the dump lost, run together under the heading
    text = ("A Quiet Week At The Harbour\n\n" + PARAGRAPH + "\n\n3 Comments\n\n"
            "We sailed there last summer and the ferry was late every single day.\n\n"
            "The harbour looked lovely in the photos, thank you for writing this report, "
            "it brought back many memories of our own trips along that coast years ago.\n\n"
            "Does anyone know whether the little fish restaurant by the pier is still open?\n")
    comments = parse_text(text).comments
    assert len(comments) == 1 and comments[0].text.startswith("We sailed there")


def test_the_comment_widget_under_the_article_stays_out_of_the_body() -> None:
    # the widget's heading, form prompt and notices between the article and the first comment
    dump = ("Lemon drizzle cake\n\n"
            "This lemon drizzle cake is soft, moist and keeps for days in a tin, which makes it the "
            "cake I bake most often for friends who drop by on a Sunday afternoon.\n\n"
            "Bake it in a loaf tin for about forty minutes and pour the syrup over while it is warm.\n\n"
            "This Post Has 3 Comments\n\nLeave a Comment\n\n"
            "Your email address will not be published. Required fields are marked *\n\n"
            "Rate this Recipe\n\n\n"
            "Anna Berg\nMarch 3, 2024 at 2:20 pm\nMade it twice already, so good!\nReply\n\n"
            "Tom Hale\nMarch 4, 2024 at 9:05 am\nCan I use limes instead?\nReply\n\n"
            "Jo Park\nMarch 5, 2024 at 6:40 pm\nPerfect with tea.\nReply\n")
    article = parse_text(dump)
    assert [c.author for c in article.comments] == ["Anna Berg", "Tom Hale", "Jo Park"]
    body = article.body or ""
    assert body.endswith("pour the syrup over while it is warm.")
    for widget in ("This Post Has", "Leave a Comment", "email address", "Rate this Recipe"):
        assert widget not in body


def test_widget_tail_keeps_the_article_s_own_last_lines() -> None:
    from moderation.parse.dumpbody import widget_tail

    lines = ["A long paragraph of the article that ends with a full stop.", "", "Leave a Comment",
             "", "Rate this Recipe"]
    assert widget_tail(lines) == 2
    # short unpunctuated lines only go where a widget line sits above them
    assert widget_tail(["Ingredients", "2 eggs", "1 cup flour"]) == 3
    # a date over a poem's last lines is the article's, not the widget's
    assert widget_tail(["12. März 2024", "", "Roses are red", "Violets are blue", "",
                        "Leave a Comment"]) == 5
