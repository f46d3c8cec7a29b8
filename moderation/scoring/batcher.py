"""Gather texts from many concurrent callers onto one loaded model, in small batches.

A caller (the HTTP server's request handlers; anything else that scores one comment at a time
from many threads or tasks) submits its texts and gets a ``concurrent.futures.Future``. One
thread owns the model: when it is idle, what is queued runs at once (a lone request waits for
nothing); while it is busy, new requests queue up and the next batch takes up to ``max_batch``
texts. The queue is bounded: past ``max_queue`` texts, ``submit`` raises ``Overloaded`` at once,
so a burst gets quick refusals instead of a pile of waiting work and growing memory.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from moderation.documents import Scores
from moderation.errors import ModerationError
from moderation.scoring import Scorer


class Overloaded(ModerationError):
    """The scoring queue is full: try again shortly."""


@dataclass
class _Job:
    texts: Sequence[str]
    languages: Sequence[str | None] | None = None
    future: Future[list[Scores]] = field(default_factory=Future)


@dataclass
class BatcherStats:
    batches: int = 0
    texts: int = 0
    refused: int = 0
    busy_s: float = 0.0


class MicroBatcher:
    """One model, many callers: batches of up to ``max_batch`` texts, a bounded queue."""

    def __init__(self, scorer: Scorer, *, max_batch: int = 16, max_queue: int = 256):
        if max_batch < 1 or max_queue < max_batch:
            raise ValueError("need 1 <= max_batch <= max_queue")
        self.scorer = scorer
        self.max_batch = max_batch
        self.max_queue = max_queue
        self.stats = BatcherStats()
        self._jobs: deque[_Job] = deque()
        self._queued = 0
        self._closed = False
        self._cv = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="micro-batcher", daemon=True)
        self._thread.start()

    def submit(self, texts: Sequence[str], languages: Sequence[str | None] | None = None,
               ) -> Future[list[Scores]]:
        """Queue ``texts`` (one request's: a comment, or its sentences) to be scored together
        with other callers'; the future gets one Scores per text, in order. ``languages``: the
        language the caller states for each text, for a scorer that takes them
        (``takes_languages``; RoutedScorer); others detect it."""
        if not texts:
            done: Future[list[Scores]] = Future()
            done.set_result([])
            return done
        with self._cv:
            if self._closed:
                raise Overloaded("the scorer is shutting down")
            # A request larger than a whole queue is still taken when nothing else waits.
            if self._queued and self._queued + len(texts) > self.max_queue:
                self.stats.refused += 1
                raise Overloaded(f"scoring queue full ({self._queued} texts waiting)")
            job = _Job(list(texts), list(languages) if languages is not None else None)
            self._jobs.append(job)
            self._queued += len(texts)
            self._cv.notify()
        return job.future

    def close(self, timeout: float = 30.0) -> None:
        """Finish what is queued, then stop the model thread."""
        with self._cv:
            self._closed = True
            self._cv.notify()
        self._thread.join(timeout)

    def _take(self) -> list[_Job]:
        with self._cv:
            while not self._jobs and not self._closed:
                self._cv.wait()
            batch: list[_Job] = []
            size = 0
            while self._jobs and (not batch or size + len(self._jobs[0].texts) <= self.max_batch):
                job = self._jobs.popleft()
                batch.append(job)
                size += len(job.texts)
            self._queued -= size
            return batch

    def _run(self) -> None:
        while True:
            batch = self._take()
            if not batch:
                return  # closed and drained
            texts = [t for job in batch for t in job.texts]
            langs = None
            if getattr(self.scorer, "takes_languages", False) and any(j.languages for j in batch):
                langs = [lang for job in batch
                         for lang in (job.languages or [None] * len(job.texts))]
            start = time.perf_counter()
            try:
                results = (self.scorer.score(texts, languages=langs) if langs is not None
                           else self.scorer.score(texts))
            except Exception as exc:  # every waiting caller hears of it, the thread lives on
                for job in batch:
                    job.future.set_exception(exc)
                continue
            finally:
                self.stats.busy_s += time.perf_counter() - start
            self.stats.batches += 1
            self.stats.texts += len(texts)
            at = 0
            for job in batch:
                job.future.set_result(results[at:at + len(job.texts)])
                at += len(job.texts)
