"""Start the server: the loopback-or-keys rule, then uvicorn with one or more workers."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
from collections.abc import Callable

from moderation.errors import ModerationError
from moderation.serve.service import Service, Settings

SETTINGS_ENV = "MODERATION_SERVE_SETTINGS"
# uvicorn answers 503 past this many open connections instead of taking on more.
MAX_CONNECTIONS = 2048


class ServeError(ModerationError):
    """The server cannot start as asked."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def service_factory(settings: Settings) -> Callable[[], Service]:
    def make() -> Service:
        from moderation.scoring import load_scorer
        from moderation.store import Store

        scorer = load_scorer(settings.model, device=settings.device,
                             precision=settings.precision,
                             other_languages=settings.other_languages or None,
                             language=settings.language or None)
        store = Store(settings.db_path, busy_timeout_ms=settings.busy_timeout_ms)
        return Service(scorer, store, settings)
    return make


def app_from_environment():  # type: ignore[no-untyped-def]
    """uvicorn's factory for each worker process (settings passed in the environment)."""
    from moderation.serve.app import build_app

    settings = Settings(**json.loads(os.environ[SETTINGS_ENV]))
    return build_app(service_factory(settings), settings)


def check_exposure(host: str, key_count: int, ever_had_keys: bool = False) -> str:
    """No keys: loopback only. Returns the line to print about it."""
    if key_count:
        return f"{key_count} API key(s) active: every request needs ?key=KEY"
    if ever_had_keys:
        return ("every API key is revoked: every request is refused until "
                "`moderation keys add NAME`")
    if not is_loopback(host):
        raise ServeError(f"refusing to listen on {host} without API keys: anyone who can reach "
                         "it could use it; add one with `moderation keys add NAME`, or listen "
                         "on 127.0.0.1")
    return "no API keys: listening on loopback only, every local client is accepted"


def serve(settings: Settings, host: str, port: int, workers: int, *,
          log_level: str = "info") -> None:
    import uvicorn

    common = {"host": host, "port": port, "log_level": log_level, "timeout_keep_alive": 5,
              "limit_concurrency": MAX_CONNECTIONS, "server_header": False}
    if workers <= 1:
        from moderation.serve.app import build_app

        uvicorn.run(build_app(service_factory(settings), settings), **common)  # type: ignore[arg-type]
        return
    os.environ[SETTINGS_ENV] = json.dumps(dataclasses.asdict(settings))
    uvicorn.run("moderation.serve.runner:app_from_environment", factory=True,
                workers=workers, **common)  # type: ignore[arg-type]
