"""The decisions a moderator takes (approve, hide, note, undo), shared by the CLI and the queue."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from moderation.errors import ConflictError, StoreError
from moderation.store import DecisionResult, Store
from moderation.triage import evidence

DECISION_ACTIONS = ("approve", "hide", "note")


def decide(store: Store, comment_id: int, action: str, moderator: str, thresholds: dict[str, float],
           *, reason: str | None = None, note: str | None = None,
           expected_revision: int | None = None,
           bulk: dict[str, Any] | None = None) -> DecisionResult:
    """Record one decision with a snapshot of the model's evidence; raises ConflictError when
    ``expected_revision`` is given and another moderator changed the comment meanwhile.

    ``bulk`` (``{"id": ..., "size": ...}``, set by decide_many) goes into the evidence, so
    that the log tells which decisions were taken together and undo can take them back."""
    if action not in DECISION_ACTIONS:
        raise StoreError(f"unknown decision {action!r}: use one of {', '.join(DECISION_ACTIONS)}")
    if action == "note" and not (note and note.strip()):
        raise StoreError("a note needs text: --note TEXT")
    if not moderator.strip():
        raise StoreError("a decision needs a moderator name")
    snapshot = evidence(store, comment_id, thresholds)
    if bulk:
        snapshot["bulk"] = bulk
    return store.record_decision(
        comment_id, action, moderator, reason=reason, note=note,
        expected_revision=expected_revision, evidence=snapshot)


@dataclass
class BulkResult:
    """What a bulk decision or an undo did: the decisions saved and, per comment, why one
    was not."""

    done: list[DecisionResult] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def undo_last(store: Store, moderator: str, thresholds: dict[str, float]) -> BulkResult | None:
    """Undo this moderator's latest approve/hide and, when it was one of a bulk decision,
    every other decision of that bulk not undone yet: each gets a new ``undo`` log entry
    (the log is never edited), newest first. None when there is nothing to undo.

    A comment someone else changed since is left as it is and reported in ``refused``;
    when that leaves nothing to undo, ConflictError.
    """
    last = store.last_undoable(moderator)
    if last is None:
        return None
    out = BulkResult()
    for entry in store.bulk_entries(last):
        try:
            out.done.append(_undo(store, entry, moderator, thresholds))
        except ConflictError as exc:
            out.refused.append((entry["comment_id"], str(exc)))
    if not out.done:
        raise ConflictError("; ".join(msg for _, msg in out.refused))
    return out


def _undo(store: Store, entry: dict[str, Any], moderator: str,
          thresholds: dict[str, float]) -> DecisionResult:
    current = store.comment(entry["comment_id"])
    if current is None or current["status"] != entry["new_status"] or current["decided_by"] != moderator:
        raise ConflictError(
            f"comment {entry['comment_id']} was changed by {current and current['decided_by']} "
            "since your decision; not undone")
    # The revision read with the status: a change in between is refused by record_decision.
    return store.record_decision(
        entry["comment_id"], "undo", moderator, note=f"undo of log entry {entry['id']}",
        expected_revision=current["revision"],
        evidence=evidence(store, entry["comment_id"], thresholds),
        undoes=entry["id"], new_status=entry["prev_status"])


def decide_many(store: Store, targets: Iterable[tuple[int, int | None]], action: str,
                moderator: str, thresholds: dict[str, float], *, reason: str | None = None,
                note: str | None = None) -> BulkResult:
    """Decide several comments, given as (comment id, expected revision or None).

    Each decision is its own transaction: a comment another moderator changed meanwhile
    (ConflictError) or that no longer exists is reported in ``refused`` and the rest go on.
    Two or more targets share a bulk id in their evidence, so that one undo takes them back.
    """
    targets = list(targets)
    bulk = {"id": uuid.uuid4().hex, "size": len(targets)} if len(targets) > 1 else None
    out = BulkResult()
    for comment_id, revision in targets:
        try:
            out.done.append(decide(store, comment_id, action, moderator, thresholds,
                                   reason=reason, note=note, expected_revision=revision,
                                   bulk=bulk))
        except StoreError as exc:
            out.refused.append((comment_id, str(exc)))
    return out
