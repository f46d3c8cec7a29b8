"""Recognise comment-widget chrome, comment metadata and page boilerplate lines, fuzzily."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

from moderation.parse.dates import calendar_months, calendar_words
from moderation.parse.phrases import SECTION_HEADINGS, WIDGET_PHRASES, ZONE_PHRASES

# Prompts of wpDiscuz add-ons and common comment forms that the phrase table lacks.
_EXTRA_PHRASES = frozenset({
    "möchtest du eigene bilder anhängen", "möchtest du videos oder musik anhängen",
    "kommentare abonnieren", "bitte loggen sie sich ein", "liebe leser",
    "want to attach images", "want to attach videos or music", "subscribe to comments",
    # wpDiscuz 5 thread statistics, English and German.
    "comment threads", "thread replies", "followers", "comment authors", "recent comment authors",
    "kommentar themen", "themen antworten", "follower", "kommentatoren",
    "letzte kommentartoren", "kommentar auf das am meisten reagiert wurde",
    "benachrichtige mich zu", "article rating", "artikel bewertung",
    # recipe-plugin rating widgets inside comment forms
    "rate this recipe", "recipe rating", "comment rating", "rezept bewerten",
})
WIDGET_PHRASES = WIDGET_PHRASES | _EXTRA_PHRASES
_SINGLE_WORDS = frozenset(p for p in WIDGET_PHRASES if " " not in p)
_FIRST_WORDS = frozenset(p.split()[0] for p in WIDGET_PHRASES)
_PHRASE_WORDS = frozenset(w for p in WIDGET_PHRASES for w in p.split())
# Vote, reply and moderation action words that themes put next to each comment.
_ACTION_WORDS = frozenset("""
daumen hoch runter thumbs up down like likes liked dislike dislikes vote votes voted upvote
downvote report flag permalink link log in to reply replies antworten antwort quote edit delete
melden zitieren permalink responder répondre rispondi beantwoorden reageren odpowiedz ответить
cancel abbrechen loading more show hide view replies helpful points point score sort sorted by
sortiert nach best top new old newest oldest popular neueste neuste älteste beste bewertung
bewertet älteste
""".split())  # noqa: SIM905 - a word list reads better as text
_TIME_WORDS = frozenset("""
ago second seconds minute minutes min mins hour hours hr hrs day days week weeks month months
std stdn tg h godz sek sec secs wk wks yr yrs
year years vor sekunde sekunden minute minuten stunde stunden tag tagen tage woche wochen monat
monaten monate jahr jahren jahre il y a ans an mois jours jour heures heure hace años año meses
mes días día horas hora fa anni anno mesi giorni ore geleden jaar maanden dagen uur just now
gerade eben zuvor her seit
semaine semaines minutes semana semanas minutos settimana settimane minuti week weken minuut
sedan för dagar dag timmar timme minuter månader månad veckor vecka siden dage døgn timer time
minutter måneder måned uger uge dager uker temu dni dzień godzin godziny godzinę minut tygodnie
tygodni miesięcy miesiące lat rok há atrás dias semanas anos ano for
""".split())  # noqa: SIM905 - a word list reads better as text
# Relative days, and the small words of "a year ago", "an hour ago", "Yesterday at 10:22".
_DAY_WORDS = frozenset("""
yesterday today gestern heute vorgestern aujourd hui ayer hoy anteayer ieri oggi gisteren
vandaag eergisteren igår idag wczoraj dzisiaj ontem hoje
""".split())  # noqa: SIM905 - a word list reads better as text
_ARTICLE_WORDS = frozenset({"a", "an", "one", "ein", "einer", "einem", "einen", "une", "un", "uno",
                            "una", "um", "uma", "en", "ett"})
_AGO_WORDS = frozenset({"ago", "vor", "hace", "fa", "geleden", "siden", "sedan", "temu", "há",
                        "atrás", "zuvor"})
_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|"
    "july|august|september|october|november|december|januar|jänner|februar|märz|mai|juni|juli|"
    "oktober|dezember|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|"
    "décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|"
    "diciembre|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|"
    "januari|februari|maart|mei|augustus|oktober|janeiro|fevereiro|março|maio|junho|julho|"
    "setembro|outubro|novembro|dezembro|"
    # Danish, Norwegian, Swedish; Polish (genitive, as dates use them, and nominative); Czech
    "marts|maj|augusti|stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|września|"
    "października|listopada|grudnia|styczeń|luty|marzec|kwiecień|czerwiec|lipiec|sierpień|"
    "wrzesień|październik|listopad|grudzień|ledna|února|března|dubna|května|června|července|"
    "srpna|září|října|listopadu|prosince"
)
_DATE_TOKEN = re.compile(
    rf"(?i)\b(?:{_MONTHS})\b\.?|\b\d{{1,2}}(?:st|nd|rd|th)\b|\b\d{{1,4}}(?:[./:h-]\d{{1,4}}){{0,2}}\b\.?|"
    r"\b(?:at|um|am|pm|uhr|à|às|a las|alle|om|kl|klo|o|godz|de|del|of|on|le|el|the|st|nd|rd|th|"
    r"h|min|utc|gmt)\b"
)
# Every letter run the two patterns below can remove, for a quick refusal before them.
_DAY_PREFIXES = frozenset({"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
_DATE_WORDS = frozenset(_MONTHS.split("|")) | frozenset("""
at um am pm uhr à às a las alle om kl klo o godz de del of on le el the st nd rd th h min utc gmt
montag dienstag mittwoch donnerstag freitag samstag sonntag yesterday today gestern heute
aujourd hui ayer hoy ieri oggi gisteren vandaag igår idag wczoraj dzisiaj ontem hoje
""".split())  # noqa: SIM905 - a word list reads better as text
_DAY_NAMES = re.compile(
    r"(?i)\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|\b(?:montag|dienstag|mittwoch|donnerstag|"
    r"freitag|samstag|sonntag)\b|\b(?:yesterday|today|gestern|heute|aujourd'hui|ayer|hoy|"
    r"ieri|oggi|gisteren|vandaag|igår|idag|wczoraj|dzisiaj|ontem|hoje)\b"
)
# "Name says:" in the languages of the phrase tables (WordPress' translated comment templates).
SAYS_VERBS = (r"(?:says|said|wrote|sagt|meint|schreibt|schrieb|dit|a écrit|dice|escribió|scrive|"
              r"ha detto|ha scritto|zegt|schreef|skriver|skrev|siger|sier|säger|disse|escreveu|"
              r"diz|napisał|napisała|pisze|píše|napsal|kirjoitti|yazdı)")
_ZONE_COUNT = re.compile(
    r"(?i)(?:^|\D)\d[\d.,]*\s*(?:comments?|responses?|thoughts|replies|kommentare?|"
    r"commentaires?|coment[aá]rios?|commenti|commento|reacties|reactie|komentarz\w*|"
    r"коммент\w*|yorum\w*|ergänzungen|reaktionen|beiträge|réactions|risposte|respuestas)\b|\b(?:comments?|kommentare?|commentaires?|coment[aá]rios?)\s*\(\s*\d+"
    r"|\bthis post has \d+ comments?\b"
    # the number after the word, alone at the end: "All Comments 4", "Kommentare [12]"
    r"|\b(?:comments?|kommentare?|commentaires?|coment[aá]rios?|commenti|reacties|responses?|"
    r"replies|reacciones|reações|komentarze)\s*[(\[]?\s*\d[\d.,]*\s*[)\]]?\s*$"
)
_ZONE_TEXT = re.compile(
    r"(?i)^(?:leave a (?:reply|comment|response)|add a comment|post a comment|"
    r"join the (?:discussion|conversation)|hinterlasse einen kommentar|"
    r"schreibe einen kommentar|kommentar (?:schreiben|verfassen)|laisser un commentaire|"
    r"laisser une réponse|deja un comentario|deja una respuesta|lascia un commento|"
    r"laat een reactie achter|deixe um comentário|comments are closed|"
    r"kommentare sind geschlossen|\d+\s+thoughts on\b|\d+\s+responses to\b|"
    r"\d+\s+(?:comments?|replies) (?:on|to)\b|comments?\s*:?$|kommentare\s*:?$|"
    # WordPress' "N thoughts on “Title”" as its core themes translate it
    r"(?:(?:\d+|one|ein|eine|une|un|uno|una|een|én|et|ett|jedna|um|uma)\s+(?:thoughts?|gedanken?|"
    r"réflexions?|reflexiones?|pensieri|pensiero|gedachten?|tanker?|tankar|pensamentos?|"
    r"myśli)\s+(?:on|zu|sur|sobre|su|over|om|o)|"
    r"\d+\s+(?:antworten|réponses|respostas|risposte|svar|odpowiedzi)\s+(?:auf|à|para|a|till|på|na))"
    r"\s*[„“”\"«‘’'‚])"  # then the post's title in quotes: never an article's own subheading
)
_ZONE_END = re.compile(
    r"(?i)^(?:would love your thoughts|your email address will not be published|"
    r"deine e-mail-adresse wird nicht veröffentlicht|ihre e-mail-adresse wird nicht|"
    r"required fields are marked|leave a (?:reply|comment|response)|comments are closed|"
    r"mit einem freund teilen|notify me of (?:new|follow-up)|post comment$|"
    r"mit dem von dir abgeschickten kommentar|by commenting|you must be logged in|"
    r"sie müssen angemeldet sein|never miss a post|back to top$|powered by\b|"
    r"click here to cancel reply|cancel reply$|subscribe to comments|"
    r"wir freuen uns auf deine anmerkungen|copyright\b|©|save my name,? e-?mail|"
    r"meinen namen,? (?:meine )?e-mail|enregistrer mon nom|guardar mi nombre|"
    # the reply form's notices as WordPress' translations print them (an empty comment
    # section is often only this form: nothing after them is a comment)
    r"votre adresse (?:e-)?mail ne sera pas publiée|tu dirección de correo electrónico no será|"
    r"il tuo indirizzo (?:e-)?mail non sarà pubblicato|o seu endereço de e-?mail não será|"
    r"seu endereço de e-?mail não será|je e-?mailadres wordt niet gepubliceerd|"
    r"din e-?postadress kommer inte|din e-?mailadresse vil ikke|din e-?postadresse vil ikke|"
    r"twój adres e-?mail nie zostanie|erforderliche felder sind|les champs obligatoires|"
    r"los campos obligatorios|i campi obbligatori|campos obrigatórios|vereiste velden|"
    r"obligatoriska fält|krævede felter|påkrevde felt|wymagane pola|salva il mio nome|"
    r"salvar meus dados|guardar o meu nome|mijn naam, e-?mail|spara mitt namn|gem mit navn|"
    r"lagre mitt navn|zapisz moje dane|antworten abbrechen|annuler la réponse|"
    r"cancelar (?:la )?respuesta|annulla (?:la )?risposta|cancelar resposta|reactie annuleren|"
    r"avbryt svar|annuller svar|anuluj pisanie odpowiedzi|les commentaires sont fermés|"
    r"los comentarios están cerrados|i commenti sono chiusi|(?:os )?comentários (?:estão )?"
    r"encerrados|reacties zijn gesloten|kommentarer är stängda|kommentarer er lukket)"
)
_NO_COMMENTS = re.compile(
    r"(?i)\b(?:there are no (?:\w+ )?comments yet|no comments yet|be the first to comment|"
    r"noch keine kommentare|aucun commentaire|no hay comentarios|"
    r"be the first to add your thoughts|hinterlassen sie den ersten kommentar)\b"
)
_BOILERPLATE = re.compile(
    r"(?i)^(?:support\s+\S+(?:\s+\S+)?!?$|(?:illustrative|featured|file|stock|lead|header)\s+"
    r"(?:image|photo|picture|foto|bild)\b|see also:|read (?:more|also):|related(?: posts?| "
    r"articles?)?:|also read:|recommended:|your browser (?:doesn.?t|does not) support|"
    r"this video (?:is|cannot|can.?t)|[\d.,\s]+[$€£]$|[$€£]\s*[\d.,]+$|"
    r"(?:share|teilen|partager|compartir)(?: this| on| via| the| article| post)*\s*:?$|"
    r"spread the (?:news|word)|(?:subscribe|sign up)\b.{0,60}$|follow us\b|"
    r"(?:photo|image|bild|foto|credit|source|quelle|titelbild|beitragsbild|bildquelle|"
    r"cover image|header image|image credit|photo credit)s?\s*[:(]|"
    r"print(?: recipe)?(?: rate)?$|"
    r"rezept drucken|back to top$|powered by\b|advertisement$|anzeige$|"
    r"(?:click|tap) (?:here )?to (?:share|print|email)|donate\b|"
    r"latest posts by\b|you are here:|home\s*[>»›]|skip to (?:content|main)|©.{0,80}$)"
)
_TIME_OR_YEAR = re.compile(r"\d{1,2}:\d{2}|\d{4}")
_CLOCK_OR_DATE = re.compile(r"(?<!\d)\d{1,2}\s?[:h]\s?\d{2}(?!\d)|(?<!\d)\d{1,2}\s?([./-])\s?\d{1,2}"
                            r"\s?\1\s?(?:\d{4}|\d{2})(?!\d)|(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")
_DAY_NUMBER = re.compile(r"(?<!\d)(?:0?[1-9]|[12]\d|3[01])(?!\d)")
_WORD_RUN = re.compile(r"\w+")
_MONTH_WORDS = frozenset(_MONTHS.split("|"))


def _dateish(line: str) -> bool:
    """A time, a year or a month name somewhere in the line. (One regex alternating over
    every month name cost about 17 us a line; a set lookup per word costs a fraction.)"""
    return _TIME_OR_YEAR.search(line) is not None or any(
        w in _MONTH_WORDS for w in _WORD_RUN.findall(line.lower()))
_PAGE_END = frozenset({
    "recent posts", "recent comments", "archives", "categories", "related posts",
    "popular posts", "you may also like", "you might also like", "more stories",
    "neueste beiträge", "neueste kommentare", "archiv", "kategorien", "ähnliche beiträge",
    "articles récents", "commentaires récents", "entradas recientes", "comentarios recientes",
    "articoli recenti", "commenti recenti",
    # related-article boxes under the article (no comment comes after one in its region)
    "related articles", "more from this author", "mehr zum thema", "das könnte sie auch interessieren",
    "auch interessant", "ähnliche artikel", "weitere artikel", "verwandte artikel",
    "lesen sie auch", "meistgelesen", "meistgelesene artikel", "à lire aussi", "lire aussi",
    "sur le même sujet", "articles similaires", "te puede interesar", "artículos relacionados",
    "noticias relacionadas", "potrebbe interessarti anche", "articoli correlati", "leggi anche",
    "leia também", "artigos relacionados", "gerelateerde artikelen", "lees ook",
    "relaterede artikler", "læs også", "relaterade artiklar", "läs också", "czytaj także",
    "czytaj też", "powiązane artykuły",
})
_WORD = re.compile(r"\w{2,}")
_NON_LETTERS = re.compile(r"[\W\d_]+")
_CAMEL_JOIN = re.compile(r"(?<=[a-zäöüéèàß])(?=[A-ZÄÖÜ])")
_CAMEL_PAIR = re.compile(r"[a-zäöüéèàß][A-ZÄÖÜ]")
_TRAILING_CREDIT = re.compile(r"(?i)\((?:photo|image|foto|bild|credit)s?:[^)]*\)\s*$")


@lru_cache(maxsize=8192)
def normalize(line: str) -> str:
    """Lower-case letters-only form used for phrase matching (digits and symbols dropped)."""
    # "NewestMost Voted": themes glue buttons together; split at a lower-to-upper join.
    # (the look-behind pattern tests every position: a plain search finds the rare join first)
    text = _CAMEL_JOIN.sub(" ", line) if _CAMEL_PAIR.search(line) else line
    if text.isascii():
        # the same as the regex below, for ASCII: every non-letter a separator
        return " ".join(text.lower().translate(_ASCII_NON_LETTERS).split())
    text = unicodedata.normalize("NFKC", text)
    return _NON_LETTERS.sub(" ", text.lower()).strip()


_ASCII_NON_LETTERS = {c: " " for c in range(128) if not chr(c).isalpha()}


def _split_into_phrases(words: list[str]) -> bool:
    """True when the words are a run of widget phrases ("Newest Most Voted")."""
    if words[0] not in _FIRST_WORDS or not all(w in _PHRASE_WORDS for w in words):
        return False  # most lines fail here without building a single candidate
    n = len(words)
    ok = [False] * (n + 1)
    ok[0] = True
    for end in range(1, n + 1):
        for start in range(max(0, end - 8), end):
            if ok[start] and " ".join(words[start:end]) in WIDGET_PHRASES:
                ok[end] = True
                break
    return ok[n]


def _index(phrases: frozenset[str]) -> dict[str, list[str]]:
    """Phrases by their first and last three letters: fuzzy candidates share one end."""
    index: dict[str, list[str]] = {}
    for p in phrases:
        if len(p) >= 6:
            index.setdefault(p[:3], []).append(p)
            index.setdefault("$" + p[-3:], []).append(p)
    return index


_WIDGET_INDEX = _index(WIDGET_PHRASES)
_ZONE_INDEX = _index(ZONE_PHRASES)


def _fuzzy(norm: str, index: dict[str, list[str]], cutoff: float) -> bool:
    """An edited phrase: same start or end, similar length, close by edit ratio."""
    if not 6 <= len(norm) <= 70:
        return False
    for phrase in index.get(norm[:3], []) + index.get("$" + norm[-3:], []):
        if abs(len(phrase) - len(norm)) > max(3, len(phrase) // 5):
            continue
        matcher = _MATCHERS.get(phrase)
        if matcher is None:  # the phrase's side is indexed once (difflib's b2j), not per line
            matcher = _MATCHERS[phrase] = SequenceMatcher(None, "", phrase, autojunk=False)
        matcher.set_seq1(norm)
        if matcher.quick_ratio() >= cutoff and matcher.ratio() >= cutoff:
            return True
    return False


_MATCHERS: dict[str, SequenceMatcher] = {}


@lru_cache(maxsize=4096)
def is_widget_line(line: str) -> bool:
    """A line of comment-widget interface text (buttons, sorting, counters, prompts)."""
    if len(line) > 120 or line.count(" ") > 16:
        return False
    norm = normalize(line)
    if not norm:
        # counters and separators ("0", "+3", "|"), but not emoji or symbols a reader typed
        stripped = line.strip()
        return bool(stripped) and all(
            ch.isdigit() or ch.isspace() or unicodedata.category(ch)[0] == "P"
            or unicodedata.category(ch) in ("Sm", "Sc") for ch in stripped)
    if len(norm) > 90:
        return False
    if norm in WIDGET_PHRASES:
        return True
    words = norm.split()
    if all(w in _SINGLE_WORDS or w in _ACTION_WORDS for w in words):
        return True
    if len(words) <= 12 and _split_into_phrases(words):
        return True
    if words[:2] in (["reply", "to"], ["antwort", "an"], ["in", "reply"], ["replying", "to"],
                     ["antwort", "auf"], ["réponse", "à"], ["respuesta", "a"], ["risposta", "a"],
                     ["resposta", "a"], ["reactie", "op"], ["svar", "til"], ["svar", "till"],
                     ["odpowiedź", "na"], ["en", "réponse"]):
        return len(words) <= 8
    return _fuzzy(norm, _WIDGET_INDEX, 0.85)


@lru_cache(maxsize=4096)
def is_date_line(line: str) -> bool:
    """A line holding only a date, a time, or a relative age ("3 years ago")."""
    stripped = line.strip()
    if not stripped or len(stripped) > 60:
        return False
    has_digit = any(map(str.isdigit, stripped))
    words = normalize(stripped).split()
    if not has_digit:  # "a year ago", "vor einer Woche", "Yesterday"
        return bool(words) and len(words) <= 5 and all(
            w in _TIME_WORDS or w in _DAY_WORDS or w in _ARTICLE_WORDS for w in words) and (
            all(w in _DAY_WORDS for w in words) or any(w in _AGO_WORDS for w in words))
    if words and all(w in _TIME_WORDS for w in words):
        return True
    other = False  # a weekday, month or small word of a date in another language
    for w in _NON_LETTERS.split(stripped.lower()):
        if len(w) > 1 and w not in _DATE_WORDS and w[:3] not in _DAY_PREFIXES:
            if w not in calendar_words():
                return False  # a word no date has (the patterns below would keep it too)
            other = True
    rest = _DATE_TOKEN.sub(" ", _DAY_NAMES.sub(" ", stripped))
    if not other:
        return not _WORD.search(rest) and _dateish(stripped)
    # Those words count only beside a full date or a time of day ("Mo, 3.3.2024 - 14:25",
    # "ma 4 mrt 2024", "pon., 4 marca 2024"): many are short ("so", "do", "we", "out"), and a
    # bare year after them ("So 2024") is no date.
    if any(not (w.isalpha() and w.lower() in calendar_words()) for w in _WORD.findall(rest)):
        return False
    return _CLOCK_OR_DATE.search(stripped) is not None or (
        _DAY_NUMBER.search(stripped) is not None
        and any(w in calendar_months() or w in _MONTH_WORDS
                for w in _NON_LETTERS.split(stripped.lower())))


_DIGIT = re.compile(r"\d")
# "Kommentar Nr. 3 von Anna Berg", "Comment #3 by Anna": a comment's number, then its author.
NUMBERED_BY = re.compile(
    r"^(?i:kommentar|comment|commentaire|comentario|comentário|commento|reactie|komentarz|"
    r"antwort|reply|réponse|respuesta|risposta|resposta|beitrag)\s*(?i:nr\.?|no\.?|n°|nº|#)?"
    r"\s*\d{1,5}\s*[.:]?\s+(?i:von|by|de|di|van|od|fra|af|door|przez|from)\s+(?=\S)")
_INITIAL = re.compile(r"^[^\W\d_]\.,?$")
_INITIAL_END = re.compile(r"\s([^\W\d_])\.$")


_NAME_NOTE = re.compile(r"(?<=\S)\s*\([^\W\d_][^()]{0,24}\)$")


def without_name_note(line: str) -> str:
    """The line less a short note in brackets at its end, as sites print after a commenter's
    name ("Anna Berg (Gast)", "Anonymous (not verified)")."""
    return _NAME_NOTE.sub("", line)


def ends_in_initial(text: str) -> bool:
    """The text ends in a word's initial ("Peter M.", "Tomasz Ł."): a name whose surname was
    cut, not a sentence, though it ends in a full stop. (Initials are capitals.)"""
    m = _INITIAL_END.search(text)
    return m is not None and m.group(1).isupper()
_WROTE = re.compile(rf"(?i)\s+{SAYS_VERBS}$")
_BY_WORDS = frozenset({"by", "von", "par", "de", "por", "di", "da", "van", "door", "fra", "af",
                       "av", "od", "przez", "from"})
_NEVER_PARTICLE = frozenset({"by", "par", "por", "door", "fra", "af", "av", "od", "przez", "from"})
_BY = re.compile(
    r"^((?i:kommentar|comment|commentaire|comentario|commento|comentário|reactie|komentarz|"
    r"antwort|reply|réponse|respuesta|beitrag|post|posted|written|verfasst|geschrieben|"
    r"publié|publicado|pubblicato|geplaatst|skrevet|napisany|submitted|gespeichert|eingestellt|"
    r"erstellt|envoyé|inviato|enviado|ingezonden|indsendt|wysłany)\s+)?"
    r"((?i:by|von|par|de|por|di|da|van|door|fra|af|av|od|przez|from))\s+")
_DATE_PREPOSITIONS = frozenset({"am", "um", "vom", "le", "el", "il", "em", "op", "den", "on", "at",
                                "de", "du", "à", "a", "o", "w", "dne", "kl", "da", "del"})
_AGE_WORD = re.compile(r"(?i)\b(?:" + "|".join(sorted(_AGO_WORDS)) + r"|il y a)\b")


@lru_cache(maxsize=4096)
def split_author_date(line: str) -> tuple[str, str] | None:
    """Split "Name June 28, 2015 at 10:25 pm" into (name, date) when the tail is a date."""
    if len(line) > 100:
        return None
    if not _dateish(line) and not (_DIGIT.search(line) and _AGE_WORD.search(line)):
        return None  # neither a date nor an age: "Anna · vor 2 Stunden", "il y a 3 heures"
    line = line.strip().rstrip(":")  # "Anna Berg schrieb am 3. March 2024:"
    words = line.split()
    if len(words) > 16:
        return None  # a sentence that mentions a date, not a byline
    return _name_first(line, words) or date_then_name(line)


def _name_first(line: str, words: list[str]) -> tuple[str, str] | None:
    for cut in range(1, min(len(words), 7)):
        head = " ".join(words[:cut])
        if any(map(str.isdigit, head)):
            return None  # the date starts earlier: no name before it
        if _INITIAL.match(words[cut]):
            continue  # "Tomasz K. 4. März 2024": the initial is the name's
        tail = " ".join(words[cut:])
        if is_date_line(tail):
            if is_date_line(line):
                return None  # a date alone ("il y a 3 heures" has no author "il")
            head = head.rstrip(" ,|-–·")
            last = head.rsplit(" ", 1)
            if len(last) == 2 and last[1] in _DATE_PREPOSITIONS:
                head = last[0].rstrip(" ,|-–·")  # "Anna Berg am 3. März": "am" is the date's
            head = _WROTE.sub("", head)  # "Anna Berg schrieb", "Anna a écrit"
            by = _BY.match(head)  # "Kommentar von Anna Berg", "Posted by Anna"
            if by and by.end() < len(head) and (by.group(1) or by.group(2).islower()
                                                 or by.group(2).lower() in _NEVER_PARTICLE):
                head = head[by.end():]  # (but "Da Silva", "Van Dijk" are names)
            if head.lower() in _BY_WORDS:
                return None
            if not head.strip(" ,|-–·»«"):
                return None
            tail = tail.lstrip(" ,|-–—·•»")
            first = tail.split(" ", 1)
            if len(first) == 2 and first[0].lower() in _DATE_PREPOSITIONS \
                    and is_date_line(first[1]):
                tail = first[1]  # "Anna Berg am Mo., 04.03.2024": the date without its "am"
            return head.strip(" ,|-–·»«"), tail
    return None


# The date first, then the name after a separator or "von"/"by" ("04.03.2024 | 14:25 Uhr |
# Anna Berg", "Am 4. März 2024 um 14:25 Uhr von Anna Berg"): the last separator splits.
_NAME_AFTER = re.compile(r"^(.*\S)\s+([|·•–—-]|(?i:von|by|par|de|por|di|da|door|fra|af|av|od|"
                         r"przez|from))\s+(\S.*)$")
_HANDLE = re.compile(r"^[^\W\d_]{2,}(?:_[^\W_]+|\d{2,})+$")


def date_then_name(line: str) -> tuple[str, str] | None:
    """(name, date) of a byline that prints the date first, else None."""
    m = _NAME_AFTER.match(line)
    if not m:
        return None
    date, sep, name = m.group(1).rstrip(" ,|·•–—-"), m.group(2), m.group(3).strip(" ,|·•–—-»«")
    tokens = name.split()
    if not 1 <= len(tokens) <= 4 or ":" in name or not is_date_line(date):
        return None
    if _HANDLE.match(name):
        return name, date  # "jens1987", "marco_b"
    if any(map(str.isdigit, name)) or not name[0].isupper():
        return None
    # after a bare separator one capitalised word is as often a section ("| Politik") as a
    # name: two words, or the "von"/"by" that says a name follows
    return (name, date) if len(tokens) >= 2 or sep[0].isalpha() else None


@lru_cache(maxsize=4096)
def is_meta_line(line: str) -> bool:
    """Per-comment metadata or widget chrome: never comment text."""
    return is_widget_line(line) or is_date_line(line)


@lru_cache(maxsize=4096)
def is_zone_start(line: str) -> bool:
    """A line that opens a comment section (heading, counter, widget header, reply prompt)."""
    stripped = line.strip()
    if not stripped or len(stripped) > 120:
        return False
    norm = normalize(stripped)
    if norm in ZONE_PHRASES or norm in SECTION_HEADINGS or _ZONE_TEXT.search(stripped):
        return True
    # a counter is a short label ("24 comments"), not a sentence that mentions comments
    if len(stripped) <= 60 and not stripped.endswith((".", "!", "?")) \
            and any(map(str.isdigit, stripped)) and _ZONE_COUNT.search(stripped):
        return True
    return len(norm) <= 40 and _fuzzy(norm, _ZONE_INDEX, 0.88)


@lru_cache(maxsize=4096)
def is_page_end(line: str) -> bool:
    """A sidebar or footer heading ("Recent Posts", "Archives"): the main content is over."""
    norm = normalize(line)
    return len(norm) <= 40 and norm in _PAGE_END


def is_counter(line: str) -> bool:
    """A bare comment counter ("91 Ergänzungen", "12 Comments")."""
    stripped = line.strip()
    return len(stripped) <= 60 and bool(_ZONE_COUNT.search(stripped))


@lru_cache(maxsize=4096)
def is_zone_end(line: str) -> bool:
    """A line after which no more comments follow (reply form, share box, page footer)."""
    return bool(_ZONE_END.search(line.strip()))


@lru_cache(maxsize=4096)
def says_no_comments(line: str) -> bool:
    """The widget's "no comments yet / be the first" notice."""
    low = line.lower()
    if not any(k in low for k in ("comment", "coment", "kommentar", "thoughts")):
        return False  # every notice names comments: skip the regex for ordinary lines
    return bool(_NO_COMMENTS.search(line))


@lru_cache(maxsize=4096)
def is_boilerplate(line: str) -> bool:
    """Page boilerplate that is neither article body nor comment (donations, captions, share)."""
    stripped = line.strip()
    if len(stripped) > 220:  # longer than any boilerplate pattern can match: only a credit
        return "(" in stripped and bool(_TRAILING_CREDIT.search(stripped))
    return bool(_BOILERPLATE.search(stripped) or _subscription_pitch(stripped)
                or ("(" in stripped and _TRAILING_CREDIT.search(stripped)))


_PITCH = "subscription today"


def _subscription_pitch(line: str) -> bool:
    """"... start your subscription today." closing a line (a word of its own, within 160
    characters of the start). As one more alternative of _BOILERPLATE, its ``.{0,160}``
    tried every length on every line and tripled that pattern's cost."""
    low = line.lower()
    low = low.removesuffix(".")
    k = len(low) - len(_PITCH)
    return low.endswith(_PITCH) and k <= 160 and (k == 0 or not (low[k - 1].isalnum()
                                                               or low[k - 1] == "_"))


_NOTICE_COMMENT = re.compile(
    r"(?i)\b(?:kommentar\w*|comments?|commenting|commentaires?|comentarios?|comentários?|"
    r"comment(?:i|o)|reacties?|komentarz\w*|kommentarer)\b")
_NOTICE_ADDRESS = re.compile(
    r"(?i)\b(?:liebe leser\w*|dear readers?|chers lecteurs|queridos lectores|cari lettori|"
    r"netiquette|guidelines|community rules|richtlinien|regeln|règles|charte|normas|regole|"
    r"regras|huisregels|regulamin|please|bitte|veuillez|por favor|per favore)\b")


def is_comment_notice(text: str) -> bool:
    """The comment section's own notice to readers ("Liebe Leser! Wir sind dankbar für Ihre
    Kommentare ... Bitte ..."): it speaks of comments and addresses the reader or names
    rules. Only asked of a lone unsigned, undated "comment"."""
    return len(text.split()) <= 150 and bool(_NOTICE_COMMENT.search(text)) \
        and bool(_NOTICE_ADDRESS.search(text))
