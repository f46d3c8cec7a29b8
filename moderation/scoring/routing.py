"""Send each comment to the model that covers its language.

``RoutedScorer(primary, other)``: the language check runs once per comment against the primary
model's languages (English for the embedded models). A comment it covers, or that is too short
or too mixed to tell, goes to the primary model exactly as without routing, so English results
do not change. A comment in a language the primary does not cover goes to ``other`` (the
multilingual model) when that covers it; otherwise the primary scores it and it keeps status
``unsupported_language``, which sends it to a person with that reason.

The comments of one call (a page's, or a run of rows of one file) are mostly in one language:
when they clearly are, and it is one ``other`` covers, a comment too short to identify, or
identified on weak evidence, takes that language (``decide``). Where the caller knows each
comment's article (the database batch), the context is each article's own comments in the
call. A score then depends on the comments scored with it, so the server, whose calls mix many
callers' comments, switches this off (``context = False``) and takes the language a request
states instead.

Every ``Scores`` names the model that produced it (``model``, ``version``), and the store keeps
it per comment, so the queue and exports show which model scored what. ``members`` lists both
models' (name, version) pairs for the batch bookkeeping (what is scored, what is stale).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from moderation.documents import Scores
from moderation.scoring import language


def primary_languages(scorer: Any) -> frozenset[str] | None:
    """The languages a scorer declares, or None when it does not check (covers all)."""
    langs = getattr(scorer, "languages", None)
    if langs is None:
        engine = getattr(scorer, "engine", None)
        langs = getattr(engine, "supported_languages", None)
    return frozenset(langs) if langs is not None else None


# A call's texts usually come from one page or one file, so mostly from one language. When at
# least CONTEXT_MIN of the call's identified texts are in one language the other model covers and
# they make up CONTEXT_SHARE of them, a text too short to identify, or one the primary took on
# py3langid's weak word (under WEAK of probability), is taken to be in that language: "@user
# mongol" under French comments is French, not English by default.
CONTEXT_MIN = 5
CONTEXT_SHARE = 0.6
WEAK = 0.5
# A text identified as a language nothing covers takes the call's language when py3langid gives
# that at least PLAUSIBLE (Galician in Portuguese comments; Norwegian in Danish ones).
PLAUSIBLE = 0.2


def decide(texts: Sequence[Any], covered: frozenset[str], others: frozenset[str],
           context: bool = True, hints: Sequence[str | None] | None = None,
           default: str | None = None,
           groups: Sequence[Any] | None = None) -> list[tuple[str | None, bool]]:
    """Per text: (its language or None, whether ``other`` scores it). A text the primary covers,
    or too short to tell, stays with the primary, unless the call's identified texts are mostly
    in one language ``other`` covers (see ``CONTEXT_MIN``; ``context=False``: each text alone).
    ``hints``: a language the caller states for a text (a Perspective request's ``languages``):
    a language some model covers is taken as stated, without a check. ``default``: the
    language most readers write in (config scoring.language), taken as the call's language
    when the call does not clearly show one of its own. ``groups``: a key per text (its
    article): the context is then each group's own, not the whole call's."""
    out: list[tuple[str | None, bool]] = []
    stated: set[int] = set()
    for i, text in enumerate(texts):
        if not isinstance(text, str) or not text.strip():
            out.append(("", False))  # empty: the primary's "empty" status, no language
            continue
        hint = hints[i] if hints is not None else None
        if hint and (hint in others or hint in covered):
            out.append((hint, hint in others and hint not in covered))
            stated.add(i)
            continue
        lang, ok = language.check(text[:20000], covered)
        if ok and lang is not None:
            # given the benefit of the doubt, but maybe far from every covered language
            alt = language.likely_among(text[:20000], others, covered)
            if alt is not None:
                lang, ok = alt, False
        out.append((lang, not ok and lang in others))
    members: dict[Any, list[int]] = {}
    for i in range(len(out)):
        members.setdefault(groups[i] if groups is not None else None, []).append(i)
    call_top = _clear_language(_counts(out, range(len(out)))) if context else None
    for rows in members.values():
        top = None
        if context:
            # a group's own clear language; else the call's, unless the group's identified
            # texts say otherwise (a short English comment under an English article stays
            # English when a German article fills the rest of the call)
            counts = _counts(out, rows)
            top = _clear_language(counts)
            if top is None and call_top is not None and (
                    counts[call_top] >= CONTEXT_SHARE * sum(counts.values())):
                top = call_top
        _take_context(out, texts, rows, covered, stated, top or default, others)
    return out


def _counts(out: list[tuple[str | None, bool]], rows: Any) -> Counter[str]:
    return Counter(lang for lang in (out[i][0] for i in rows) if lang and lang != "und")


def _clear_language(counts: Counter[str]) -> str | None:
    """The language of at least CONTEXT_MIN and CONTEXT_SHARE of the identified texts."""
    if not counts:
        return None
    lang, n = counts.most_common(1)[0]
    return lang if n >= CONTEXT_MIN and n >= CONTEXT_SHARE * sum(counts.values()) else None


def _take_context(out: list[tuple[str | None, bool]], texts: Sequence[Any], rows: list[int],
                  covered: frozenset[str], stated: set[int], top: str | None,
                  others: frozenset[str]) -> None:
    """``decide``'s second step for the texts ``rows`` (one call, or one group of it): a short
    or weakly identified text takes ``top``, the context's language, when ``other`` covers it."""
    if top is None or top not in others:
        return
    for i in rows:
        (lang, other), text = out[i], texts[i]
        if lang == top or lang in ("", "und") or i in stated:
            continue
        if lang is None:
            out[i] = (top, True)
            continue
        p = language.probabilities(text[:20000])
        if lang in covered or other:
            if p.get(lang, 0.0) < WEAK:  # the primary's or another language's weak word
                out[i] = (top, True)
        elif p.get(top, 0.0) >= PLAUSIBLE:  # a neighbour nothing covers (Galician, Norwegian)
            out[i] = (top, True)


class RoutedScorer:
    def __init__(self, primary: Any, other: Any, context: bool = True,
                 default: str | None = None):
        self.primary, self.other = primary, other
        self.context = context  # a short text takes its call's language (``decide``)
        self.default = default  # most readers' language (config scoring.language)
        self.name, self.version = primary.name, primary.version
        self.labels = tuple(primary.labels)
        self.covered = primary_languages(primary) or frozenset()
        self.members = ((primary.name, primary.version), (other.name, other.version))
        # every language some model here covers (the server reports them as supported)
        self.languages = frozenset(self.covered) | frozenset(other.languages)
        self.rows_per_call = max(getattr(primary, "rows_per_call", 0),
                                 getattr(other, "rows_per_call", 0))

    takes_languages = True  # ``score`` accepts a stated language per text
    takes_groups = True  # ... and a group (article) per text, whose comments give the context

    def score(self, texts: Sequence[str], languages: Sequence[str | None] | None = None,
              groups: Sequence[Any] | None = None) -> list[Scores]:
        """``languages``: the language a caller states for each text (None: detect it).
        ``groups``: a key per text (its article); a short text then takes its own group's
        language, not that of other articles' comments scored in the same call."""
        if isinstance(texts, str):
            texts = [texts]
        texts = list(texts)
        mine: list[int] = []
        theirs: list[int] = []
        langs: list[str | None] = []
        for i, (lang, other) in enumerate(decide(texts, self.covered, self.other.languages, self.context,
                                                  languages, self.default, groups)):
            if other:
                theirs.append(i)
                langs.append(lang)
            else:
                mine.append(i)
        out: list[Scores | None] = [None] * len(texts)
        if mine:
            for i, sc in zip(mine, self.primary.score([texts[i] for i in mine])):
                out[i] = sc
        if theirs:
            for i, sc in zip(theirs, self.other.score([texts[i] for i in theirs], languages=langs)):
                out[i] = sc
        return [sc for sc in out if sc is not None]
