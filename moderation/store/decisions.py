"""Decisions and their log rows, written together in one transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from moderation import schema
from moderation.errors import ConflictError, StoreError
from moderation.store.core import (
    DecisionResult,
    StoreCore,
)


class DecisionsMixin(StoreCore):
    """Decisions and their log rows, written together in one transaction."""

    # -- decisions ------------------------------------------------------------------------

    def status_of(self, comment_id: int) -> tuple[str, int]:
        rows = self.query("SELECT status, revision FROM decisions WHERE comment_id = ?",
                          (comment_id,))
        return (rows[0]["status"], rows[0]["revision"]) if rows else ("pending", 0)

    def record_decision(self, comment_id: int, action: str, moderator: str, *,
                        reason: str | None = None, note: str | None = None,
                        expected_revision: int | None = None, evidence: dict[str, Any] | None = None,
                        automated: bool = False, undoes: int | None = None,
                        new_status: str | None = None) -> DecisionResult:
        """Change a comment's status and append its log row, in one transaction."""
        if action not in schema.ACTIONS:
            raise StoreError(f"unknown action {action!r} (known: {', '.join(schema.ACTIONS)})")
        return self.write(self._decide, comment_id, action, moderator, reason, note,
                          expected_revision, evidence, automated, undoes, new_status)

    def _decide(self, conn: sqlite3.Connection, comment_id: int, action: str, moderator: str,
                reason: str | None, note: str | None, expected_revision: int | None,
                evidence: dict[str, Any] | None, automated: bool, undoes: int | None,
                new_status: str | None) -> DecisionResult:
        row = conn.execute("SELECT article_id FROM comments WHERE id = ?", (comment_id,)).fetchone()
        if row is None:
            raise StoreError(f"no comment with id {comment_id}")
        article_id = row[0]
        cur = conn.execute(
            "SELECT status, revision, moderator, decided_at, action FROM decisions"
            " WHERE comment_id = ?", (comment_id,)).fetchone()
        prev_status, revision = (cur[0], cur[1]) if cur else ("pending", 0)
        if expected_revision is not None and revision != expected_revision:
            who = f"{cur[2]} ({cur[4]} at {cur[3]})" if cur else "someone"
            raise ConflictError(
                f"comment {comment_id} was changed by {who} since you opened it; now {prev_status}")
        status = new_status or {"approve": "approved", "hide": "hidden"}.get(action, prev_status)
        if evidence is None:  # a caller without thresholds: record at least what the model said
            evidence = self._model_snapshot(conn, comment_id)
        now = self.clock()
        # The log row and the status change commit together or not at all.
        log = conn.execute(
            "INSERT INTO moderation_log(at, moderator, automated, action, reason, note,"
            " comment_id, article_id, prev_status, new_status, undoes, evidence)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (now, moderator, int(automated), action, reason, note, comment_id, article_id,
             prev_status, status, undoes,
             json.dumps(evidence, sort_keys=True, allow_nan=False) if evidence else None))
        log_id = int(log.lastrowid or 0)
        conn.execute(
            "INSERT INTO decisions(comment_id, status, action, moderator, reason, note,"
            " decided_at, revision, log_id) VALUES (?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT(comment_id) DO UPDATE SET status = excluded.status,"
            " action = excluded.action, moderator = excluded.moderator,"
            " reason = excluded.reason, note = COALESCE(excluded.note, decisions.note),"
            " decided_at = excluded.decided_at, revision = excluded.revision,"
            " log_id = excluded.log_id",
            (comment_id, status, action, moderator, reason, note, now, revision + 1, log_id))
        return DecisionResult(comment_id, log_id, action, prev_status, status, revision + 1)

    # An undo is about the same comment as the entry it undoes: matching the comment too lets
    # SQLite find it through the log_comment index instead of scanning the whole log.
    _UNDONE = ("EXISTS (SELECT 1 FROM moderation_log u WHERE u.comment_id = l.comment_id"
               " AND u.undoes = l.id)")

    def last_undoable(self, moderator: str) -> dict[str, Any] | None:
        """This moderator's latest approve/hide that has not been undone yet."""
        rows = self.query(
            "SELECT l.* FROM moderation_log l WHERE l.moderator = ? AND l.action IN"
            f" ('approve', 'hide') AND NOT {self._UNDONE} ORDER BY l.id DESC LIMIT 1",
            (moderator,))
        return rows[0] if rows else None

    def bulk_entries(self, last: dict[str, Any]) -> list[dict[str, Any]]:
        """``last`` (a log row) and, when it was one of a bulk decision, the other entries of
        that bulk not undone yet, newest first.

        A bulk's entries are its moderator's consecutive log entries carrying the same bulk
        id in their evidence (decide_many writes them one after another), so this reads at
        most the bulk's size of that moderator's entries, back from ``last``.
        """
        bulk = _bulk_of(last)
        if bulk is None:
            return [last]
        rows = self.query(
            f"SELECT l.*, {self._UNDONE} AS undone FROM moderation_log l"
            " WHERE l.moderator = ? AND l.id <= ? ORDER BY l.id DESC LIMIT ?",
            (last["moderator"], last["id"], bulk[1]))
        out = []
        for row in rows:
            if _bulk_of(row) != bulk:
                break
            if not row.pop("undone") and row["action"] in ("approve", "hide"):
                out.append(row)
        return out

    def log_rows(self, *, since: str | None = None, until: str | None = None,
                 moderator: str | None = None, action: str | None = None,
                 article_id: int | None = None, batch: int = 1000) -> Iterator[dict[str, Any]]:
        """Moderation log rows in order, joined with their comment and article, streamed."""
        where, params = ["l.id > ?"], []
        for cond, value in (("l.at >= ?", since), ("l.at < ?", until),
                            ("l.moderator = ?", moderator), ("l.action = ?", action),
                            ("l.article_id = ?", article_id)):
            if value is not None:
                where.append(cond)
                params.append(value)
        sql = (
            "SELECT l.id, l.at, l.moderator, l.automated, l.action, l.reason, l.note,"
            " l.comment_id, l.article_id, a.title AS article_title, c.author AS comment_author,"
            " c.text AS comment_text, l.prev_status, l.new_status, l.undoes, l.evidence"
            " FROM moderation_log l LEFT JOIN comments c ON c.id = l.comment_id"
            " LEFT JOIN articles a ON a.id = l.article_id"
            f" WHERE {' AND '.join(where)} ORDER BY l.id LIMIT ?")
        last = 0
        while True:
            rows = self.query(sql, [last, *params, batch])
            yield from rows
            if len(rows) < batch:
                return
            last = rows[-1]["id"]

    @staticmethod
    def _model_snapshot(conn: sqlite3.Connection, comment_id: int) -> dict[str, Any]:
        """The evidence snapshot when the caller gave none: the current scoring, thresholds
        and flagged labels unknown (null), never invented."""
        row = conn.execute("SELECT model, version, status FROM scorings WHERE comment_id = ?"
                           " AND is_current = 1", (comment_id,)).fetchone()
        if row is None:
            return {"model": None, "version": None, "scores": {}, "thresholds": None,
                    "flagged": None, "score_status": "unscored"}
        scores = dict(conn.execute(
            "SELECT label, value FROM scores WHERE comment_id = ? AND model = ? AND version = ?",
            (comment_id, row[0], row[1])).fetchall())
        return {"model": row[0], "version": row[1], "scores": scores, "thresholds": None,
                "flagged": None, "score_status": row[2]}



def _bulk_of(row: dict[str, Any]) -> tuple[str, int] | None:
    """The (bulk id, size) that a log entry's evidence carries (decide_many), or None."""
    try:
        snapshot = json.loads(row.get("evidence") or "null")
    except ValueError:
        return None
    bulk = snapshot.get("bulk") if isinstance(snapshot, dict) else None
    if not isinstance(bulk, dict) or not bulk.get("id"):
        return None
    size = bulk.get("size")
    return str(bulk["id"]), size if isinstance(size, int) and size > 0 else 1
