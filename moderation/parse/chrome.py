"""Recognise comment-widget chrome, comment metadata and page boilerplate lines, fuzzily."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

from moderation.parse.bylines import is_date_line, may_hold_date
from moderation.parse.phrases import SECTION_HEADINGS, WIDGET_PHRASES, ZONE_PHRASES
from moderation.parse.textnorm import normalize

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
# The reply link, which only a comment carries (a live ticker's entries have "Share" too).
REPLY_WORDS = frozenset("""
reply antworten antwort responder répondre rispondi beantwoorden reageren reageer odpowiedz
odpowiedź svar svara svare responda ответить
""".split())  # noqa: SIM905
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
# the page's own footer: it ends a comment zone, but says nothing of there being one
_FOOTER = r"never miss a post|back to top$|powered by\b|copyright\b|©"
_ZONE_END = re.compile(
    r"(?i)^(?:" + _FOOTER + r"|would love your thoughts|your email address will not be published|"
    r"deine e-?mail-adresse wird nicht veröffentlicht|ihre e-?mail-adresse wird nicht|"
    # "Leave a Reply" as WordPress' translations print the reply form's prompt
    r"(?:laisser|laissez) un commentaire|(?:laisser|laissez) une réponse|"
    r"(?:schreibe|hinterlasse|hinterlassen sie) einen kommentar|"
    r"(?:deja|dejar) un comentario|(?:deja|dejar) una respuesta|lascia un commento|"
    r"lascia una risposta|deixe (?:um|o seu) comentário|deixe uma resposta|"
    r"laat een reactie achter|geef een reactie|lämna en kommentar|lämna ett svar|"
    r"(?:skriv|efterlad) en kommentar|legg igjen en kommentar|(?:dodaj|napisz) komentarz|"
    r"zostaw komentarz|"
    r"required fields are marked|leave a (?:reply|comment|response)|comments are closed|"
    r"mit einem freund teilen|notify me of (?:new|follow-up)|post comment$|"
    r"mit dem von dir abgeschickten kommentar|by commenting|you must be logged in|"
    r"sie müssen angemeldet sein|"
    r"click here to cancel reply|cancel reply$|subscribe to comments|"
    r"wir freuen uns auf deine anmerkungen|save my name,? e-?mail|"
    r"meinen namen,? (?:meine )?e-mail|enregistrer mon nom|guardar mi nombre|"
    # the reply form's notices as WordPress' translations print them (an empty comment
    # section is often only this form: nothing after them is a comment)
    r"votre adresse (?:e-?)?mail ne sera pas publiée|tu dirección de correo electrónico no será|"
    r"il tuo indirizzo (?:e-?)?mail non sarà pubblicato|o seu endereço de e-?mail não será|"
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
_PAGE_END = frozenset({
    "recent posts", "recent comments", "archives", "categories", "related posts",
    "popular posts", "you may also like", "you might also like", "more stories",
    "neueste beiträge", "neueste kommentare", "archiv", "kategorien", "ähnliche beiträge",
    "articles récents", "commentaires récents", "entradas recientes", "comentarios recientes",
    "articoli recenti", "commenti recenti",
    # the sidebar's latest comments and popular posts, as themes translate them
    "latest comments", "latest posts", "popular recipes", "letzte kommentare", "beliebte beiträge", "beliebte artikel", "derniers commentaires",
    "derniers articles", "articles populaires", "últimos comentarios", "entradas populares",
    "ultimi commenti", "articoli popolari", "recente reacties", "laatste reacties",
    "populaire berichten", "seneste kommentarer", "populære indlæg", "senaste kommentarer",
    "populära inlägg", "siste kommentarer", "ostatnie komentarze", "najnowsze komentarze",
    "popularne wpisy", "comentários recentes", "últimos comentários", "posts populares",
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
_TRAILING_CREDIT = re.compile(r"(?i)\((?:photo|image|foto|bild|credit)s?:[^)]*\)\s*$")


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
            or unicodedata.category(ch) in ("Sm", "Sc") or ch in _VOTE_MARKS
            for ch in stripped) and (any(map(str.isdigit, stripped))
                                     or not any(ch in _VOTE_MARKS for ch in stripped))
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


_ONE_DIGIT = re.compile(r"\d")
# the arrows, hearts and thumbs of a vote counter ("▲ 12 ▼", "♥ 3", "👍 5 👎 1"): with a
# number, a widget line; alone (a reader's "❤️"), not
_VOTE_MARKS = frozenset("▲▼△▽↑↓⬆⬇⇧⇩♥♡❤☆★✓✔👍👎️")
_ROW_SEPARATORS = re.compile(r"\s+[·•|]\s+|\s*[·•|]\s*(?=\d)")


def date_before_action(line: str) -> str | None:
    """The date of a comment footer that prints it before its action links ("28 Settembre
    2023 Rispondi", "4 août 2025 à 00:42 Répondre"), else None."""
    words = line.split()
    if len(words) > 16:
        return None
    for k in range(len(words) - 1, 0, -1):
        head = " ".join(words[:k])
        if is_date_line(head) and is_widget_line(" ".join(words[k:])):
            return head.rstrip(" ·•|–—-,")  # "… 10:52 pm  ·  Svar": the separator goes too
    return None


def date_after_action(line: str) -> str | None:
    """The age or date at the end of an action row ("Gefällt mir · Antworten · 1 Std.",
    "Like · Reply · 3y"), else None: the row that closes a comment on many widgets."""
    parts = [p.strip() for p in _ROW_SEPARATORS.split(line) if p.strip()]
    if len(parts) < 2 or len(line) > 80 or not is_date_line(parts[-1]):
        return None
    return parts[-1] if all(is_widget_line(p) for p in parts[:-1]) else None


def action_row_date(line: str) -> str | None:
    """The date of a footer that prints action links before or after it, else None."""
    if len(line) > 80 or not _ONE_DIGIT.search(line) or not may_hold_date(line):
        return None
    return date_before_action(line) or date_after_action(line)


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


_PAGE_FOOTER = re.compile(r"(?i)^(?:" + _FOOTER + ")")


def is_page_footer(line: str) -> bool:
    """The page's own footer ("© 2024 Anna Bakes", "Powered by WordPress"): the end of a
    comment zone where there is one, but no sign that there is one."""
    return bool(_PAGE_FOOTER.search(line.strip()))


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
