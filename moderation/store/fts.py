"""The full-text index behind a bulk ingest: how far behind it is, catching it up, searching."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moderation.store.core import StoreCore, fts_query

# Comments indexed per catch-up transaction: about a second of work on a 2-core machine, so a
# moderator's decision or a scoring batch waits at most that long for the write lock.
CATCH_UP_ROWS = 40_000


@dataclass(frozen=True)
class CatchUp:
    """What a catch-up did: comments indexed, transactions, seconds, how many still wait."""
    indexed: int
    transactions: int
    seconds: float
    behind: int

    def as_json(self) -> dict[str, Any]:
        return {"indexed": self.indexed, "transactions": self.transactions,
                "seconds": round(self.seconds, 3),
                "rate": round(self.indexed / self.seconds, 1) if self.seconds else None,
                "behind": self.behind}


@dataclass(frozen=True)
class SearchResult:
    """Comments matching a search, best first, and how many comments the index lacks."""
    rows: list[dict[str, Any]]
    behind: int


def behind_message(behind: int) -> str:
    return (f"search index is {behind:,} comment{'s' if behind != 1 else ''} behind; results "
            "may be incomplete (it catches up after an ingest, or run `moderation reindex`)")


def index_range(conn: sqlite3.Connection, low: int, high: int | None = None) -> None:
    """Index the comments with low < id <= high (every one above low when high is None)."""
    if high is None:
        conn.execute("INSERT INTO comments_fts(rowid, text, author)"
                     " SELECT id, text, author FROM comments WHERE id > ?", (low,))
    else:
        conn.execute("INSERT INTO comments_fts(rowid, text, author)"
                     " SELECT id, text, author FROM comments WHERE id > ? AND id <= ?",
                     (low, high))


def watermark(conn: sqlite3.Connection) -> int:
    """The highest comment id up to which every comment is indexed."""
    return int(conn.execute(
        "SELECT indexed_through FROM fts_progress WHERE id = 1").fetchone()[0])


def set_watermark(conn: sqlite3.Connection, value: int) -> None:
    conn.execute("UPDATE fts_progress SET indexed_through = ? WHERE id = 1", (value,))


def index_step(conn: sqlite3.Connection, rows: int) -> int:
    """Index the next ``rows`` comments above the watermark and move it past them, in the
    caller's transaction; returns how many were indexed (0: the index is complete)."""
    low = watermark(conn)
    high, n = conn.execute(
        "SELECT MAX(id), COUNT(*) FROM (SELECT id FROM comments WHERE id > ? ORDER BY id"
        " LIMIT ?)", (low, rows)).fetchone()
    if not n:
        return 0
    index_range(conn, low, high)
    set_watermark(conn, high)
    return int(n)


class FtsMixin(StoreCore):
    """The full-text index behind a bulk ingest: how far behind it is, catching it up."""

    def search_index_behind(self) -> int:
        """Comments not in the full-text index yet (a read: fine for a reader)."""
        with self._lock:
            return int(self.db.conn.execute(
                "SELECT COUNT(*) FROM comments WHERE id >"
                " (SELECT indexed_through FROM fts_progress WHERE id = 1)").fetchone()[0])

    def index_some(self, rows: int = CATCH_UP_ROWS) -> int:
        """One catch-up transaction of at most ``rows`` comments; returns how many."""
        return int(self.write(index_step, rows))

    def catch_up_index(self, rows: int = CATCH_UP_ROWS, *,
                       progress: Callable[[int], Any] | None = None) -> CatchUp:
        """Index every comment the full-text index lacks, ``rows`` per transaction (each
        commits on its own: a kill loses at most the one in progress, and another process's
        write gets the lock between two of them)."""
        start = time.perf_counter()
        done = txns = 0
        while n := self.index_some(rows):
            done += n
            txns += 1
            if progress:
                progress(n)
        return CatchUp(done, txns, time.perf_counter() - start, self.search_index_behind())

    def search(self, text: str, *, limit: int = 50, status: str = "all") -> SearchResult:
        """Comments whose text or author holds every word of ``text`` (words, never FTS5
        syntax), best match first, with the index's lag."""
        where, params = "", [fts_query(text)]
        if status != "all":
            where = " AND COALESCE(d.status, 'pending') = ?"
            params.append(status)
        rows = self.query(
            "SELECT c.id, c.article_id, a.title AS article_title, c.author, c.text, c.date,"
            " COALESCE(d.status, 'pending') AS status, s.max_value, s.top_label"
            " FROM comments_fts f JOIN comments c ON c.id = f.rowid"
            " JOIN articles a ON a.id = c.article_id"
            " LEFT JOIN decisions d ON d.comment_id = c.id"
            " LEFT JOIN scorings s ON s.comment_id = c.id AND s.is_current = 1"
            f" WHERE comments_fts MATCH ?{where} ORDER BY f.rank, c.id LIMIT ?",
            [*params, limit])
        return SearchResult(rows, self.search_index_behind())
