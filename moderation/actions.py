"""The decisions a moderator takes (approve, hide, note, undo), shared by the CLI and the queue."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from moderation.errors import ConflictError, StoreError
from moderation.store import DecisionResult, Store
from moderation.triage import evidence

DECISION_ACTIONS = ("approve", "hide", "note")


def decide(store: Store, comment_id: int, action: str, moderator: str, thresholds: dict[str, float],
           *, reason: str | None = None, note: str | None = None,
           expected_revision: int | None = None) -> DecisionResult:
    """Record one decision with a snapshot of the model's evidence; raises ConflictError when
    ``expected_revision`` is given and another moderator changed the comment meanwhile."""
    if action not in DECISION_ACTIONS:
        raise StoreError(f"unknown decision {action!r}: use one of {', '.join(DECISION_ACTIONS)}")
    if action == "note" and not (note and note.strip()):
        raise StoreError("a note needs text: --note TEXT")
    if not moderator.strip():
        raise StoreError("a decision needs a moderator name")
    return store.record_decision(
        comment_id, action, moderator, reason=reason, note=note,
        expected_revision=expected_revision, evidence=evidence(store, comment_id, thresholds))


def undo_last(store: Store, moderator: str, thresholds: dict[str, float]) -> DecisionResult | None:
    """Undo this moderator's latest approve/hide, as a new log entry (the log is never edited).

    Refuses (ConflictError) when someone else changed the comment since.
    """
    last = store.last_undoable(moderator)
    if last is None:
        return None
    _, revision = store.status_of(last["comment_id"])
    current = store.comment(last["comment_id"])
    if current is None or current["status"] != last["new_status"] or current["decided_by"] != moderator:
        raise ConflictError(
            f"comment {last['comment_id']} was changed by {current and current['decided_by']} "
            "since your decision; not undone")
    return store.record_decision(
        last["comment_id"], "undo", moderator, note=f"undo of log entry {last['id']}",
        expected_revision=revision, evidence=evidence(store, last["comment_id"], thresholds),
        undoes=last["id"], new_status=last["prev_status"])


@dataclass
class BulkResult:
    """What a bulk decision did: the decisions saved and, per comment, why one was not."""

    done: list[DecisionResult] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def decide_many(store: Store, targets: Iterable[tuple[int, int | None]], action: str,
                moderator: str, thresholds: dict[str, float], *, reason: str | None = None,
                note: str | None = None) -> BulkResult:
    """Decide several comments, given as (comment id, expected revision or None).

    Each decision is its own transaction: a comment another moderator changed meanwhile
    (ConflictError) or that no longer exists is reported in ``refused`` and the rest go on.
    """
    out = BulkResult()
    for comment_id, revision in targets:
        try:
            out.done.append(decide(store, comment_id, action, moderator, thresholds,
                                   reason=reason, note=note, expected_revision=revision))
        except StoreError as exc:
            out.refused.append((comment_id, str(exc)))
    return out
