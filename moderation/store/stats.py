"""Reads for stats and calibration."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from moderation.documents import DEOBFUSCATED
from moderation.errors import StoreError
from moderation.store.core import (
    StoreCore,
)

# SQL for the model label a stored label belongs to ("deobfuscated:insult" -> "insult").
_BASE_LABEL = (f"(CASE WHEN substr(sc.label, 1, {len(DEOBFUSCATED)}) = '{DEOBFUSCATED}'"
               f" THEN substr(sc.label, {len(DEOBFUSCATED) + 1}) ELSE sc.label END)")


class StatsMixin(StoreCore):
    """Reads for stats and calibration."""

    # -- stats and calibration

    def label_status_counts(self, thresholds: dict[str, float]) -> list[dict[str, Any]]:
        """Per label and status: reader comments whose current scoring has the label (n) and
        how many of them reach the label's threshold (flagged; NULL without a threshold)."""
        case, params = self._threshold_case(thresholds)
        # A label and its de-obfuscated twin count once per comment, flagged if either is.
        return self.query(
            "SELECT label, status, COUNT(*) AS n, SUM(hit) AS flagged FROM ("
            f"SELECT {_BASE_LABEL} AS label, COALESCE(d.status, 'pending') AS status,"
            f" MAX(sc.value >= {case}) AS hit FROM scores sc JOIN scorings s"
            " ON s.comment_id = sc.comment_id AND s.model = sc.model AND s.version = sc.version"
            " AND s.is_current = 1 JOIN comments c ON c.id = sc.comment_id AND c.kind = 'comment'"
            " LEFT JOIN decisions d ON d.comment_id = sc.comment_id GROUP BY sc.comment_id, 1)"
            " GROUP BY 1, 2 ORDER BY 1, 2",
            params)

    def any_flag_status_counts(self, thresholds: dict[str, float]) -> list[dict[str, Any]]:
        """Per status: scored reader comments (n) and those with any label over threshold."""
        case, params = self._threshold_case(thresholds)
        return self.query(
            "SELECT COALESCE(d.status, 'pending') AS status, COUNT(*) AS n,"
            " SUM(EXISTS (SELECT 1 FROM scores sc WHERE sc.comment_id = s.comment_id"
            f" AND sc.model = s.model AND sc.version = s.version AND sc.value >= {case}))"
            " AS flagged FROM scorings s JOIN comments c ON c.id = s.comment_id"
            " AND c.kind = 'comment' LEFT JOIN decisions d ON d.comment_id = s.comment_id"
            " WHERE s.is_current = 1 GROUP BY 1 ORDER BY 1", params)

    def log_counts(self, by: str) -> list[dict[str, Any]]:
        """Log entries per moderator (by='moderator') or per UTC day (by='day') and action."""
        key = {"moderator": "moderator", "day": "substr(at, 1, 10)"}.get(by)
        if key is None:
            raise StoreError(f"log_counts: unknown grouping {by!r} (moderator or day)")
        return self.query(f"SELECT {key} AS key, action, COUNT(*) AS n FROM moderation_log"
                          " GROUP BY 1, 2 ORDER BY 1, 2")

    def decided_models(self, language: str | None = None) -> list[dict[str, Any]]:
        """Current model versions of the decided (approved or hidden) reader comments, with
        how many each scored, most first; with ``language``, only comments scored in it."""
        lang = " AND s.language = ?" if language else ""
        return self.query(
            "SELECT s.model, s.version, COUNT(*) AS n FROM decisions d JOIN scorings s"
            " ON s.comment_id = d.comment_id AND s.is_current = 1 JOIN comments c"
            " ON c.id = d.comment_id AND c.kind = 'comment'"
            f" WHERE d.status IN ('approved', 'hidden'){lang} GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2",
            (language,) if language else ())

    def decided_scores(self, model: str, version: str, *, ignore_reasons: Sequence[str] = (),
                       language: str | None = None) -> Iterator[tuple[str, float, bool]]:
        """(label, score, hidden?) for every decided reader comment this model version scored
        (its current scoring): the calibration data, by label, highest score first. Comments
        hidden for one of ``ignore_reasons`` (e.g. spam: not a toxicity call) are left out."""
        marks = ",".join("?" * len(ignore_reasons))
        skip = (f" AND NOT (d.status = 'hidden' AND COALESCE(d.reason, '') IN ({marks}))"
                if ignore_reasons else "")
        # A label's score is the one its threshold meets: the higher of the text's and its
        # de-obfuscated copy's ("deobfuscated:LABEL"), as flagging uses them.
        sql = (
            f"SELECT {_BASE_LABEL} AS lab, MAX(sc.value) AS v, d.status = 'hidden' FROM decisions d"
            " JOIN scorings s"
            " ON s.comment_id = d.comment_id AND s.is_current = 1 AND s.model = ?"
            " AND s.version = ?" + (" AND s.language = ?" if language else "")
            + " JOIN comments c ON c.id = d.comment_id AND c.kind = 'comment'"
            " JOIN scores sc ON sc.comment_id = s.comment_id AND sc.model = s.model"
            " AND sc.version = s.version WHERE d.status IN ('approved', 'hidden')"
            f"{skip} GROUP BY sc.comment_id, lab ORDER BY lab, v DESC")
        params = (model, version, *((language,) if language else ()), *ignore_reasons)
        with self._lock:
            rows = self.db.conn.execute(sql, params).fetchall()
        for label, value, hidden in rows:
            yield str(label), float(value), bool(hidden)
