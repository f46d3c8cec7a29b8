"""Streaming ingest and batch scoring: few, large statements per transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from moderation.documents import Article, Comment, Scores
from moderation.errors import StoreError
from moderation.schema_fts import FTS_INSERT_TRIGGER
from moderation.store.core import (
    INSERT_COMMENT,
    TEXT_HASH_FIELD,
    StoreCore,
    article_key,
    comment_base,
    comment_fields,
    comment_key,
    text_key_range,
)
from moderation.store.fts import index_range, set_watermark, watermark
from moderation.store.scores import score_fields

# Article ids a streamed ingest remembers between chunks.
STREAM_ARTICLE_CACHE = 200_000


# A streamed comment names its article by key: the writer then runs no Python per row.
INSERT_STREAM_COMMENT = INSERT_COMMENT.replace(
    "VALUES (?,", "VALUES ((SELECT id FROM articles WHERE key = ?),", 1)
assert INSERT_STREAM_COMMENT != INSERT_COMMENT


@dataclass(frozen=True)
class StreamBatch:
    """A streamed batch made ready where the file is parsed: its article keys, a row per comment as
    INSERT_STREAM_COMMENT takes it (keyed as the first copy, the usual case), the rows that may
    be a later copy (index, occurrence key, text hash, base hash, copies before it in the batch),
    and the batch's count of each occurrence key."""
    source: str
    fmt: str
    akeys: dict[str | None, str]
    rows: list[tuple[Any, ...]]
    repeats: list[tuple[int, int, bytes, str, int]]
    counts: list[tuple[int, int]]  # (occurrence key, copies in this batch)
    lookup: list[int]   # the occurrence keys an earlier batch of the file may have had


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

    @staticmethod
    def _identities(model: str, version: str, members: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        """The (model, version) pairs a scorer stores under: its own, and with routing each
        member model's (``scoring.routing.RoutedScorer.members``)."""
        return list(dict.fromkeys([(model, version), *members]))

    def _unscored_where(self, rescore: bool, n_identities: int = 1) -> str:
        # Without rescore, any scoring (even from an older model) counts as scored; with it,
        # only a scoring from this model version (or a routed member's) does.
        same = " OR ".join(["(s.model = ? AND s.version = ?)"] * n_identities)
        return ("c.kind = 'comment' AND NOT EXISTS (SELECT 1 FROM scorings s WHERE"
                " s.comment_id = c.id" + (f" AND ({same}))" if rescore else ")"))

    def unscored_rows(self, model: str, version: str, *, rescore: bool = False,
                      after_id: int = 0, limit: int = 512,
                      members: Sequence[tuple[str, str]] = ()) -> list[tuple[int, str, bytes, int]]:
        """(id, text, text_hash, article_id) of reader comments still to score, by id, after
        ``after_id``."""
        ids = self._identities(model, version, members)
        params: list[Any] = [after_id, *([x for kv in ids for x in kv] if rescore else ()), limit]
        with self._lock:
            return self.db.conn.execute(
                "SELECT c.id, c.text, c.text_hash, c.article_id FROM comments c WHERE c.id > ? AND "
                + self._unscored_where(rescore, len(ids)) + " ORDER BY c.id LIMIT ?",
                params).fetchall()

    def count_unscored(self, model: str, version: str, *, rescore: bool = False,
                       members: Sequence[tuple[str, str]] = ()) -> int:
        ids = self._identities(model, version, members)
        params = [x for kv in ids for x in kv] if rescore else []
        with self._lock:
            return int(self.db.conn.execute(
                "SELECT COUNT(*) FROM comments c WHERE " + self._unscored_where(rescore, len(ids)),
                params).fetchone()[0])

    def count_stale(self, model: str, version: str, members: Sequence[tuple[str, str]] = ()) -> int:
        """Comments whose only scores come from another model or an older version."""
        ids = self._identities(model, version, members)
        same = " OR ".join(["(t.model = ? AND t.version = ?)"] * len(ids))
        flat = [x for kv in ids for x in kv]
        with self._lock:
            return int(self.db.conn.execute(
                "SELECT COUNT(*) FROM scorings s WHERE s.is_current = 1 AND NOT EXISTS"
                f" (SELECT 1 FROM scorings t WHERE t.comment_id = s.comment_id AND ({same}))",
                flat).fetchone()[0])

    def scored_hashes(self, model: str, version: str, hashes: Sequence[bytes], *,
                      conn: sqlite3.Connection | None = None,
                      skip_unique: bool = False) -> dict[bytes, int]:
        """text_hash -> id of one comment with that text already scored by this model version.

        A text's copies are found through the key index (a key starts with the text hash),
        one range per hash. ``skip_unique``: the caller's comments with these hashes are
        themselves unscored, so a hash held by one comment only cannot have a scored twin."""
        # One statement per slice: a row per hash, each answered by range seeks in the key
        # index (a statement per hash cost 5% of a scoring run in calls alone).
        scored = ("(SELECT MIN(s.comment_id) FROM comments c CROSS JOIN scorings s"
                  " ON s.comment_id = c.id AND s.model = ? AND s.version = ?"
                  " WHERE c.key >= q.lo AND c.key < q.hi AND c.text_hash = q.h)")
        twin = (" WHERE (SELECT c.id FROM comments c WHERE c.key >= q.lo AND c.key < q.hi"
                " AND c.text_hash = q.h LIMIT 1 OFFSET 1) IS NOT NULL") if skip_unique else ""
        out: dict[bytes, int] = {}
        distinct = list(dict.fromkeys(hashes))
        with self._lock:
            c = conn or self.db.conn
            for start in range(0, len(distinct), 300):
                part = distinct[start:start + 300]
                params: list[Any] = []
                for h in part:
                    params.extend((*text_key_range(h), h))
                params += [model, version]  # after the VALUES: placeholders count in text order
                out.update((h, cid) for h, cid in c.execute(
                    f"WITH q(lo, hi, h) AS (VALUES {','.join(['(?,?,?)'] * len(part))})"
                    f" SELECT q.h, {scored} FROM q{twin}", params) if cid is not None)
        return out

    def save_batch(self, model: str, version: str, new: Sequence[tuple[int, Scores]],
                   copies: Sequence[tuple[int, bytes]],
                   members: Sequence[tuple[str, str]] = ()) -> tuple[int, int]:
        """In one transaction: store ``new`` scores, and give each ``(comment id, text_hash)``
        in ``copies`` the scores already stored for the same text by this model version (a
        duplicate text is scored once). A comment that already has a scoring from this model
        version keeps it. Returns (new saved, copies saved).

        A score whose own (model, version) is one of ``members`` (a routed scorer's models) is
        stored under that model, so each comment records which model scored it."""
        return tuple(self.write(self._save_batch, model, version, new, copies,  # type: ignore
                                frozenset(members)))

    def _save_batch(self, conn: sqlite3.Connection, model: str, version: str,
                    new: Sequence[tuple[int, Scores]],
                    copies: Sequence[tuple[int, bytes]],
                    members: frozenset[tuple[str, str]] = frozenset()) -> tuple[int, int]:
        now = self.clock()
        scoring_rows: list[tuple[Any, ...]] = []
        score_rows: list[tuple[Any, ...]] = []
        own: dict[int, tuple[str, str]] = {}
        for comment_id, sc in new:
            status, labels, top, spans = score_fields(sc)
            m, v = (sc.model, sc.version) if (sc.model, sc.version) in members else (model, version)
            own[comment_id] = (m, v)
            scoring_rows.append((comment_id, m, v, status, sc.windows, sc.language,
                                 spans, top[1], top[0], now))
            score_rows.extend((comment_id, m, v, k, val) for k, val in labels.items())
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
            [(cid, *own.get(cid, (model, version))) for cid in [c for c, _ in new] + [c for c, _ in copies]])
        return saved, copied

    def begin_stream_ingest(self, expected_rows: int | None = None, *,
                            index_now: bool = False) -> None:
        """Start a streamed ingest: forget the occurrence counts of the previous file.
        ``expected_rows`` (an estimate, None if unknown) sizes the filter of seen comments.
        ``index_now``: index each batch's comments for search in its own transaction (the
        slower way of before); by default the index lags and ``catch_up_index`` follows."""
        self._stream_index_now = index_now
        with self._lock:
            # keyed by 63 bits of the comment's base hash: a rowid b-tree, the cheapest kind;
            # its own page cache (temp's default is 2 MB) holds ~1.5M keys, bounded as well
            self.db.conn.execute("PRAGMA temp.cache_size = -32768")
            self.db.conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS ingest_seen (h INTEGER PRIMARY KEY, n INTEGER)")
            self.db.conn.execute("DELETE FROM temp.ingest_seen")
        # article key -> id of the articles this stream has stored (committed): a file in
        # random order names most of its articles in every chunk. Bounded; cleared when full.
        self._stream_article_ids: dict[str, int] = {}
        from moderation.store.seen import SeenFilter  # numpy: only a streamed ingest needs it

        self._stream_seen: SeenFilter | None = SeenFilter(expected_rows)

    def prepare_stream_batch(self, source: str, fmt: str,
                             rows: Sequence[tuple[str | None, Comment]]) -> StreamBatch:
        """The work of a streamed batch that needs no database (hashes, normalized authors,
        which comments this file may have had before): the caller runs it where the file is
        parsed (a forked process or a thread) while the previous batch is being written. Call
        in file order, and in one place only: the filter of seen comments lives there."""
        akeys: dict[str | None, str] = {}
        now = self.clock()
        prepared: list[tuple[Any, ...]] = []
        keys: list[int] = []
        bases: list[str] = []
        local: dict[int, int] = {}
        repeats: list[tuple[int, int, bytes, str, int]] = []
        for i, (k, c) in enumerate(rows):
            akey = akeys.get(k)
            if akey is None:
                akey = akeys[k] = article_key(Article(id=k), source, fmt)
            base = comment_base(akey, c)
            fields = comment_fields(c)
            thash = fields[TEXT_HASH_FIELD]
            h = int(base[:16], 16) >> 1
            keys.append(h)
            bases.append(base)
            n = local.get(h, 0)
            local[h] = n + 1
            if n:  # a later copy within this batch
                repeats.append((i, h, thash, base, n))
            prepared.append((akey, comment_key(thash, base, n), *fields, now))
        hashes = list(local)
        seen = getattr(self, "_stream_seen", None)
        if seen is None:
            lookup = hashes
        else:  # only the ones an earlier chunk may have had need a look in ingest_seen
            lookup = [h for h, maybe in zip(hashes, seen.check_then_add(hashes), strict=True)
                      if maybe]
        if lookup:  # their first copy in this batch may be a later copy in the file
            maybe_seen = set(lookup)
            firsts: set[int] = set()
            for i, h in enumerate(keys):
                if h in maybe_seen and h not in firsts:
                    firsts.add(h)
                    repeats.append((i, h, prepared[i][TEXT_HASH_FIELD + 2], bases[i], 0))
        return StreamBatch(source, fmt, akeys, prepared, repeats, list(local.items()),
                           lookup)

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
        known = getattr(self, "_stream_article_ids", {})
        ids: dict[str, int] = {}
        added = self.write(self._ingest_stream_batch, batch, known, ids)
        # only now, committed: a rolled-back attempt must not leave ids behind
        if len(known) + len(ids) > STREAM_ARTICLE_CACHE:
            known.clear()
        known.update(ids)
        return tuple(added)  # type: ignore

    def _ingest_stream_batch(self, conn: sqlite3.Connection, batch: StreamBatch,
                             known: dict[str, int], ids: dict[str, int]) -> tuple[int, int]:
        now = self.clock()
        ids.clear()
        ids.update((ak, known[ak]) for ak in batch.akeys.values() if ak in known)
        new = [(k, ak) for k, ak in batch.akeys.items() if ak not in ids]
        articles_added = max(conn.executemany(
            "INSERT OR IGNORE INTO articles(key, source, source_format, source_id, ingested_at)"
            " VALUES (?,?,?,?,?)", [(ak, batch.source, batch.fmt, k, now) for k, ak in new]
        ).rowcount, 0) if new else 0
        keys = [ak for _, ak in new]
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            ids.update(conn.execute(
                f"SELECT key, id FROM articles WHERE key IN ({','.join('?' * len(chunk))})",
                chunk).fetchall())
        before: dict[int, int] = {}  # copies earlier batches of the file had
        for start in range(0, len(batch.lookup), 500):
            hs = batch.lookup[start:start + 500]
            before.update(conn.execute(
                "SELECT h, n FROM temp.ingest_seen WHERE h IN"
                f" ({','.join('?' * len(hs))})", hs).fetchall())
        rows = batch.rows
        if before:  # (a copy on the file)
            rows = list(rows)
            for i, h, thash, base, n in batch.repeats:
                if h in before:
                    rows[i] = (rows[i][0], comment_key(thash, base, before[h] + n), *rows[i][2:])
        conn.executemany("INSERT INTO temp.ingest_seen(h, n) VALUES (?,?)"
                         " ON CONFLICT(h) DO UPDATE SET n = n + excluded.n", batch.counts)
        first_new = conn.execute("SELECT COALESCE(MAX(id), 0) FROM comments").fetchone()[0]
        # The per-row insert trigger would index each comment as it comes (2.5x slower than
        # set-wise): it is dropped and recreated (from schema_fts) inside this transaction, so
        # no other connection ever sees it missing. By default the batch is not indexed here
        # at all: the index lags behind and catches up in transactions of its own (store.fts).
        conn.execute("DROP TRIGGER IF EXISTS comments_ai")
        indexed = watermark(conn)
        if indexed > first_new:  # the last comments were deleted: their ids come again
            set_watermark(conn, indexed := first_new)
        added = max(conn.executemany(INSERT_STREAM_COMMENT, rows).rowcount, 0)
        if added:
            if getattr(self, "_stream_index_now", False):  # the former way, in this transaction
                index_range(conn, indexed)
                set_watermark(conn, conn.execute("SELECT MAX(id) FROM comments").fetchone()[0])
            self._link_parents(conn, first_new)
        conn.execute(FTS_INSERT_TRIGGER)
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
