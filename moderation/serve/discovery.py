"""The discovery document of commentanalyzer v1alpha1, with this server as its rootUrl, so that
clients that build themselves from discovery (google-api-python-client, Node googleapis, OSMod)
work unchanged when pointed at it. Written from Google's discovery format (REST description
v1); only what clients read is here."""

from __future__ import annotations

from typing import Any

from moderation.serve.wire import ATTRIBUTES


def _obj(description: str, **props: Any) -> dict[str, Any]:
    return {"type": "object", "description": description, "properties": props}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": name}


STRING = {"type": "string"}
BOOLEAN = {"type": "boolean"}
NUMBER = {"type": "number", "format": "float"}
INT = {"type": "integer", "format": "int32"}

SCHEMAS: dict[str, dict[str, Any]] = {
    "TextEntry": _obj("A piece of text with its type.", text=STRING,
                      type={"type": "string", "enum": ["TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT",
                                                       "HTML"]}),
    "ArticleAndParentComment": _obj("The article and the comment replied to.",
                                    article=_ref("TextEntry"), parentComment=_ref("TextEntry")),
    "Context": _obj("Context of the comment (accepted; the models score the comment alone).",
                    entries={"type": "array", "items": _ref("TextEntry")},
                    articleAndParentComment=_ref("ArticleAndParentComment")),
    "AttributeParameters": _obj("How to score one attribute.",
                                scoreType={"type": "string", "enum": ["PROBABILITY"]},
                                scoreThreshold=NUMBER),
    "AnalyzeCommentRequest": _obj(
        "The comment analysis request.", comment=_ref("TextEntry"), context=_ref("Context"),
        requestedAttributes={"type": "object",
                             "additionalProperties": _ref("AttributeParameters")},
        languages={"type": "array", "items": STRING}, spanAnnotations=BOOLEAN,
        doNotStore=BOOLEAN, clientToken=STRING, sessionId=STRING, communityId=STRING,
        dropUnsupportedAttributes=BOOLEAN),
    "Score": _obj("A score.", value=NUMBER, type={"type": "string", "enum": ["PROBABILITY"]}),
    "SpanScore": _obj("A score for a part of the text (UTF-16 code units, end exclusive).",
                      begin=INT, end=INT, score=_ref("Score")),
    "AttributeScores": _obj("One attribute's scores.", summaryScore=_ref("Score"),
                            spanScores={"type": "array", "items": _ref("SpanScore")}),
    "AnalyzeCommentResponse": _obj(
        "The comment analysis response.",
        attributeScores={"type": "object", "additionalProperties": _ref("AttributeScores")},
        languages={"type": "array", "items": STRING},
        detectedLanguages={"type": "array", "items": STRING}, clientToken=STRING),
    "SuggestCommentScoreRequest": _obj(
        "Scores a person suggests for a comment.", comment=_ref("TextEntry"),
        context=_ref("Context"),
        attributeScores={"type": "object", "additionalProperties": _ref("AttributeScores")},
        languages={"type": "array", "items": STRING}, communityId=STRING, clientToken=STRING,
        sessionId=STRING),
    "SuggestCommentScoreResponse": _obj(
        "The suggestion was recorded.", clientToken=STRING,
        detectedLanguages={"type": "array", "items": STRING},
        requestedLanguages={"type": "array", "items": STRING}),
}
for _name, _schema in SCHEMAS.items():
    _schema["id"] = _name


def _method(name: str, request: str, response: str, description: str) -> dict[str, Any]:
    return {"id": f"commentanalyzer.comments.{name}", "path": f"v1alpha1/comments:{name}",
            "flatPath": f"v1alpha1/comments:{name}", "httpMethod": "POST", "parameters": {},
            "parameterOrder": [], "request": _ref(request), "response": _ref(response),
            "description": description}


def document(root_url: str) -> dict[str, Any]:
    """The discovery document, ``root_url`` being this server's address ending in '/'."""
    return {
        "kind": "discovery#restDescription", "discoveryVersion": "v1",
        "id": "commentanalyzer:v1alpha1", "name": "commentanalyzer", "version": "v1alpha1",
        "title": "Perspective Comment Analyzer API (served offline by moderation)",
        "description": "Scores comments with the models of this moderation install. "
                       "Attributes: " + ", ".join(ATTRIBUTES) + ".",
        "protocol": "rest", "rootUrl": root_url, "servicePath": "", "basePath": "",
        "baseUrl": root_url, "batchPath": "batch",
        "parameters": {
            "key": {"type": "string", "location": "query",
                    "description": "API key (moderation keys add NAME)."},
            "alt": {"type": "string", "location": "query", "default": "json",
                    "enum": ["json"]},
            "fields": {"type": "string", "location": "query"},
            "prettyPrint": {"type": "boolean", "location": "query", "default": "true"},
            "quotaUser": {"type": "string", "location": "query"},
            "$.xgafv": {"type": "string", "location": "query", "enum": ["1", "2"]},
        },
        "schemas": SCHEMAS,
        "resources": {"comments": {"methods": {
            "analyze": _method("analyze", "AnalyzeCommentRequest", "AnalyzeCommentResponse",
                               "Analyzes the provided text and returns scores for requested "
                               "attributes."),
            "suggestscore": _method("suggestscore", "SuggestCommentScoreRequest",
                                    "SuggestCommentScoreResponse",
                                    "Suggest comment scores as training data."),
        }}},
    }
