"""The command line: parses options, calls one core function, formats the output."""

from __future__ import annotations

import io
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import click

from moderation import __version__
from moderation.config import PRECISIONS, Config, load_config
from moderation.errors import InputError, ModerationError


class UserError(click.ClickException):
    """A known error: one line on stderr, exit status 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"moderation: error: {self.format_message()}", err=True)


class Ctx:
    """What every command needs: the config and the database path."""

    def __init__(self, config: Config, db: str | None):
        self.config = config
        self.db_path = db or config.db_path

    def store(self, *, read: bool = False) -> Any:
        """The database; ``read``: for a command that only reads, which then never waits for
        another process's write lock unless the database needs upgrading first (and says so)."""
        from moderation.store import Store

        store = Store(self.db_path, busy_timeout_ms=self.config.busy_timeout_ms, reader=read,
                      on_wait=lambda msg: click.echo(f"moderation: {msg}", err=True))
        restored = store.check_guards()
        if restored and store.read_only:
            click.echo(f"moderation: warning: {self.db_path}: append-only guard is missing "
                       f"({', '.join(restored)}); the database is read-only, so it was not "
                       "restored", err=True)
        elif restored:
            click.echo(f"moderation: warning: {self.db_path}: append-only guard was missing and "
                       f"has been restored ({', '.join(restored)})", err=True)
        return store


pass_ctx = click.make_pass_decorator(Ctx)


class TerminalSafe(io.TextIOBase):
    """A text stream for a terminal: every control, bidi and invisible character made visible."""

    def __init__(self, out: Any):
        self.out = out

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        from moderation.safetext import visible

        self.out.write(visible(text.replace("\r\n", "\n"), keep_newlines=True))
        return len(text)

    def flush(self) -> None:
        self.out.flush()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="moderation")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="config.toml to use (default: ./config.toml, else built-in defaults).")
@click.option("--db", type=click.Path(dir_okay=False), help="SQLite database (overrides config).")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, db: str | None) -> None:
    """Parse article pages and exports, score comments for toxicity, triage them, keep a log."""
    try:
        ctx.obj = Ctx(load_config(config_path), db)
    except ModerationError as exc:
        raise UserError(str(exc)) from exc


def input_files(paths: tuple[str, ...]) -> list[Path]:
    """Expand directories into the readable files they hold (sorted); refuse empty dirs."""
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
            if not found:
                raise InputError(f"{p}: directory holds no readable pages")
            files.extend(found)
        elif p.exists() or raw == "-":
            files.append(p)
        else:
            raise InputError(f"{p}: no such file or directory")
    return files


# The parser's formats (moderation.parse.FORMATS), listed here so --help stays fast.
PARSE_FORMATS = ("text", "html", "wxr", "disqus", "csv", "jsonl")


def format_option(f: Any) -> Any:
    return click.option("--format", "fmt", type=click.Choice(PARSE_FORMATS),
                        help="Input format (default: sniffed from the content).")(f)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=False))
@format_option
def parse(file: str, fmt: str | None) -> None:
    """Print what the parser finds in FILE as JSON; the database is not touched."""
    from moderation.parse import parse_file

    try:
        result = parse_file(file, fmt)
    except ModerationError as exc:
        raise UserError(str(exc)) from exc
    # json escapes C0 controls but not DEL, C1 or bidi/invisible characters: escape those too,
    # so parsing a hostile file cannot drive the terminal (the JSON stays the same data).
    click.echo(re.sub("[\x7f-\x9f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]",
                      lambda m: f"\\u{ord(m.group()):04x}",
                      json.dumps(result.to_json(), ensure_ascii=False, indent=1)))


TABULAR_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl",
                      ".json": "json"}


def do_ingest(ctx: Ctx, store: Any, paths: tuple[str, ...], fmt: str | None,
              quiet: bool = False, rejects: str | None = None, index: str = "after") -> int:
    """Parse and store each file; returns 0, or 2 when a file failed (each reported on stderr),
    or 1 when only rows of a CSV/JSONL were skipped.

    CSV/JSONL files and .json exports of comments are streamed in batches (any size,
    resumable by running the same command again); the search index follows as ``index`` says
    (ingest.INDEX_MODES), with "after" once all files are stored."""
    from moderation.parse import parse_file

    failures = 0
    for path in input_files(paths):
        tabular = fmt if fmt in ("csv", "jsonl") else (
            TABULAR_EXTENSIONS.get(path.suffix.lower()) if fmt is None else None)
        if tabular and str(path) != "-":
            failures = max(failures, stream_ingest(store, path, tabular, quiet, rejects,
                                                   "later" if index == "after" else index))
            continue
        try:
            result = parse_file(path, fmt)
        except ModerationError as exc:
            click.echo(f"moderation: error: {exc}", err=True)
            failures = 2
            continue
        report = store.ingest(result)
        if result.encoding.get("guessed"):
            click.echo(f"moderation: warning: {path}: encoding guessed as "
                       f"{result.encoding.get('encoding')}: {result.encoding.get('reason')}",
                       err=True)
        for warning in result.warnings:
            click.echo(f"moderation: warning: {path}: {warning}", err=True)
        click.echo(f"{path}: {result.format}, {len(result.articles)} article(s), "
                   f"{report.comments_seen} comment(s), {report.comments_added} new", err=True)
    behind = store.search_index_behind()
    if index == "after" and behind:
        from moderation.search_commands import catch_up

        click.echo(json.dumps(catch_up(store, quiet=quiet)), err=True)
    elif behind:
        click.echo(f"moderation: search index is {behind:,} comment(s) behind; "
                   "`moderation reindex` catches it up", err=True)
    return failures


def stream_ingest(store: Any, path: Path, fmt: str, quiet: bool, rejects: str | None,
                  index: str = "after") -> int:
    """Stream one CSV/JSONL into the store; 0 ok, 1 rows skipped, 2 the file failed."""
    from moderation.ingest import ingest_file
    from moderation.progress import Progress

    size = path.stat().st_size if path.is_file() else None
    try:
        with Progress(f"ingest {path.name}", size, quiet=quiet, total_bytes=True) as bar, \
                open(rejects or os.devnull, "a", encoding="utf-8") as rej:
            summary = ingest_file(store, path, fmt, progress=bar.advance,
                                  rejects=rej if rejects else None, index=index)
    except ModerationError as exc:
        click.echo(f"moderation: error: {exc}", err=True)
        return 2
    for warning in summary.warnings:  # the parser's notes name the file already
        click.echo(f"moderation: warning: {warning}", err=True)
    click.echo(json.dumps(summary.as_json()), err=True)
    return 1 if summary.skipped else 0


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@format_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("--rejects", type=click.Path(dir_okay=False),
              help="Append skipped CSV/JSONL rows here (JSONL: source, line, reason).")
@click.option("--search-index", "index", type=click.Choice(["now", "after", "later"]),
              default="after", show_default=True,
              help="CSV/JSONL: index text for search in each ingest transaction (now, slower), "
              "once the files are stored (after), or leave it to `moderation reindex` (later).")
@pass_ctx
def ingest(ctx: Ctx, paths: tuple[str, ...], fmt: str | None, quiet: bool,
           rejects: str | None, index: str) -> None:
    """Parse pages and exports (files or directories) and store their comments.

    CSV/JSONL files are streamed; after a crash, run the same command again. Exit status 1
    when rows were skipped (counted by reason in the summary), 2 when a file failed. Search
    says how far its index is behind while it catches up."""
    try:
        with ctx.store() as store:
            failures = do_ingest(ctx, store, paths, fmt, quiet, rejects, index)
    except ModerationError as exc:
        raise UserError(str(exc)) from exc
    if failures:
        sys.exit(failures)


def _precision_option(c: click.Context, _p: Any, value: str | None) -> None:
    if value:
        c.meta["moderation.precision"] = value


def model_options(f: Any) -> Any:
    f = click.option("--precision", type=click.Choice(PRECISIONS),
                     expose_value=False, callback=_precision_option,
                     help="Neural models' number format: fp32 is exact (Detoxify's own "
                     "scores), bf16/fp16 faster within about 0.01; auto: bf16 on a GPU, fp32 "
                     "on a CPU (default from config).")(f)
    f = click.option("--batch-size", type=click.IntRange(1), help="Comments per model batch.")(f)
    f = click.option("--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]),
                     help="Where the model runs (default from config).")(f)
    return click.option("--model", help="builtin, builtin:NAME, detoxify:NAME or detoxify:DIR "
                        "(default from config).")(f)


def scorer_spec(ctx: Ctx, model: str | None, device: str | None, batch_size: int | None) -> Any:
    """What to load (in this process, or once per worker process)."""
    from moderation.batch import ScorerSpec

    return ScorerSpec(model or ctx.config.model, device=device or ctx.config.device,
                      batch_size=batch_size or ctx.config.batch_size,
                      other_languages=ctx.config.other_languages or None,
                      language=ctx.config.language or None,
                      precision=click.get_current_context().meta.get("moderation.precision")
                      or ctx.config.precision)


def load_model(ctx: Ctx, model: str | None, device: str | None, batch_size: int | None) -> Any:
    return scorer_spec(ctx, model, device, batch_size).load()


def do_score(ctx: Ctx, store: Any, model: str | None, device: str | None,
             batch_size: int | None, *, rescore: bool = False, workers: int = 1,
             quiet: bool = False) -> dict[str, Any]:
    from moderation.batch import score_database
    from moderation.progress import Progress

    spec = scorer_spec(ctx, model, device, batch_size)
    with Progress("scoring", None, quiet=quiet) as bar:
        summary = score_database(store, spec if workers > 1 else spec.load(), rescore=rescore,
                                 workers=workers, progress=bar.advance, on_total=bar.set_total)
    return summary.as_json()


def batch_options(f: Any) -> Any:
    f = click.option("-q", "--quiet", is_flag=True, help="No progress bar.")(f)
    return click.option("--workers", type=click.IntRange(1), default=1, show_default=True,
                        help="Scoring processes, each loading the model once (CPU).")(f)


@cli.command()
@model_options
@batch_options
@click.option("--rescore", is_flag=True, help="Also score comments whose scores come from "
              "another model or an older version (their old scores are kept, not current).")
@pass_ctx
def score(ctx: Ctx, model: str | None, device: str | None, batch_size: int | None,
          workers: int, quiet: bool, rescore: bool) -> None:
    """Score every comment in the database that has no score yet (resumable: after a crash,
    run it again). Identical texts are scored once per model version."""
    try:
        with ctx.store() as store:
            summary = do_score(ctx, store, model, device, batch_size, rescore=rescore,
                               workers=workers, quiet=quiet)
    except ModerationError as exc:
        raise UserError(str(exc)) from exc
    click.echo(json.dumps(summary))
    if summary.get("note"):
        click.echo(f"moderation: note: {summary['note']}", err=True)


@cli.command("score-file")
@click.argument("src", metavar="IN", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              show_default=True, help="JSONL output (- for stdout).")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]),
              help="Input format (default: from the extension; jsonl for stdin).")
@click.option("--text-column", default="text", show_default=True)
@click.option("--id-column", default="id", show_default=True)
@click.option("--group-column", default=None, metavar="COLUMN",
              help="Rows with the same value here (an article id) share a language context: "
                   "a short comment takes its own article's language, not the whole batch's.")
@click.option("--rejects", type=click.Path(dir_okay=False), help="Write skipped rows here (JSONL).")
@click.option("--output-format", "out_fmt", type=click.Choice(["csv", "jsonl"]),
              help="Output format (default: from OUT's extension; jsonl for stdout).")
@click.option("--overwrite", is_flag=True, help="Replace OUT instead of resuming or refusing.")
@model_options
@batch_options
@pass_ctx
def score_file_cmd(ctx: Ctx, src: str, output: str, fmt: str | None, text_column: str,
                   id_column: str, group_column: str | None, rejects: str | None,
                   out_fmt: str | None, overwrite: bool,
                   model: str | None, device: str | None, batch_size: int | None,
                   workers: int, quiet: bool) -> None:
    """Score a CSV or JSONL of comments into JSONL or CSV: one row per input row, in order,
    with every label's score, or status "skipped" and a reason. Exit status 1 when rows were
    skipped. After a crash, run the same command again: it resumes where OUT ends (state in
    OUT.progress.json); a finished OUT is not scored twice."""
    from moderation.progress import Progress
    from moderation.scorefile import score_file

    fmt = fmt or ("csv" if src.lower().endswith((".csv", ".tsv")) else "jsonl")
    out_fmt = out_fmt or ("csv" if output.lower().endswith(".csv") else "jsonl")
    if src != "-" and not Path(src).is_file():
        raise UserError(f"{src}: no such file" if not Path(src).exists() else
                        f"{src}: not a regular file (a pipe, a device or a directory); a run "
                        "resumes by the input's size and time, which a pipe has not: give it "
                        "as standard input instead ('-')")
    try:
        spec = scorer_spec(ctx, model, device, batch_size)
        summary = score_file(
            src, output, spec if workers > 1 else spec.load(), fmt=fmt, out_fmt=out_fmt,
            text_col=text_column, id_col=id_column, group_col=group_column, rejects=rejects,
            workers=workers,
            overwrite=overwrite, batch_size=batch_size or ctx.config.batch_size,
            progress_factory=lambda size: Progress("scoring", size, quiet=quiet, unit="rows",
                                                   total_bytes=True))
    except ModerationError as exc:
        raise UserError(f"{src}: {exc}") from exc
    click.echo(json.dumps(summary.as_json()), err=True)
    if summary.skipped:
        sys.exit(1)


def print_flagged(ctx: Ctx, store: Any, limit: int) -> int:
    from moderation.safetext import visible
    from moderation.triage import load_queue

    items = load_queue(store, ctx.config.thresholds, limit=limit)
    for item in items:
        text = " ".join(visible(item.text, keep_newlines=False).split())
        if len(text) > 300:
            text = text[:299] + "…"
        author = visible(item.author or "(no author)", keep_newlines=False)
        click.echo(f"#{item.comment_id}  {item.score or 0:.2f}  {author}  "
                   f"[{visible(item.article_title or '', keep_newlines=False)}]")
        click.echo(f"    why: {item.reason}")
        click.echo(f"    {text}")
    return len(items)


@cli.command()
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@pass_ctx
def flagged(ctx: Ctx, limit: int) -> None:
    """Print the flagged pending comments, worst first (the queue, without the UI)."""
    try:
        with ctx.store(read=True) as store:
            n = print_flagged(ctx, store, limit)
    except ModerationError as exc:
        raise UserError(str(exc)) from exc
    click.echo(f"{n} flagged comment(s)", err=True)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@model_options
@click.option("--no-queue", is_flag=True, help="Do not open the queue afterwards.")
@pass_ctx
def run(ctx: Ctx, paths: tuple[str, ...], model: str | None, device: str | None,
        batch_size: int | None, no_queue: bool) -> None:
    """The main job: ingest PATHS, score them, print the flagged comments, open the queue."""
    try:
        with ctx.store() as store:
            failures = do_ingest(ctx, store, paths, None)
            summary = do_score(ctx, store, model, device, batch_size)
            click.echo(json.dumps(summary), err=True)
            n = print_flagged(ctx, store, 50)
            click.echo(f"{n} flagged comment(s) in {ctx.db_path}", err=True)
    except ModerationError as exc:
        raise UserError(str(exc)) from exc
    if not no_queue and sys.stdin.isatty() and sys.stdout.isatty():
        open_queue(ctx)
    if failures:
        sys.exit(failures)


def open_queue(ctx: Ctx, status: str | None = None) -> None:
    from moderation.tui.app import make_app

    with ctx.store(read=True) as store:
        make_app(store, ctx.config, status=status).run()


@cli.command()
@click.option("--status", type=click.Choice(["pending", "approved", "hidden", "all"]),
              help="Which comments to show (default from config).")
@pass_ctx
def queue(ctx: Ctx, status: str | None) -> None:
    """Open the moderation queue (a terminal UI)."""
    try:
        open_queue(ctx, status)
    except ModerationError as exc:
        raise UserError(str(exc)) from exc


@cli.command()
@click.argument("comment_id", type=int)
@click.argument("action", type=click.Choice(["approve", "hide", "note"]))
@click.option("--reason", help="Reason code (for hide: one of queue.hide_reasons).")
@click.option("--note", help="Free-text note.")
@click.option("--moderator", help="Who decides (default: config, $MODERATION_MODERATOR, OS user).")
@pass_ctx
def decide(ctx: Ctx, comment_id: int, action: str, reason: str | None, note: str | None,
           moderator: str | None) -> None:
    """Record a decision on one comment, as the queue does."""
    from moderation.actions import decide as core_decide

    if action == "hide" and reason is None:
        reason = ctx.config.hide_reasons[0]
    if reason is not None and action == "hide" and reason not in ctx.config.hide_reasons:
        raise UserError(f"unknown reason {reason!r}: use one of "
                        f"{', '.join(ctx.config.hide_reasons)}")
    try:
        with ctx.store() as store:
            res = core_decide(store, comment_id, action, moderator or ctx.config.moderator(),
                              ctx.config.thresholds, reason=reason, note=note)
    except ModerationError as exc:
        raise UserError(str(exc)) from exc
    click.echo(json.dumps({"comment_id": res.comment_id, "log_id": res.log_id,
                           "action": res.action, "prev_status": res.prev_status,
                           "new_status": res.new_status}))


def main() -> None:
    cli(prog_name="moderation")


def _front_ends() -> None:
    """Commands that live in modules of their own (front ends in their own packages)."""
    from moderation.distributed.commands import export_unscored, import_scores, score_dataset
    from moderation.report_commands import calibrate, export, stats
    from moderation.search_commands import reindex, search
    from moderation.serve.commands import keys, serve

    for command in (export, stats, calibrate, search, reindex, serve, keys, score_dataset,
                    export_unscored, import_scores):
        cli.add_command(command)


_front_ends()
