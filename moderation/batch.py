"""Batch scoring at archive scale: the database or a stream, in worker processes (the streamed
ingest of CSV/JSONL is ``moderation.ingest``).

Every unit of work is one short transaction, so ``kill -9`` at any moment loses at most the
batch in flight and the same command, run again, finishes the job: the database itself is the
checkpoint (what is stored is done), and every write is keyed (INSERT OR IGNORE), so a re-run
never duplicates anything.
"""

from __future__ import annotations

import importlib
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from typing import Any, TypeVar

from moderation.documents import Scores
from moderation.errors import ScorerError
from moderation.scoring import Scorer
from moderation.store import Store

T = TypeVar("T")

# Comments read, scored and saved per transaction when scoring the database.
DB_CHUNK = 512
# Seconds between passive WAL checkpoints during a batch.
CHECKPOINT_EVERY_S = 2.0


@dataclass
class Summary:
    """What a batch run did; printed as one JSON line at the end."""

    scored: int = 0                 # texts the model scored in this run
    reused: int = 0                 # comments given the stored score of an identical text
    skipped: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    # comments each model scored: with a model for other languages, not only ``model``
    by_model: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    model: str = ""
    version: str = ""
    workers: int = 1
    stale: int = 0                  # comments scored only by another model or older version
    model_seconds: float | None = None  # time inside the model's score() (one process only)
    note: str = ""

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + n

    def status(self, status: str, n: int = 1) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + n

    def count(self, scores: Scores) -> None:
        """One comment's result: its status, and the model that scored it."""
        self.status(scores.status)
        if scores.model:
            self.by_model[scores.model] = self.by_model.get(scores.model, 0) + 1

    def as_json(self) -> dict[str, Any]:
        d = asdict(self)
        done = self.scored + self.reused
        d["rate"] = round(done / self.seconds, 1) if self.seconds else None
        d["seconds"] = round(self.seconds, 3)
        if self.model_seconds is not None:
            d["model_seconds"] = round(self.model_seconds, 3)
        if not d["note"]:
            del d["note"]
        return d


# -- loading the model, in this process or in workers -------------------------------------------


@dataclass(frozen=True)
class ScorerSpec:
    """How to load a scorer: picklable, so each worker process loads its own copy once.

    ``name`` is what ``load_scorer`` takes, or ``python:MODULE:ATTR`` for a Scorer class or
    factory of your own (called with no arguments).
    """

    name: str
    device: str = "auto"
    batch_size: int | None = None
    # A model for comments in languages ``name`` does not cover (config scoring.other_languages).
    other_languages: str | None = None
    precision: str | None = None  # auto | fp32 | bf16 | fp16 (config scoring.precision)
    language: str | None = None  # most readers' language (config scoring.language)

    def load(self) -> Scorer:
        if self.name.startswith("python:"):
            module, _, attr = self.name.removeprefix("python:").rpartition(":")
            if not module or not attr:
                raise ScorerError(f"{self.name!r}: use python:MODULE:ATTR")
            try:
                factory = getattr(importlib.import_module(module), attr)
            except (ImportError, AttributeError) as exc:
                raise ScorerError(f"{self.name!r}: cannot load ({exc})") from exc
            return factory()  # type: ignore[no-any-return]
        from moderation.scoring import load_scorer

        return load_scorer(self.name, device=self.device, batch_size=self.batch_size,
                           other_languages=self.other_languages, precision=self.precision,
                           language=self.language)


_WORKER_SCORER: Scorer | None = None


def _worker_init(spec: ScorerSpec) -> None:
    global _WORKER_SCORER
    os.environ.setdefault("MODERATION_TORCH_THREADS", "1")  # one core per worker process
    # A worker whose parent was killed (kill -9) would wait on its task queue forever: it
    # holds that queue's write end itself, so it never sees EOF. Leave when orphaned.
    parent = os.getppid()

    def watch_parent() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch_parent, daemon=True).start()
    _WORKER_SCORER = spec.load()


def _worker_describe() -> tuple[str, str, tuple[str, ...], tuple[tuple[str, str], ...], int]:
    assert _WORKER_SCORER is not None
    return (_WORKER_SCORER.name, _WORKER_SCORER.version, tuple(_WORKER_SCORER.labels),
            tuple(getattr(_WORKER_SCORER, "members", ())),
            int(getattr(_WORKER_SCORER, "rows_per_call", 0)))


def _worker_score(texts: list[str], groups: list[Any] | None = None) -> list[Scores]:
    assert _WORKER_SCORER is not None
    return score_texts(_WORKER_SCORER, texts, groups)


def score_texts(scorer: Scorer, texts: list[str],
                groups: list[Any] | None = None) -> list[Scores]:
    """``scorer.score(texts)``, with each text's group (its article) where the scorer reads it
    (``takes_groups``: RoutedScorer, whose language context is then each article's own)."""
    if groups is not None and getattr(scorer, "takes_groups", False):
        return scorer.score(texts, groups=groups)  # type: ignore[call-arg]
    return scorer.score(texts)


class ScoringPool:
    """Scores batches of texts in this process, or in ``workers`` processes that each load the
    model once. ``map`` keeps the input order and a bounded number of batches in flight, so
    memory stays flat; only the caller (the parent) ever writes to the database."""

    def __init__(self, scorer: Scorer | ScorerSpec, workers: int = 1) -> None:
        self.workers = max(1, workers)
        self.model_seconds = 0.0  # in this process; 0 with workers
        self._pool: ProcessPoolExecutor | None = None
        self.scorer: Scorer | None = None
        if self.workers == 1 or not isinstance(scorer, ScorerSpec):
            self.workers = 1
            self.scorer = scorer.load() if isinstance(scorer, ScorerSpec) else scorer
            self.name, self.version = self.scorer.name, self.scorer.version
            self.labels = tuple(self.scorer.labels)
            self.members: tuple[tuple[str, str], ...] = tuple(getattr(self.scorer, "members", ()))
            # texts per score() call the model batches best with (0: no preference)
            self.rows_per_call = int(getattr(self.scorer, "rows_per_call", 0))
            return
        # One thread per worker for numpy/BLAS and torch: N workers share N cores. (The
        # children read these at spawn; the parent never loads the model itself.)
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")
        # spawn, not fork: the parent may hold threads (progress bar) and SQLite connections.
        self._pool = ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"),
                                         initializer=_worker_init, initargs=(scorer,))
        try:
            # one call per worker starts them all (each loads the model) before timing starts
            futures = [self._pool.submit(_worker_describe) for _ in range(self.workers)]
            described = [f.result() for f in futures]
            (self.name, self.version, self.labels, self.members,
             self.rows_per_call) = described[0]
        except BrokenProcessPool as exc:
            self.close()
            raise ScorerError(f"{scorer.name}: a worker process could not load the model") from exc

    def map(self, jobs: Iterable[tuple[T, list[str]] | tuple[T, list[str], list[Any] | None]],
            ) -> Iterator[tuple[T, list[Scores]]]:
        """For each (tag, texts) or (tag, texts, groups), yield (tag, scores) in order.
        ``groups``: a key per text (its article), for a scorer that reads it (``score_texts``); None
        as no groups."""
        if self._pool is None:
            assert self.scorer is not None
            for tag, texts, *groups in jobs:
                t = time.perf_counter()
                scores = score_texts(self.scorer, texts, *groups) if texts else []
                self.model_seconds += time.perf_counter() - t
                yield tag, scores
            return
        inflight: deque[tuple[T, Future[list[Scores]] | None]] = deque()
        limit = 2 * self.workers
        try:
            for tag, texts, *groups in jobs:
                inflight.append((tag, self._pool.submit(_worker_score, texts, *groups)
                                 if texts else None))
                while len(inflight) >= limit:
                    yield self._next(inflight)
            while inflight:
                yield self._next(inflight)
        except BrokenProcessPool as exc:
            raise ScorerError("a scoring worker process died") from exc

    @staticmethod
    def _next(inflight: deque[tuple[T, Future[list[Scores]] | None]]) -> tuple[T, list[Scores]]:
        tag, fut = inflight.popleft()
        return tag, (fut.result() if fut is not None else [])

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ScoringPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def wal_bytes(store: Store) -> int:
    try:
        return os.path.getsize(store.path + "-wal")
    except OSError:
        return 0


# -- scoring the database --------------------------------------------------------------------------


def score_database(store: Store, scorer: Scorer | ScorerSpec, *, rescore: bool = False,
                   workers: int = 1, chunk: int = DB_CHUNK,
                   progress: Callable[..., Any] | None = None,
                   on_total: Callable[[int], None] | None = None) -> Summary:
    """Score every reader comment not scored yet; each chunk is saved in one transaction.

    Scores are keyed by text and model version: a text already scored by this model version
    (an identical comment elsewhere) is not scored again, its scores are copied. Without
    ``rescore``, a comment with scores from an older model keeps them (``stale`` counts such
    comments); with it, they are scored again and the old scores stay, no longer current.
    """
    store.tune_for_batch(cache_mb=16)  # scoring reads and writes mostly in id order
    with ScoringPool(scorer, workers) as pool, ThreadPoolExecutor(1) as writer:
        start = time.perf_counter()  # model loading (in workers too) is not in the rate
        summary = Summary(model=pool.name, version=pool.version, workers=pool.workers)
        if on_total is not None:
            on_total(store.count_unscored(pool.name, pool.version, rescore=rescore,
                                          members=pool.members))
        last_checkpoint = [time.monotonic()]
        # One writer thread saves chunk k while the model scores chunk k+1 (sqlite3 and numpy
        # release the GIL); saves stay in order, one transaction each.
        saving: deque[tuple[Future[tuple[int, int]], list[tuple[int, Scores]], int,
                            Callable[[], None]]] = deque()

        def save(new: list[tuple[int, Scores]], copies: list[tuple[int, bytes]]) -> tuple[int, int]:
            res = store.save_batch(pool.name, pool.version, new, copies, pool.members)
            if time.monotonic() - last_checkpoint[0] > CHECKPOINT_EVERY_S:
                store.checkpoint("PASSIVE")
                last_checkpoint[0] = time.monotonic()
            return res

        def finish() -> None:
            fut, new, n, release = saving.popleft()
            s, c = fut.result()
            release()
            summary.scored += s
            summary.reused += c
            for _, sc in new:
                summary.count(sc)
            if progress:
                progress(n)

        # Reads go through a second connection: in WAL they never wait for the writer thread.
        reader = Store(store.path, readonly=True, busy_timeout_ms=store.busy_timeout_ms)
        for _ in range(3):  # a second pass picks up comments ingested meanwhile
            done = 0
            for new, copies, release in _score_pass(reader, pool, rescore, chunk):
                saving.append((writer.submit(save, new, copies), new, len(new) + len(copies),
                               release))
                done += len(new) + len(copies)
                while len(saving) > 1 or (saving and saving[0][0].done()):
                    finish()
            while saving:
                finish()
            if not done:
                break
        reader.close()
        store.checkpoint("PASSIVE")
        if pool.workers == 1:
            summary.model_seconds = pool.model_seconds
    if not rescore:
        summary.stale = store.count_stale(summary.model, summary.version, pool.members)
        if summary.stale:
            summary.note = (f"{summary.stale} comment(s) have scores only from another model "
                            f"or an older version; run `moderation score --rescore` to score "
                            f"them with {summary.model} {summary.version} (old scores are kept)")
    summary.seconds = time.perf_counter() - start
    return summary


def _score_pass(store: Store, pool: ScoringPool, rescore: bool, chunk: int) -> Iterator[
        tuple[list[tuple[int, Scores]], list[tuple[int, bytes]], Callable[[], None]]]:
    """Yield (new scores, copies, release) per chunk, in id order, each text scored once.

    ``store`` is read only; the caller saves each chunk.

    Call ``release()`` once the chunk is saved: until then its texts count as in flight, so a
    later chunk copies their scores (after the save) instead of scoring them again.
    """
    inflight: dict[bytes, int] = {}  # text hash -> chunks in flight that score it
    lock = threading.Lock()

    def jobs() -> Iterator[tuple[tuple[list[tuple[int, bytes]], list[tuple[int, bytes]],
                                       list[bytes]], list[str], list[int]]]:
        after = 0
        while True:
            rows = store.unscored_rows(pool.name, pool.version, rescore=rescore,
                                       after_id=after, limit=chunk, members=pool.members)
            if not rows:
                return
            after = rows[-1][0]
            with lock:
                fresh = {h: None for _, _, h, _ in rows if h not in inflight}
            known = store.scored_hashes(pool.name, pool.version, list(fresh), skip_unique=True)
            to_score: dict[bytes, str] = {}
            article: dict[bytes, int] = {}  # the article of the comment that scores a text
            owners: list[tuple[int, bytes]] = []
            copies: list[tuple[int, bytes]] = []
            with lock:
                for cid, text, h, aid in rows:
                    # (a hash in flight above and released since is saved: a copy too)
                    if h in known or h in inflight or h in to_score or h not in fresh:
                        # resolved when saved, after its source (maybe in this chunk) was saved
                        copies.append((cid, h))
                    else:
                        to_score[h] = text
                        article[h] = aid
                        owners.append((cid, h))
                for h in to_score:
                    inflight[h] = inflight.get(h, 0) + 1
            yield (owners, copies, list(to_score)), list(to_score.values()), list(article.values())

    def releaser(hashes: list[bytes]) -> Callable[[], None]:
        def release() -> None:
            with lock:
                for h in hashes:
                    inflight[h] -= 1
                    if not inflight[h]:
                        del inflight[h]
        return release

    # the reads run a chunk ahead on their own thread, while the model scores (sqlite3
    # releases the GIL)
    for (owners, copies, hashes), results in pool.map(read_ahead(jobs())):
        by_hash = dict(zip(hashes, results, strict=True))
        yield [(cid, by_hash[h]) for cid, h in owners], copies, releaser(hashes)


def read_ahead(items: Iterator[T], depth: int = 1) -> Generator[T, None, None]:
    """Yield from ``items``, which a thread of its own runs up to ``depth`` items ahead."""
    ready: queue.Queue[tuple[bool, Any]] = queue.Queue(depth)
    stop = threading.Event()

    def put(item: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put((False, item)):
                    return
            put((True, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            put((True, exc))

    thread = threading.Thread(target=run, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            done, item = ready.get()
            if done:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        thread.join()
