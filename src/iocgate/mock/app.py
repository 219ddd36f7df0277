"""The mock server: `/rest/<title>/<version>/<path>` answered with the files' named examples."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from iocgate.mock.dispatch import choose
from iocgate.mock.openapi import MockOperation, MockService
from iocgate.mock.templates import TemplateRequest, render

__all__ = ["base_path", "create_app"]

logger = logging.getLogger("iocgate.mock")
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def base_path(service: MockService) -> str:
    """`/rest/<title>/<version>`, percent-encoded as Microcks publishes it."""
    return f"/rest/{quote(service.name, safe='')}/{quote(service.version, safe='')}"


def create_app(services: Sequence[MockService]) -> Starlette:
    """A Starlette app serving every service; `GET /api/health` and `GET /api/services` too."""
    by_key = {(s.name, s.version): s for s in services}

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "UP"})

    async def listing(request: Request) -> Response:
        return JSONResponse([_describe(s) for s in services])

    async def mock(request: Request) -> Response:
        name = unquote(request.path_params["service"]).replace("+", " ")
        version = unquote(request.path_params["version"])
        service = by_key.get((name, version))
        if service is None:
            known = ", ".join(base_path(s) for s in services) or "none"
            return _problem(
                404,
                f"no mocked service {name!r} version {version!r}; served: {known}",
            )
        resource = "/" + request.path_params.get("rest", "")
        operation = _operation(service, request.method, resource)
        if operation is None:
            return _no_operation(service, request.method, resource)
        return await _answer(service, operation, request, resource)

    routes = [
        Route("/api/health", health, methods=["GET"]),
        Route("/api/services", listing, methods=["GET"]),
        Route("/rest/{service}/{version}/{rest:path}", mock, methods=_METHODS),
        Route("/rest/{service}/{version}", mock, methods=_METHODS),
    ]
    return Starlette(routes=routes)


def _operation(service: MockService, method: str, resource: str) -> MockOperation | None:
    wanted = "GET" if method == "HEAD" else method
    candidates = [
        op
        for op in service.operations
        if op.method in (method, wanted) and op.pattern.fullmatch(resource)
    ]
    # `/ships/count` beats `/ships/{imo}`, as a fixed path beats a pattern in Microcks.
    return max(candidates, key=lambda op: op.literal_segments, default=None)


async def _answer(
    service: MockService, operation: MockOperation, request: Request, resource: str
) -> Response:
    headers = {key.lower(): value for key, value in request.headers.items()}
    missing = [
        f"{where} parameter {name!r}"
        for where, name in operation.required
        if (where == "query" and name not in request.query_params)
        or (where == "header" and name.lower() not in headers)
    ]
    label = f"{operation.method} {operation.path}"
    if missing:
        return _problem(400, f"{label}: missing required {', '.join(missing)}")
    query = dict(request.query_params)
    text = (await request.body()).decode("utf-8", errors="replace")
    choice = choose(operation, resource, query, headers, text)
    exchange = choice.exchange
    if exchange is None:
        known = sorted({e.criteria or e.name for e in operation.exchanges})
        reason = f" ({choice.problem})" if choice.problem else ""
        return _problem(
            400,
            f"{label}: no example matches {choice.criteria or '(nothing)'}{reason}; "
            f"examples answer {', '.join(known) or 'nothing'}",
        )
    body = exchange.body
    if body is not None and "{{" in body:
        body = render(body, TemplateRequest(text, resource, query, headers), exchange.media_type)
    logger.info(
        "%s %s -> %s (%s)", request.method, request.url.path, exchange.status, exchange.name
    )
    response_headers = dict(exchange.headers)
    response_headers["X-Mock-Example"] = exchange.name
    media_type = f"{exchange.media_type};charset=UTF-8" if exchange.media_type else None
    if exchange.status in (204, 304) or body is None:
        return Response(status_code=exchange.status, headers=response_headers)
    return Response(body, exchange.status, response_headers, media_type=media_type)


def _no_operation(service: MockService, method: str, resource: str) -> Response:
    same_path = sorted(op.method for op in service.operations if op.pattern.fullmatch(resource))
    if same_path:
        response = _problem(
            405, f"{resource} of {service.name} answers {', '.join(same_path)}, not {method}"
        )
        response.headers["Allow"] = ", ".join(same_path)
        return response
    known = ", ".join(f"{op.method} {op.path}" for op in service.operations)
    return _problem(
        404, f"no operation of {service.name} matches {method} {resource}; it has {known}"
    )


def _problem(status: int, message: str) -> Response:
    return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)


def _describe(service: MockService) -> dict[str, Any]:
    return {
        "name": service.name,
        "version": service.version,
        "basePath": base_path(service),
        "source": service.source,
        "operations": [
            {
                "method": op.method,
                "path": op.path,
                "operationId": op.operation_id,
                "dispatcher": op.dispatcher,
                "dispatcherRules": op.rules or None,
                "fallback": op.fallback,
                "examples": [
                    {
                        "name": e.name,
                        "status": e.status,
                        "mediaType": e.media_type,
                        "criteria": e.criteria,
                    }
                    for e in op.exchanges
                ],
            }
            for op in service.operations
        ],
    }
