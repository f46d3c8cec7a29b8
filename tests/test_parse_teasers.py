"""Teaser lists under an article in eight languages: no comments (issue 16, "Bad input").

Lists of other articles print what a comment run prints, a date or an age and a name-like
line per block over a sentence. Each kind below is one way a news site prints them: headlines
of three to five words in the language's own case, its own date and age formats, with or
without a section heading, line under line or blank-separated. Written here; no bench page.

Known and left: "Anna Berg · 3. März 2024" over a short headline and its teaser reads as a
comment whose first line has no full stop (the two print the same)."""

from __future__ import annotations

import pytest
from test_parse_languages import ARTICLE, LANGS, TITLE, _date

from moderation.parse.text import parse_text

HEAD = {"de": ("Mehr aus der Region", "Von", "Redakteurin"), "fr": ("Sur le même sujet", "Par", "Journaliste"),
        "es": ("Más noticias", "Por", "Periodista"), "it": ("Leggi anche", "Di", "Giornalista"),
        "pt": ("Mais notícias", "Por", "Jornalista"), "nl": ("Meer nieuws", "Door", "Redacteur"),
        "da": ("Flere nyheder", "Af", "Journalist"), "pl": ("Więcej wiadomości", "Autor:", "Dziennikarka")}
HEADLINES = {
    "de": ("Neue Busspur am Bahnhof eröffnet", "Stadtwerke erhöhen die Preise", "Schwimmbad bleibt geschlossen",
           "Polizei sucht Zeugen nach Unfall"),
    "fr": ("Une nouvelle voie de bus ouvre à la gare", "Les prix de l'énergie augmentent", "La piscine reste fermée",
           "La police cherche des témoins"),
    "es": ("Abre un nuevo carril bus en la estación", "Suben los precios de la energía", "La piscina sigue cerrada",
           "La policía busca testigos"),
    "it": ("Apre una nuova corsia bus alla stazione", "Aumentano i prezzi dell'energia", "La piscina resta chiusa",
           "La polizia cerca testimoni"),
    "pt": ("Nova faixa de ônibus abre na estação", "Preços da energia sobem", "Piscina continua fechada",
           "Polícia procura testemunhas"),
    "nl": ("Nieuwe busbaan bij het station geopend", "Energieprijzen stijgen in januari", "Zwembad blijft gesloten",
           "Politie zoekt getuigen"),
    "da": ("Ny busbane åbner ved stationen", "Energipriserne stiger i januar", "Svømmehallen forbliver lukket",
           "Politiet efterlyser vidner"),
    "pl": ("Nowy buspas przy dworcu otwarty", "Ceny energii rosną w styczniu", "Basen pozostaje zamknięty",
           "Policja szuka świadków"),
}
AT = {"de": "um", "fr": "à", "es": "a las", "it": "alle", "pt": "às", "nl": "om", "da": "kl.", "pl": "o"}
PEOPLE = ("Maria Schneider", "Tom Weber", "Lena Fischer", "Jonas Becker")
SECTIONS = ("Politik", "Sport", "Kultur", "Wirtschaft")


def _day(lang: str, k: int) -> str:
    return _date(lang, k).split(f" {AT[lang]} ")[0]  # the date without its time of day


def _teasers(lang: str, kind: str) -> str:
    _head, by, role = HEAD[lang]
    texts, age, titles = LANGS[lang][6], LANGS[lang][5], HEADLINES[lang]
    rows = {
        "title_date_teaser": lambda k: f"{titles[k]}\n{_day(lang, k)}\n{texts[k]}\n",
        "title_byline_teaser": lambda k: f"{titles[k]}\n{by} {PEOPLE[k]} · {_day(lang, k)}\n{texts[k]}\n",
        "title_age": lambda k: f"{titles[k]}\n{age.format(k=k + 2)}\n",
        "title_teaser_age": lambda k: f"{titles[k]}\n{texts[k]}\n{age.format(k=k + 2)}\n",
        "team_bios": lambda k: f"{PEOPLE[k]}\n{role}\n{texts[k]}\n",
        "date_title_teaser": lambda k: f"{_day(lang, k)}\n{titles[k]}\n{texts[k]}\n",
        "author_age_title": lambda k: f"{PEOPLE[k]}\n{age.format(k=k + 2)}\n{titles[k]}\n",
        "title_datetime_teaser": lambda k: f"{titles[k]}\n{_date(lang, k)}\n{texts[k]}\n",
        "datetime_title": lambda k: f"{_date(lang, k)}\n{titles[k]}\n",
        "title_teaser_date": lambda k: f"{titles[k]}\n{texts[k]}\n{_day(lang, k)}\n",
        "title_teaser_byline": lambda k: f"{titles[k]}\n{texts[k]}\n{by} {PEOPLE[k]}, {_day(lang, k)}\n",
        "section_age_title": lambda k: f"{SECTIONS[k]} · {age.format(k=k + 2)}\n{titles[k]}\n{texts[k]}\n",
        "title_by_teaser": lambda k: f"{titles[k]}\n{by} {PEOPLE[k]}\n{texts[k]}\n",
    }[kind]
    return "\n".join(rows(k) for k in range(4))


KINDS = ("title_date_teaser", "title_byline_teaser", "title_age", "title_teaser_age", "team_bios",
         "date_title_teaser", "author_age_title", "title_datetime_teaser",
         "datetime_title", "title_teaser_date", "title_teaser_byline", "section_age_title", "title_by_teaser")


@pytest.mark.parametrize("gap", ["", "\n"], ids=["as-printed", "blank-between"])
@pytest.mark.parametrize("heading", [True, False], ids=["heading", "no-heading"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", list(LANGS))
def test_teaser_lists_give_no_comments(lang: str, kind: str, heading: bool, gap: str) -> None:
    head = HEAD[lang][0] + "\n\n" if heading else ""
    dump = f"{TITLE}\n\n{ARTICLE}{head}{_teasers(lang, kind)}\nImpressum\nKontakt\n"
    if gap:
        dump = dump.replace("\n", "\n\n")
    article = parse_text(dump)
    assert article.comments == ()
    assert "cargo bikes" in (article.body or "")
