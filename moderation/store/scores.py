"""Model scores: one scoring per comment and model version, the current one marked."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Sequence
from typing import Any

from moderation.documents import Scores
from moderation.store.core import (
    StoreCore,
)


class ScoresMixin(StoreCore):
    """Model scores: one scoring per comment and model version, the current one marked."""

    # -- scores ---------------------------------------------------------------------------

    def unscored(self, model: str, version: str, *, limit: int = 1000,
                 after_id: int = 0) -> list[tuple[int, str, int]]:
        """(id, text, article id) of the reader comments (not pingbacks) with no score from
        this model version, by id."""
        with self._lock:
            return self.db.conn.execute(
                "SELECT c.id, c.text, c.article_id FROM comments c WHERE c.id > ? AND c.kind = 'comment'"
                " AND NOT EXISTS (SELECT 1 FROM scorings s WHERE s.comment_id = c.id"
                " AND s.model = ? AND s.version = ?) ORDER BY c.id LIMIT ?",
                (after_id, model, version, limit),
            ).fetchall()

    def save_scores(self, items: Sequence[tuple[int, Scores]]) -> int:
        """Store one model's scores for many comments in one transaction; returns rows saved."""
        return int(self.write(self._save_scores, items))

    def _save_scores(self, conn: sqlite3.Connection, items: Sequence[tuple[int, Scores]]) -> int:
        now = self.clock()
        saved = 0
        for comment_id, sc in items:
            status, labels, top, spans = score_fields(sc)
            cur = conn.execute(
                "INSERT OR IGNORE INTO scorings(comment_id, model, version, status, windows,"
                " language, spans, max_value, top_label, is_current, scored_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,1,?)",
                (comment_id, sc.model, sc.version, status, sc.windows, sc.language, spans,
                 top[1], top[0], now),
            )
            if not cur.rowcount:
                continue
            saved += 1
            conn.execute(
                "UPDATE scorings SET is_current = 0 WHERE comment_id = ? AND +is_current = 1"
                " AND NOT (model = ? AND version = ?)", (comment_id, sc.model, sc.version))
            conn.executemany(
                "INSERT OR REPLACE INTO scores(comment_id, model, version, label, value)"
                " VALUES (?,?,?,?,?)",
                [(comment_id, sc.model, sc.version, k, v) for k, v in labels.items()],
            )
        return saved

    def scores_for(self, comment_id: int) -> dict[str, Any] | None:
        """The current scoring of a comment: model, version, status, labels, spans."""
        rows = self.query(
            "SELECT id, model, version, status, windows, language, spans, max_value, top_label"
            " FROM scorings WHERE comment_id = ? AND is_current = 1", (comment_id,))
        if not rows:
            return None
        s = rows[0]
        labels = {r["label"]: r["value"] for r in self.query(
            "SELECT label, value FROM scores WHERE comment_id = ? AND model = ? AND version = ?",
            (comment_id, s["model"], s["version"]))}
        s["labels"] = labels
        s["spans"] = json.loads(s["spans"] or "[]")
        return s


def score_fields(sc: Scores) -> tuple[str, dict[str, float], tuple[Any, Any], str]:
    """A model result as stored: status, finite labels as plain floats (numpy float32 becomes
    REAL; NaN or infinity is dropped and the status says ``invalid_score``), the top label and
    its score, and the spans as JSON. Scores of a de-obfuscated copy are stored as labels of
    their own (``deobfuscated:LABEL``, compared with LABEL's threshold)."""
    labels: dict[str, float] = {}
    status = sc.status
    for label, value in sc.flag_values().items():
        v = float(value)
        if math.isnan(v) or math.isinf(v):
            status = "invalid_score"
            continue
        labels[label] = v
    top = max(labels.items(), key=lambda kv: kv[1]) if labels else (None, None)
    spans = json.dumps([[s.start, s.end, s.label, round(float(s.weight), 4)] for s in sc.spans])
    return status, labels, top, spans
