"""`moderation serve` for real: a uvicorn subprocess on loopback, called by httpx and by
google-api-python-client built from the server's discovery document."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from serve_process import Server, config_file, start

FIX = Path(__file__).resolve().parent / "fixtures" / "perspective"
ANALYZE = "/v1alpha1/comments:analyze"
SUGGEST = "/v1alpha1/comments:suggestscore"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("serve")
    # rate limits are tests/test_serve_limits.py's; here they would only make tests order-dependent
    srv = start(tmp, config=config_file(tmp, rate_per_second=1000.0, rate_burst=1000))
    yield srv
    srv.stop()


def post(server: Server, path: str, body: Any, **kw: Any) -> httpx.Response:
    return httpx.post(server.url + path, json=body, timeout=30, **kw)


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


def error_of(resp: httpx.Response) -> tuple[int, str, str | None, str]:
    err = resp.json()["error"]
    kinds = [d.get("errorType") for d in err["details"]]
    return err["code"], err["status"], kinds[0] if kinds else None, err["message"]


# -- real clients -----------------------------------------------------------------------------

def test_google_api_python_client_builds_from_discovery(server: Server) -> None:
    from googleapiclient import discovery

    client = discovery.build(
        "commentanalyzer", "v1alpha1", developerKey="unused-without-keys",
        discoveryServiceUrl=f"{server.url}/$discovery/rest?version=v1alpha1",
        static_discovery=False)
    out = client.comments().analyze(body={
        "comment": {"text": "What a stupid moron you are."},
        "requestedAttributes": {"TOXICITY": {}, "INSULT": {}}, "clientToken": "py-1",
        "communityId": "python-client"}).execute()
    assert out["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.5
    assert out["attributeScores"]["INSULT"]["summaryScore"]["type"] == "PROBABILITY"
    assert out["clientToken"] == "py-1" and out["languages"] == ["en"]
    suggested = client.comments().suggestscore(body={
        "comment": {"text": "A civil remark about the bridge vote."},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.0}}},
        "clientToken": "py-2", "languages": ["en"]}).execute()
    assert suggested == {"clientToken": "py-2", "requestedLanguages": ["en"]}


def test_discovery_names_this_server_as_root(server: Server) -> None:
    doc = httpx.get(f"{server.url}/$discovery/rest?version=v1alpha1").json()
    assert doc["rootUrl"] == server.url + "/"
    methods = doc["resources"]["comments"]["methods"]
    assert methods["analyze"]["path"] == "v1alpha1/comments:analyze"
    assert methods["suggestscore"]["request"] == {"$ref": "SuggestCommentScoreRequest"}


def test_coral_talk_request_stores_nothing(server: Server) -> None:
    fixture = json.loads((FIX / "coral_talk.json").read_text())
    comments = count(server.db, "SELECT COUNT(*) FROM comments")
    logs = count(server.db, "SELECT COUNT(*) FROM moderation_log")
    resp = post(server, ANALYZE, fixture["request"])
    assert resp.status_code == 200
    assert resp.json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.5
    assert count(server.db, "SELECT COUNT(*) FROM comments") == comments
    assert count(server.db, "SELECT COUNT(*) FROM moderation_log") == logs
    with sqlite3.connect(server.db) as conn:
        assert not conn.execute("SELECT 1 FROM comments WHERE text LIKE '%everyone here%'"
                                ).fetchall()


def test_osmod_request_spans_in_utf16_units(server: Server) -> None:
    fixture = json.loads((FIX / "osmod.json").read_text())
    text = fixture["request"]["comment"]["text"]
    out = post(server, ANALYZE, fixture["request"]).json()
    scores = out["attributeScores"]
    # The model's labels come back; the attributes it lacks were dropped, as asked.
    assert set(scores) == {"TOXICITY", "IDENTITY_ATTACK", "INSULT", "PROFANITY", "THREAT"}
    assert out["clientToken"] == "osmod-comment-77"
    spans = scores["INSULT"]["spanScores"]
    assert len(spans) == 3  # one per sentence
    units = text.encode("utf-16-le")
    pieces = [units[s["begin"] * 2:s["end"] * 2].decode("utf-16-le") for s in spans]
    assert pieces == ["Great piece \U0001F44D.", "But the author is a lying moron!",
                      "Nobody should read this trash."]
    worst = max(spans, key=lambda s: s["score"]["value"])
    assert "moron" in units[worst["begin"] * 2:worst["end"] * 2].decode("utf-16-le")
    with sqlite3.connect(server.db) as conn:
        (title, flags), = conn.execute(
            "SELECT a.title, c.flags FROM comments c JOIN articles a ON a.id = c.article_id"
            " WHERE c.text = ?", (text,)).fetchall()
    assert title.startswith("osmod-demo-site")
    assert "session:article-1234" in json.loads(flags)


def test_snake_case_demo_request(server: Server) -> None:
    fixture = json.loads((FIX / "snake_case_demo.json").read_text())
    out = post(server, ANALYZE, fixture["request"]).json()
    assert out["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.5
    assert out["attributeScores"]["INSULT"]["summaryScore"]["value"] > 0.5
    assert out["languages"] == ["en-US"] and out["clientToken"] == "demo-1"


def test_analyzed_comments_reach_the_queue_and_suggestions_the_log(server: Server) -> None:
    from moderation.config import Config
    from moderation.store import Store
    from moderation.triage import load_queue

    post(server, ANALYZE, {"comment": {"text": "Go away you pathetic idiot"},
                           "requestedAttributes": {"TOXICITY": {}}, "communityId": "queue-site"})
    post(server, SUGGEST, {"comment": {"text": "This vile idiot should be banned"},
                           "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.95}}},
                           "communityId": "queue-site"})
    with Store(server.db, reader=True) as store:
        queued = [i.text for i in load_queue(store, Config().thresholds, limit=100)]
        assert "Go away you pathetic idiot" in queued
        hides = [r for r in store.log_rows(action="hide")
                 if r["comment_text"] == "This vile idiot should be banned"]
        assert len(hides) == 1 and hides[0]["moderator"] == "local:127.0.0.1"
        # Scored too, so that `moderation calibrate` can set the decision against a score.
        assert store.scores_for(hides[0]["comment_id"]) is not None


def test_score_threshold_leaves_out_low_scores(server: Server) -> None:
    out = post(server, ANALYZE, {"comment": {"text": "Thanks for the thoughtful article."},
                                 "requestedAttributes": {"TOXICITY": {"scoreThreshold": 0.9},
                                                         "INSULT": {}},
                                 "doNotStore": True}).json()
    assert set(out["attributeScores"]) == {"INSULT"}


# -- Perspective's errors ---------------------------------------------------------------------

@pytest.mark.parametrize("body, code, kind, message", [
    ({"comment": {"text": "   "}, "requestedAttributes": {"TOXICITY": {}}},
     400, "COMMENT_EMPTY", "Comment text was empty."),
    ({"comment": {"text": "é" * 10_241}, "requestedAttributes": {"TOXICITY": {}}},
     400, "COMMENT_TOO_LONG", "Comment text too long: 20482 bytes"),
    ({"comment": {"text": "hello there"}, "requestedAttributes": {}},
     400, "NO_REQUESTED_ATTRIBUTES", "No requested attributes"),
    ({"comment": {"text": "hello there"}, "requestedAttributes": {"TOXICITY": {}},
      "languages": ["ru"]},
     400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
     "Attribute TOXICITY does not support request languages: ru"),
    ({"comment": {"text": "12345 67890 !!! ???"}, "requestedAttributes": {"TOXICITY": {}}},
     400, "LANGUAGE_DETECTION_FAILED", "Unable to detect"),
    ({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}, "colour": "red"},
     400, "INVALID_REQUEST", 'Unknown name "colour"'),
    ({"comment": {"text": 42}, "requestedAttributes": {"TOXICITY": {}}},
     400, "INVALID_REQUEST", "expected a string"),
    ({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}},
      "doNotStore": "yes"}, 400, "INVALID_REQUEST", "expected a boolean"),
    ({"comment": {"text": "hi"}, "requestedAttributes": {"FLIRTATION": {}}},
     400, "INVALID_REQUEST", "Attribute FLIRTATION is not supported"),
    (["not", "an", "object"], 400, "INVALID_REQUEST", "must be an object"),
    ({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}},
      "languages": ["en", None]}, 400, "INVALID_REQUEST",
     "Invalid language code at 'languages[1]': None"),  # was a 500 (TypeError)
], ids=["empty", "too-long", "no-attributes", "language", "detection", "unknown-field",
        "wrong-type", "wrong-bool", "unsupported-attribute", "not-an-object", "null-language"])
def test_errors_in_perspectives_shape(server: Server, body: Any, code: int, kind: str,
                                      message: str) -> None:
    resp = post(server, ANALYZE, body)
    got_code, status, got_kind, got_message = error_of(resp)
    assert (resp.status_code, got_code, status, got_kind) == (code, code, "INVALID_ARGUMENT",
                                                              kind)
    assert got_message.startswith(message) or message in got_message


def test_a_word_too_short_to_identify_reports_the_language_that_scored_it(server: Server) -> None:
    """"idiot" alone: no language detected, the English model scores it (routing), and the
    answer says English (it said "da", the first covered language in sort order)."""
    out = post(server, ANALYZE, {"comment": {"text": "idiot"},
                                 "requestedAttributes": {"TOXICITY": {}}, "doNotStore": True})
    body = out.json()
    assert out.status_code == 200, body
    assert body["languages"] == ["en"] and body["detectedLanguages"] == []


def test_language_error_message_is_exact_and_drop_keeps_going(server: Server) -> None:
    body = {"comment": {"text": "Это совершенно обычный комментарий к голосованию в совете."},
            "requestedAttributes": {"TOXICITY": {}}}
    resp = post(server, ANALYZE, body)
    assert error_of(resp)[3] == "Attribute TOXICITY does not support request languages: ru"
    out = post(server, ANALYZE, {**body, "dropUnsupportedAttributes": True}).json()
    assert out["attributeScores"] == {} and out["detectedLanguages"] == ["ru"]


def test_other_languages_are_scored_by_their_model_with_the_attributes_it_has(
        server: Server, tmp_path: Path) -> None:
    """scoring.other_languages (on by default): a German comment gets TOXICITY from the
    multilingual model; INSULT, which only the English model has, is unsupported for German."""
    bad = {"comment": {"text": "Du bist ein dummer Idiot, halt endlich die Klappe, du Versager!"},
           "requestedAttributes": {"TOXICITY": {}}, "doNotStore": True}
    civil = {**bad, "comment": {"text": "Vielen Dank für den ausführlichen Artikel, die "
                                        "Hintergründe waren sehr interessant."}}
    out = post(server, ANALYZE, bad).json()
    assert out["detectedLanguages"] == ["de"] and out["languages"] == ["de"]
    high = out["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
    low = post(server, ANALYZE, civil).json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
    assert high > 0.8
    assert low < 0.2
    both = {**bad, "requestedAttributes": {"TOXICITY": {}, "INSULT": {}}}
    code, _status, kind, message = error_of(post(server, ANALYZE, both))
    assert (code, kind) == (400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE")
    assert message == "Attribute INSULT does not support request languages: de"
    out = post(server, ANALYZE, {**both, "dropUnsupportedAttributes": True}).json()
    assert set(out["attributeScores"]) == {"TOXICITY"}
    # English keeps every attribute of the English model
    en = {**both, "comment": {"text": "You are a stupid idiot and everyone here knows it."}}
    assert set(post(server, ANALYZE, en).json()["attributeScores"]) == {"TOXICITY", "INSULT"}


def test_a_stated_language_picks_the_model(server: Server) -> None:
    """A request's ``languages`` picks the model (a two-word insult is too short to identify;
    test_multilingual checks that other callers' comments never lend it theirs)."""
    def scored_by(text: str) -> tuple[str, str | None]:
        with sqlite3.connect(server.db) as conn:
            return conn.execute(
                "SELECT s.model, s.language FROM scorings s JOIN comments c ON c.id = s.comment_id"
                " WHERE c.text = ? AND s.is_current = 1", (text,)).fetchone()

    def analyze(text: str, **extra: Any) -> dict[str, Any]:
        body = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}},
                "communityId": "lang-site", **extra}
        resp = post(server, ANALYZE, body)
        assert resp.status_code == 200, resp.text
        return resp.json()

    out = analyze("Blöder Depp!", languages=["de-AT"])
    assert out["languages"] == ["de-AT"]
    assert scored_by("Blöder Depp!") == ("builtin:multi-tox", "de")
    # the same words without a stated language: too short to tell, the primary (English) model
    analyze("Blöder Depp.")
    assert scored_by("Blöder Depp.")[0] != "builtin:multi-tox"


@pytest.mark.parametrize("raw, message", [
    (b"{not json", "Invalid JSON payload received"),
    (b'{"comment": {"text": "\xff\xfe"}}', "not UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, "Invalid JSON payload received"),
    (b'{"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": NaN}}}',
     "Invalid JSON payload received"),
], ids=["malformed", "not-utf8", "deep", "nan"])
def test_malformed_bodies_get_invalid_request(server: Server, raw: bytes, message: str) -> None:
    resp = httpx.post(server.url + ANALYZE, content=raw, timeout=30,
                      headers={"content-type": "application/json"})
    code, _, kind, got = error_of(resp)
    assert (code, kind) == (400, "INVALID_REQUEST") and message in got


def test_body_over_a_megabyte_refused_before_parsing(server: Server) -> None:
    big = b'{"comment": {"text": "' + b"a" * 1_100_000 + b'"}}'
    resp = httpx.post(server.url + ANALYZE, content=big, timeout=30)
    assert resp.status_code == 413 and "too large" in error_of(resp)[3]

    def chunks() -> Iterator[bytes]:  # no Content-Length: refused while reading
        yield b'{"comment": {"text": "'
        for _ in range(40):
            yield b"a" * 32_768
        yield b'"}}'
    resp = httpx.post(server.url + ANALYZE, content=chunks(), timeout=30)
    assert resp.status_code == 413


def test_unknown_path_and_method(server: Server) -> None:
    assert httpx.get(server.url + "/nope").json()["error"]["status"] == "NOT_FOUND"
    assert httpx.get(server.url + ANALYZE).status_code == 405
