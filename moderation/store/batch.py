"""Streaming ingest and batch scoring: few, large statements per transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from moderation.documents import Article, Comment, Scores
from moderation.errors import StoreError
from moderation.store.core import (
    _FTS_INSERT_TRIGGER,
    INSERT_COMMENT,
    StoreCore,
    article_key,
    comment_base,
    comment_fields,
    comment_key,
)
from moderation.store.scores import score_fields


@dataclass(frozen=True)
class StreamBatch:
    """A streamed batch with its hashes computed: article keys and per comment (article key,
    base hash, 63-bit occurrence key, stored fields)."""
    source: str
    fmt: str
    akeys: dict[str | None, str]
    rows: list[tuple[str, str, int, tuple[Any, ...]]]


class BatchMixin(StoreCore):
    """Streaming ingest and batch scoring: few, large statements per transaction."""

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
            status, labels, top, spans = score_fields(sc)
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

    @staticmethod
    def prepare_stream_batch(source: str, fmt: str,
                             rows: Sequence[tuple[str | None, Comment]]) -> StreamBatch:
        """The work of a streamed batch that needs no database (hashes, normalized authors):
        the caller runs it on its own thread while the previous batch is being written."""
        akeys: dict[str | None, str] = {}
        prepared = []
        for k, c in rows:
            akey = akeys.get(k)
            if akey is None:
                akey = akeys[k] = article_key(Article(id=k), source, fmt)
            base = comment_base(akey, c)
            prepared.append((akey, base, int(base[:16], 16) >> 1, comment_fields(c)))
        return StreamBatch(source, fmt, akeys, prepared)

    def ingest_stream_batch(self, source: str, fmt: str,
                            rows: Sequence[tuple[str | None, Comment]] | StreamBatch
                            ) -> tuple[int, int]:
        """Store (article key, comment) pairs from a streamed CSV/JSONL in one transaction.

        Keys are the ones ``ingest`` gives the same file parsed whole (article from its key or
        the source; a comment's n-th identical copy in an article is its own comment), so the
        two paths never duplicate each other and a re-run adds nothing twice. The occurrence
        counts live in a temp table (keyed by 63 bits of the hash), so memory stays flat
        whatever the file size. ``rows`` may come from ``prepare_stream_batch``.
        Returns (articles added, comments added)."""
        batch = rows if isinstance(rows, StreamBatch) else self.prepare_stream_batch(
            source, fmt, rows)
        return tuple(self.write(self._ingest_stream_batch, batch))  # type: ignore

    def _ingest_stream_batch(self, conn: sqlite3.Connection,
                             batch: StreamBatch) -> tuple[int, int]:
        now = self.clock()
        articles_added = max(conn.executemany(
            "INSERT OR IGNORE INTO articles(key, source, source_format, source_id, ingested_at)"
            " VALUES (?,?,?,?,?)",
            [(ak, batch.source, batch.fmt, k, now) for k, ak in batch.akeys.items()]
        ).rowcount, 0)
        ids: dict[str, int] = {}
        keys = list(batch.akeys.values())
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            ids.update(conn.execute(
                f"SELECT key, id FROM articles WHERE key IN ({','.join('?' * len(chunk))})",
                chunk).fetchall())
        counts: dict[int, int] = {}
        uniq = list(dict.fromkeys(h for _, _, h, _ in batch.rows))
        for start in range(0, len(uniq), 500):
            hs = uniq[start:start + 500]
            counts.update(conn.execute(
                "SELECT h, n FROM temp.ingest_seen WHERE h IN"
                f" ({','.join('?' * len(hs))})", hs).fetchall())
        out = []
        for akey, base, h, fields in batch.rows:
            n = counts.get(h, 0)
            counts[h] = n + 1
            out.append((ids[akey], comment_key(base, n), *fields, now))
        conn.executemany("INSERT OR REPLACE INTO temp.ingest_seen(h, n) VALUES (?,?)",
                         [(h, counts[h]) for h in uniq])
        first_new = conn.execute("SELECT COALESCE(MAX(id), 0) FROM comments").fetchone()[0]
        # Full-text rows are added set-wise after the batch rather than by the per-row insert
        # trigger (measured 2.5x faster); the trigger is dropped and recreated (from schema.py)
        # inside this transaction, so no other connection ever sees it missing.
        conn.execute("DROP TRIGGER IF EXISTS comments_ai")
        added = max(conn.executemany(INSERT_COMMENT, out).rowcount, 0)
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
