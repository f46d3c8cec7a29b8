"""Perspective's wire format (commentanalyzer v1alpha1): requests read and checked, answers and
google.rpc errors written. Pure functions over JSON-shaped data; no HTTP, no model."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_COMMENT_BYTES = 20_480
ERROR_TYPE_URL = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"

# Perspective's attribute names -> the label names our models (and Detoxify) use.
ATTRIBUTES = {
    "TOXICITY": "toxicity",
    "SEVERE_TOXICITY": "severe_toxicity",
    "IDENTITY_ATTACK": "identity_attack",
    "INSULT": "insult",
    "PROFANITY": "obscene",
    "THREAT": "threat",
    "SEXUALLY_EXPLICIT": "sexual_explicit",
}
SCORE_TYPES = ("PROBABILITY",)
TEXT_TYPES = ("PLAIN_TEXT", "TEXT_TYPE_UNSPECIFIED")

_STATUS = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
           408: "DEADLINE_EXCEEDED", 413: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED",
           500: "INTERNAL", 503: "UNAVAILABLE"}


class ApiError(Exception):
    """An answer in google.rpc's error shape, with Perspective's errorType where it has one."""

    def __init__(self, message: str, error_type: str | None = "INVALID_REQUEST", *,
                 code: int = 400, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.code = code
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        details: list[dict[str, Any]] = []
        if self.error_type:
            details.append({"@type": ERROR_TYPE_URL, "errorType": self.error_type, **self.extra})
        return {"error": {"code": self.code, "message": self.message,
                          "status": _STATUS.get(self.code, "UNKNOWN"), "details": details}}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def _fields(obj: Any, where: str, known: tuple[str, ...]) -> dict[str, Any]:
    """``obj``'s fields under their camelCase names; snake_case accepted, unknown refused."""
    if not isinstance(obj, dict):
        raise ApiError(f"Invalid JSON payload: {where} must be an object")
    out: dict[str, Any] = {}
    for raw, value in obj.items():
        name = _camel(raw) if "_" in raw else raw
        if name not in known:
            raise ApiError(f'Invalid JSON payload received. Unknown name "{raw}" at '
                           f"'{where}': Cannot find field.")
        if name in out:
            raise ApiError(f"Invalid JSON payload: {where}.{name} given twice")
        out[name] = value
    return out


def _typed(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        want = {str: "a string", bool: "a boolean", list: "a list", dict: "an object"}.get(
            kind if isinstance(kind, type) else float, "a number")
        raise ApiError(f"Invalid value at '{where}': expected {want}, got {value!r:.60}")
    return value


@dataclass
class Attribute:
    name: str
    label: str | None            # None: the model has no such label
    threshold: float | None = None


@dataclass
class AnalyzeRequest:
    text: str
    attributes: list[Attribute]
    languages: list[str] = field(default_factory=list)
    span_annotations: bool = False
    do_not_store: bool = False
    client_token: str | None = None
    session_id: str | None = None
    community_id: str | None = None
    drop_unsupported: bool = False


def _comment_text(obj: Any, where: str = "comment") -> str:
    if obj is None:
        raise ApiError("Comment must be specified.", "COMMENT_EMPTY")
    comment = _fields(obj, where, ("text", "type"))
    text_type = _typed(comment.get("type"), str, f"{where}.type") or "PLAIN_TEXT"
    if text_type not in TEXT_TYPES:
        raise ApiError(f"{where}.type {text_type!r} is not supported; send PLAIN_TEXT")
    text = _typed(comment.get("text"), str, f"{where}.text") or ""
    if "\x00" in text or any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise ApiError(f"{where}.text holds characters that are not valid text "
                       "(NUL or unpaired surrogates)")
    if not text.strip():
        raise ApiError("Comment text was empty.", "COMMENT_EMPTY")
    size = len(text.encode("utf-8"))
    if size > MAX_COMMENT_BYTES:
        raise ApiError(f"Comment text too long: {size} bytes, the limit is "
                       f"{MAX_COMMENT_BYTES}.", "COMMENT_TOO_LONG")
    return text


def _languages(value: Any, where: str) -> list[str]:
    langs = _typed(value, list, where) or []
    out = []
    for i, lang in enumerate(langs):
        if _typed(lang, str, f"{where}[{i}]") is None or not re.fullmatch(
                r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*", lang):  # (null is no code either)
            raise ApiError(f"Invalid language code at '{where}[{i}]': {lang!r:.40}")
        out.append(lang)
    return out


def base_language(code: str) -> str:
    """BCP-47 or ISO code -> its primary subtag, lowercased ('en-US' -> 'en')."""
    return re.split(r"[-_]", code, maxsplit=1)[0].lower()


ANALYZE_FIELDS = ("comment", "requestedAttributes", "languages", "spanAnnotations", "doNotStore",
                  "clientToken", "sessionId", "communityId", "context",
                  "dropUnsupportedAttributes")


def parse_analyze(body: Any, labels: tuple[str, ...]) -> AnalyzeRequest:
    """Read an AnalyzeCommentRequest; ``labels`` are the loaded model's."""
    f = _fields(body, "request", ANALYZE_FIELDS)
    requested = _typed(f.get("requestedAttributes"), dict, "requestedAttributes") or {}
    attributes: list[Attribute] = []
    for name, params in requested.items():
        p = _fields(params if params is not None else {}, f"requestedAttributes.{name}",
                    ("scoreType", "scoreThreshold"))
        score_type = _typed(p.get("scoreType"), str, f"requestedAttributes.{name}.scoreType")
        if score_type not in (None, *SCORE_TYPES):
            raise ApiError(f"Score type {score_type!r} is not supported (only PROBABILITY)")
        threshold = _typed(p.get("scoreThreshold"), (int, float),
                           f"requestedAttributes.{name}.scoreThreshold")
        if threshold is not None and not 0 <= threshold <= 1:
            raise ApiError(f"requestedAttributes.{name}.scoreThreshold must be from 0 to 1")
        label = ATTRIBUTES.get(name.upper())
        attributes.append(Attribute(name, label if label in labels else None,
                                    None if threshold is None else float(threshold)))
    if not attributes:
        raise ApiError("No requested attributes were specified.", "NO_REQUESTED_ATTRIBUTES")
    context = f.get("context")
    if context is not None:
        _check_context(context)
    return AnalyzeRequest(
        text=_comment_text(f.get("comment")),
        attributes=attributes,
        languages=_languages(f.get("languages"), "languages"),
        span_annotations=bool(_typed(f.get("spanAnnotations"), bool, "spanAnnotations")),
        do_not_store=bool(_typed(f.get("doNotStore"), bool, "doNotStore")),
        client_token=_typed(f.get("clientToken"), str, "clientToken"),
        session_id=_typed(f.get("sessionId"), str, "sessionId"),
        community_id=_typed(f.get("communityId"), str, "communityId"),
        drop_unsupported=bool(_typed(f.get("dropUnsupportedAttributes"), bool,
                                     "dropUnsupportedAttributes")),
    )


def _check_context(context: Any) -> None:
    """Context is accepted and checked for shape; the models score the comment alone."""
    c = _fields(context, "context", ("entries", "articleAndParentComment"))
    for i, entry in enumerate(_typed(c.get("entries"), list, "context.entries") or []):
        _fields(entry, f"context.entries[{i}]", ("text", "type"))
    pair = c.get("articleAndParentComment")
    if pair is not None:
        p = _fields(pair, "context.articleAndParentComment", ("article", "parentComment"))
        for key, value in p.items():
            _fields(value, f"context.articleAndParentComment.{key}", ("text", "type"))


@dataclass
class SuggestRequest:
    text: str
    scores: dict[str, float]
    languages: list[str]
    community_id: str | None
    client_token: str | None
    session_id: str | None


def parse_suggest(body: Any) -> SuggestRequest:
    """Read a SuggestCommentScoreRequest: the comment and the scores a person suggests."""
    f = _fields(body, "request", ("comment", "context", "attributeScores", "languages",
                                  "communityId", "clientToken", "sessionId"))
    if f.get("context") is not None:
        _check_context(f["context"])
    raw = _typed(f.get("attributeScores"), dict, "attributeScores") or {}
    scores: dict[str, float] = {}
    for name, entry in raw.items():
        e = _fields(entry, f"attributeScores.{name}", ("summaryScore", "spanScores"))
        summary = _fields(e.get("summaryScore") or {}, f"attributeScores.{name}.summaryScore",
                          ("value", "type"))
        value = _typed(summary.get("value"), (int, float),
                       f"attributeScores.{name}.summaryScore.value")
        if value is None or not 0 <= value <= 1:
            raise ApiError(f"attributeScores.{name}.summaryScore.value must be from 0 to 1")
        scores[name.upper()] = float(value)
    if not scores:
        raise ApiError("No attribute scores were suggested.", "NO_REQUESTED_ATTRIBUTES")
    return SuggestRequest(
        text=_comment_text(f.get("comment")), scores=scores,
        languages=_languages(f.get("languages"), "languages"),
        community_id=_typed(f.get("communityId"), str, "communityId"),
        client_token=_typed(f.get("clientToken"), str, "clientToken"),
        session_id=_typed(f.get("sessionId"), str, "sessionId"))


def utf16_offsets(text: str) -> list[int]:
    """``offsets[i]``: where character i of ``text`` starts, in UTF-16 code units (the unit of
    Perspective's span begin/end); ``offsets[len(text)]`` is the end."""
    out = [0] * (len(text) + 1)
    at = 0
    for i, ch in enumerate(text):
        out[i] = at
        at += 2 if ord(ch) > 0xFFFF else 1
    out[len(text)] = at
    return out


_SENTENCE = re.compile(r"[^.!?。！？\n]+(?:[.!?。！？]+|\n|$)")


def sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences (Perspective scores spans per sentence), stripped of
    surrounding space; the whole text when there is one sentence."""
    spans = []
    for m in _SENTENCE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans or [(0, len(text))]


def score_entry(value: float) -> dict[str, Any]:
    return {"value": round(float(value), 6), "type": "PROBABILITY"}
