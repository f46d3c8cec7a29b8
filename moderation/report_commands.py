"""`moderation export`, `stats` and `calibrate`: what the decisions and the log say (the
log for an audit, counts and agreement with the model, thresholds from moderators' calls)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import click

from moderation.errors import ModerationError


def _user_error(message: str) -> click.ClickException:
    from moderation.cli import UserError

    return UserError(message)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="File to write atomically (default: stdout).")
@click.option("--since", help="Only entries at or after this UTC time (ISO 8601).")
@click.option("--until", help="Only entries before this UTC time (ISO 8601).")
@click.option("--moderator", help="Only this moderator's entries.")
@click.option("--action", help="Only this action (approve, hide, note, undo).")
@click.option("--article", type=int, help="Only entries about this article id.")
@click.pass_obj
def export(ctx: Any, fmt: str, output: str, since: str | None, until: str | None,
           moderator: str | None, action: str | None, article: int | None) -> None:
    """Export the moderation log as CSV or JSONL."""
    from moderation import export as ex

    try:
        # Bad options fail before the database is opened.
        ex.log_filter(since=since, until=until, moderator=moderator, action=action,
                      article=article)
        out: Any = output
        if output == "-":
            # Data on a pipe or file stays byte-exact; on a terminal, control characters in
            # strangers' text are shown as markers instead of reaching the terminal.
            from moderation.cli import TerminalSafe

            out = TerminalSafe(sys.stdout) if sys.stdout.isatty() else sys.stdout
        with ctx.store(read=True) as store:
            n = ex.export_log(store, fmt, out,
                              since=since, until=until, moderator=moderator, action=action,
                              article=article)
    except ModerationError as exc:
        raise _user_error(str(exc)) from exc
    click.echo(f"{n} log entries exported", err=True)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.pass_obj
def stats(ctx: Any, as_json: bool) -> None:
    """Counts by status, moderator, label and day, and how the model's flags agree with
    moderators' decisions (precision and recall of the current thresholds against hides)."""
    from moderation import stats as st

    try:
        with ctx.store(read=True) as store:
            result = st.compute(store, ctx.config.thresholds)
    except ModerationError as exc:
        raise _user_error(str(exc)) from exc
    click.echo(json.dumps(result.as_json(), indent=1) if as_json else st.format_text(result))


@click.command()
@click.option("--target-precision", type=click.FloatRange(0, 1, min_open=True),
              help="Choose each label's threshold for this precision, with the best recall "
              "(default 0.9).")
@click.option("--target-recall", type=click.FloatRange(0, 1, min_open=True),
              help="Choose it for this recall instead, with the best precision.")
@click.option("--label", "labels", multiple=True, help="Only this label (repeatable).")
@click.option("--model", help="Calibrate this model's scores (default: the model that scored "
              "most decided comments).")
@click.option("--model-version", help="With --model: this version.")
@click.option("--min-decisions", type=click.IntRange(1), default=5, show_default=True,
              help="Hidden and approved comments a label needs, each, to be calibrated.")
@click.option("--ignore-reason", "ignore_reasons", multiple=True, metavar="REASON",
              help="Leave out comments hidden for this reason (e.g. spam, off_topic: not a "
              "toxicity call); repeatable.")
@click.option("--plot", type=click.Path(dir_okay=False), help="Also draw the curves into this "
              "PNG (needs the optional extra: pip install 'moderation[plot]').")
@click.option("--write", "write_config", is_flag=True,
              help="Write the proposed thresholds into config.toml (comments kept).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text and charts.")
@click.option("--language", metavar="LANG", help="Only comments scored in this language (ISO 639 "
              "code, e.g. de); --write then sets [thresholds.LANG].")
@click.pass_obj
def calibrate(ctx: Any, target_precision: float | None, target_recall: float | None,
              labels: tuple[str, ...], model: str | None, model_version: str | None,
              min_decisions: int, ignore_reasons: tuple[str, ...], plot: str | None,
              write_config: bool, as_json: bool, language: str | None) -> None:
    """Per label, the threshold reaching a target precision (or recall) on the decided
    comments (hidden = positive, approved = negative), with the trade-off as a chart."""
    from moderation import calibrate as cb

    if target_precision is not None and target_recall is not None:
        raise _user_error("give --target-precision or --target-recall, not both")
    if language is not None and not re.fullmatch(r"[a-z]{2,3}", language):
        raise _user_error(f"--language {language!r}: use an ISO 639 code such as de or pt")
    metric = "recall" if target_recall is not None else "precision"
    target = target_recall if target_recall is not None else (target_precision or 0.9)
    try:
        with ctx.store(read=True) as store:
            result = cb.calibrate(store, ctx.config.thresholds, metric=metric, target=target,
                                  labels=list(labels) or None, model=model,
                                  version=model_version, min_decisions=min_decisions,
                                  ignore_reasons=ignore_reasons, language=language)
        click.echo(json.dumps(result.as_json(), indent=1) if as_json else cb.format_text(result),
                   nl=as_json)
        if plot:
            cb.write_plot(result, plot)
            click.echo(f"moderation: chart written to {plot}", err=True)
        if write_config:
            target_file = ctx.config.source or Path("config.toml")
            if not result.proposed:
                click.echo("moderation: no label reached the target; config.toml unchanged",
                           err=True)
            else:
                cb.write_thresholds(target_file, result.proposed, language)
                section = f"[thresholds.{language}]" if language else "[thresholds]"
                click.echo(f"moderation: wrote {len(result.proposed)} threshold(s) to "
                           f"{section} of {target_file}: " + ", ".join(
                               f"{k} = {v:g}" for k, v in result.proposed.items()), err=True)
    except ModerationError as exc:
        raise _user_error(str(exc)) from exc
