"""Ingest parse results: articles and comments keyed by content, added once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from moderation.documents import Article, Comment, ParseResult
from moderation.store.core import (
    INSERT_COMMENT,
    TEXT_HASH_FIELD,
    IngestReport,
    StoreCore,
    article_key,
    comment_base,
    comment_fields,
    comment_key,
)


class IngestMixin(StoreCore):
    """Ingest parse results: articles and comments keyed by content, added once."""

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
        now = self.clock()
        article_added, article_id, key = self._add_article(conn, article, source, fmt, now)
        return article_added, self._insert_comments(conn, article_id, key, article.comments, now)

    def _add_article(self, conn: sqlite3.Connection, article: Article, source: str, fmt: str,
                     now: str) -> tuple[int, int, str]:
        """The article's row, added unless its key is stored: (added, id, key)."""
        key = article_key(article, source, fmt)
        cur = conn.execute(
            "INSERT OR IGNORE INTO articles(key, source, source_format, source_id, title, byline,"
            " body, url, date, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (key, source, fmt, article.id, article.title, article.byline, article.body,
             article.url, article.date, now),
        )
        article_id = conn.execute("SELECT id FROM articles WHERE key = ?", (key,)).fetchone()[0]
        return cur.rowcount, int(article_id), key

    def _insert_comments(self, conn: sqlite3.Connection, article_id: int, akey: str,
                         comments: Iterable[Comment], now: str) -> int:
        rows = []
        occurrences: dict[str, int] = {}
        for c in comments:
            base = comment_base(akey, c)
            n = occurrences.get(base, 0)
            occurrences[base] = n + 1
            fields = comment_fields(c)
            rows.append((article_id, comment_key(fields[TEXT_HASH_FIELD], base, n), *fields, now))
        cur = conn.executemany(INSERT_COMMENT, rows)
        added = max(cur.rowcount, 0)  # sqlite3_changes(): trigger (FTS) rows not counted
        if added:
            conn.execute(
                "UPDATE comments SET parent_id = (SELECT p.id FROM comments p WHERE"
                " p.article_id = comments.article_id AND p.source_id = comments.parent_source_id)"
                " WHERE article_id = ? AND parent_source_id IS NOT NULL AND parent_id IS NULL",
                (article_id,),
            )
        return added
