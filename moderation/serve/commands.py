"""`moderation serve` and `moderation keys`: thin click commands over moderation.serve.

Nothing from starlette or uvicorn is imported until `serve` runs, so `moderation --help` and
every other command stay fast and work without the `serve` extra."""

from __future__ import annotations

from typing import Any

import click

from moderation.errors import ModerationError

INSTALL_HINT = "the server needs the `serve` extra: pip install 'moderation[serve]'"


def _user_error(message: str) -> click.ClickException:
    from moderation.cli import UserError

    return UserError(message)


@click.command()
@click.option("--host", help="Interface to listen on (default: serve.host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: serve.port, 8080).")
@click.option("--model", help="Model to score with (default: scoring.model).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]),
              help="Where the model runs (default: scoring.device).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Server processes, each with its own copy of the model.")
@click.option("--log-level", type=click.Choice(["critical", "error", "warning", "info"]),
              default="info", show_default=True)
@click.pass_obj
def serve(ctx: Any, host: str | None, port: int | None, model: str | None, device: str | None,
          workers: int, log_level: str) -> None:
    """Answer the Perspective API's requests (comments:analyze, comments:suggestscore and the
    discovery document) with this install's models, offline, storing what it scores."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise _user_error(INSTALL_HINT) from exc
    from moderation.serve import runner
    from moderation.serve.service import Settings

    cfg = ctx.config.serve
    host = host or cfg["host"]
    settings = Settings(model=model or ctx.config.model, device=device or ctx.config.device,
                        precision=ctx.config.precision,
                        other_languages=ctx.config.other_languages,
                        language=ctx.config.language, db_path=ctx.db_path,
                        busy_timeout_ms=ctx.config.busy_timeout_ms,
                        rate_per_second=float(cfg["rate_per_second"]),
                        rate_burst=int(cfg["rate_burst"]), max_queue=int(cfg["max_queue"]),
                        max_batch=int(cfg["max_batch"]),
                        body_timeout_s=float(cfg["body_timeout_s"]))
    try:
        with ctx.store() as store:
            line = runner.check_exposure(host, len(store.active_key_hashes()),
                                         store.ever_had_api_keys())
    except ModerationError as exc:
        raise _user_error(str(exc)) from exc
    other = f" (other languages: {settings.other_languages})" if settings.other_languages else ""
    click.echo(f"moderation serve: {line}; model {settings.model}{other}; database {ctx.db_path}",
               err=True)
    runner.serve(settings, host, port or int(cfg["port"]), workers, log_level=log_level)


@click.group()
def keys() -> None:
    """API keys of `moderation serve` (only a hash of each key is stored)."""


@keys.command("add")
@click.argument("name")
@click.pass_obj
def keys_add(ctx: Any, name: str) -> None:
    """Make a key for NAME and print it once; it cannot be shown again."""
    try:
        with ctx.store() as store:
            key = store.add_api_key(name)
    except ModerationError as exc:
        raise _user_error(str(exc)) from exc
    click.echo(key)
    click.echo(f"moderation: key {name!r} added; it is shown only now: keep it", err=True)


@keys.command("list")
@click.pass_obj
def keys_list(ctx: Any) -> None:
    """Every key: name, first characters, created, revoked."""
    from moderation.safetext import visible

    try:
        with ctx.store(read=True) as store:
            rows = store.api_keys()
    except ModerationError as exc:
        raise _user_error(str(exc)) from exc
    for r in rows:
        state = f"revoked {r['revoked_at']}" if r["revoked_at"] else "active"
        click.echo(f"{visible(r['name'], keep_newlines=False)}\t{r['prefix']}…\t"
                   f"created {r['created_at']}\t{state}")
    click.echo(f"{len(rows)} key(s)", err=True)


@keys.command("revoke")
@click.argument("name")
@click.pass_obj
def keys_revoke(ctx: Any, name: str) -> None:
    """Revoke NAME's key; a running server stops accepting it within seconds."""
    try:
        with ctx.store() as store:
            store.revoke_api_key(name)
    except ModerationError as exc:
        raise _user_error(str(exc)) from exc
    click.echo(f"moderation: key {name!r} revoked", err=True)
