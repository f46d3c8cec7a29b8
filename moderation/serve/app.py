"""The HTTP front end: Starlette routes speaking Perspective's wire format over the Service.

Bodies are read with a size cap and a deadline before any parsing; every failure leaves as a
google.rpc error, never a stack trace; the event loop only awaits (the model runs on the
micro-batcher's thread, the store on worker threads)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from moderation.serve import discovery, wire
from moderation.serve.service import Service, Settings
from moderation.serve.wire import ApiError

log = logging.getLogger("moderation.serve")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


async def read_json(request: Request, settings: Settings) -> Any:
    """The body as JSON: over the size cap refused before reading or while reading, a body
    that does not arrive in time refused, non-UTF-8 and malformed JSON refused by name."""
    limit = settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise ApiError(f"Request body too large: over {limit} bytes.", code=413)
    chunks: list[bytes] = []
    size = 0

    async def receive_all() -> None:
        nonlocal size
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ApiError(f"Request body too large: over {limit} bytes.", code=413)
            chunks.append(chunk)

    try:
        await asyncio.wait_for(receive_all(), settings.body_timeout_s)
    except TimeoutError as exc:
        raise ApiError(f"Request body not received within {settings.body_timeout_s:g} s.",
                       code=408) from exc
    raw = b"".join(chunks)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(f"Invalid JSON payload received: not UTF-8 (byte {exc.start}).") from exc
    try:
        return json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        reason = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
        raise ApiError(f"Invalid JSON payload received: {reason[:200]}") from exc


def error_response(exc: ApiError) -> JSONResponse:
    headers = {"Retry-After": "1"} if exc.code == 429 else None
    return JSONResponse(exc.body(), status_code=exc.code, headers=headers)


def api_key(request: Request) -> str | None:
    return request.query_params.get("key") or request.headers.get("x-goog-api-key")


def build_app(service_factory: Any, settings: Settings) -> Starlette:
    """The app; ``service_factory()`` builds the Service (loads the model) at startup."""
    state: dict[str, Service] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["service"] = await asyncio.to_thread(service_factory)
        try:
            yield
        finally:
            await asyncio.to_thread(state["service"].close)

    async def handle(request: Request, kind: str) -> Response:
        service = state["service"]
        try:
            client = request.client.host if request.client else "unknown"
            who = await service.caller(api_key(request), client)
            body = await read_json(request, settings)
            if kind == "analyze":
                out = await service.analyze(wire.parse_analyze(body, service.labels), who)
            else:
                out = await service.suggest(wire.parse_suggest(body), who)
            return JSONResponse(out)
        except ApiError as exc:
            return error_response(exc)
        except Exception:  # a bug: logged here, a plain 500 for the client
            log.exception("unexpected error in %s", kind)
            return error_response(ApiError("Internal error; it has been logged.", None,
                                           code=500))

    async def analyze(request: Request) -> Response:
        return await handle(request, "analyze")

    async def suggestscore(request: Request) -> Response:
        return await handle(request, "suggestscore")

    async def discovery_doc(request: Request) -> Response:
        version = request.query_params.get("version", "v1alpha1")
        if version != "v1alpha1":
            return error_response(ApiError(f"No discovery document for version {version!r}",
                                           None, code=404))
        root = str(request.base_url)
        return JSONResponse(discovery.document(root if root.endswith("/") else root + "/"))

    async def not_found(request: Request, exc: Exception) -> Response:
        return error_response(ApiError(f"No such method: {request.method} {request.url.path}",
                                       None, code=404))

    async def method_not_allowed(request: Request, exc: Exception) -> Response:
        return error_response(ApiError(f"{request.method} is not allowed on "
                                       f"{request.url.path}", None, code=405))

    routes = [
        Route("/v1alpha1/comments:analyze", analyze, methods=["POST"]),
        Route("/v1alpha1/comments:suggestscore", suggestscore, methods=["POST"]),
        Route("/$discovery/rest", discovery_doc, methods=["GET"]),
        Route("/discovery/v1/apis/commentanalyzer/v1alpha1/rest", discovery_doc,
              methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan,
                     exception_handlers={404: not_found, 405: method_not_allowed})


__all__ = ["build_app", "read_json"]
