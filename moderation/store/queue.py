"""Reads for triage and the queue: comments, counts, filtered queue pages, thread, history."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from moderation import schema
from moderation.documents import DEOBFUSCATED
from moderation.store.core import (
    StoreCore,
    fts_query,
)


class QueueMixin(StoreCore):
    """Reads for triage and the queue: comments, counts, filtered queue pages, thread, history."""

    # -- reads for triage -----------------------------------------------------------------

    def comment(self, comment_id: int) -> dict[str, Any] | None:
        rows = self.query(
            "SELECT c.*, a.title AS article_title, a.url AS article_url,"
            " COALESCE(d.status, 'pending') AS status, COALESCE(d.revision, 0) AS revision,"
            " d.moderator AS decided_by, d.reason AS decision_reason, d.note AS decision_note,"
            " d.decided_at FROM comments c JOIN articles a ON a.id = c.article_id"
            " LEFT JOIN decisions d ON d.comment_id = c.id WHERE c.id = ?", (comment_id,))
        return rows[0] if rows else None

    def counts_by_status(self) -> dict[str, int]:
        rows = self.query(
            "SELECT COALESCE(d.status, 'pending') AS status, COUNT(*) AS n FROM comments c"
            " LEFT JOIN decisions d ON d.comment_id = c.id WHERE c.kind = 'comment'"
            " GROUP BY 1")
        counts = {s: 0 for s in schema.STATUSES}
        counts.update({r["status"]: r["n"] for r in rows})
        return counts

    def queue_rows(self, thresholds: dict[str, float], *, status: str = "pending",
                   flagged_only: bool = True, label: str | None = None,
                   article_id: int | None = None, min_score: float | None = None,
                   max_score: float | None = None, search: str | None = None,
                   author_norm: str | None = None, limit: int = 500,
                   offset: int = 0) -> list[dict[str, Any]]:
        """Scored comments worst first, filtered; ``labels`` holds each row's label scores."""
        where = ["s.is_current = 1", "c.kind = 'comment'"]
        params: list[Any] = []
        if status != "all":
            where.append("COALESCE(d.status, 'pending') = ?")
            params.append(status)
        if flagged_only or label:
            case, case_params = self._threshold_case(thresholds)
            label_cond = " AND sc.label IN (?, ?)" if label else ""  # and its de-obfuscated twin
            review = " OR s.status NOT IN ('ok', 'empty')" if not label else ""
            where.append(
                "(EXISTS (SELECT 1 FROM scores sc WHERE sc.comment_id = s.comment_id"
                f" AND sc.model = s.model AND sc.version = s.version AND sc.value >= {case}"
                f"{label_cond}){review})")
            params.extend(case_params)
            if label:
                params.extend((label, DEOBFUSCATED + label))
        for cond, value in (("c.article_id = ?", article_id), ("s.max_value >= ?", min_score),
                            ("s.max_value <= ?", max_score), ("c.author_norm = ?", author_norm)):
            if value is not None:
                where.append(cond)
                params.append(value)
        if search:
            where.append("c.id IN (SELECT rowid FROM comments_fts WHERE comments_fts MATCH ?)")
            params.append(fts_query(search))
        sql = (
            "SELECT c.id, c.article_id, c.author, c.text, c.date, c.parent_id, c.position,"
            " a.title AS article_title, COALESCE(d.status, 'pending') AS status,"
            " COALESCE(d.revision, 0) AS revision, d.moderator AS decided_by,"
            " s.model, s.version, s.status AS score_status, s.language, s.max_value, s.top_label, s.spans,"
            " s.windows FROM scorings s JOIN comments c ON c.id = s.comment_id"
            " JOIN articles a ON a.id = c.article_id"
            " LEFT JOIN decisions d ON d.comment_id = c.id"
            f" WHERE {' AND '.join(where)}"
            " ORDER BY s.max_value IS NULL, s.max_value DESC, c.id LIMIT ? OFFSET ?")
        params.extend([limit, offset])
        rows = self.query(sql, params)
        if rows:
            ids = [r["id"] for r in rows]
            by_id: dict[int, dict[str, float]] = {i: {} for i in ids}
            marks = ",".join("?" * len(ids))
            for r in self.query(
                    "SELECT sc.comment_id, sc.label, sc.value FROM scores sc JOIN scorings s"
                    " ON s.comment_id = sc.comment_id AND s.model = sc.model"
                    f" AND s.version = sc.version WHERE s.is_current = 1 AND sc.comment_id IN"
                    f" ({marks})", ids):
                by_id[r["comment_id"]][r["label"]] = r["value"]
            for r in rows:
                r["labels"] = by_id[r["id"]]
                r["spans"] = json.loads(r["spans"] or "[]")
        return rows

    # -- queue views (TUI)

    _CTX_COLUMNS = (
        "SELECT c.id, c.author, c.author_norm, c.text, c.position, c.parent_id, c.article_id,"
        " a.title AS article_title, COALESCE(d.status, 'pending') AS status,"
        " COALESCE(d.revision, 0) AS revision, d.moderator AS decided_by, d.action,"
        " d.reason AS decision_reason, s.max_value FROM comments c"
        " JOIN articles a ON a.id = c.article_id LEFT JOIN decisions d ON d.comment_id = c.id"
        " LEFT JOIN scorings s ON s.comment_id = c.id AND s.is_current = 1")

    def change_marker(self) -> int:
        """PRAGMA data_version: changes whenever another connection (a batch scorer, another
        moderator's process) commits; cheap enough to poll every second or two."""
        with self._lock:
            return int(self.db.conn.execute("PRAGMA data_version").fetchone()[0])

    def thread_context(self, comment_id: int, *, around: int = 2) -> dict[str, Any]:
        """The comment's parent and its neighbours by position in the same article."""
        me = self.query(self._CTX_COLUMNS + " WHERE c.id = ?", (comment_id,))
        if not me:
            return {"parent": None, "before": [], "after": []}
        row = me[0]
        parent = (self.query(self._CTX_COLUMNS + " WHERE c.id = ?", (row["parent_id"],))
                  if row["parent_id"] is not None else [])
        key = (row["article_id"], row["position"], comment_id)
        before = self.query(
            self._CTX_COLUMNS + " WHERE c.article_id = ? AND c.kind = 'comment'"
            " AND (c.position, c.id) < (?, ?) ORDER BY c.position DESC, c.id DESC LIMIT ?",
            (*key, around))
        after = self.query(
            self._CTX_COLUMNS + " WHERE c.article_id = ? AND c.kind = 'comment'"
            " AND (c.position, c.id) > (?, ?) ORDER BY c.position, c.id LIMIT ?",
            (*key, around))
        return {"parent": parent[0] if parent else None, "before": before[::-1], "after": after}

    def author_history(self, author_norm: str, *, exclude_id: int | None = None,
                       limit: int = 20) -> dict[str, Any]:
        """An author's other comments (newest first) and how many are in each status."""
        counts = {s: 0 for s in schema.STATUSES}
        for r in self.query(
                "SELECT COALESCE(d.status, 'pending') AS status, COUNT(*) AS n FROM comments c"
                " LEFT JOIN decisions d ON d.comment_id = c.id WHERE c.author_norm = ?"
                " AND c.kind = 'comment' GROUP BY 1", (author_norm,)):
            counts[r["status"]] = r["n"]
        rows = self.query(
            self._CTX_COLUMNS + " WHERE c.author_norm = ? AND c.kind = 'comment' AND c.id != ?"
            " ORDER BY c.id DESC LIMIT ?", (author_norm, exclude_id or 0, limit))
        return {"counts": counts, "comments": rows}

    def pending_by_author(self, author_norm: str) -> list[tuple[int, int]]:
        """(comment id, revision) of every pending reader comment by this author."""
        return [(r["id"], r["revision"]) for r in self.query(
            "SELECT c.id, COALESCE(d.revision, 0) AS revision FROM comments c"
            " LEFT JOIN decisions d ON d.comment_id = c.id WHERE c.author_norm = ?"
            " AND c.kind = 'comment' AND COALESCE(d.status, 'pending') = 'pending'"
            " ORDER BY c.id", (author_norm,))]

    def decision_states(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Current status, revision and decider of each comment id (pending when undecided)."""
        out: dict[int, dict[str, Any]] = {
            i: {"status": "pending", "revision": 0, "moderator": None, "action": None}
            for i in ids}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start:start + 500])
            marks = ",".join("?" * len(chunk))
            for r in self.query(
                    "SELECT comment_id, status, revision, moderator, action FROM decisions"
                    f" WHERE comment_id IN ({marks})", chunk):
                out[r["comment_id"]] = {k: r[k] for k in ("status", "revision", "moderator",
                                                          "action")}
        return out

    def article_choices(self, limit: int = 500) -> list[dict[str, Any]]:
        """Articles that have scored comments, with how many: the queue's article filter."""
        return self.query(
            "SELECT a.id, a.title, COUNT(*) AS n FROM articles a JOIN comments c"
            " ON c.article_id = a.id WHERE c.kind = 'comment' GROUP BY a.id"
            " ORDER BY a.id LIMIT ?", (limit,))
