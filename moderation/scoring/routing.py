"""Send each comment to the model that covers its language.

``RoutedScorer(primary, other)``: the language check runs once per comment against the primary
model's languages (English for the embedded models). A comment it covers, or that is too short
or too mixed to tell, goes to the primary model exactly as without routing, so English results
do not change. A comment in a language the primary does not cover goes to ``other`` (the
multilingual model) when that covers it; otherwise the primary scores it and it keeps status
``unsupported_language``, which sends it to a person with that reason.

Every ``Scores`` names the model that produced it (``model``, ``version``), and the store keeps
it per comment, so the queue and exports show which model scored what. ``members`` lists both
models' (name, version) pairs for the batch bookkeeping (what is scored, what is stale).
"""

from __future__ import annotations

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


class RoutedScorer:
    def __init__(self, primary: Any, other: Any):
        self.primary, self.other = primary, other
        self.name, self.version = primary.name, primary.version
        self.labels = tuple(primary.labels)
        self.covered = primary_languages(primary) or frozenset()
        self.members = ((primary.name, primary.version), (other.name, other.version))
        # every language some model here covers (the server reports them as supported)
        self.languages = frozenset(self.covered) | frozenset(other.languages)
        self.rows_per_call = max(getattr(primary, "rows_per_call", 0),
                                 getattr(other, "rows_per_call", 0))

    def score(self, texts: Sequence[str]) -> list[Scores]:
        if isinstance(texts, str):
            texts = [texts]
        texts = list(texts)
        mine: list[int] = []
        theirs: list[int] = []
        langs: list[str | None] = []
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                mine.append(i)
                continue
            lang, ok = language.check(text[:20000], self.covered)
            if ok and lang is not None:
                # given the benefit of the doubt, but maybe far from every covered language
                alt = language.likely_among(text[:20000], self.other.languages, self.covered)
                if alt is not None:
                    lang, ok = alt, False
            if not ok and lang in self.other.languages:
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
