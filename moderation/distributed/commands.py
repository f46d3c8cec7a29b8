"""`moderation score-dataset`, `export-unscored`, `import-scores`: thin click commands over
moderation.distributed. Ray and pyarrow are imported only when one of them runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from moderation.errors import ModerationError

INSTALL_HINT = "this needs the `ray` extra: pip install 'moderation[ray]'"


def _fail(message: str) -> click.ClickException:
    from moderation.cli import UserError

    return UserError(message)


def _need_extra(*modules: str) -> None:
    import importlib.util

    if any(importlib.util.find_spec(m) is None for m in modules):
        raise _fail(INSTALL_HINT)


@click.command("score-dataset")
@click.argument("source")
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False),
              help="Directory of result shards (created; a rerun resumes into it).")
@click.option("--ray-address", help="An existing cluster (auto, ray://HOST:PORT); default: "
              "start a local Ray sized for this machine.")
@click.option("--actors", type=click.IntRange(1), default=1, show_default=True,
              help="Model actors (each loads the model once).")
@click.option("--gpus-per-actor", type=click.FloatRange(0), default=0.0, show_default=True)
@click.option("--batch-size", type=click.IntRange(1), default=64, show_default=True)
@click.option("--model", help="Model (default: scoring.model); python:MODULE:ATTR for your own.")
@click.option("--id-column", default="id", show_default=True)
@click.option("--text-column", default="text", show_default=True)
@click.option("--group-column", help="A column naming each row's article (export-unscored "
              "writes 'article'): a short comment takes its own article's language context, "
              "not that of the rows in its batch. Rows of one article should sit together.")
@click.option("--output-format", type=click.Choice(["parquet", "jsonl"]), default="parquet",
              show_default=True)
@click.option("--shard-rows", type=click.IntRange(1), default=10_000, show_default=True,
              help="Rows per result shard; a shard is also written every 30 s, so a crash "
              "loses at most that much work.")
@click.pass_obj
def score_dataset(ctx: Any, source: str, outdir: str, ray_address: str | None, actors: int,
                  gpus_per_actor: float, batch_size: int, model: str | None, id_column: str,
                  text_column: str, group_column: str | None, output_format: str,
                  shard_rows: int) -> None:
    """Score a JSONL or Parquet archive (a file, a folder of shards or a URL) on Ray Data into
    OUTDIR's shards; run it again after a crash and it scores only what is missing."""
    _need_extra("ray", "pyarrow")
    from moderation.batch import ScorerSpec
    from moderation.distributed.runner import Job, score_dataset as run

    job = Job(source=source, outdir=Path(outdir),
              spec=ScorerSpec(model or ctx.config.model, device="cuda" if gpus_per_actor
                              else "cpu", precision=ctx.config.precision,
                              other_languages=ctx.config.other_languages or None,
                              language=ctx.config.language or None),
              actors=actors, gpus_per_actor=gpus_per_actor, batch_size=batch_size,
              id_column=id_column, text_column=text_column, group_column=group_column,
              output_format=output_format,
              ray_address=ray_address, shard_rows=shard_rows)
    try:
        summary = run(job)
    except ModerationError as exc:
        raise _fail(str(exc)) from exc
    for line in summary.pop("warnings"):
        click.echo(f"moderation: warning: {line}", err=True)
    click.echo(json.dumps(summary), err=True)


@click.command("export-unscored")
@click.argument("outdir", type=click.Path(file_okay=False))
@click.option("--model", help="The model whose scores are missing (default: scoring.model).")
@click.pass_obj
def export_unscored(ctx: Any, outdir: str, model: str | None) -> None:
    """Write the stored comments that have no score from this model version as Parquet shards
    (id, text, article), for score-dataset (--group-column article)."""
    _need_extra("pyarrow")
    from moderation.batch import ScorerSpec
    from moderation.distributed import shards

    try:
        scorer = ScorerSpec(model or ctx.config.model, device="cpu").load()
        with ctx.store(read=True) as store:
            rows, files = shards.export_unscored(store, Path(outdir), scorer.name,
                                                 scorer.version)
    except ModerationError as exc:
        raise _fail(str(exc)) from exc
    click.echo(json.dumps({"rows": rows, "shards": files, "model": scorer.name,
                           "version": scorer.version}), err=True)


@click.command("import-scores")
@click.argument("outdir", type=click.Path(file_okay=False, exists=True))
@click.pass_obj
def import_scores(ctx: Any, outdir: str) -> None:
    """Merge score-dataset's result shards into the store (importing twice changes nothing)."""
    _need_extra("pyarrow")
    from moderation.distributed import shards

    try:
        with ctx.store() as store:
            counts = shards.import_scores(store, Path(outdir))
    except ModerationError as exc:
        raise _fail(str(exc)) from exc
    for warning in counts["warnings"]:
        click.echo(f"moderation: warning: {warning}", err=True)
    click.echo(json.dumps(counts), err=True)
    if counts["skipped"] or counts["unknown_comment"] or counts["invalid"] or counts["warnings"]:
        sys.exit(1)
