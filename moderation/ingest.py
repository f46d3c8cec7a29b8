"""Streamed ingest of CSV/JSONL archives into the store: adaptive transactions, parsing in a
forked process, the search index lagging behind and caught up after (``INDEX_MODES``).

Every transaction is keyed (INSERT OR IGNORE), so ``kill -9`` at any moment loses at most the
batch in flight and the same command, run again, finishes the job.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import asdict, dataclass, field
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import IO, Any

from moderation.batch import CHECKPOINT_EVERY_S, read_ahead
from moderation.documents import Comment
from moderation.store import Store

# Rows per transaction when ingesting a CSV/JSONL stream. Unset, the size adapts: it grows
# while a transaction takes under INGEST_TXN_S and shrinks when one takes over twice that. Each
# transaction rewrites every index page it touches, and in a large archive a batch of random
# keys touches most of them whatever its size, so larger transactions ingest faster; the bound
# keeps the write lock short for a moderator deciding meanwhile (who waits, never fails: case
# 10 of HOSTILE_INPUT.md). The crash loop and some tests pin the size.
INGEST_CHUNK = int(os.environ.get("MODERATION_INGEST_CHUNK", "0")) or None
INGEST_CHUNK_RANGE = (5000, 100_000)
INGEST_TXN_S = 2.0


# -- streaming ingest of CSV / JSONL ---------------------------------------------------------------


@dataclass
class IngestSummary:
    source: str = ""
    rows: int = 0                   # good rows read
    comments_added: int = 0
    articles_added: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0            # the ingest itself, without the index's catch-up after it
    # Whole-file notes from the parser, e.g. an encoding guess ("read as cp1252").
    warnings: list[str] = field(default_factory=list)
    index: str = "after"            # INDEX_MODES
    index_catch_up_rows: int = 0    # indexed after the last row ("after")
    index_catch_up_seconds: float = 0.0
    index_behind: int = 0           # comments still missing from the search index at the end

    def as_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["rate"] = round(self.rows / self.seconds, 1) if self.seconds else None
        d["seconds"] = round(self.seconds, 3)
        d["index_catch_up_seconds"] = round(self.index_catch_up_seconds, 3)
        return d


# How a streamed ingest keeps the full-text index: "now" indexes each batch in its own
# transaction (the slower way of before); "after" lets the index lag behind the ingest and
# catches it up when the file is stored; "later" leaves it to `moderation reindex` (or the
# next ingest). Indexing in small steps while the writer waited for the parse process was
# tried and dropped: at 1M comments on 2 cores it cut the ingest's gain (x1.24 of "now"
# instead of x1.39) and the catch-up's many small transactions made no total gain.
INDEX_MODES = ("now", "after", "later")


def reason_code(reason: str) -> str:
    """A short code for a reject reason, for counting: no_text, invalid_utf8, ..."""
    low = reason.lower()
    for needle, code in (("no text", "no_text"), ("utf-8", "invalid_utf8"),
                         ("surrogate", "invalid_utf8"), ("malformed json", "malformed_json"),
                         ("json object", "malformed_json"), ("malformed csv", "malformed_csv"),
                         ("more cell", "malformed_csv"), ("too long", "too_long"),
                         ("not text", "no_text")):
        if needle in low:
            return code
    return "other"


def ingest_file(store: Store, path: str | Path, fmt: str, *, columns: Any = None,
                chunk: int | None = INGEST_CHUNK, progress: Callable[..., Any] | None = None,
                rejects: IO[str] | None = None, index: str = "after") -> IngestSummary:
    """Stream a CSV/JSONL of comments into the store, ``chunk`` rows per transaction (None:
    as many as take about INGEST_TXN_S to write).

    A killed run is resumed by running it again: the file is read from the start and rows
    already stored are recognised by their key and not added twice. Bad rows are counted by
    reason in the summary and written to ``rejects`` (JSONL: line, reason). ``index``: how
    the full-text index follows (INDEX_MODES).
    """
    import json

    if index not in INDEX_MODES:
        raise ValueError(f"index must be one of {', '.join(INDEX_MODES)}, not {index!r}")
    summary = IngestSummary(source=str(path), index=index)
    start = time.perf_counter()

    def on_reject(rej: Any) -> None:
        code = reason_code(rej.reason)
        summary.skipped[code] = summary.skipped.get(code, 0) + 1
        if rejects is not None:
            rejects.write(json.dumps({"source": str(path), rej.unit: rej.line, "reason": code,
                                      "detail": rej.reason}, ensure_ascii=False) + "\n")

    store.tune_for_batch(checkpoint_pages=4000)  # fewer, larger checkpoints: WAL <= ~16 MB
    try:  # a row of a comment export is rarely under 64 bytes
        expected: int | None = os.path.getsize(path) // 64 or None
    except OSError:  # stdin
        expected = None
    store.begin_stream_ingest(expected, index_now=index == "now")
    last_checkpoint = [time.monotonic()]

    size = [chunk or INGEST_CHUNK_RANGE[0]]
    # A .json export is read by its own reader and stored as JSON Lines rows are: the same
    # article and comment keys as when it was parsed whole (before it was streamed).
    stored = "jsonl" if fmt == "json" else fmt

    def save(rows: Any) -> tuple[int, int]:
        t = time.perf_counter()
        res = store.ingest_stream_batch(str(path), stored, rows)
        if chunk is None:
            took = time.perf_counter() - t
            factor = 1.5 if took < INGEST_TXN_S else 0.7 if took > 2 * INGEST_TXN_S else 1.0
            size[0] = min(max(int(size[0] * factor), INGEST_CHUNK_RANGE[0]),
                          INGEST_CHUNK_RANGE[1])
        if time.monotonic() - last_checkpoint[0] > CHECKPOINT_EVERY_S:
            store.checkpoint("PASSIVE")
            last_checkpoint[0] = time.monotonic()
        return res

    # The file is parsed and its batches made ready (hashes, keys) a batch ahead of the writes:
    # in a forked process on Linux, else on a thread. On a thread the two hardly overlap:
    # executemany takes the GIL back for every row and the parse thread holds it.
    batches = _parse_batches(store, path, fmt, stored, columns, size)
    ahead = (_forked(batches, size, str(path)) if INGEST_FORK and "fork" in _START_METHODS
             else read_ahead(batches))
    try:
        for batch, n, position, rejected, warned in ahead:
            summary.warnings += warned
            for rej in rejected:
                on_reject(rej)
            if batch is not None:
                a, c = save(batch)
                summary.articles_added += a
                summary.comments_added += c
            summary.rows += n
            if progress and (n or position is not None):
                progress(n, position=position)
    finally:
        ahead.close()  # (both are generators) stops the parse thread or process
    store.finish_stream_ingest()
    store.checkpoint("PASSIVE")
    summary.seconds = time.perf_counter() - start
    if index == "after":
        done = store.catch_up_index()
        summary.index_catch_up_rows = done.indexed
        summary.index_catch_up_seconds = done.seconds
    summary.index_behind = store.search_index_behind()
    return summary


def _tell(fh: Any) -> int | None:
    try:
        return int(fh.tell())
    except (OSError, ValueError):
        return None


# (StreamBatch or None, good rows in it, file offset after it, rejects, parser warnings)
ParsedBatch = tuple[Any, int, "int | None", list[Any], list[str]]

# Parse in a forked process on Linux (macOS forks, but system libraries may not survive it in
# the child); MODERATION_INGEST_FORK=0, or elsewhere: on a thread.
INGEST_FORK = os.environ.get("MODERATION_INGEST_FORK", "1") != "0"
_START_METHODS = get_all_start_methods() if sys.platform.startswith("linux") else []


def _parse_batches(store: Store, path: str | Path, fmt: str, stored: str, columns: Any,
                   size: list[int]) -> Iterator[ParsedBatch]:
    """Read the file and make its batches ready to store, ``size[0]`` rows each (read anew
    for every batch: the writer adapts it). The last item carries the trailing rejects."""
    from moderation.parse import iter_tabular

    rejected: list[Any] = []
    warned: list[str] = []
    buf: list[tuple[str | None, Comment]] = []
    with open(path, "rb") as fh:
        for pair in iter_tabular(fh, fmt, columns, rejected.append, source=str(path),
                                 on_warning=warned.append):
            buf.append(pair)
            if len(buf) >= size[0]:
                yield (store.prepare_stream_batch(str(path), stored, buf), len(buf), _tell(fh),
                       rejected[:], warned[:])
                buf = []
                rejected.clear()
                warned.clear()
        yield (store.prepare_stream_batch(str(path), stored, buf) if buf else None, len(buf),
               _tell(fh), rejected[:], warned[:])


def _forked(batches: Iterator[ParsedBatch], size: list[int], name: str
            ) -> Generator[ParsedBatch, None, None]:
    """Run ``batches`` in a forked child, which sends each item through a pipe (and stays
    about one item ahead: a send waits for the pipe to empty) and takes size updates back.

    The child touches no database (preparing a batch needs none) and ends when its work is
    done, when the pipe breaks (this process died or stopped reading), or on an error, which
    it sends to be raised here."""
    import pickle

    ctx = get_context("fork")
    here, there = ctx.Pipe(duplex=True)

    def child() -> None:
        here.close()
        try:
            for item in batches:
                there.send_bytes(pickle.dumps(("item", item), protocol=pickle.HIGHEST_PROTOCOL))
                while there.poll():
                    size[0] = there.recv()
            there.send_bytes(pickle.dumps(("done", None)))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the reader is gone: nothing to tell
        except BaseException as exc:  # noqa: BLE001 - raised in the parent
            try:
                data = pickle.dumps(("error", exc))
                pickle.loads(data)
            except Exception:  # noqa: BLE001 - an exception that does not survive pickling
                data = pickle.dumps(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
            try:
                there.send_bytes(data)
            except OSError:
                pass

    proc = ctx.Process(target=child, name="moderation-parse", daemon=True)
    proc.start()
    there.close()
    try:
        while True:
            try:
                kind, payload = pickle.loads(here.recv_bytes())
            except EOFError:
                proc.join(5)
                raise RuntimeError(f"{name}: the parse process ended unexpectedly"
                                   f" (exit status {proc.exitcode})") from None
            if kind == "done":
                return
            if kind == "error":
                raise payload
            yield payload
            try:
                here.send(size[0])
            except OSError:  # the child may have sent its last item and gone
                pass
    finally:
        here.close()
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join()
