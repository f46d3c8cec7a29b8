"""The only module that speaks SQL: one SQLite file through sqlite-utils, WAL, short transactions."""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from moderation import schema
from moderation.documents import Article, Comment, ParseResult, Scores
from moderation.errors import ConflictError, StoreError
from moderation.safetext import match_key

# How long a writer keeps retrying a locked database before giving up (seconds).
WRITE_DEADLINE_S = 120.0


def utcnow() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _sha(*parts: str | None) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update((part or "").encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def text_hash(text: str) -> str:
    return _sha(text)


def article_key(article: Article, source: str, fmt: str) -> str:
    """Identity of an article across re-ingests: its source id or URL, else its title and file."""
    if article.id or article.url:
        return _sha("a", fmt, article.id or "", article.url or "")
    return _sha("t", source, article.title or "")


@dataclass(frozen=True)
class IngestReport:
    source: str
    articles_added: int
    comments_added: int
    comments_seen: int


@dataclass(frozen=True)
class DecisionResult:
    comment_id: int
    log_id: int
    action: str
    prev_status: str
    new_status: str
    revision: int


class Store:
    """A moderation database. Thread-safe: one connection guarded by a lock."""

    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 5000, readonly: bool = False,
                 clock: Callable[[], str] = utcnow):
        self.path = str(path)
        # Where every timestamp comes from; tests pass a fixed clock to pin golden exports.
        self.clock = clock
        # Guards found missing and restored when the database was opened (logged then), kept
        # until check_guards() reports them.
        self.guards_restored: list[str] = []
        self.busy_timeout_ms = busy_timeout_ms
        self._lock = threading.RLock()
        try:
            if readonly:
                uri = f"file:{Path(self.path).resolve()}?mode=ro"
                conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout_ms / 1000,
                                       isolation_level=None, check_same_thread=False)
            else:
                conn = sqlite3.connect(self.path, timeout=busy_timeout_ms / 1000,
                                       isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA foreign_keys = ON")
            self.db = sqlite_utils.Database(conn)
            if not readonly:
                self._retry(self._setup)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open database: {exc}") from exc

    # -- connection, transactions -------------------------------------------------------

    def _setup(self) -> None:
        if self.db.journal_mode != "wal":
            self.db.enable_wal()
        self.db.execute("PRAGMA synchronous = NORMAL")
        with self.transaction() as conn:
            restored = schema.create(conn)
            if restored:
                self._log_guards_restored(conn, restored)
        self.guards_restored = restored

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _retry(self, fn: Any, *args: Any) -> Any:
        """Run ``fn`` retrying on 'database is locked' with backoff, up to WRITE_DEADLINE_S."""
        deadline = time.monotonic() + WRITE_DEADLINE_S
        delay = 0.02
        while True:
            try:
                return fn(*args)
            except sqlite3.OperationalError as exc:
                msg = str(exc)
                if "locked" not in msg and "busy" not in msg:
                    if any(s in msg for s in ("full", "readonly", "I/O", "unable to open")):
                        raise StoreError(f"{self.path}: cannot write: {msg}; the change was "
                                         "rolled back, nothing stored before it is lost"
                                         ) from exc
                    raise
                if time.monotonic() > deadline:
                    raise StoreError(f"{self.path}: database stayed locked for "
                                     f"{WRITE_DEADLINE_S:.0f}s; try again") from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        with self._lock:
            conn = self.db.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.Error:
                if conn.in_transaction:  # e.g. a full disk at COMMIT: never leave it open
                    conn.execute("ROLLBACK")
                raise

    def write(self, fn: Any, *args: Any) -> Any:
        """Run ``fn(conn, *args)`` in one write transaction, retrying while locked."""
        def attempt() -> Any:
            with self.transaction() as conn:
                return fn(conn, *args)
        return self._retry(attempt)

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.db.query(sql, params))

    def check_guards(self) -> list[str]:
        """Recreate the log's append-only triggers if missing, logging that it happened."""
        at_open, self.guards_restored = self.guards_restored, []
        with self._lock:
            missing = schema.missing_guards(self.db.conn)
        if missing:
            def restore(conn: sqlite3.Connection) -> None:
                schema.restore_guards(conn, missing)
                self._log_guards_restored(conn, missing)
            self.write(restore)
        return at_open + [m for m in missing if m not in at_open]

    def _log_guards_restored(self, conn: sqlite3.Connection, names: list[str]) -> None:
        conn.execute(
            "INSERT INTO moderation_log(at, moderator, automated, action, note) "
            "VALUES (?, 'system', 1, 'guard_restored', ?)",
            (self.clock(), "append-only triggers were missing and were recreated: "
             + ", ".join(names)),
        )

    def integrity_check(self) -> str:
        return str(self.query("PRAGMA integrity_check")[0]["integrity_check"])

    # -- ingest ---------------------------------------------------------------------------

    def ingest(self, result: ParseResult) -> IngestReport:
        """Store a parse result; comments already stored (same content key) are left alone."""
        added_articles = added_comments = seen = 0
        for article in result.articles:
            a, c = self.write(self._ingest_article, article, result.source, result.format)
            added_articles += a
            added_comments += c
            seen += len(article.comments)
        return IngestReport(result.source, added_articles, added_comments, seen)

    def _ingest_article(self, conn: sqlite3.Connection, article: Article, source: str,
                        fmt: str) -> tuple[int, int]:
        key = article_key(article, source, fmt)
        now = self.clock()
        cur = conn.execute(
            "INSERT OR IGNORE INTO articles(key, source, source_format, source_id, title, byline,"
            " body, url, date, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (key, source, fmt, article.id, article.title, article.byline, article.body,
             article.url, article.date, now),
        )
        article_added = cur.rowcount
        article_id = conn.execute("SELECT id FROM articles WHERE key = ?", (key,)).fetchone()[0]
        return article_added, self._insert_comments(conn, article_id, key, article.comments, now)

    def _insert_comments(self, conn: sqlite3.Connection, article_id: int, akey: str,
                         comments: Iterable[Comment], now: str) -> int:
        rows = []
        occurrences: dict[str, int] = {}
        for c in comments:
            base = _sha(akey, c.id, c.author, c.text)
            n = occurrences.get(base, 0)
            occurrences[base] = n + 1
            rows.append((
                article_id, _sha(base, str(n)), c.id, c.parent, int(c.parent_known), c.author,
                match_key(c.author), c.date, c.text, text_hash(c.text), c.kind, c.position,
                c.source_status, json.dumps(list(c.flags)) if c.flags else None, now,
            ))
        cur = conn.executemany(
            "INSERT OR IGNORE INTO comments(article_id, key, source_id, parent_source_id,"
            " parent_known, author, author_norm, date, text, text_hash, kind, position,"
            " source_status, flags, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        added = max(cur.rowcount, 0)  # sqlite3_changes(): trigger (FTS) rows not counted
        if added:
            conn.execute(
                "UPDATE comments SET parent_id = (SELECT p.id FROM comments p WHERE"
                " p.article_id = comments.article_id AND p.source_id = comments.parent_source_id)"
                " WHERE article_id = ? AND parent_source_id IS NOT NULL AND parent_id IS NULL",
                (article_id,),
            )
        return added

    # -- scores ---------------------------------------------------------------------------

    def unscored(self, model: str, version: str, *, limit: int = 1000,
                 after_id: int = 0) -> list[tuple[int, str]]:
        """Reader comments (not pingbacks) with no score from this model version, by id."""
        with self._lock:
            return self.db.conn.execute(
                "SELECT c.id, c.text FROM comments c WHERE c.id > ? AND c.kind = 'comment'"
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
            labels: dict[str, float] = {}
            status = sc.status
            for label, value in sc.labels.items():
                v = float(value)  # numpy float32 and friends become REAL
                if math.isnan(v) or math.isinf(v):
                    status = "invalid_score"
                    continue
                labels[label] = v
            top = max(labels.items(), key=lambda kv: kv[1]) if labels else (None, None)
            spans = json.dumps([[s.start, s.end, s.label, round(float(s.weight), 4)]
                                for s in sc.spans])
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

    def last_undoable(self, moderator: str) -> dict[str, Any] | None:
        """This moderator's latest approve/hide that has not been undone yet."""
        rows = self.query(
            "SELECT l.* FROM moderation_log l WHERE l.moderator = ? AND l.action IN"
            " ('approve', 'hide') AND NOT EXISTS (SELECT 1 FROM moderation_log u"
            " WHERE u.undoes = l.id) ORDER BY l.id DESC LIMIT 1", (moderator,))
        return rows[0] if rows else None

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
            cases = " ".join("WHEN ? THEN ?" for _ in thresholds)
            case_params: list[Any] = [x for kv in thresholds.items() for x in kv]
            cond = (f"sc.value >= CASE sc.label {cases} ELSE 2 END" if thresholds else "0")
            label_cond = " AND sc.label = ?" if label else ""
            review = " OR s.status NOT IN ('ok', 'empty')" if not label else ""
            where.append(
                "(EXISTS (SELECT 1 FROM scores sc WHERE sc.comment_id = s.comment_id"
                f" AND sc.model = s.model AND sc.version = s.version AND {cond}{label_cond})"
                f"{review})")
            params.extend(case_params)
            if label:
                params.append(label)
        if article_id is not None:
            where.append("c.article_id = ?")
            params.append(article_id)
        if min_score is not None:
            where.append("s.max_value >= ?")
            params.append(min_score)
        if max_score is not None:
            where.append("s.max_value <= ?")
            params.append(max_score)
        if author_norm is not None:
            where.append("c.author_norm = ?")
            params.append(author_norm)
        if search:
            where.append("c.id IN (SELECT rowid FROM comments_fts WHERE comments_fts MATCH ?)")
            params.append(fts_query(search))
        sql = (
            "SELECT c.id, c.article_id, c.author, c.text, c.date, c.parent_id, c.position,"
            " a.title AS article_title, COALESCE(d.status, 'pending') AS status,"
            " COALESCE(d.revision, 0) AS revision, d.moderator AS decided_by,"
            " s.model, s.version, s.status AS score_status, s.max_value, s.top_label, s.spans,"
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

    # -- batch (streaming ingest and batch scoring: few, large statements per transaction)

    def tune_for_batch(self, checkpoint_pages: int = 1000, cache_mb: int = 64) -> None:
        """Keep the WAL bounded during long runs: auto-checkpoint every ``checkpoint_pages``
        pages of WAL (4 KB each) and cut the file back to 64 MB after a checkpoint."""
        with self._lock:
            self.db.conn.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint_pages)}")
            self.db.conn.execute("PRAGMA journal_size_limit = 67108864")
            # Index pages of a large archive stay cached (bounded, not the 2 MB default).
            self.db.conn.execute(f"PRAGMA cache_size = -{int(cache_mb) * 1024}")

    def checkpoint(self, mode: str = "PASSIVE") -> tuple[int, int, int]:
        """PRAGMA wal_checkpoint(mode): (busy, WAL frames, frames checkpointed). PASSIVE never
        waits for readers or writers, so it is safe while a moderator works."""
        if mode not in ("PASSIVE", "FULL", "RESTART", "TRUNCATE"):
            raise StoreError(f"unknown checkpoint mode {mode!r}")
        with self._lock:
            row = self.db.conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def _unscored_where(self, rescore: bool) -> str:
        # Without rescore, any scoring (even from an older model) counts as scored; with it,
        # only a scoring from this model version does.
        return ("c.kind = 'comment' AND NOT EXISTS (SELECT 1 FROM scorings s WHERE"
                " s.comment_id = c.id" + (" AND s.model = ? AND s.version = ?)" if rescore
                                          else ")"))

    def unscored_rows(self, model: str, version: str, *, rescore: bool = False,
                      after_id: int = 0, limit: int = 512) -> list[tuple[int, str, str]]:
        """(id, text, text_hash) of reader comments still to score, by id, after ``after_id``."""
        params: list[Any] = [after_id, *((model, version) if rescore else ()), limit]
        with self._lock:
            return self.db.conn.execute(
                "SELECT c.id, c.text, c.text_hash FROM comments c WHERE c.id > ? AND "
                + self._unscored_where(rescore) + " ORDER BY c.id LIMIT ?", params).fetchall()

    def count_unscored(self, model: str, version: str, *, rescore: bool = False) -> int:
        params = (model, version) if rescore else ()
        with self._lock:
            return int(self.db.conn.execute(
                "SELECT COUNT(*) FROM comments c WHERE " + self._unscored_where(rescore),
                params).fetchone()[0])

    def count_stale(self, model: str, version: str) -> int:
        """Comments whose only scores come from another model or an older version."""
        with self._lock:
            return int(self.db.conn.execute(
                "SELECT COUNT(*) FROM scorings s WHERE s.is_current = 1 AND NOT"
                " (s.model = ? AND s.version = ?) AND NOT EXISTS (SELECT 1 FROM scorings t"
                " WHERE t.comment_id = s.comment_id AND t.model = ? AND t.version = ?)",
                (model, version, model, version)).fetchone()[0])

    def scored_hashes(self, model: str, version: str, hashes: Sequence[str], *,
                      conn: sqlite3.Connection | None = None,
                      skip_unique: bool = False) -> dict[str, int]:
        """text_hash -> id of one comment with that text already scored by this model version.

        ``skip_unique``: the caller's comments with these hashes are themselves unscored, so a
        hash held by one comment only cannot have a scored twin."""
        out: dict[str, int] = {}
        uniq = list(dict.fromkeys(hashes))
        with self._lock:
            c = conn or self.db.conn
            if skip_unique:
                # Most texts occur once: one probe of the text_hash index (covering, no table
                # row) rules them out before the join looks for a scoring.
                dup: list[str] = []
                for start in range(0, len(uniq), 500):
                    chunk = uniq[start:start + 500]
                    dup.extend(h for (h,) in c.execute(
                        "SELECT text_hash FROM comments WHERE text_hash IN"
                        f" ({','.join('?' * len(chunk))}) GROUP BY text_hash"
                        " HAVING COUNT(*) > 1", chunk))
                uniq = dup
            for start in range(0, len(uniq), 500):
                chunk = uniq[start:start + 500]
                marks = ",".join("?" * len(chunk))
                out.update(c.execute(
                    "SELECT c.text_hash, MIN(s.comment_id) FROM comments c CROSS JOIN scorings s"
                    " ON s.comment_id = c.id AND s.model = ? AND s.version = ?"
                    f" WHERE c.text_hash IN ({marks}) GROUP BY c.text_hash",
                    [model, version, *chunk]).fetchall())
        return out

    def save_batch(self, model: str, version: str, new: Sequence[tuple[int, Scores]],
                   copies: Sequence[tuple[int, str]]) -> tuple[int, int]:
        """In one transaction: store ``new`` scores, and give each ``(comment id, text_hash)``
        in ``copies`` the scores already stored for the same text by this model version (a
        duplicate text is scored once). A comment that already has a scoring from this model
        version keeps it. Returns (new saved, copies saved)."""
        return tuple(self.write(self._save_batch, model, version, new, copies))  # type: ignore

    def _save_batch(self, conn: sqlite3.Connection, model: str, version: str,
                    new: Sequence[tuple[int, Scores]],
                    copies: Sequence[tuple[int, str]]) -> tuple[int, int]:
        now = self.clock()
        scoring_rows: list[tuple[Any, ...]] = []
        score_rows: list[tuple[Any, ...]] = []
        for comment_id, sc in new:
            labels: dict[str, float] = {}
            status = sc.status
            for label, value in sc.labels.items():
                v = float(value)  # numpy float32 and friends become REAL
                if math.isnan(v) or math.isinf(v):
                    status = "invalid_score"
                    continue
                labels[label] = v
            top = max(labels.items(), key=lambda kv: kv[1]) if labels else (None, None)
            spans = json.dumps([[s.start, s.end, s.label, round(float(s.weight), 4)]
                                for s in sc.spans])
            scoring_rows.append((comment_id, model, version, status, sc.windows, sc.language,
                                 spans, top[1], top[0], now))
            score_rows.extend((comment_id, model, version, k, v) for k, v in labels.items())
        saved = max(conn.executemany(
            "INSERT OR IGNORE INTO scorings(comment_id, model, version, status, windows,"
            " language, spans, max_value, top_label, is_current, scored_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,1,?)", scoring_rows).rowcount, 0)
        conn.executemany(
            "INSERT OR IGNORE INTO scores(comment_id, model, version, label, value)"
            " VALUES (?,?,?,?,?)", score_rows)
        copied = 0
        if copies:
            src = self.scored_hashes(model, version, [h for _, h in copies], conn=conn)
            pairs = [(cid, src[h]) for cid, h in copies if h in src]
            copied = max(conn.executemany(
                "INSERT OR IGNORE INTO scorings(comment_id, model, version, status, windows,"
                " language, spans, max_value, top_label, is_current, scored_at)"
                " SELECT ?, model, version, status, windows, language, spans, max_value,"
                " top_label, 1, ? FROM scorings WHERE comment_id = ? AND model = ?"
                " AND version = ?", [(cid, now, s, model, version) for cid, s in pairs]
            ).rowcount, 0)
            conn.executemany(
                "INSERT OR IGNORE INTO scores(comment_id, model, version, label, value)"
                " SELECT ?, model, version, label, value FROM scores WHERE comment_id = ?"
                " AND model = ? AND version = ?", [(cid, s, model, version) for cid, s in pairs])
        # The new version becomes current; older scorings stay, for history. (The unary +
        # keeps SQLite off the is_current index, which would visit every current row.)
        conn.executemany(
            "UPDATE scorings SET is_current = 0 WHERE comment_id = ? AND +is_current = 1"
            " AND NOT (model = ? AND version = ?)",
            [(cid, model, version) for cid in [c for c, _ in new] + [c for c, _ in copies]])
        return saved, copied

    def begin_stream_ingest(self) -> None:
        """Start a streamed ingest: forget the occurrence counts of the previous file."""
        with self._lock:
            # keyed by 63 bits of the comment's base hash: a rowid b-tree, the cheapest kind
            self.db.conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS ingest_seen (h INTEGER PRIMARY KEY, n INTEGER)")
            self.db.conn.execute("DELETE FROM temp.ingest_seen")

    def ingest_stream_batch(self, source: str, fmt: str,
                            rows: Sequence[tuple[str | None, Comment]]) -> tuple[int, int]:
        """Store (article key, comment) pairs from a streamed CSV/JSONL in one transaction.

        Keys are the ones ``ingest`` gives the same file parsed whole (article from its key or
        the source; a comment's n-th identical copy in an article is its own comment), so the
        two paths never duplicate each other and a re-run adds nothing twice. The occurrence
        counts live in a temp table (keyed by 63 bits of the hash), so memory stays flat
        whatever the file size.
        Returns (articles added, comments added)."""
        return tuple(self.write(self._ingest_stream_batch, source, fmt, rows))  # type: ignore

    def _ingest_stream_batch(self, conn: sqlite3.Connection, source: str, fmt: str,
                             rows: Sequence[tuple[str | None, Comment]]) -> tuple[int, int]:
        now = self.clock()
        akeys: dict[str | None, str] = {}
        for key, _ in rows:
            if key not in akeys:
                akeys[key] = article_key(Article(id=key), source, fmt)
        articles_added = max(conn.executemany(
            "INSERT OR IGNORE INTO articles(key, source, source_format, source_id, ingested_at)"
            " VALUES (?,?,?,?,?)", [(ak, source, fmt, k, now) for k, ak in akeys.items()]
        ).rowcount, 0)
        ids: dict[str, int] = {}
        keys = list(akeys.values())
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            ids.update(conn.execute(
                f"SELECT key, id FROM articles WHERE key IN ({','.join('?' * len(chunk))})",
                chunk).fetchall())
        bases = [_sha(akeys[k], c.id, c.author, c.text) for k, c in rows]
        counts: dict[int, int] = {}
        uniq = list(dict.fromkeys(int(b[:16], 16) >> 1 for b in bases))
        for start in range(0, len(uniq), 500):
            hs = uniq[start:start + 500]
            counts.update(conn.execute(
                "SELECT h, n FROM temp.ingest_seen WHERE h IN"
                f" ({','.join('?' * len(hs))})", hs).fetchall())
        out = []
        for (k, c), base in zip(rows, bases, strict=True):
            h = int(base[:16], 16) >> 1
            n = counts.get(h, 0)
            counts[h] = n + 1
            out.append((
                ids[akeys[k]], _sha(base, str(n)), c.id, c.parent, int(c.parent_known), c.author,
                match_key(c.author), c.date, c.text, text_hash(c.text), c.kind, c.position,
                c.source_status, json.dumps(list(c.flags)) if c.flags else None, now))
        conn.executemany("INSERT OR REPLACE INTO temp.ingest_seen(h, n) VALUES (?,?)",
                         [(h, counts[h]) for h in uniq])
        first_new = conn.execute("SELECT COALESCE(MAX(id), 0) FROM comments").fetchone()[0]
        # Full-text rows are added set-wise after the batch rather than by the per-row insert
        # trigger (measured 2.5x faster); the trigger is dropped and recreated (from schema.py)
        # inside this transaction, so no other connection ever sees it missing.
        conn.execute("DROP TRIGGER IF EXISTS comments_ai")
        added = max(conn.executemany(
            "INSERT OR IGNORE INTO comments(article_id, key, source_id, parent_source_id,"
            " parent_known, author, author_norm, date, text, text_hash, kind, position,"
            " source_status, flags, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", out
        ).rowcount, 0)
        if added:
            conn.execute("INSERT INTO comments_fts(rowid, text, author) SELECT id, text, author"
                         " FROM comments WHERE id > ?", (first_new,))
            self._link_parents(conn, first_new)
        conn.execute(_FTS_INSERT_TRIGGER)
        return articles_added, added

    def _link_parents(self, conn: sqlite3.Connection, after_id: int = 0) -> int:
        """Resolve parent_id for comments after ``after_id`` whose parent is stored."""
        cur = conn.execute(
            "UPDATE comments SET parent_id = (SELECT p.id FROM comments p WHERE"
            " p.article_id = comments.article_id AND p.source_id = comments.parent_source_id)"
            " WHERE id > ? AND parent_source_id IS NOT NULL AND parent_id IS NULL",
            (after_id,))
        return max(cur.rowcount, 0)

    def finish_stream_ingest(self) -> int:
        """Link replies that came before their parents in the file; returns how many."""
        return int(self.write(self._link_parents, 0))

    # -- stats and calibration

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

    @staticmethod
    def _threshold_case(thresholds: dict[str, float]) -> tuple[str, list[Any]]:
        """SQL for 'the threshold of sc.label' (NULL for a label without one) and its params."""
        if not thresholds:
            return "NULL", []
        cases = " ".join("WHEN ? THEN ?" for _ in thresholds)
        return f"(CASE sc.label {cases} ELSE NULL END)", [x for kv in thresholds.items()
                                                          for x in kv]

    def label_status_counts(self, thresholds: dict[str, float]) -> list[dict[str, Any]]:
        """Per label and status: reader comments whose current scoring has the label (n) and
        how many of them reach the label's threshold (flagged; NULL without a threshold)."""
        case, params = self._threshold_case(thresholds)
        return self.query(
            "SELECT sc.label, COALESCE(d.status, 'pending') AS status, COUNT(*) AS n,"
            f" SUM(sc.value >= {case}) AS flagged FROM scores sc JOIN scorings s"
            " ON s.comment_id = sc.comment_id AND s.model = sc.model AND s.version = sc.version"
            " AND s.is_current = 1 JOIN comments c ON c.id = sc.comment_id AND c.kind = 'comment'"
            " LEFT JOIN decisions d ON d.comment_id = sc.comment_id GROUP BY 1, 2 ORDER BY 1, 2",
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

    def decided_models(self) -> list[dict[str, Any]]:
        """Current model versions of the decided (approved or hidden) reader comments, with
        how many each scored, most first."""
        return self.query(
            "SELECT s.model, s.version, COUNT(*) AS n FROM decisions d JOIN scorings s"
            " ON s.comment_id = d.comment_id AND s.is_current = 1 JOIN comments c"
            " ON c.id = d.comment_id AND c.kind = 'comment'"
            " WHERE d.status IN ('approved', 'hidden') GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2")

    def decided_scores(self, model: str, version: str, *,
                       ignore_reasons: Sequence[str] = ()) -> Iterator[tuple[str, float, bool]]:
        """(label, score, hidden?) for every decided reader comment this model version scored
        (its current scoring): the calibration data, by label, highest score first. Comments
        hidden for one of ``ignore_reasons`` (e.g. spam: not a toxicity call) are left out."""
        marks = ",".join("?" * len(ignore_reasons))
        skip = (f" AND NOT (d.status = 'hidden' AND COALESCE(d.reason, '') IN ({marks}))"
                if ignore_reasons else "")
        sql = (
            "SELECT sc.label, sc.value, d.status = 'hidden' FROM decisions d JOIN scorings s"
            " ON s.comment_id = d.comment_id AND s.is_current = 1 AND s.model = ?"
            " AND s.version = ? JOIN comments c ON c.id = d.comment_id AND c.kind = 'comment'"
            " JOIN scores sc ON sc.comment_id = s.comment_id AND sc.model = s.model"
            " AND sc.version = s.version WHERE d.status IN ('approved', 'hidden')"
            f"{skip} ORDER BY sc.label, sc.value DESC")
        with self._lock:
            rows = self.db.conn.execute(sql, (model, version, *ignore_reasons)).fetchall()
        for label, value, hidden in rows:
            yield str(label), float(value), bool(hidden)


_FTS_INSERT_TRIGGER = next(st for st in schema.statements(schema.TABLES)
                           if "TRIGGER IF NOT EXISTS comments_ai " in st)


def fts_query(text: str) -> str:
    """Quote each word so that user input is never FTS5 syntax."""
    words = [w.replace('"', '""') for w in text.split()]
    return " ".join(f'"{w}"' for w in words) or '""'
