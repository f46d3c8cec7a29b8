"""Comment layouts of our own with no comment heading, in several languages (issue 16).

Each layout is one way a comment widget prints a comment once a page is rendered as text: the
name, date, action links and vote counters in the order and on the lines that widget uses.
Every template puts six comments (texts that often end without a full stop, one with an emoji)
under the same short article, with no heading, line under line or blank-separated, and a
single date format per page, as a real site has. Nothing here is taken from a bench page.
"""

from __future__ import annotations

import pytest

from moderation.parse.text import parse_text

ARTICLE = """Stadtrat beschließt neuen Radweg an der Hauptstraße

Von Maria Schneider

Der Stadtrat hat am Dienstagabend mit knapper Mehrheit den Bau eines neuen Radwegs entlang der Hauptstraße beschlossen. Die Arbeiten sollen im Frühjahr beginnen und rund acht Monate dauern.

Kritik kam vor allem von den Anwohnern, die den Wegfall von Parkplätzen befürchten. Die Verwaltung verspricht, während der Bauzeit Ersatzflächen in den Seitenstraßen auszuweisen.

Der Radweg ist Teil eines größeren Verkehrskonzepts, das bis 2030 umgesetzt werden soll und auch neue Busspuren vorsieht.

"""
NAMES = ("Anna Berg", "jens1987", "Marco R.", "Sophie Dubois", "Kasia_W", "Pedro Alves")
TEXTS = ("Endlich passiert etwas, das war längst überfällig",
         "Ich sehe das völlig anders. Die Anwohner wurden nicht gefragt.",
         "Acht Monate für ein paar hundert Meter? Typisch für diese Stadt",
         "Gute Entscheidung, weiter so 👍",
         "Wer bezahlt das eigentlich alles am Ende",
         "Ich fahre da jeden Tag lang und freue mich sehr darauf.")
DATES = {"numeric": lambda k: f"0{k + 3}.03.2024 14:2{k}",
         "age": lambda k: f"vor {k + 2} Stunden",
         "long": lambda k: f"{k + 3}. März 2024 um 14:2{k} Uhr"}


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split()[:2]).upper()


# layout -> (comment block from name, text, date, index; the date the parser should keep)
LAYOUTS = {
    "facebook": (lambda n, t, d, k: f"{n}\n{t}\nGefällt mir · Antworten · {k + 1} Std.\n",
                 lambda d, k: f"{k + 1} Std."),
    "lemonde": (lambda n, t, d, k: f"{n}\nLe {k + 3}/03/2024 à 14h2{k}\n{t}\n",
                lambda d, k: f"Le {k + 3}/03/2024 à 14h2{k}"),
    "nl_schreef": (lambda n, t, d, k: f"{n} schreef op {k + 3} maart 2024 om 14:2{k}:\n{t}\n",
                   lambda d, k: f"{k + 3} maart 2024 om 14:2{k}"),
    "pl_guest": (lambda n, t, d, k: f"~{n}\n2024-03-0{k + 3} 14:2{k}\n{t}\nodpowiedz\n",
                 lambda d, k: f"2024-03-0{k + 3} 14:2{k}"),
    "it_reply": (lambda n, t, d, k: f"{n}\n{k + 3} marzo 2024 alle 14:2{k}\n{t}\nRispondi\n",
                 lambda d, k: f"{k + 3} marzo 2024 alle 14:2{k}"),
    "pt_por": (lambda n, t, d, k: f"Por {n} em {k + 3} de março de 2024\n{t}\n",
               lambda d, k: f"{k + 3} de março de 2024"),
    "votes": (lambda n, t, d, k: f"{n}\n{d}\n{t}\n{k + 2} ▲ {k} ▼\n", lambda d, k: d),
    "forum_subject": (lambda n, t, d, k: f"Re: Neuer Radweg\n{n}\n0{k + 3}.03.2024 14:2{k}\n{t}\n",
                      lambda d, k: f"0{k + 3}.03.2024 14:2{k}"),
    "avatar_initials": (lambda n, t, d, k: f"{_initials(n)}\n{n}\n{d}\n{t}\n", lambda d, k: d),
    "compact_age": (lambda n, t, d, k: f"{n} · {k + 2}h\n{t}\nReply\n", lambda d, k: f"{k + 2}h"),
    "blank_separated": (lambda n, t, d, k: f"{n}\n\n{d}\n\n{t}\n", lambda d, k: d),
    "date_first": (lambda n, t, d, k: f"{d}\n{n}\n{t}\n", lambda d, k: d),
}
# A date or an age alone over blocks with nothing that says "comments" (no name beside the
# date in the header, no reply link, no heading) is what a list of news teasers prints too:
# those are left in the body with a warning, by design.
REFUSED = {("blank_separated", "age", ""), ("date_first", "age", "")}


@pytest.mark.parametrize("gap", ["", "\n"], ids=["line-under-line", "blank-between"])
@pytest.mark.parametrize("dates", sorted(DATES))
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_comment_layout_without_a_heading(layout: str, dates: str, gap: str) -> None:
    block, kept = LAYOUTS[layout]
    date = DATES[dates]
    dump = ARTICLE + "\n".join(block(n, t, date(k), k) + gap
                               for k, (n, t) in enumerate(zip(NAMES, TEXTS)))
    warnings: list[str] = []
    article = parse_text(dump, warnings)
    if (layout, dates, gap) in REFUSED:
        assert article.comments == ()
        assert any("left in the body" in w for w in warnings)
        return
    assert [c.text for c in article.comments] == list(TEXTS)
    assert [c.author for c in article.comments] == list(NAMES)
    assert [c.date for c in article.comments] == [kept(date(k), k) for k in range(6)]
    assert "Verkehrskonzepts" in (article.body or "")
    assert not any(n in (article.body or "") for n in NAMES[1:])


# comments of two lines whose first has no full stop: what a teaser's headline over its text
# prints too (the teaser tests, test_parse_teasers.py, must not cost these)
TEXTS_TWO_LINES = ("Vielen Dank für den guten Artikel\nDas war längst überfällig, finde ich.",
                   "Ich sehe das völlig anders\nDie Anwohner wurden nicht gefragt.",
                   "Acht Monate für ein paar hundert Meter\nTypisch für diese Stadt.",
                   "Gute Entscheidung von der Stadt\nWeiter so 👍",
                   "Wer bezahlt das eigentlich alles\nAm Ende wieder wir Steuerzahler.",
                   "Ich fahre da jeden Tag lang\nUnd freue mich sehr darauf.")


@pytest.mark.parametrize("gap", ["", "\n"], ids=["line-under-line", "blank-between"])
@pytest.mark.parametrize("dates", sorted(DATES))
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_two_line_comments_whose_first_line_has_no_full_stop(layout: str, dates: str, gap: str) -> None:
    if (layout, dates, gap) in REFUSED:
        pytest.skip("refused by design, as above")
    block, _kept = LAYOUTS[layout]
    dump = ARTICLE + "\n".join(block(n, t, DATES[dates](k), k) + gap
                               for k, (n, t) in enumerate(zip(NAMES, TEXTS_TWO_LINES)))
    article = parse_text(dump)
    # every text in a comment, none in the body (how the lines are cut into comments is not
    # checked: the initials' line or a vote row still splits or trails some; left as it was)
    for text in TEXTS_TWO_LINES:
        assert any(text.split("\n")[1] in c.text for c in article.comments)
        assert text.split("\n")[0] not in (article.body or "")


ARTICLE_EN = """City council approves new bike lane on Main Street

By Maria Snyder

The city council voted narrowly on Tuesday evening to build a new bike lane along Main Street. Work is due to start in the spring and to take about eight months.

Residents criticised the loss of parking spaces. The city promises temporary spaces in the side streets while the work goes on.

The lane is part of a wider transport plan that runs to 2030 and also adds new bus lanes.

"""
TEXTS_EN = ("Finally something happens, this was long overdue",
            "I see it differently. Nobody asked the residents.",
            "Eight months for a few hundred metres? Typical for this town",
            "Good decision, keep going 👍",
            "Who is paying for all of this in the end",
            "I ride there every day and I am really looking forward to it.")
MORE = "And one more thing I wanted to add here"
# layout -> comment block from name, text and index (the ages and dates in each widget's words)
LAYOUTS_AGES = {
    "wordpress_says": lambda n, t, k: f"{n} says:\nMarch {k + 3}, 2024 at 2:2{k} pm\n{t}\nReply\n",
    "disqus": lambda n, t, k: f"{n}\n• {k + 2} years ago\n{t}\n• Reply\n• Share ›\n",
    "fr_il_y_a": lambda n, t, k: f"{n}\nil y a {k + 2} heures\n{t}\nRépondre\n",
    "es_hace": lambda n, t, k: f"{n}\nhace {k + 2} horas\n{t}\nResponder\n",
    "nl_geleden": lambda n, t, k: f"{n}\n{k + 2} uur geleden\n{t}\nReageer\n",
    "da_siden": lambda n, t, k: f"{n}\nfor {k + 2} timer siden\n{t}\nSvar\n",
    "pl_temu": lambda n, t, k: f"{n}\n{k + 2} godziny temu\n{t}\nOdpowiedz\n",
    "sv_svara": lambda n, t, k: f"{n}\n{k + 3} mars 2024 kl. 14:2{k}\n{t}\nSvara\n",
    "name_pipe_date": lambda n, t, k: f"{n} | {k + 3}. März 2024\n{t}\n",
    "two_paragraphs": lambda n, t, k: f"{n}\nMarch {k + 3}, 2024\n{t}\n{MORE}\n",
    "in_reply_to": lambda n, t, k: f"{n}\nMarch {k + 3}, 2024\n"
                                   + (f"In reply to {NAMES[k - 1]}.\n" if k % 2 else "") + f"{t}\n",
}


@pytest.mark.parametrize("gap", ["", "\n"], ids=["line-under-line", "blank-between"])
@pytest.mark.parametrize("layout", sorted(LAYOUTS_AGES))
def test_comment_layouts_in_the_readers_languages(layout: str, gap: str) -> None:
    dump = ARTICLE_EN + "\n".join(LAYOUTS_AGES[layout](n, t, k) + gap
                                  for k, (n, t) in enumerate(zip(NAMES, TEXTS_EN)))
    article = parse_text(dump)
    want = [f"{t}\n{MORE}" for t in TEXTS_EN] if layout == "two_paragraphs" else list(TEXTS_EN)
    assert [c.text for c in article.comments] == want
    assert [c.author for c in article.comments] == list(NAMES)
    assert all(c.date for c in article.comments)
    assert "bus lanes" in (article.body or "") and "overdue" not in (article.body or "")


TITLES = ("Neue Busspur am Bahnhof eröffnet", "Stadtwerke erhöhen die Preise zum Jahreswechsel",
          "Schwimmbad bleibt bis März geschlossen", "Weihnachtsmarkt zieht Bilanz nach vier Wochen",
          "Polizei sucht Zeugen nach Unfall in der Innenstadt", "Neuer Bürgermeister stellt sein Team vor")
TEASERS = ("Die neue Spur soll den Verkehr zur Rushhour entlasten",
           "Strom und Gas werden im Schnitt um sechs Prozent teurer.",
           "Grund sind Schäden an der Lüftungsanlage, sagt die Stadt",
           "Die Händler sind zufrieden, die Besucherzahlen stiegen deutlich 🎄",
           "Ein Radfahrer wurde leicht verletzt. Der Fahrer flüchtete.",
           "Drei neue Dezernenten beginnen im Januar ihre Arbeit")
PAIRS = list(zip(TITLES, TEASERS))
TIPS = (("Braune Butter", "Braune Butter gibt dem Kuchen ein nussiges Aroma."),
        ("Zimmertemperatur", "Kalte Eier lassen den Teig gerinnen, also früh herausnehmen!"),
        ("Frische Zitronen", "Saft aus der Flasche geht auch, aber frische Schale macht den Unterschied 🍋"),
        ("Zitronencreme", "Eine Schicht Zitronencreme zwischen zwei Böden, und fertig ist die Torte."),
        ("Ohne Gluten", "Glutenfreies Mehl im Verhältnis 1:1 tauschen. Geht das? Ja!"))
# What pages without comments print under the article, looking like a comment run.
NO_COMMENTS = {
    # teasers with their age and each article's comment count
    "teaser_counts": "Mehr aus der Stadt\n\n" + "\n".join(
        f"{t}\n{x}\nvor {k + 2} Std.\n{k * 7 + 3} Kommentare\n" for k, (t, x) in enumerate(PAIRS)),
    "teaser_count_row": "Mehr aus der Stadt\n\n" + "\n".join(
        f"{t}\n{x}\nvor {k + 2} Std. · {k * 7 + 3} Kommentare\n" for k, (t, x) in enumerate(PAIRS)),
    # a live ticker: a time and a share link over each entry
    "ticker_share": "\n".join(f"{14 - k}:{k}5 Uhr · Teilen\n{x}\n" for k, x in enumerate(TEASERS)),
    "ticker_times": "\n".join(f"{14 - k}:{k}5\n{x}\n" for k, x in enumerate(TEASERS)),
    "recent_comments_widget": "Neueste Kommentare\n\n" + "\n".join(
        f"Anna Berg bei {t}\nvor {k + 1} Std.\n" for k, t in enumerate(TITLES)),
    # the newsroom's bios under bulleted names
    "team_bullets": "Unser Team\n\n" + "\n".join(
        f"• {n}\n\n{n.split()[0]} schreibt seit Jahren über Politik und Stadtentwicklung in der Region.\n"
        for n in ("Maria Schneider", "Tom Weber", "Lena Fischer", "Jonas Becker", "Sara Klein")),
    "events": "Termine\n\n" + "\n".join(
        f"{k + 3}. März 2024 · 19:30 Uhr\n{t}\nIm Bürgerhaus, Eintritt frei\n" for k, t in enumerate(TITLES)),
    "most_read": "Meistgelesen\n\n" + "\n".join(
        f"{t}\n{x}\nvor {k + 2} Std.\n" for k, (t, x) in enumerate(PAIRS)),
    "bylined_teasers": "Weitere Artikel\n\n" + "\n".join(
        f"{t}\nVon Maria Schneider · {k + 3}. März 2024\n{x}\n" for k, (t, x) in enumerate(PAIRS)),
    "section_ages": "Aktuell\n\n" + "\n".join(
        f"{t}\nPolitik · {k + 2}h\n{x}\n" for k, (t, x) in enumerate(PAIRS)),
    # the sidebar's latest comments: commenter and article title, no comment text
    "recent_comments_en": "Recent Comments\n\n" + "\n".join(
        f"{n} on {t}\nMarch {k + 3}, 2024\n" for k, (n, t) in enumerate(zip(NAMES, TITLES))),
    "empty_form": "Leave a Reply\nYour email address will not be published. Required fields are "
                  "marked *\nComment *\nName *\nEmail *\nWebsite\nPost Comment\n",
    "comments_by_script": "Comments\nLoading comments...\nPlease enable JavaScript to view the "
                          "comments powered by Disqus.\n",
    "paywalled_comments": "Kommentare (12)\nJetzt abonnieren und mitdiskutieren\n"
                          "Sie haben bereits ein Abo? Hier anmelden\n",
    "testimonials": "What readers say\n" + "\n".join(
        f"“{t}, thank you so much!” — {n}\n" for n, t in
        (("Lori", "Worked exactly as written"), ("Kim", "Best recipe ever"), ("Ana", "So easy"))),
    # one account's posts embedded under the article: the same name over every block
    "social_feed": "\n".join(f"@citynews · {k + 2}h\n{t} – mehr auf unserer Seite 👇\n{k * 5 + 3} Likes\n"
                             for k, t in enumerate(TITLES)),
    "image_credits": "\n".join(f"Foto: dpa / {k + 3}.03.2024\nDer Radweg an der Ecke {t.split()[0]} "
                               "am Morgen.\n" for k, t in enumerate(TITLES)),
    "interview": "\n".join(f"Frage: {t}?\nAnna Berg: Das ist eine gute Frage, wir arbeiten daran "
                           f"seit {k + 2} Jahren.\n" for k, t in enumerate(TITLES)),
    "ingredients": "Zutaten\n" + "\n".join(f"• {x}\n\nDas ist wichtig, damit der Teig gelingt 😊\n"
                                            for x in ("Mehl", "Butter", "Zucker", "Eier", "Milch")),
    "changelog": "\n".join(f"Version 2.{k}.0 · {k + 3}. März 2024\nFehler behoben und die Leistung "
                           "verbessert 🚀\n" for k in range(5)),
    # teasers under a section or byline with a compact age, a read-more or share row, a podcast
    "sections_compact_age": "\n".join(
        f"{sec} · {k + 2}h\n{t}\n{x}\n" for k, (sec, (t, x)) in enumerate(zip(
            ("Lokales Hamburg", "Sport Regional", "Kultur Heute", "Politik Inland",
             "Wirtschaft Welt", "Panorama Nord"), PAIRS))),
    "bylines_compact_age": "\n".join(
        f"Von {n} · {k + 2}h\n{t}\n{x}\n" for k, (n, (t, x)) in enumerate(zip(
            ("Maria Schneider", "Tom Weber", "Lena Fischer", "Jonas Becker", "Sara Klein",
             "Ali Kaya"), PAIRS))),
    "read_more_rows": "\n".join(f"{t}\n{x}\n{k + 3}.03.2024 Weiterlesen\n" for k, (t, x) in enumerate(PAIRS)),
    "share_rows": "\n".join(f"{t}\n{x}\n{k + 3}.03.2024 · Teilen · Merken\n" for k, (t, x) in enumerate(PAIRS)),
    "podcast": "\n".join(f"Folge {40 - k}: {t}\n{x}\n{k + 3}. März 2024 · 42 Min.\n"
                         for k, (t, x) in enumerate(PAIRS)),
    # a chronicle by year or by date, a forecast by weekday, quotes of the week, podcast
    # episodes, posts by the newsroom's authors under their headlines, embedded posts
    "chronicle_years": "Chronik\n\n" + "\n".join(f"{2019 + k}\n{x}\n" for k, x in enumerate(TEASERS)),
    "chronicle_dates": "Chronik\n\n" + "\n".join(f"{k + 3}. März 2024\n{x}\n" for k, x in enumerate(TEASERS)),
    "forecast": "Das Wetter\n\n" + "\n".join(f"{d}, {k + 3}.03.\n{x}\n" for k, (d, x) in enumerate(zip(
        ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag"),
        ("Sonnig bei 12 Grad, nachts Frost.", "Wolkig, später Regen.", "Regen und Wind aus West.",
         "Heiter bis wolkig, 14 Grad.", "Gewitter am Nachmittag.")))),
    "quotes": "Quotes of the week\n\n" + "\n".join(f"“{x}”\n— {n}, {k + 3} March 2024\n" for k, (n, x) in
                                                    enumerate(zip(("Maria Schneider", "Tom Weber", "Lena Fischer",
                                                                   "Jonas Becker", "Sara Klein"), TEASERS))),
    "podcast_episodes": "\n".join(f"Episode {40 - k}\n{t}\n{x}\nMar {k + 3}, 2024 · 42 min\n"
                                   for k, (t, x) in enumerate(PAIRS)),
    "headlines_by_author": "Recent posts\n\n" + "\n".join(
        f"{t[:30]}\nby {n} · {k + 2} days ago\n{x}\n" for k, (t, n, x) in enumerate(zip(
            TITLES, ("Maria Schneider", "Tom Weber", "Lena Fischer", "Jonas Becker", "Sara Klein",
                     "Ali Kaya"), TEASERS))),
    "embedded_posts": "So reagiert das Netz\n\n" + "\n".join(
        f"{n} (@{n.split()[0].lower()}{k})\n{x}\n{k + 3}. März 2024\n" for k, (n, x) in enumerate(zip(
            ("Maria Schneider", "Tom Weber", "Lena Fischer", "Jonas Becker", "Sara Klein"), TEASERS))),
    # short titles over teasers and their dates under a related-posts heading, the footer's
    # copyright line close under them
    "related_short_titles": "Das könnte Sie auch interessieren\n\n" + "\n".join(
        f"{' '.join(t.split()[:2])}\n{x}\n{k + 3}. März 2024\n" for k, (t, x) in enumerate(PAIRS))
    + "\n© 2024 Stadtanzeiger\n",
    # tips under their headings, bulleted or numbered: each heading names what its lines
    # talk about, which a commenter's name does not
    "tips_bullets": "Unsere Tipps\n\n" + "\n".join(f"• {h}\n{x}\n" for h, x in TIPS),
    "tips_numbered": "Unsere Tipps\n\n" + "\n".join(f"{k + 1}. {h}\n{x}\n" for k, (h, x) in enumerate(TIPS)),
    # a blog's index: each excerpt closes with its date and its own comment count
    "excerpts_counted": "\n".join(f"{' '.join(t.split()[:2])}\n{x}\n{k + 3} Mar 2024 · {k} Comments\n"
                                   for k, (t, x) in enumerate(PAIRS)),
    "faq_bullets": "Häufige Fragen\n\n" + "\n".join(
        f"• Wann beginnt der Bau?\n\nDer Bau beginnt im Frühjahr {2024 + k}, sagt die Verwaltung.\n"
        for k in range(5)),
}


@pytest.mark.parametrize("gap", ["", "\n"], ids=["as-printed", "blank-between"])
@pytest.mark.parametrize("page", sorted(NO_COMMENTS))
def test_pages_without_comments_give_none(page: str, gap: str) -> None:
    """Teaser lists, tickers, widgets and bios under an article are no comments."""
    dump = ARTICLE + NO_COMMENTS[page] + "\nImpressum\nDatenschutz\n"
    if gap:
        dump = dump.replace("\n", "\n\n")
    article = parse_text(dump)
    assert article.comments == ()
    assert "Verkehrskonzepts" in (article.body or "")
