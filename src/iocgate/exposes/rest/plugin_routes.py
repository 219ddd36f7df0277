"""Serving a plugin's `PluginRoute`s with the machinery of the capability's own routes.

path values + declared query parameters + declared headers -> the plugin's handler, with the
same `Caller` a capability route gives the engine (client id for per-client budgets, request id,
cache directives) -> a JSON value, a `Result` or a `PluginResponse` -> the response, with the
quota headers, the error body (`errors.py`) and the access log line every route has.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from iocgate.engine import Engine, PluginResponse, PluginRoute, Result
from iocgate.errors import IocgateError
from iocgate.exposes.rest.context import access_of, rest_caller
from iocgate.exposes.rest.disconnect import ClientGone, unless_client_leaves
from iocgate.exposes.rest.errors import iocgate_error_response
from iocgate.exposes.rest.params import query_arguments
from iocgate.exposes.rest.responses import (
    StreamedResponse,
    json_body,
    quota_headers,
    result_response,
    send_head,
)
from iocgate.exposes.scope import header_value

__all__ = ["plugin_openapi_paths", "plugin_routes"]


class PluginEndpoint:
    """The ASGI app of one plugin route."""

    def __init__(self, engine: Engine, route: PluginRoute) -> None:
        self.engine = engine
        self.route = route
        self.where = f"{'/'.join(route.methods)} {route.path}"
        self.allowed = frozenset(route.query or ())
        self.headers = tuple((h.lower(), h.lower().encode("latin-1")) for h in route.headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        record = access_of(scope)
        if record is not None:
            record.operation = self.route.name
        caller = rest_caller(scope)
        try:
            arguments: dict[str, Any] = {k: str(v) for k, v in scope.get("path_params", {}).items()}
            if self.route.query is not None:  # None: the page reads its own address
                query = scope.get("query_string", b"")
                arguments = query_arguments(query, self.allowed, self.where, arguments)
            for name, raw in self.headers:
                value = header_value(scope, raw)
                if value is not None:
                    arguments[name] = value
            output = await unless_client_leaves(
                receive, lambda: self.route.handler(arguments, caller)
            )
            response = await self._response(output, scope)
        except ClientGone:
            if record is not None:
                record.status = 499  # nginx's "client closed request", for the access log
            return
        except IocgateError as exc:
            await iocgate_error_response(exc)(scope, receive, send)
            return
        if isinstance(output, Result) and record is not None:
            record.note(output)
        if scope["method"] == "HEAD":
            await send_head(response, send)
            return
        await response(scope, receive, send)

    async def _response(self, output: Any, scope: Scope) -> Response | StreamedResponse:
        if isinstance(output, Result):
            last = self.route.path.rstrip("/").rsplit("/", 1)[-1]
            return result_response(
                output,
                path_values=[str(v) for v in scope.get("path_params", {}).values()],
                last_literal=last if last and "{" not in last else None,
                success_body=lambda ok: ok.json_bytes(),
            )
        answer = output if isinstance(output, PluginResponse) else PluginResponse(output)
        headers = dict(answer.headers)
        quota = answer.quota
        if quota is None and self.route.states_quota:
            quota = await self.engine.quota_status()
        if quota is not None:
            headers |= quota_headers(quota)
        body = answer.body
        if isinstance(body, str):
            body = body.encode()
        elif not isinstance(body, bytes):
            body = json_body(body)
        return Response(body, answer.status, headers, media_type=answer.media_type)


def plugin_routes(engine: Engine, routes: Sequence[PluginRoute]) -> list[Route]:
    """Starlette routes serving ``routes`` through ``engine``."""
    return [
        Route(r.path, PluginEndpoint(engine, r), methods=list(r.methods), name=r.name)
        for r in routes
    ]


def plugin_openapi_paths(routes: Sequence[PluginRoute]) -> dict[str, Any]:
    """OpenAPI path items for the routes that describe themselves."""
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if route.openapi is None:
            continue
        item = paths.setdefault(route.path, {})
        for method in route.methods:
            item[method.lower()] = _plain(route.openapi)
    return paths


def _plain(value: Any) -> Any:
    """A copy with mappings as dicts (the document is serialised and merged as JSON)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
