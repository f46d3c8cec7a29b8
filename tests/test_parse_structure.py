"""Text dumps of unseen sites: the comment run found from the dump's structure (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation.parse import parse_file
from moderation.parse.dumpshape import header_runs, shape
from moderation.parse.text import parse_text

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
    assert article.comments[2].date == "januar 3, 2022 at 4:51 pm"  # the "· Svar" link goes
    assert "fløde?" not in (article.body or "")
    assert "halv time" in (article.body or "")


def test_dated_news_teasers_are_not_comments() -> None:
    article = parse_file(FIX / "dated_teasers_no_comments.txt").articles[0]
    assert article.comments == ()


def test_numbered_section_headings_are_not_comments() -> None:
    lines = (FIX / "numbered_steps_no_comments.txt").read_text(encoding="utf-8").split("\n")
    assert header_runs(lines) == []
    assert parse_file(FIX / "numbered_steps_no_comments.txt").articles[0].comments == ()


def test_unmarked_dated_run_is_left_in_the_body_with_a_warning() -> None:
    from moderation.parse import parse_bytes

    result = parse_bytes((FIX / "dated_teasers_no_comments.txt").read_bytes(), "t.txt", "text")
    assert result.articles[0].comments == ()
    assert any("no comment heading" in w and "left in the body" in w for w in result.warnings)
    assert "Zusammenstoß" in (result.articles[0].body or "")


def test_header_counter_over_unmarked_blocks_gives_no_comments_and_says_why() -> None:
    from moderation.parse import parse_bytes

    paras = [f"Paragraph {n} of the recipe tells how to cook the stew slowly, stirring "
             "now and then so that nothing burns at the bottom of the pot." for n in range(30)]
    intro = ("This is the stew my grandmother made every winter, and it still tastes of her "
             "kitchen, of slow Sundays and of the big blue pot she never let anyone else use.")
    text = f"Beef Stew Like Grandma Made It\n\n{intro}\n\nEmmi 5,0 (716) 1.620 Kommentare\n\n" + \
        "\n\n".join(paras) + "\n"
    result = parse_bytes(text.encode(), "stew.txt", "text")
    assert result.articles[0].comments == ()
    assert "Paragraph 29 of the recipe" in (result.articles[0].body or "")
    assert any("no comment section after it" in w for w in result.warnings)


def test_schema_org_comments_in_unnamed_markup_inside_a_comments_template() -> None:
    article = parse_file(FIX / "microdata_comments.html").articles[0]
    got = [(c.author, c.date, c.text) for c in article.comments]
    assert got == [
        ("Ingrid", "2023-06-25 18:48:46", "Sehr lecker, wir haben noch Erdbeeren dazugegeben."),
        ("Marek", "2023-07-01 09:00:00", "Too sweet for me, I would halve the sugar next time."),
    ]
    assert "Erdbeeren" not in (article.body or "")


def test_named_dated_run_needs_no_comment_heading() -> None:
    # headers with a time of day and a different name over each: commenters, in a language
    # and wording no phrase table knows; the titles after the last comment are not one
    result = parse_file(FIX / "named_time_run_no_heading.txt")
    article = result.articles[0]
    assert [c.author for c in article.comments] == ["Marta Silva", "Joana", "Rui Pereira"]
    assert article.comments[1].date == "12 de março de 2023 às 18:40"
    assert article.comments[2].text.startswith("Ficou ótimo")
    assert "glúten" not in (article.body or "")
    assert "quarenta minutos" in (article.body or "")
    assert not any("left in the body" in w for w in result.warnings)


def test_numbered_list_of_names_is_the_comment_list() -> None:
    article = parse_file(FIX / "numbered_name_list.txt").articles[0]
    assert [c.author for c in article.comments] == [
        "Nadine M.", "LadyMilonguera", "chantal", "mamie caillou", "corinne"]
    assert article.comments[2].text == (
        "Je n'ai jamais essayé avec la pancetta, je vais la faire ce soir !")
    assert "Nadine" not in (article.body or "")
    assert "guanciale" in (article.body or "")


def test_numbered_headings_of_a_listicle_are_not_comments() -> None:
    # the same shape (a number, a short name, prose under it), but the article goes on after
    # the list: its own headings
    article = parse_file(FIX / "numbered_listicle_no_comments.txt").articles[0]
    assert article.comments == ()
    assert "Ljubljana" in (article.body or "")


def test_comments_closed_by_their_age_need_no_heading() -> None:
    """Each comment ends with its age ("3 dagen geleden") under a vote line; no heading, form
    or reply line names the section (round 7: runs of date or age lines alone, and headers
    that close their comment, with the first comment above the first of them)."""
    from moderation.parse import parse_bytes

    result = parse_bytes((FIX / "age_footers_no_heading.txt").read_bytes(), "t.txt", "text")
    article = result.articles[0]
    assert [c.author for c in article.comments] == ["Marieke", "Joost van Dam", "Sanne",
                                                    "Pieter", "Fleur"]
    assert [c.date for c in article.comments] == [
        "3 dagen geleden", "3 dagen geleden", "2 dagen geleden", "1 dag geleden",
        "5 uur geleden"]
    assert article.comments[0].text.startswith("Dank voor het recept!")
    assert not any("Over ons" in c.text for c in article.comments)
    assert "Dank voor het recept" not in (article.body or "")
    assert (article.body or "").endswith("hol klinkt.")


def test_teasers_stamped_with_their_age_are_not_comments() -> None:
    """The same age lines under teaser titles: a "more from the region" list, left in the
    body with a warning."""
    from moderation.parse import parse_bytes

    result = parse_bytes((FIX / "age_teasers_no_comments.txt").read_bytes(), "t.txt", "text")
    assert result.articles[0].comments == ()
    assert any("left in the body" in w for w in result.warnings)
    assert "Volgens de eerste berichten" in (result.articles[0].body or "")


def test_signed_run_above_a_heading_whose_zone_holds_only_the_form() -> None:
    """The comments' own heading is unknown ("Avis des lectrices"); the heading the tables know
    comes after them, over the reply form. Its zone holds no comment, so the signed run above
    it is taken (round 7, developed with ``bench/parse_dev.py --blind above``)."""
    article = parse_file(FIX / "form_below_name_list.txt").articles[0]
    assert [c.author for c in article.comments] == ["Nadine M.", "LadyMilonguera", "chantal",
                                                    "Mayt", "Dorine", "mamie caillou"]
    assert article.comments[2].text.startswith("Jamais essayé avec la pancetta")
    assert "Jamais essayé" not in (article.body or "")


def test_dated_related_posts_above_an_empty_comment_zone_are_not_comments() -> None:
    """The same fallback leaves an unsigned, dated "you may also like" list in the body."""
    article = parse_file(FIX / "form_below_dated_related.txt").articles[0]
    assert article.comments == ()
    assert "Croquettes de millet" in (article.body or "")


def test_footer_run_of_informal_comments_without_a_heading() -> None:
    """No comment heading: a date-and-reply footer under each comment, bulleted names, the
    author's picture captioned with the name, texts that end in an emoji or no full stop."""
    article = parse_file(FIX / "footer_run_informal.txt").articles[0]
    assert [c.author for c in article.comments] == ["Joana Prates", "Rita Alves", "marcos_lima",
                                                    "Rita Alves", "Helena"]
    assert [c.date for c in article.comments] == ["12 de março de 2024"] * 2 + [
        "3 de fevereiro de 2024"] * 2 + ["28 de janeiro de 2024"]
    assert article.comments[0].text == "Fiz hoje e ficou uma delícia 😍"
    assert article.comments[2].text.startswith("Posso trocar o óleo")
    assert "Responder" not in " ".join(c.text for c in article.comments)
    assert "Fiz hoje" not in (article.body or "") and "liquidificador" in (article.body or "")


def test_an_emoji_or_a_second_sentence_ends_prose_but_abbreviations_do_not() -> None:
    from moderation.parse.dumpshape import is_prose

    assert is_prose("Que bom, Joana! Obrigada por contar ❤️")
    assert is_prose("Posso trocar o óleo por manteiga? Não tenho óleo em casa")
    assert not is_prose("Dr. Who and the Daleks Return")
    assert not is_prose("U.S. News and World Report today")
    assert not is_prose("Torta de limão")


def test_bulleted_commenter_names_without_dates_after_the_article() -> None:
    article = parse_file(FIX / "bulleted_names_no_dates.txt").articles[0]
    assert [c.author for c in article.comments] == ["Lucía", "Martín G.", "Carmen y Pablo", "Lucía"]
    assert article.comments[1].text == "A mi hijo le encantó, la repetiremos seguro"
    assert "congelar?" not in (article.body or "") and "calabaza y la patata" in (article.body or "")


def test_bulleted_terms_with_the_article_going_on_are_not_comments() -> None:
    article = parse_file(FIX / "bulleted_terms_in_article.txt").articles[0]
    assert article.comments == ()
    assert "gratinada" in (article.body or "")


@pytest.mark.parametrize(("name", "authors", "first_date"), [
    # "1. Name" / age / text / "Antworten", line under line
    ("zeit", ["Mitte-Links", "Herbert K.", "radler_ffm", "Sonnenschein72"], "vor 3 Stunden"),
    # name / abbreviated age / text / reply, report and a vote count, line under line
    ("welt", ["Peter Maier", "Klaus Berger", "Anja Wolf"], "vor 5 Std."),
    # a lower-case handle / date and time / text, blank-separated
    ("spiegel", ["zappelphilipp", "Sanne.B", "Gerd Hoffmann", "Mo_Berlin"], "06.12.2026, 10:15 Uhr"),
])
def test_news_comments_without_a_heading_and_without_full_stops(name: str, authors: list[str],
                                                                first_date: str) -> None:
    """Templates of our own in the layouts of German news sites, with no comment heading and
    comments that often end without a full stop: each header opens its comment."""
    article = parse_file(FIX / f"news_no_heading_{name}.txt").articles[0]
    assert [c.author for c in article.comments] == authors
    assert article.comments[0].date == first_date
    assert "Verkehrskonzept" in (article.body or "")
    assert not any("Verkehrskonzept" in c.text for c in article.comments)
    assert all(c.text and "Antworten" not in c.text for c in article.comments)


_HARBOUR = ("A quiet week at the harbour\n\n" + "The harbour was quieter than usual this week, with most of the fishing fleet staying in port because of the storm warnings issued on Monday.\n\nLocal businesses said the drop in visitors was noticeable, although the cafés along the promenade still saw a steady stream of regulars.\n\nThe council plans to review the mooring fees next month, a decision that has divided the small community of boat owners." + "\n\n")
_SAID = ["I have been reading this blog for years and this is one of the best posts so far.",
         ("Not sure I agree with the second point, the numbers from last year tell a different "
         "story."),
         "Thanks for writing this up, it helped me a lot with my own project at work.",
         "Does anyone know whether the new rules also apply to small shops in rural areas?"]


def test_compact_ages_are_dates_and_vote_counters_are_widget_lines() -> None:
    from moderation.parse.bylines import is_date_line
    from moderation.parse.chrome import is_widget_line

    assert all(map(is_date_line, ["2d", "1w", "3mo", "45m", "5h", "2y", "2d ago"]))
    assert not any(map(is_date_line, ["3D", "1000m", "2 dollars"]))
    assert all(map(is_widget_line, ["▲ 12 ▼", "♥ 3", "👍 5 👎 1", "+3 -1"]))
    assert not any(map(is_widget_line, ["❤️", "👍", "😂 3"]))  # a reader's emoji is text


def test_handles_with_compact_ages_and_vote_counters_need_no_heading() -> None:
    # "@handle 2d" over the text, a vote counter under it, under a heading no table knows
    from moderation.parse import parse_bytes

    blocks = [f"@{h} {age}\n{t}\n▲ {v} ▼" for h, age, t, v in zip(
        ["anna", "peter", "lisa_k", "tom"], ["2d", "5h", "1w", "3mo"], _SAID, [12, 0, 3, 7])]
    text = _HARBOUR + "Reactions\n\n" + "\n\n\n".join(blocks) + "\n\n© 2024 Harbour News\n"
    cs = parse_bytes(text.encode(), "handles.txt").articles[0].comments
    assert [(c.author, c.date, c.text) for c in cs] == [
        ("@anna", "2d", _SAID[0]), ("@peter", "5h", _SAID[1]), ("@lisa_k", "1w", _SAID[2]),
        ("@tom", "3mo", _SAID[3])]


def test_names_with_compact_ages_are_comments_only_with_reply_lines() -> None:
    # "Anna Berg · 2d" heads a comment where a reply line closes each block; a ticker's
    # "Lokales Hamburg · 2h" over teasers has none, and stays in the body
    from moderation.parse import parse_bytes

    names = ["Anna Berg", "Peter Meier", "Lisa Kraus", "Tom Becker"]
    blocks = [f"{n} · {a}\n{t}\nReply" for n, a, t in zip(names, ["2d", "3d", "4d", "5d"], _SAID)]
    text = _HARBOUR + "\n\n\n".join(blocks) + "\n\n© 2024 Harbour News\n"
    cs = parse_bytes(text.encode(), "aged.txt").articles[0].comments
    assert [(c.author, c.date) for c in cs] == list(zip(names, ["2d", "3d", "4d", "5d"]))
    ticker = [f"{n} · {a}\n{t}" for n, a, t in zip(
        ["Lokales Hamburg", "Sport Nord", "Kultur Heute", "Wetter Aktuell"],
        ["2h", "3h", "4h", "5h"], _SAID)]
    text = _HARBOUR + "\n\n\n".join(ticker) + "\n\n© 2024 Harbour News\n"
    assert parse_bytes(text.encode(), "ticker.txt").articles[0].comments == ()


def test_a_dated_action_row_right_under_the_text_closes_its_comment() -> None:
    # name, text, then "date | Reply | N likes": the row is the comment's date, not its text
    from moderation.parse import parse_bytes

    names = ["Anna Berg", "Peter M.", "lisa_k", "Thomas Müller"]
    dates = ["3. März 2024 um 14:25", "4. März 2024 um 09:10", "5. März 2024 um 18:02",
             "6. März 2024 um 07:45"]
    blocks = [f"{n}\n{t}\n{d} | Reply | {k + 3} likes"
              for k, (n, t, d) in enumerate(zip(names, _SAID, dates))]
    text = _HARBOUR + "Leserkommentare\n\n" + "\n\n\n".join(blocks) + "\n"
    cs = parse_bytes(text.encode(), "rows.txt").articles[0].comments
    assert [(c.author, c.date, c.text) for c in cs] == list(zip(names, dates, _SAID))
    assert cs[0].date_iso == "2024-03-03T14:25"


def test_signed_footers_whose_names_differ_in_shape_are_one_run() -> None:
    # "— Name, date" under each text: the names' shapes differ ("Marek Nowak", "J. Smith"),
    # the dates' do not; the run is read under a heading no table knows
    from moderation.parse import parse_bytes
    from moderation.parse.dumpshape import header_key

    assert header_key("— Marek Nowak, 3 de marzo de 2024") == header_key(
        "— J. Smith, 14 de marzo de 2024") == "—N, 0 a 0"
    names = ["Marek Nowak", "J. Smith", "Marie Dupont", "Ole Hansen"]
    dates = [f"{d} de marzo de 2024" for d in (3, 4, 5, 6)]
    blocks = [f"{t}\n— {n}, {d}" for t, n, d in zip(_SAID, names, dates)]
    text = _HARBOUR + "Discussion\n\n" + "\n\n\n".join(blocks) + "\n\n© 2024 Harbour News\n"
    cs = parse_bytes(text.encode(), "signed.txt").articles[0].comments
    assert [c.text for c in cs] == _SAID


_SAYS_ARTICLE = """Ny cykelsti langs havnen åbner til sommer

Af Mette Holm

Kommunen har besluttet at bygge en ny cykelsti langs havnen, og arbejdet begynder allerede i næste måned. Stien skal forbinde bydelene nord og syd for kanalen og ventes at aflaste den travle hovedvej betydeligt.

Borgmesteren kalder projektet en milepæl for byens trafik, mens flere erhvervsdrivende frygter, at byggeriet vil gøre det sværere for kunderne at finde parkering i de kommende måneder.

Projektet koster omkring 40 millioner kroner og finansieres delvist af statens pulje til grøn mobilitet, som kommunen fik tilsagn fra i foråret efter en lang ansøgningsproces.

"""


def test_two_name_says_blocks_under_an_unknown_heading_are_comments() -> None:
    # a heading no table knows ("Læsernes ord"); two comments, each under "Name says:"
    dump = (_SAYS_ARTICLE + "Læsernes ord\n\n• jonas berg says:\n\n"
            "Endelig sker der noget ved havnen, det har vi ventet på i årevis.\n\n"
            "• Karin Lund says:\n\nHvem skal betale for vedligeholdelsen bagefter?\n\n"
            "Det bliver dyrt for kommunen i længden.\n\n\n"
            "Om os · Kontakt · Privatlivspolitik\n")
    article = parse_text(dump)
    # a lower-case name of two words too: in the list the verb vouches for it
    assert [c.author for c in article.comments] == ["jonas berg", "Karin Lund"]
    assert article.comments[0].text == "Endelig sker der noget ved havnen, det har vi ventet på i årevis."
    # the last comment's second paragraph is its own; the footer after two blank lines is not
    assert article.comments[1].text == ("Hvem skal betale for vedligeholdelsen bagefter?\n\n"
                                        "Det bliver dyrt for kommunen i længden.")
    assert "ventet på i årevis" not in (article.body or "")


def test_says_lines_inside_an_interview_are_no_comments() -> None:
    # "Name says:" paragraphs in the article's middle, the article going on after them
    interview = ("Borgmester Anne Vik says:\n\nVi har lyttet til borgerne, og det her er resultatet af "
                 "mange møder i løbet af det sidste år.\n\nHandelsforeningens formand Per Dahl says:\n\n"
                 "Vi er ikke imod stien, men byggeperioden bliver hård for mange butikker.\n\n")
    more = "".join(f"Afsnit {k}: " + "Kommunen vil følge byggeriet tæt og informere borgerne løbende "
                   "om omkørsler, parkering og de tider, hvor der arbejdes om natten.\n\n"
                   for k in range(8))
    article = parse_text(_SAYS_ARTICLE + interview + more)
    assert article.comments == ()
    assert "resultatet af mange møder" in (article.body or "")


_HARBOUR = ("A quiet week at the harbour\n\n" + ("The harbour was quieter than usual this week, "
            "with most of the fishing fleet staying in port because of the storms.\n\n") * 3)


def test_a_count_of_comments_on_the_posts_title_opens_the_zone_in_any_language() -> None:
    """"5 thoughts on “Title”" as a theme prints it in a language no table knows: a count,
    a word or two, the post's own title quoted. The comments under it are found though their
    names were lost in the dump (stop 41: lemire.me with its phrases made up gave none)."""
    from moderation.parse.text import _count_on_title

    dump = (_HARBOUR + "2 vastausta artikkeliin “A quiet week at the harbour”\n\n"
            "1. Thanks for posting this, the photos of the boats are lovely.\n\n"
            "2. We were there on Sunday and it was empty, a strange sight in May.\n")
    got = parse_text(dump)
    assert [c.text for c in got.comments] == [
        "Thanks for posting this, the photos of the boats are lovely.",
        "We were there on Sunday and it was empty, a strange sight in May."]
    assert "strange sight" not in (got.body or "")
    title = "A quiet week at the harbour"
    assert _count_on_title("12 Antworten auf „A quiet week at the harbour“", title)
    assert not _count_on_title("12 Antworten auf „Another post entirely“", title)
    assert not _count_on_title("A quiet week at the harbour", title)  # no count


def test_a_numbered_name_list_whose_host_thanks_each_commenter_by_name() -> None:
    """"1. Monica" / her text / "• Spain on a Fork" / "thanks for the comment Monica": the
    host's reply names the commenter, which the tips-list check read as each item's heading
    naming its own text (stop 41: a dev dump without its date lines lost all 22 comments)."""
    people = [("Monica", "I plan to try your recipe this weekend. Which brandy do you use?"),
              ("Jeff", "This is a great recipe! Fresh and lively, I will make it again."),
              ("lina uceda", "Made it for a party and everyone asked for the recipe!"),
              ("marcie", "I have never been to Spain but this looks so refreshing!")]
    dump = _HARBOUR + "".join(
        f"{k}. {name}\n\n{text}\n\n• Spain on a Fork\n\nThanks for the comment {name.split()[0]}"
        " 🙂\n\n" for k, (name, text) in enumerate(people, start=1)) + "Leave a Comment\n"
    got = parse_text(dump)
    assert [c.author for c in got.comments if c.author != "Spain on a Fork"] == [
        n for n, _t in people]
    assert all(t in " ".join(c.text for c in got.comments) for _n, t in people)


def test_ages_in_a_language_no_table_knows_open_comments() -> None:
    """"50 Debuziha 46 Fubafedak debu" under each comment: numbers with a unit word, and an
    "ago", in a language no table knows. The numbers vary, the words are few: an age column.
    A listicle's headings use new words each time, a like counter is one number and one word
    (stop 41: a dev dump in such a language gave none of its 19 comments)."""
    from moderation.parse.dumpshape import _ages_in_any_language

    ages = ["50 Debuziha 46 Fubafedak debu", "1 Zucenod 51 Debuziha debu",
            "12 Tatoceto 33 Debuziha debu", "13 Tatoceto 5 Debuziha debu",
            "2 Zucenod 7 Debuziha debu"]
    texts = ["Ich sehe den Abzug grundsätzlich positiv, dort gehören keine fremden Truppen hin.",
             "Komisch, an wen oder was erinnert mich das gerade? Ich komme nicht drauf.",
             "Was werden die Spieler dazu sagen? Nebst dem Verband, der so lange geschwiegen hat.",
             "Die monokausale Sicht auf den Nahen Osten ist man vom Autor inzwischen gewohnt.",
             "Haben Sie sich mal die Militärbudgets angeschaut? Die Zahlen sprechen für sich."]
    dump = _HARBOUR + "".join(f"{a}\n\n{t}\n\n" for a, t in zip(ages, texts, strict=True))
    got = parse_text(dump)
    assert [c.text for c in got.comments] == texts
    assert [c.date for c in got.comments] == ages
    lines = dump.split("\n")
    part = [i for i, ln in enumerate(lines) if ln in ages]
    assert _ages_in_any_language(lines, part)
    listicle = ["1 Paris in spring", "2 Rome by night", "3 Lisbon old town", "4 Oslo fjords"]
    assert not _ages_in_any_language(listicle, list(range(4)))
    likes = ["3 Likes", "8 Likes", "13 Likes", "18 Likes"]
    assert not _ages_in_any_language(likes, list(range(4)))
