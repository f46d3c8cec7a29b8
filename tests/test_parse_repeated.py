"""HTML comments from STRUCTURE: markup no rule names (htmlrepeat.py)."""

from __future__ import annotations

from pathlib import Path

from moderation.parse import parse_file

FIX = Path(__file__).resolve().parent / "fixtures" / "parse" / "repeated"


def test_alike_subtrees_with_name_date_text_are_comments_with_parents():
    result = parse_file(FIX / "unnamed_thread.html")
    cs = result.articles[0].comments
    assert [c.author for c in cs] == ["Anna Berg", "Tom", "Lisa M.", "Jorge"]
    assert [c.date for c in cs] == ["2 weeks ago", "2 weeks ago", "30. Juli 2022 - 13:28",
                                    "2023-03-05T09:15"]
    assert [c.date_iso for c in cs] == [None, None, "2022-07-30T13:28", "2023-03-05T09:15"]
    assert cs[1].parent == cs[0].id == "r-11" and cs[0].parent is None
    assert all(c.parent_known for c in cs)
    assert cs[0].text == ("I tried this last weekend and the loaf came out beautifully. The "
                          "crumb was open and soft.")  # the reply is not in its parent
    body = result.articles[0].body or ""
    assert "sluggish" not in body and "Baking bread by volume" in body
    assert any("name/date/text structure" in w for w in result.warnings)


def test_teaser_list_with_headlines_and_dates_gives_no_comment():
    result = parse_file(FIX / "unnamed_teasers.html")
    assert result.articles[0].comments == ()


def test_dd_records_take_name_and_date_from_the_dt_before_them():
    result = parse_file(FIX / "unnamed_dl.html")
    cs = result.articles[0].comments
    assert [(c.author, c.date_iso) for c in cs] == [
        ("Armin", "2015-06-28T22:25"), ("Kim", "2015-06-29T08:02"), ("Ola", "2015-07-01T18:40")]
    assert cs[0].text == "Really, no Shagrath on the list? And how is Fred even there at all?"
    assert "Armin" not in (result.articles[0].body or "")


def test_named_wrapper_without_dates_gives_way_to_the_structural_reading():
    """`class="comment"` names the list, but what it wraps reads as a subject line cut off with
    an ellipsis and a "Verfasst von NAME am DATE" line, not the comment: the structural reading
    finds as many comments and dates them, so it wins (round 7). The reply prompt printed in
    every record is chrome, not text."""
    result = parse_file(FIX / "named_wrapper_subjects.html")
    cs = result.articles[0].comments
    assert [c.author for c in cs] == ["seidolinos", "koala100", "SabrinaF", "Mops77"]
    assert [c.date_iso for c in cs] == ["2022-07-30T13:20", "2022-07-30T12:43",
                                        "2022-06-25T21:10", "2022-05-02T08:05"]
    assert cs[1].text == "Kann man den Salat auch schon einen Tag vorher zubereiten?"
    assert not any("Verfasst von" in c.text or "Melde dich an" in c.text for c in cs)
    assert any("name/date/text structure" in w for w in result.warnings)


def test_portuguese_says_line_and_date_at_time_give_name_and_date():
    """"Lucia H G Gomes de Sa disse:" is a name line, not a sentence; "10/04/2026 às 14:25" a
    date, whose head is never taken for a name (round 7). ("10/04/2026" would be read as
    no ISO date at all: day or month first, the page does not say.)"""
    from moderation.parse import parse_bytes

    people = [("Lucia H G Gomes de Sa", "14/04/2026 às 14:25", "Eu amo essas receitas fáceis, beijos."),
              ("Patricia Nogara", "14/04/2026 às 14:31", "Amei a receita, fiz hoje! Fica uma delícia."),
              ("Nicholly March", "15/04/2026 às 15:00", "Oii Patricia, tudo bem? Obrigado pelo retorno.")]
    items = "".join(f'<li class="k{n}x"><div class="q"><b>{a} disse:</b></div><div class="z">{d}</div>'
                    f'<div class="w"><p>{t}</p></div><div class="r">Responder</div></li>'
                    for n, (a, d, t) in enumerate(people) for _ in [0]).replace('class="k0x"', 'class="c"')
    items = items.replace('class="k1x"', 'class="c"').replace('class="k2x"', 'class="c"')
    page = ("<html><body><article><h1>Bolo de cocada</h1><p>" + "Misture tudo e asse por quarenta "
            "minutos em forno médio até dourar bem. " * 3 + "</p></article><ol>" + items +
            "</ol></body></html>")
    cs = parse_bytes(page.encode(), "p.html", "html").articles[0].comments
    assert [(c.author, c.date) for c in cs] == [(a, d) for a, d, _t in people]
    assert [c.date_iso for c in cs] == ["2026-04-14T14:25", "2026-04-14T14:31", "2026-04-15T15:00"]
    assert cs[0].text == "Eu amo essas receitas fáceis, beijos."


def test_many_signed_undated_records_are_comments_but_a_few_bios_are_not():
    """A comment list that prints no dates: ten records, each signed by a different name over
    prose, no headline. Taken when there are many (round 7); four team bios are not."""
    result = parse_file(FIX / "undated_signed_comments.html")
    cs = result.articles[0].comments
    assert [c.author for c in cs][:4] == ["sumathi s", "Yaw", "naayak", "Guest"]
    assert len(cs) == 10 and all(c.date is None for c in cs)
    assert cs[1].text == ("You forgot the n in the list comprehension, the example does not "
                          "run as written.")
    assert any("name/date/text structure" in w for w in result.warnings)
    assert parse_file(FIX / "undated_team_bios.html").articles[0].comments == ()


def test_records_closed_by_a_name_and_date_footer_are_comments():
    # the text first, then "Name — date" (old Blogger, many forums): no class or word names
    # the comments; the footer is the header, and the text keeps no trace of it
    from moderation.parse import parse_bytes

    para = ("<p>The harbour was quieter than usual this week, with most of the fleet in port "
            "because of the storm warnings issued on Monday.</p>")
    rows = [("I have been reading this blog for years and this is one of the best posts.",
             "Anna Berg", "3. März 2024 um 10:15"),
            ("Not sure I agree, the numbers from last year tell a different story.",
             "Peter M.", "March 4, 2024 at 9:02 am"),
            ("Could you post the source for the statistics in the third paragraph?",
             "Marie Dupont", "5 mars 2024 à 18h40")]
    items = "".join(f'<div class="x7-k2"><p>{t}</p><div class="q1-zz">{n} — {d}</div></div>'
                    for t, n, d in rows)
    html = (f"<html><body><main><article><h1>A quiet week</h1>{para * 4}</article>"
            f'<section class="r9"><div class="w3-a1">{items}</div></section></main></body></html>')
    cs = parse_bytes(html.encode(), "footer.html").articles[0].comments
    assert [(c.text, c.author, c.date) for c in cs] == rows
    assert [c.date_iso for c in cs] == ["2024-03-03T10:15", "2024-03-04T09:02",
                                        "2024-03-05T18:40"]


def test_replies_marked_apart_are_their_own_comments_under_their_parents():
    """The site owner's replies carry a class of their own (`<li class="x-owner">` under plain
    `<li>` records) but open with the same block as every record: each is a comment with its
    parent, not part of the parent's text, whether the page names its comment markup or not."""
    from moderation.parse import parse_bytes

    para = ("<p>The harbour was quieter than usual this week, with most of the fleet in port "
            "because of the storm warnings issued on Monday.</p>")

    def block(name: str, text: str, date: str) -> str:
        return (f'<div class="k3-blk"><p class="k3-a">{name}</p><p>{text}</p>'
                f'<p class="k3-m">{date} <a href="#r">Reply</a></p></div>')

    rows = [("Anna Berg", "Can I freeze the dough before the second rise?", "3 March 2024"),
            ("Peter M.", "Made it twice now, the second time with spelt flour.", "4 March 2024"),
            ("Marie Dupont", "Which oven setting did you use for the photos?", "5 March 2024")]
    owner = ("Harbour Kitchen", "Yes, for up to a month, thaw it in the fridge overnight.",
             "3 March 2024")
    items = [f'<li id="c{i}">{block(*r)}' + (f'<ul class="kids"><li id="c9" class="x-owner">'
                                              f'{block(*owner)}</li></ul>' if i == 0 else "")
             + "</li>" for i, r in enumerate(rows)]
    for list_class in ("q7-list", "comment-list"):
        html = (f"<html><body><main><article><h1>A quiet week</h1>{para * 4}</article>"
                f'<ol class="{list_class}">{"".join(items)}</ol></main></body></html>')
        cs = parse_bytes(html.encode(), "owner.html").articles[0].comments
        assert [(c.author, c.text) for c in cs] == [
            (rows[0][0], rows[0][1]), (owner[0], owner[1]),
            (rows[1][0], rows[1][1]), (rows[2][0], rows[2][1])], list_class
        assert cs[1].parent == cs[0].id and cs[0].parent is None, list_class


def test_image_captions_with_photo_credits_are_no_comments():
    """Alike caption blocks, each a credit ("© Alamy", "Foto: dpa") over a line of text and the
    date the picture was taken, are the article's pictures, not a comment list: a credit is
    no commenter's name."""
    from moderation.parse import parse_bytes

    para = ("<p>The harbour was quieter than usual this week, with most of the fleet in port "
            "because of the storm warnings issued on Monday.</p>")
    caps = [("© Alamy", "The harbour master at a meeting of the port authority in Kiel.",
             "March 3, 2016"),
            ("© Reuters", "Boats in the harbour during the storm, seen from the old pier.",
             "January 20, 2017"),
            ("Foto: dpa", "The new pier, opened after two years of work on the quay.",
             "May 4, 2019"),
            ("© J. Berg", "Fishermen unloading the catch on the quay at dawn.", "June 1, 2021"),
            ("(c) Port of Kiel", "The old lighthouse, restored by volunteers.", "July 9, 2018")]
    figs = "".join(f'<div class="m1"><img src="p{i}.jpg"><div class="m2"><span>{c}</span><br>'
                   f"<span>{t}</span><br><span>{d}</span></div></div>{para}"
                   for i, (c, t, d) in enumerate(caps))
    html = f"<html><body><main><article><h1>A quiet week</h1>{para}{figs}</article></main></body></html>"
    result = parse_bytes(html.encode(), "captions.html")
    assert result.articles[0].comments == ()


_ARTICLE = ("<html><head><meta charset='utf-8'><title>Harbour</title></head><body><article>"
            "<h1>A quiet week at the harbour</h1>" + "<p>The harbour was quieter than usual this "
            "week, with most of the fishing fleet staying in port because of the storms.</p>" * 3
            + "</article>")


def _page(section: str) -> bytes:
    from moderation.parse import parse_bytes

    return parse_bytes((_ARTICLE + section + "</body></html>").encode(), "p.html", "html")


def test_comments_in_table_rows_a_guestbook_prints_are_found():
    """An old guestbook or forum: one <tr> per comment, the name and date in one cell, the text
    in the next, classes no rule names (stop 41: rows were never candidates, and cells ran
    together into one line)."""
    rows = [("Anna Berg", "3. März 2024 um 10:15", "Schöner Bericht, wir waren letzte Woche dort."),
            ("Peter M.", "March 3, 2024 at 11:02 am", "The storms kept us home too, thanks for this."),
            ("lisa_k", "03/03/2024 14:30", "Does the ferry run again from Monday on?")]
    table = "".join(f'<tr><td class="gb-h"><b>{a}</b><br>{d}</td><td class="gb-t">{t}</td></tr>'
                    for a, d, t in rows)
    result = _page(f"<h3>Gästebuch</h3><table class='qx-91'>{table}</table>")
    cs = result.articles[0].comments
    assert [(c.author, c.date, c.text) for c in cs] == rows
    assert "lisa_k" not in (result.articles[0].body or "")


def test_a_cookie_table_and_a_teaser_table_give_no_comment():
    """A cookie consent table (name, a duration, a description: "2 years" is no comment's
    time) and a table of teasers (a headline, a date, an excerpt) are no comments."""
    cookies = [("_ga", "2 years"), ("__tbc", "8 months 26 days"), ("CMID", "1 year"),
               ("_gid", "1 day"), ("ANON_ID", "3 months")]
    cookie_rows = "".join(
        f'<tr class="ck-row"><td class="c1">{n}</td><td class="c2">{d}</td><td class="c3">This '
        f"cookie is set by the provider to measure how visitors use the site.</td></tr>"
        for n, d in cookies)
    heads = ["How to make sourdough at home", "Ten tips for your garden",
             "Our favourite summer salads", "What we learned from a year without a car"]
    teaser_rows = "".join(
        f'<tr><td class="t1"><b>{h}</b><br>March {k + 3}, 2024</td><td class="t2">A short '
        f"excerpt of the story that this headline opens, read on for more.</td></tr>"
        for k, h in enumerate(heads))
    for section in ((f"<div class='consent'><table><tr><th>Cookie</th><th>Duration</th>"
                     f"<th>Description</th></tr>{cookie_rows}</table></div>"),
                    f"<h3>More from the blog</h3><table>{teaser_rows}</table>"):
        assert _page(section).articles[0].comments == ()


def test_an_age_keeps_its_words_il_y_a():
    """"Anna · il y a 2 heures": the date is the whole age, not the bare duration "2 heures"."""
    from moderation.parse import bylines

    recs = "".join(f'<div class="zz"><div class="hh">{a} · il y a {k} heures</div><p>{t}</p></div>'
                   for k, (a, t) in enumerate([("Anna Berg", "Je ne suis pas du tout d'accord."),
                                               ("Tomasz K.", "Merci pour cet article complet."),
                                               ("marco_b", "Qui va payer tout cela au final ?")],
                                              start=2))
    cs = _page(f"<div class='kk'>{recs}</div>").articles[0].comments
    assert [(c.author, c.date) for c in cs] == [("Anna Berg", "il y a 2 heures"),
                                                 ("Tomasz K.", "il y a 3 heures"),
                                                 ("marco_b", "il y a 4 heures")]
    assert bylines.is_duration("2 heures") and not bylines.is_duration("il y a 2 heures")


def test_a_blog_name_signing_the_owners_replies_is_no_headline():
    """"Spain on a Fork" reads like a headline, but it signs the owner's replies among the
    readers' names: still comments (a teaser list has a headline per record). Found on a dev
    page with its class names renamed (stop 41); the first headline check refused it."""
    people = [("Monica", "I plan to try your recipe this weekend, which brandy do you use?"),
              ("Spain on a Fork", "My favourite is Cardenal Mendoza, much love!"),
              ("Jeff", "This is a great recipe, fresh and lively. I will make it again."),
              ("Spain on a Fork", "So happy to hear that!! Much love.")]
    recs = "".join(f'<li class="q1 q{k}"><div class="w"><h5>{a}</h5><p>{t}</p>'
                   f'<span class="d">{k + 1:02d} . Apr . 2023</span></div></li>'
                   for k, (a, t) in enumerate(people))
    cs = _page(f"<ol class='zz'>{recs}</ol>").articles[0].comments
    assert [(c.author, c.text) for c in cs] == people


def test_comments_signed_under_their_text_in_one_list_per_post():
    """A Q&A page: each post (the question, each answer) has its own list of comments, the
    text first, then "– Name" and the date. Every list is read, the short ones too, and the
    signature is the author (stop 41, from a dev page with its class names renamed)."""
    posts = [[("Tony M", "Sep 25, 2019 at 12:22", "This answer helped me, but it skips the part "
               "of the question about the past tense."),
              ("Earthling", "Sep 27, 2019 at 0:14", "@TonyM Exactly, that form is simply wrong."),
              ("YNG", "Jan 8, 2020 at 11:18", "Is the rule dependent on the verb itself?")],
             [("user5105", "Feb 6, 2014 at 20:57", "Both forms exist, with different meanings."),
              ("Tom Au", "Feb 6, 2014 at 21:00", "Thanks, that clears it up for me.")]]
    html = "".join(
        f"<div class='p9'><p>The answer's own long text goes here, explaining the grammar in "
        f"detail for the reader.</p><ul class='k2'>" + "".join(
            f"<li class='c7 v1'><div><span>{t}</span><div>– <a href='/u/{a}'>{a}</a></div>"
            f"<span><span title='x'>{d}</span></span></div></li>" for a, d, t in post)
        + "</ul></div>" for post in posts)
    cs = _page(html).articles[0].comments
    assert [(c.author, c.date, c.text) for c in cs] == [c for post in posts for c in post]
