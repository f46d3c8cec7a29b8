"""Score an archive on Ray Data: one model per actor, shards in, shards out, resumable.

The job reads JSONL or Parquet (a file, a folder of shards, or any URL pyarrow understands),
leaves out the ids already in readable shards of OUTDIR (a killed job resumes where it
stopped; a half-written shard is moved aside and its rows scored again), scores the rest with
a class-based UDF that loads the model once per actor (``map_batches`` over an actor pool,
``num_gpus`` per actor where asked), and streams the results back to the driver, which writes
Parquet or JSONL shards of id, every label's score, status and model version, each whole or not
at all (``shards.ShardWriter``; why the driver and not Ray's write tasks: see ``shards``). The
driver holds a lock on OUTDIR while it runs. Locally it starts a Ray sized for this machine:
actors take fractional CPUs, so a 2-core machine runs several without deadlock.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moderation.batch import ScorerSpec, score_texts
from moderation.distributed import shards
from moderation.errors import InputError


@dataclass(frozen=True)
class Job:
    source: str
    outdir: Path
    spec: ScorerSpec
    actors: int = 1
    gpus_per_actor: float = 0.0
    batch_size: int = 64
    id_column: str = "id"
    text_column: str = "text"
    group_column: str | None = None  # an article id: its rows share their language context
    output_format: str = "parquet"
    ray_address: str | None = None
    shard_rows: int = 10_000
    flush_seconds: float = 30.0


class ScoreBatch:
    """The actor's UDF: the model is loaded once, in __init__; each call scores one batch."""

    def __init__(self, spec: ScorerSpec, id_column: str, text_column: str,
                 group_column: str | None = None):
        self.scorer = spec.load()
        self.labels = tuple(self.scorer.labels)
        self.id_column = id_column
        self.text_column = text_column
        self.group_column = group_column

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        ids = batch.column(self.id_column).to_pylist()
        texts = batch.column(self.text_column).to_pylist()
        good = [i for i, t in enumerate(texts) if isinstance(t, str)]
        groups = batch.column(self.group_column).to_pylist() if self.group_column else None
        results: list = []
        if good:  # (score_texts gives the groups only to a scorer that reads them: a routed one)
            results = score_texts(self.scorer, [texts[i] for i in good],
                                  None if groups is None else [groups[i] for i in good])
        by_row = dict(zip(good, results, strict=True))
        rows = [shards.result_row(ids[i], by_row.get(i), self.labels,
                                  None if i in by_row else "text is not a string")
                for i in range(len(ids))]
        return pa.Table.from_pylist(rows)


def _init_ray(address: str | None) -> Any:
    try:
        import ray
    except ImportError as exc:
        raise InputError("score-dataset needs the `ray` extra: pip install 'moderation[ray]'"
                         ) from exc
    import logging

    logging.getLogger("ray").setLevel(logging.WARNING)
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    if not ray.is_initialized():
        if address:
            ray.init(address=address, log_to_driver=False, logging_level="ERROR")
        else:
            # Logical CPUs above the physical ones: actors that each ask for a fraction of a
            # CPU then never wait on each other or on the read and write tasks.
            cores = os.cpu_count() or 1
            ray.init(num_cpus=max(4, 2 * cores), include_dashboard=False,
                     log_to_driver=False, logging_level="ERROR")
    return ray


def _read(ray: Any, source: str, id_col: str, text_col: str, group_col: str | None) -> Any:
    path = Path(source)
    is_parquet = source.endswith(".parquet") or (
        path.is_dir() and any(p.suffix == ".parquet" for p in path.iterdir()))
    ds = ray.data.read_parquet(source) if is_parquet else ray.data.read_json(source)
    wanted = [id_col, text_col] + ([group_col] if group_col else [])
    missing = [c for c in wanted if c not in ds.schema().names]
    if missing:
        raise InputError(f"{source}: no column {', '.join(map(repr, missing))} (columns: "
                         f"{', '.join(ds.schema().names)}); use --id-column/--text-column"
                         + ("/--group-column" if group_col else ""))
    return ds.select_columns(wanted)


def _first_bad_line(source: str) -> str | None:
    """Where a local JSON Lines source first holds a line Ray Data cannot read: one that is
    no JSON object, or with a field whose JSON type differs from the lines above (Arrow gives
    a column one type); None when there is no such line."""
    path = Path(source)
    files = [path] if path.is_file() else sorted(
        p for p in path.iterdir() if p.suffix in (".jsonl", ".json", ".ndjson")
    ) if path.is_dir() else []
    kinds: dict[str, str] = {}
    for file in files:
        for number, row, problem in shards.json_lines(file):
            if row is None:
                return f"{file}: line {number} {problem}"
            for col, value in row.items():
                kind = "number" if type(value) in (int, float) else type(value).__name__
                if value is None or kinds.setdefault(col, kind) == kind:
                    continue
                return (f"{file}: line {number}: {col!r} is {value!r:.40} ({kind}), where the "
                        f"lines above hold a {kinds[col]}")
    return None


def _unreadable(source: str, exc: BaseException) -> InputError:
    """The input error for a source Ray Data could not read: the first bad line where the
    source is local JSON Lines (Ray's own message points into the whole file read as one
    document), else the reader's message."""
    bad = None if source.endswith(".parquet") else _first_bad_line(source)
    if bad:
        return InputError(f"{bad}; Ray Data reads a JSON Lines archive whole, so one bad line "
                          "stops the job: fix or drop that line (`moderation score-file` skips "
                          "bad lines one by one)")
    cause = getattr(exc, "cause", None) or exc
    text = str(cause).strip()
    return InputError(f"{source}: cannot be read ({type(cause).__name__}: "
                      f"{text.splitlines()[0][:200] if text else 'no message'})")


def _quiet_ray_data() -> Any:
    """Ray Data logs a failed read task's traceback at ERROR, many times over; the job reports
    the failure itself, once. Returns the function that restores the level."""
    import logging

    logger = logging.getLogger("ray.data")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    return lambda: logger.setLevel(level)


def _pending(ds: Any, done: set[Any], id_col: str) -> Any:
    """The rows whose id has no result yet."""
    if not done:
        return ds
    finished = frozenset(done)

    def not_done(batch: Any) -> Any:
        import pyarrow as pa

        keep = [x not in finished for x in batch.column(id_col).to_pylist()]
        return batch.filter(pa.array(keep, type=pa.bool_()))
    return ds.map_batches(not_done, batch_format="pyarrow")


def score_dataset(job: Job) -> dict[str, Any]:
    """Run (or resume) the job; returns a summary: rows scored now, already done, shards
    written, warnings."""
    if job.output_format not in ("parquet", "jsonl"):
        raise InputError(f"--output-format {job.output_format!r}: use parquet or jsonl")
    held = shards.lock(job.outdir)
    try:
        return _run(job)
    finally:
        held.close()


def _run(job: Job) -> dict[str, Any]:
    done, warnings = shards.done_ids(job.outdir)
    if "://" not in job.source and not Path(job.source).exists():
        raise InputError(f"{job.source}: no such file or folder")
    ray = _init_ray(job.ray_address)
    import pyarrow as pa  # (Ray Data's own dependency)

    restore = _quiet_ray_data()  # a bad input is reported below, once
    try:
        ds = _pending(_read(ray, job.source, job.id_column, job.text_column, job.group_column),
                      done, job.id_column)
        remaining = ds.count()  # reads the whole source: a bad line fails here, before scoring
    except (ray.exceptions.RayError, pa.ArrowException) as exc:  # (a broken Parquet footer
        raise _unreadable(job.source, exc) from exc              # fails in the driver)
    finally:
        restore()
    summary: dict[str, Any] = {"already_done": len(done), "scored": remaining,
                               "outdir": str(job.outdir), "warnings": warnings}
    if remaining == 0:
        return summary
    scored = ds.map_batches(
        ScoreBatch, fn_constructor_kwargs={"spec": job.spec, "id_column": job.id_column,
                                           "text_column": job.text_column,
                                           "group_column": job.group_column},
        batch_size=job.batch_size, concurrency=job.actors, num_gpus=job.gpus_per_actor,
        num_cpus=0.5, batch_format="pyarrow")
    writer = shards.ShardWriter(job.outdir, job.output_format, job.shard_rows, job.flush_seconds)
    for table in scored.iter_batches(batch_size=None, batch_format="pyarrow"):
        writer.add(table)
    writer.flush()
    summary["shards"] = writer.shards
    return summary
