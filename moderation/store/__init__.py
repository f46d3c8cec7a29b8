"""The only package that speaks SQL: one SQLite file through sqlite-utils, WAL, short transactions.

``Store`` is assembled from one class per concern (connection, ingest, scores, decisions,
queue reads, batch jobs, stats); each lives in its own module.
"""

from __future__ import annotations

from moderation.store.batch import BatchMixin
from moderation.store.core import (
    WRITE_DEADLINE_S,
    DecisionResult,
    IngestReport,
    StoreCore,
    article_key,
    fts_query,
    text_hash,
    utcnow,
)
from moderation.store.decisions import DecisionsMixin
from moderation.store.fts import FtsMixin
from moderation.store.ingest import IngestMixin
from moderation.store.live import LiveMixin
from moderation.store.queue import QueueMixin
from moderation.store.scores import ScoresMixin
from moderation.store.stats import StatsMixin


class Store(IngestMixin, LiveMixin, ScoresMixin, DecisionsMixin, QueueMixin, BatchMixin,
            FtsMixin, StatsMixin, StoreCore):
    """A moderation database. Thread-safe: one connection guarded by a lock."""


__all__ = ["WRITE_DEADLINE_S", "DecisionResult", "IngestReport", "Store", "article_key",
           "fts_query", "text_hash", "utcnow"]
