"""The learned line classifier for text dumps: safe JSON format, numpy runtime, zone decoding."""

from __future__ import annotations

import json

import numpy as np
import pytest

from moderation.parse import dumplines, dumpzone, parse_bytes
from moderation.parse.dumplines import CLASSES, FEATURES, LineModel, line_features

ARTICLE = "Bridge news\n\n" + ("The city council met on Tuesday to talk about the new bridge over the river, and "
           "most members said the old one should stay open until the work is done.\n\n") * 4


def test_shipped_model_is_small_json_with_this_codes_features():
    raw = dumplines.MODEL_PATH.read_bytes()
    assert len(raw) < 1_000_000
    spec = json.loads(raw)
    assert spec["features"] == list(FEATURES) and spec["classes"] == list(CLASSES)
    assert dumplines.default_model() is not None


def test_numpy_predictor_matches_scikit_learn():
    sklearn = pytest.importorskip("sklearn")
    del sklearn
    from moderation.training.dumplines import export, fit

    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, len(FEATURES)))
    X[:, 7] = rng.integers(0, 2, size=400)  # a 0/1 column, like most features
    y = (X[:, 0] > 0).astype(int) + 2 * (X[:, 7] > 0.5)
    clf = fit(X, y, {"n_estimators": 12, "max_depth": 3, "learning_rate": 0.3,
                     "random_state": 0})
    model = LineModel(json.loads(json.dumps(export(clf))))
    test = rng.normal(size=(200, len(FEATURES)))
    assert np.allclose(model.decision(test), clf.decision_function(test), atol=1e-6)
    assert (model.proba(test).argmax(1) == clf.predict(test)).all()


def test_features_cover_every_non_blank_line():
    lines = ["Title here", "", "Some text of the article.", "", "", "Anna", "3 days ago"]
    idx, X = line_features(lines)
    assert idx == [0, 2, 5, 6] and X.shape == (4, len(FEATURES))
    assert X[:, FEATURES.index("name_like")].tolist() == [1.0, 0.0, 1.0, 0.0]


def test_a_model_that_refuses_keeps_the_rules_result():
    dumpzone.use_model(False)
    try:
        a = parse_bytes(ARTICLE.encode(), "a.txt", "text").articles[0]
    finally:
        dumpzone.use_model(None)
    assert a.comments == ()


def test_article_without_comments_gets_none_from_the_shipped_model():
    a = parse_bytes(ARTICLE.encode(), "a.txt", "text").articles[0]
    assert a.comments == () and "bridge" in a.body


def test_dated_run_in_an_unknown_language_without_any_comment_phrase():
    """Finnish comments under a recipe: no heading, no form, no reply line, no times; the
    learned classifier finds each with author and date, and so do the rules since round 4
    (a name beside every numeric date: commenters' bylines need no heading)."""
    from pathlib import Path

    from moderation.parse import parse_file

    path = Path(__file__).parent / "fixtures/parse/learned/dated_run_unknown_language.txt"
    zone = dumpzone.learned_zone(path.read_text(encoding="utf-8").split("\n"))
    assert zone is not None
    assert [c.author for c in zone.comments] == ["Marjatta", "Pekka Virtanen", "Liisa",
                                                 "Antti K", "Sanna", "Mikko"]
    dumpzone.use_model(False)
    try:
        ruled = parse_file(path).articles[0].comments
    finally:
        dumpzone.use_model(None)
    assert [c.date for c in ruled] == [f"{d}.03.2021" for d in range(12, 18)]
    result = parse_file(path)
    comments = result.articles[0].comments
    assert [c.author for c in comments] == ["Marjatta", "Pekka Virtanen", "Liisa", "Antti K",
                                            "Sanna", "Mikko"]
    assert comments[0].date == "12.03.2021" and comments[0].date_iso == "2021-03-12"
    assert comments[-1].text.startswith("Hieno ohje")
    assert "Kiitos ohjeesta" not in (result.articles[0].body or "")
    assert "ritilällä" in (result.articles[0].body or "")
    assert not any("left in the body" in w for w in result.warnings)
