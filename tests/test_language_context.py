"""Which model scores a comment: the language check reads only what shows a language, and a text
too short to identify takes the language of the comments scored with it (``routing.decide``).

Real py3langid, no model loaded: ``decide`` is the routing decision RoutedScorer acts on."""

from __future__ import annotations

import pytest

from moderation.scoring import language, routing

OTHERS = frozenset({"de", "da", "pl", "pt", "fr", "es", "it", "nl"})
EN = frozenset({"en"})

FRENCH = [
    "Je ne suis pas du tout d'accord avec cet article, les chiffres sont faux.",
    "Merci pour ce reportage, c'était très intéressant à lire ce matin.",
    "Le maire aurait dû consulter les habitants avant de lancer ce chantier.",
    "Encore une fois, les journalistes oublient de parler des vrais problèmes.",
    "On attend toujours la suite de l'enquête, c'est long.",
    "Bravo aux bénévoles qui ont organisé la fête du quartier samedi dernier.",
    "Les prix de l'essence n'arrêtent pas de monter, c'est insupportable.",
    "Qui va payer pour tout ça ? Nous, comme d'habitude.",
]
DANISH = [
    "Jeg er helt enig med dig, det er en rigtig god pointe.",
    "Det her er jo fuldstændig vanvittigt, hvad laver politikerne?",
    "Tak for en god artikel, den var spændende at læse.",
    "Hvorfor skal vi altid betale for de andres fejl?",
    "Jeg synes ikke, at kommunen har gjort nok for de ældre.",
    "Det er da en dårlig idé at lukke skolen nu.",
]
ENGLISH = [
    "I completely disagree with the author of this piece.",
    "Thanks for writing this, it was a great read.",
    "The council should have asked the residents first.",
    "Where is the follow-up on the investigation?",
    "Who is going to pay for all of this? We are, as usual.",
]


@pytest.mark.parametrize("raw, shown", [
    ("@user parabéns flor https://t.co/x1", "parabéns flor"),
    ("RT @anonymized_account Dziękuję bardzo", "Dziękuję bardzo"),
    ("#Wahlkampf ist vorbei", "Wahlkampf ist vorbei"),
    ("I love www.example.com/page a lot", "I love a lot"),
    ("POLSKOŚĆ TO NIE NORMALNOŚĆ", "polskość to nie normalność"),
    ("NATO and the EU", "NATO and the EU"),  # a few capitals are not shouting
    ("@user", "@user"),  # nothing else left: the text as it was
    ("ＦＵＬＬ width", "FULL width"),
])
def test_identifiable_keeps_only_what_shows_a_language(raw: str, shown: str) -> None:
    assert " ".join(language.identifiable(raw).split()) == shown


def test_handles_and_links_no_longer_make_a_polish_comment_english() -> None:
    handles = "@anonymized_account @anonymized_account A ty jesteś ruskim trollem, vice versa"
    shouted = ("RT @anonymized_account POLSKOŚĆ TO NIE NORMALNOŚĆ. PAMIĘTA PAN! "
               "PRZECIWNICY TO BOLSZEWICY.")
    assert routing.decide([handles, shouted], EN, OTHERS) == [("pl", True)] * 2
    # before: the handles' Latin letters and the capitals made both English
    assert [language.check(t, EN) for t in (handles, shouted)] == [("pl", False)] * 2


@pytest.mark.parametrize("short", ["@Julien t'es nul", "sale type", "bien dit !", "lol",
                                   "n'importe quoi"])
def test_a_short_comment_among_french_ones_is_scored_as_french(short: str) -> None:
    assert routing.decide(FRENCH + [short], EN, OTHERS)[-1] == ("fr", True)
    # alone, or with context switched off, it stays where it went before
    alone = routing.decide([short], EN, OTHERS)[0]
    assert alone != ("fr", True)
    assert routing.decide(FRENCH + [short], EN, OTHERS, context=False)[-1] == alone


def test_context_never_moves_a_comment_that_shows_its_own_language() -> None:
    english = "This is just wrong, and you know it."
    assert routing.decide(FRENCH + [english], EN, OTHERS)[-1] == ("en", False)
    swedish = "Jag har lite svårt att förstå vad du säger, men jag håller inte med dig alls."
    # Swedish is covered by no model: it still goes to review, not to the Danish head
    assert routing.decide(DANISH + [swedish], EN, OTHERS)[-1] == ("sv", False)
    # the French ones themselves are French with or without context
    assert routing.decide(FRENCH, EN, OTHERS) == [("fr", True)] * len(FRENCH)


def test_a_neighbour_nothing_covers_takes_the_language_it_is_close_to() -> None:
    # py3langid's best guess is Norwegian (0.59), Danish second (0.35); among Danish comments
    # it is Danish
    text = "Vi må da sige, han går da all in når man skal tale om det"
    assert routing.decide([text], EN, OTHERS) == [("no", False)]
    assert routing.decide(DANISH + [text], EN, OTHERS)[-1] == ("da", True)


def test_no_context_from_english_calls_mixed_calls_or_too_few_texts() -> None:
    assert routing.decide(ENGLISH + ["sale type", "lol"], EN, OTHERS)[-2:] == [(None, False)] * 2
    assert routing.decide(FRENCH[:4] + ENGLISH[:4] + ["lol"], EN, OTHERS)[-1] == (None, False)
    few = FRENCH[:routing.CONTEXT_MIN - 1] + ["lol"]
    assert routing.decide(few, EN, OTHERS)[-1] == (None, False)


def test_empty_and_non_text_rows_stay_with_the_primary_whatever_the_context() -> None:
    got = routing.decide(FRENCH + ["", "   ", None], EN, OTHERS)
    assert got[-3:] == [("", False)] * 3


def test_a_stated_language_is_taken_as_stated_and_context_does_not_override_it() -> None:
    assert routing.decide(["lol"], EN, OTHERS, hints=["de"]) == [("de", True)]
    assert routing.decide(["lol"], EN, OTHERS, hints=["en"]) == [("en", False)]
    # a language no model covers is not taken: the text is identified as usual
    assert routing.decide(["lol"], EN, OTHERS, hints=["sv"]) == [(None, False)]
    got = routing.decide(FRENCH + ["lol", "ok merci"], EN, OTHERS,
                         hints=[None] * len(FRENCH) + ["en", None])
    assert got[-2:] == [("en", False), ("fr", True)]


GERMAN = ("Ich finde, die Stadt hätte die Anwohner viel früher fragen müssen. "
          "Wer soll das alles bezahlen? Wir natürlich, wie immer in diesem Land.")
ENGLISH_PART = ("I honestly think the council should have asked the residents much earlier. "
                "Who is going to pay for all of this in the end?")


def test_a_comment_in_two_languages_is_told_and_one_language_is_not() -> None:
    assert set(language.mixed(GERMAN + "\n" + ENGLISH_PART) or ()) == {"en", "de"}
    assert set(language.mixed(ENGLISH_PART + " " + GERMAN) or ()) == {"en", "de"}
    for one in (GERMAN, ENGLISH_PART, " ".join(FRENCH), " ".join(DANISH), " ".join(ENGLISH)):
        assert language.mixed(one) is None, one
    # a short quote in another language is not a second language
    assert language.mixed(GERMAN + ' Er sagte nur: "Yes we can."') is None
    # too short to hold two languages
    assert language.mixed("Danke! Thank you!") is None


def test_the_configured_language_stands_in_when_the_call_shows_none() -> None:
    # alone, with the server's context switched off, or among too few comments
    assert routing.decide(["lol"], EN, OTHERS, default="de") == [("de", True)]
    assert routing.decide(["Depp!"], EN, OTHERS, context=False, default="de") == [("de", True)]
    assert routing.decide(FRENCH[:2] + ["lol"], EN, OTHERS, default="de")[-1] == ("de", True)
    # a comment that shows its language keeps it
    assert routing.decide([ENGLISH[0]], EN, OTHERS, default="de") == [("en", False)]
    assert routing.decide([FRENCH[0]], EN, OTHERS, default="de") == [("fr", True)]
    # a call clearly in a language of its own wins, English included
    assert routing.decide(FRENCH + ["lol"], EN, OTHERS, default="de")[-1] == ("fr", True)
    assert routing.decide(ENGLISH + ["lol"], EN, OTHERS, default="de")[-1] == (None, False)
    # a configured English changes nothing
    assert routing.decide(["lol"], EN, OTHERS, default="en") == [(None, False)]
