"""Result shards of a distributed scoring job, and the store's side of it: what is done already
(resume), rows in and out of the store. pyarrow only (the `ray` extra brings it); no Ray here.

A shard is one Parquet (or JSONL) file, written by the job's driver alone (``ShardWriter``):
into a hidden temporary file first, then renamed into place, so a shard is whole or absent. The
actors only return rows; once the driver is gone nothing writes into OUTDIR, so a resumed run
never meets a shard finished behind its back (Ray's own write tasks could outlive a SIGKILLed
driver and finish a shard after the resumed run had read what was done: those rows were scored
twice). A shard from elsewhere that cannot be read to its end is moved aside into
OUTDIR/_incomplete/ and its rows are scored again, so every id ends up in exactly one readable
shard. ``lock`` keeps a second job out of an OUTDIR a live one writes into.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from warnings import warn

from moderation.documents import DEOBFUSCATED, Scores, base_label
from moderation.errors import InputError
from moderation.export import atomic_write

INCOMPLETE = "_incomplete"
LOCK = ".lock"
META_COLUMNS = ("id", "status", "model", "version", "windows", "language")
SHARD_ROWS = 100_000


def _pa() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError as exc:
        raise InputError("this needs the `ray` extra: pip install 'moderation[ray]'") from exc
    return pyarrow


def shard_files(outdir: Path) -> list[Path]:
    if not outdir.is_dir():
        return []
    return sorted(p for p in outdir.iterdir() if p.is_file() and not p.name.startswith(("_", "."))
                  and p.suffix in (".parquet", ".json", ".jsonl"))


def _read_ids(path: Path) -> list[Any]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_table(path, columns=["id"]).column("id").to_pylist())
    ids = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                ids.append(json.loads(line)["id"])
    return ids


def done_ids(outdir: Path) -> tuple[set[Any], list[str]]:
    """Ids already in readable shards, and one warning per shard moved aside as incomplete."""
    _pa()
    done: set[Any] = set()
    warnings: list[str] = []
    for path in shard_files(outdir):
        try:
            ids = _read_ids(path)
        except Exception as exc:  # a truncated Parquet footer or JSON line: any reader error
            aside = outdir / INCOMPLETE
            aside.mkdir(exist_ok=True)
            path.replace(aside / path.name)
            warnings.append(f"{path.name}: incomplete ({type(exc).__name__}), moved to "
                            f"{INCOMPLETE}/; its rows are scored again")
            continue
        done.update(ids)
    return done, warnings


def lock(outdir: Path) -> Any:
    """An exclusive lock on OUTDIR for this process's lifetime (the open file; the kernel drops
    it when the process ends, SIGKILL included). Raises InputError naming OUTDIR when another
    live job holds it. Also removes temporary files a killed driver left behind."""
    outdir.mkdir(parents=True, exist_ok=True)
    fh = (outdir / LOCK).open("a")
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; one job per OUTDIR is then up to the user
        return fh
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        fh.close()
        raise InputError(f"{outdir}: another score-dataset is writing into it (its lock "
                         f"{LOCK} is held); wait for it or choose another --output") from exc
    except OSError as exc:  # a file system without locks (some NFS mounts): say so, go on
        warn(f"{outdir}: cannot lock {LOCK} ({exc.strerror}); make sure no other "
             "score-dataset writes into it", stacklevel=2)
        return fh  # and leave temporary files alone: a live job may be writing them
    for stale in outdir.glob(".*.tmp"):
        stale.unlink(missing_ok=True)
    return fh


class ShardWriter:
    """Collects result tables and writes them as shards of about ``shard_rows`` rows, or
    whatever has come in once ``flush_seconds`` have passed since the last shard (so a killed
    job loses at most that much work). Each shard is written whole or not at all (``export.atomic_write``: a temporary file
beside it, fsynced, renamed)."""

    def __init__(self, outdir: Path, fmt: str, shard_rows: int = 10_000,
                 flush_seconds: float = 30.0):
        if fmt not in ("parquet", "jsonl"):
            raise InputError(f"output format {fmt!r}: use parquet or jsonl")
        self.outdir, self.fmt = outdir, fmt
        self.shard_rows, self.flush_seconds = max(1, shard_rows), flush_seconds
        self.run = uuid.uuid4().hex[:12]  # shard names never collide with an earlier run's
        self.pending: list[Any] = []
        self.pending_rows = 0
        self.shards = 0
        self.rows = 0
        self.last = time.monotonic()

    def add(self, table: Any) -> None:
        if table.num_rows:
            self.pending.append(table)
            self.pending_rows += table.num_rows
        if self.pending_rows >= self.shard_rows or (
                self.pending_rows and time.monotonic() - self.last >= self.flush_seconds):
            self.flush()

    def flush(self) -> None:
        if not self.pending_rows:
            return
        pa = _pa()
        try:  # a column all null in one batch takes the other batches' type
            table = pa.concat_tables(self.pending, promote_options="default")
        except TypeError:  # pyarrow before 14
            table = pa.concat_tables(self.pending, promote=True)
        self.pending, self.pending_rows = [], 0
        path = self.outdir / f"{self.run}-{self.shards:05d}.{self.fmt}"
        if self.fmt == "parquet":
            atomic_write(path, lambda fh: pa.parquet.write_table(table, fh), binary=True,
                         what="result shard")
        else:
            atomic_write(path, lambda fh: fh.writelines(
                json.dumps(_json_safe(row), ensure_ascii=False) + "\n"
                for row in table.to_pylist()), what="result shard")
        self.shards += 1
        self.rows += table.num_rows
        self.last = time.monotonic()


def _json_safe(row: dict[str, Any]) -> dict[str, Any]:
    """NaN (a label the model does not give) as null: JSON has no NaN."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}


def result_row(rid: Any, sc: Scores | None, labels: tuple[str, ...],
               reason: str | None = None) -> dict[str, Any]:
    """One output row: id, every label and its ``deobfuscated:`` twin (NaN where the model gave
    none, so every shard has the same columns), status, model."""
    row: dict[str, Any] = {"id": rid}
    values = sc.flag_values() if sc is not None else {}
    for label in (*labels, *(DEOBFUSCATED + label for label in labels)):
        value = values.get(label)
        row[label] = float(value) if value is not None else math.nan
    row["status"] = sc.status if sc is not None else f"skipped: {reason}"
    row["model"] = sc.model if sc is not None else ""
    row["version"] = sc.version if sc is not None else ""
    row["windows"] = sc.windows if sc is not None else 0
    row["language"] = (sc.language or "") if sc is not None else ""
    return row


def json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line number, its JSON object, None), or (line number, None, what is wrong with it), for
    each non-blank line of a JSON Lines file."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except json.JSONDecodeError as exc:
                yield number, None, f"is not JSON ({exc.msg})"
            except (ValueError, RecursionError) as exc:  # not UTF-8; nested too deeply
                yield number, None, f"is not JSON ({type(exc).__name__})"
            else:
                yield (number, row, None) if isinstance(row, dict) else (
                    number, None, "is not a JSON object")


def read_results(outdir: Path, warnings: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every row of every readable shard. A shard that cannot be read (a broken Parquet file)
    and a JSON line that is no JSON object are left out, each named in ``warnings``."""
    pa = _pa()
    note = warnings.append if warnings is not None else (lambda _w: None)
    for path in shard_files(outdir):
        if path.suffix == ".parquet":
            try:
                table = pa.parquet.read_table(path)
            except (pa.ArrowException, OSError) as exc:
                note(f"{path.name}: cannot be read ({type(exc).__name__}: "
                     f"{str(exc).strip()[:120]}); its rows are left out")
                continue
            yield from table.to_pylist()
            continue
        for number, row, problem in json_lines(path):
            if row is None:
                note(f"{path.name}: line {number} {problem}; left out")
            else:
                yield row


def scores_of(row: dict[str, Any]) -> Scores | None:
    """The Scores a result row stands for; None for a row that was skipped."""
    status = str(row.get("status") or "")
    if not row.get("model") or status.startswith("skipped"):
        return None
    values = {k: float(v) for k, v in row.items()
              if k not in META_COLUMNS and isinstance(v, (int, float))
              and not isinstance(v, bool) and not math.isnan(float(v))}
    if any(not 0.0 <= v <= 1.0 for v in values.values()):
        raise ValueError("a score outside 0-1: "
                         + ", ".join(f"{k}={v:g}" for k, v in values.items() if not 0 <= v <= 1))
    labels = {k: v for k, v in values.items() if not k.startswith(DEOBFUSCATED)}
    deob = {base_label(k): v for k, v in values.items() if k.startswith(DEOBFUSCATED)}
    return Scores(labels=labels, model=str(row["model"]), version=str(row["version"]),
                  windows=int(row.get("windows") or 1), status=status,
                  language=row.get("language") or None, deobfuscated=deob or None)


def export_unscored(store: Any, outdir: Path, model: str, version: str) -> tuple[int, int]:
    """Write the comments with no score from this model version as Parquet shards of id,
    text and article (the article's id: ``score-dataset --group-column article`` gives a
    short comment its own article's language context, as ``moderation score`` does); returns
    (rows, shards)."""
    pa = _pa()
    outdir.mkdir(parents=True, exist_ok=True)
    if shard_files(outdir):
        raise InputError(f"{outdir}: holds shards already; export into an empty directory")
    after, rows, shards = 0, 0, 0
    while True:
        batch = store.unscored(model, version, limit=SHARD_ROWS, after_id=after)
        if not batch:
            return rows, shards
        table = pa.table({"id": [r[0] for r in batch], "text": [r[1] for r in batch],
                          "article": [r[2] for r in batch]})
        atomic_write(outdir / f"unscored-{shards:05d}.parquet",
                     lambda fh, table=table: pa.parquet.write_table(table, fh), binary=True,
                     what="unscored shard")
        after = batch[-1][0]
        rows += len(batch)
        shards += 1


def import_scores(store: Any, outdir: Path, chunk: int = 2_000) -> dict[str, int]:
    """Merge result shards into the store; a score stored already (same comment, model and
    version) is left as it is, so importing twice changes nothing."""
    counts: dict[str, Any] = {"rows": 0, "saved": 0, "skipped": 0, "unknown_comment": 0,
                              "invalid": 0}
    warnings: list[str] = []
    pending: list[tuple[int, Scores]] = []

    def flush() -> None:
        ids = sorted({cid for cid, _ in pending})
        marks = ",".join("?" * len(ids))
        found = {r["id"] for r in store.query(f"SELECT id FROM comments WHERE id IN ({marks})",
                                               ids)}
        counts["unknown_comment"] += sum(1 for cid, _ in pending if cid not in found)
        counts["saved"] += store.save_scores([(c, sc) for c, sc in pending if c in found])
        pending.clear()

    for row in read_results(outdir, warnings):
        counts["rows"] += 1
        try:
            sc = scores_of(row)
        except (ValueError, TypeError, KeyError) as exc:  # a score no model gives, no version
            counts["invalid"] += 1
            if counts["invalid"] <= 20:
                warnings.append(f"id {str(row.get('id'))[:40]!r}: {exc}; left out")
            continue
        if sc is None:
            counts["skipped"] += 1
            continue
        try:
            cid = int(row["id"])
        except (TypeError, ValueError):
            counts["unknown_comment"] += 1
            continue
        pending.append((cid, sc))
        if len(pending) >= chunk:
            flush()
    if pending:
        flush()
    if not counts["rows"] and not warnings:
        raise InputError(f"{outdir}: no result shards found")
    if counts["invalid"] > 20:
        warnings.append(f"... and {counts['invalid'] - 20} more rows with invalid scores")
    counts["warnings"] = warnings
    return counts
