"""Apply per-label thresholds and order the queue, worst first; say why each comment is flagged."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from moderation.documents import base_label
from moderation.store import Store

# Scoring statuses that need a person even though no label crossed its threshold.
REVIEW_STATUSES = {
    "unsupported_language": "language the model does not cover",
    "mixed_language": "written in more than one language, scored as one",
    "invalid_score": "the model returned an invalid score",
    "error": "the model failed on this comment",
    "too_long": "too long to score whole: only its start and end were scored",
}


def threshold_of(label: str, thresholds: dict[str, float]) -> float | None:
    """A stored label's threshold: its own, or for ``deobfuscated:LABEL`` that of LABEL."""
    return thresholds.get(base_label(label))


def label_name(label: str) -> str:
    """How a stored label is shown: ``deobfuscated:insult`` -> ``insult (de-obfuscated)``."""
    base = base_label(label)
    return base if base == label else f"{base} (de-obfuscated)"


def flagged_labels(labels: dict[str, float], thresholds: dict[str, float]) -> list[str]:
    """Labels whose score reaches their threshold, highest score first. The score of a
    comment's de-obfuscated copy (``deobfuscated:LABEL``) is held to LABEL's threshold."""
    hits = [k for k, v in labels.items()
            if (t := threshold_of(k, thresholds)) is not None and v >= t]
    return sorted(hits, key=lambda k: -labels[k])


def reason(labels: dict[str, float], thresholds: dict[str, float], score_status: str) -> str:
    """A one-line, human reason for the flag: the labels over threshold with their scores
    (a score of the de-obfuscated copy says so)."""
    hits = flagged_labels(labels, thresholds)
    parts = [f"{base_label(k)} {labels[k]:.2f} ≥ {threshold_of(k, thresholds):.2f}"
             + (" on the de-obfuscated copy" if k != base_label(k) else "") for k in hits]
    if score_status in REVIEW_STATUSES:
        parts.append(f"needs review: {REVIEW_STATUSES[score_status]}")
    if score_status == "empty":
        parts.append("empty comment: not scored")
    return "; ".join(parts) or "below every threshold"


@dataclass(frozen=True)
class QueueItem:
    """One row of the queue, with everything the list and the decision need."""

    comment_id: int
    article_id: int
    article_title: str | None
    author: str | None
    text: str
    status: str
    revision: int
    score: float | None
    labels: dict[str, float]
    flagged: list[str]
    reason: str
    spans: list[list[Any]] = field(default_factory=list)
    model: str | None = None
    version: str | None = None
    decided_by: str | None = None
    # The comment's language as the scorer saw it, and the thresholds that apply to it
    # (per-language ones from config.toml where set).
    language: str | None = None
    thresholds: dict[str, float] | None = None


@dataclass(frozen=True)
class QueueFilter:
    status: str = "pending"
    flagged_only: bool = True
    label: str | None = None
    article_id: int | None = None
    min_score: float | None = None
    max_score: float | None = None
    search: str | None = None
    author_norm: str | None = None


def load_queue(store: Store, thresholds: dict[str, float], flt: QueueFilter | None = None,
               *, limit: int = 500, offset: int = 0) -> list[QueueItem]:
    """The queue page: flagged (or all scored) comments matching ``flt``, worst first."""
    flt = flt or QueueFilter()
    rows = store.queue_rows(
        thresholds, status=flt.status, flagged_only=flt.flagged_only, label=flt.label,
        article_id=flt.article_id, min_score=flt.min_score, max_score=flt.max_score,
        search=flt.search, author_norm=flt.author_norm, limit=limit, offset=offset)
    out = []
    for r in rows:
        thr = for_language(thresholds, r.get("language"))
        out.append(QueueItem(
            comment_id=r["id"], article_id=r["article_id"], article_title=r["article_title"],
            author=r["author"], text=r["text"], status=r["status"], revision=r["revision"],
            score=r["max_value"], labels=r["labels"],
            flagged=flagged_labels(r["labels"], thr),
            reason=reason(r["labels"], thr, r["score_status"]), spans=r["spans"],
            model=r["model"], version=r["version"], decided_by=r["decided_by"],
            language=r.get("language"), thresholds=thr,
        ))
    return out


def for_language(thresholds: dict[str, float], language: str | None) -> dict[str, float]:
    """The thresholds for a comment in ``language`` (``config.Thresholds``), else as given."""
    pick = getattr(thresholds, "for_language", None)
    return pick(language) if pick is not None else dict(thresholds)


def evidence(store: Store, comment_id: int, thresholds: dict[str, float]) -> dict[str, Any]:
    """What the model said about a comment at this moment, for the moderation log."""
    sc = store.scores_for(comment_id)
    if sc is not None:
        thresholds = for_language(thresholds, sc.get("language"))
    if sc is None:
        return {"model": None, "version": None, "scores": {}, "thresholds": thresholds,
                "flagged": [], "score_status": "unscored"}
    return {
        "model": sc["model"],
        "version": sc["version"],
        "scores": sc["labels"],
        "thresholds": thresholds,
        "flagged": flagged_labels(sc["labels"], thresholds),
        "score_status": sc["status"],
    }
