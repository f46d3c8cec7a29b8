"""`moderation search` and `moderation reindex`: the full-text index, which may lag behind a
bulk ingest and then catches up in transactions of its own."""

from __future__ import annotations

import json
from typing import Any

import click

from moderation.errors import ModerationError


def _user_error(message: str) -> click.ClickException:
    from moderation.cli import UserError

    return UserError(message)


def catch_up(store: Any, *, quiet: bool = False, rows: int | None = None) -> dict[str, Any]:
    """Index what the search index lacks, with a progress bar; returns the summary's JSON."""
    from moderation.progress import Progress
    from moderation.store.fts import CATCH_UP_ROWS

    behind = store.search_index_behind()
    with Progress("search index", behind, quiet=quiet or not behind) as bar:
        done = store.catch_up_index(rows or CATCH_UP_ROWS, progress=bar.advance)
    return {"search_index": done.as_json()}


@click.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--status", type=click.Choice(["pending", "approved", "hidden", "all"]),
              default="all", show_default=True, help="Only comments in this status.")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per comment.")
@click.pass_obj
def search(ctx: Any, words: tuple[str, ...], status: str, limit: int, as_json: bool) -> None:
    """Comments whose text or author holds every one of WORDS (words, never query syntax),
    best match first. Says on stderr when the index is behind a bulk ingest."""
    from moderation.safetext import visible
    from moderation.store.fts import behind_message

    try:
        with ctx.store(read=True) as store:
            result = store.search(" ".join(words), limit=limit, status=status)
    except ModerationError as exc:
        raise _user_error(str(exc)) from exc
    if result.behind:
        click.echo(f"moderation: warning: {behind_message(result.behind)}", err=True)
    for row in result.rows:
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=True))
            continue
        text = " ".join(visible(row["text"], keep_newlines=False).split())
        if len(text) > 300:
            text = text[:299] + "…"
        score = f"{row['max_value']:.2f}" if row["max_value"] is not None else "  — "
        click.echo(f"#{row['id']}  {score}  {row['status']}  "
                   f"{visible(row['author'] or '(no author)', keep_newlines=False)}  "
                   f"[{visible(row['article_title'] or '', keep_newlines=False)}]")
        click.echo(f"    {text}")
    click.echo(f"{len(result.rows)} comment(s) found", err=True)


@click.command()
@click.option("--rows-per-transaction", "rows", type=click.IntRange(1),
              help="Comments indexed per transaction (default 40,000: about a second).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def reindex(ctx: Any, rows: int | None, quiet: bool) -> None:
    """Catch the full-text search index up with the comments a bulk ingest stored without it.

    Each transaction commits on its own: a killed run keeps what it indexed, and running it
    again goes on from there. Moderators' decisions get the lock between two transactions."""
    try:
        with ctx.store() as store:
            summary = catch_up(store, quiet=quiet, rows=rows)
    except ModerationError as exc:
        raise _user_error(str(exc)) from exc
    click.echo(json.dumps(summary), err=True)
