"""Ingest parse results: articles and comments keyed by content, added once."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from moderation.documents import Article, Comment, ParseResult
from moderation.safetext import match_key
from moderation.store.core import (
    IngestReport,
    StoreCore,
    _sha,
    article_key,
    text_hash,
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
