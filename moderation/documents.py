"""Plain data passed between parse, score, store and triage: frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

COMMENT_KINDS = ("comment", "pingback", "trackback")


@dataclass(frozen=True)
class Comment:
    """One reader comment as a parser found it.

    ``parent`` is the source id of the comment replied to. ``parent_known`` says whether the
    source records threading at all: a plain-text dump does not, so its comments have
    ``parent=None, parent_known=False`` (unknown), while a top-level comment in an HTML page or
    export has ``parent=None, parent_known=True``.
    """

    text: str
    author: str | None = None
    date: str | None = None  # as the source shows it
    id: str | None = None
    parent: str | None = None
    parent_known: bool = False
    kind: str = "comment"
    position: int = 0
    # Status as the source system kept it (approved, pending, spam, deleted, trash), if any.
    source_status: str | None = None
    # Free-form notes from the parser (e.g. "oversize"), never used to drop a comment.
    flags: tuple[str, ...] = ()
    # ``date`` as ISO 8601 (local date or date-time, as shown) where the parser could read it
    # for certain; ``date`` keeps the raw string.
    date_iso: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "parent": self.parent,
            "parent_known": self.parent_known,
            "author": self.author,
            "date": self.date,
            "date_iso": self.date_iso,
            "text": self.text,
            "kind": self.kind,
            "status": self.source_status,
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class Article:
    """One article (page or export thread) and its comments, in source order."""

    title: str | None = None
    byline: str | None = None
    body: str | None = None
    url: str | None = None
    id: str | None = None
    date: str | None = None
    comments: tuple[Comment, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "byline": self.byline,
            "body": self.body,
            "url": self.url,
            "date": self.date,
            "comments": [c.to_json() for c in self.comments],
        }


@dataclass(frozen=True)
class ParseResult:
    """What one input file held: its sniffed format, articles, and what was skipped and why."""

    format: str
    articles: tuple[Article, ...]
    source: str = ""
    # One human-readable line per skipped or repaired record, with its position.
    warnings: tuple[str, ...] = ()
    # How the text was decoded: {"encoding": ..., "guessed": bool}
    encoding: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "source": self.source,
            "encoding": self.encoding,
            "warnings": list(self.warnings),
            "articles": [a.to_json() for a in self.articles],
        }


@dataclass(frozen=True)
class Span:
    """A character span of a comment's text that drove a label's score."""

    start: int
    end: int
    label: str = "toxicity"
    weight: float = 0.0


# Scores of a comment's de-obfuscated copy (f*ck, f.u.c.k, look-alikes) are stored beside the
# model's own under this prefix ("deobfuscated:toxicity"); they use the label's threshold.
DEOBFUSCATED = "deobfuscated:"


def base_label(label: str) -> str:
    """The model label a stored label belongs to: "deobfuscated:insult" -> "insult"."""
    return label.removeprefix(DEOBFUSCATED)


@dataclass(frozen=True)
class Scores:
    """A model's output for one text: label -> probability (plain floats).

    ``labels`` is the model's own output on the text as written (for a Detoxify model, exactly
    Detoxify's probabilities). ``deobfuscated`` holds the same labels scored on a de-obfuscated
    copy, only for texts where that copy differs; it is never folded into ``labels``, but it
    may flag a comment, and the queue says so (``flag_values``).
    """

    labels: dict[str, float]
    model: str
    version: str
    spans: tuple[Span, ...] = ()
    # Number of token windows the text was scored in (1 unless it was long).
    windows: int = 1
    # Set when the text could not be scored meaningfully: "empty", "unsupported_language", ...
    status: str = "ok"
    language: str | None = None
    deobfuscated: dict[str, float] | None = None

    def flag_values(self) -> dict[str, float]:
        """What is compared with thresholds: each label's score on the text and, where there
        is one, on its de-obfuscated copy, the latter under ``deobfuscated:LABEL``."""
        if not self.deobfuscated:
            return dict(self.labels)
        return {**self.labels, **{DEOBFUSCATED + k: v for k, v in self.deobfuscated.items()}}

    def effective(self) -> dict[str, float]:
        """Each label's higher score of the text and its de-obfuscated copy (for ranking)."""
        extra = self.deobfuscated or {}
        return {k: max(v, extra.get(k, v)) for k, v in self.labels.items()}


@dataclass(frozen=True)
class Decision:
    """A moderator's decision on one comment."""

    comment_id: int
    action: str
    moderator: str
    reason: str | None = None
    note: str | None = None
