"""`create_rest_app`: the capability's REST routes, the probes and the docs as one Starlette app.

The layers, outermost first: request context (request id, demo header, access log), the fast
path for repeated cache hits, Starlette's last-resort 500, JSON-only gzip, the error boundary
(500s without leaking), Starlette's exception handlers (`errors.py`),
then the routes: probes, API description, the capability's routes, the routes other layers add
and, last, a 404 in the error shape. Everything on the request path is pure ASGI: no
`BaseHTTPMiddleware`, no per-request model validation.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from iocgate.capability import RestRoute
from iocgate.engine import Engine, LoadedCapability
from iocgate.errors import IocgateError
from iocgate.exposes.rest.compression import JsonGzipMiddleware
from iocgate.exposes.rest.context import RequestContextMiddleware
from iocgate.exposes.rest.docs import docs_routes
from iocgate.exposes.rest.endpoint import RestEndpoint
from iocgate.exposes.rest.errors import (
    ErrorBoundary,
    handle_http_exception,
    handle_iocgate_error,
    not_found,
)
from iocgate.exposes.rest.fastpath import HitFastPath
from iocgate.exposes.rest.health import health_routes
from iocgate.exposes.rest.links import LinkRewriter
from iocgate.exposes.rest.openapi import build_openapi
from iocgate.exposes.rest.options import RestOptions
from iocgate.exposes.rest.origin import PublicOrigin
from iocgate.exposes.rest.plugin_routes import plugin_routes
from iocgate.exposes.rest.routes import CapabilityRoutes, RouteTable

__all__ = ["create_rest_app"]


def _declared_routes(engine: Engine) -> list[tuple[LoadedCapability, RestRoute]]:
    return [
        (loaded, route)
        for loaded in engine.capabilities
        if loaded.capability.rest is not None
        for route in loaded.capability.rest.routes
    ]


class _RestApp(Starlette):
    """Starlette with the ``outer`` layers around its own (its 500 for an error nothing else
    caught, its exception handlers): a cached hit answered by the fast path skips them
    (bench/FINDINGS.md round 5), and that 500 too carries the request id and is logged."""

    def __init__(self, *, outer: list[Middleware], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._outer = outer

    def build_middleware_stack(self) -> ASGIApp:
        app = super().build_middleware_stack()
        for cls, args, kwargs in reversed(self._outer):
            app = cls(app, *args, **kwargs)
        return app


def create_rest_app(engine: Engine, options: RestOptions | None = None) -> Starlette:
    """The REST app serving every loaded capability's routes through ``engine``.

    The engine is opened and closed by the caller; the app holds no other resource.
    """
    options = options or RestOptions()
    declared = _declared_routes(engine)
    table = RouteTable(route for _, route in declared)
    origin = PublicOrigin(options.public_url, trust_host=options.trust_host)
    endpoint = RestEndpoint(engine, LinkRewriter(engine.capabilities), origin)
    routes: list[BaseRoute] = [
        *health_routes(engine, demo=options.demo, ready=options.ready),
        *docs_routes(build_openapi(engine, options, declared)),
        # /metrics (its own issue) is added here, beside the probes.
        CapabilityRoutes(table, endpoint),
        *options.extra_routes,
        *plugin_routes(engine, options.plugin_routes),
    ]
    app = _RestApp(
        outer=[
            Middleware(RequestContextMiddleware, demo=options.demo),
            Middleware(HitFastPath, engine=engine, origin=origin),
        ],
        routes=routes,
        middleware=[
            Middleware(JsonGzipMiddleware, minimum_size=options.gzip_minimum_size),
            Middleware(ErrorBoundary, redact=engine.redact),
        ],
        exception_handlers={
            IocgateError: handle_iocgate_error,
            HTTPException: handle_http_exception,
        },
    )
    # A 307 to the slash-less path surprises API clients and would bypass raw-path matching.
    app.router.redirect_slashes = False
    app.router.default = not_found
    return app
