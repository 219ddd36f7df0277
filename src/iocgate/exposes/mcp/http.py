"""MCP over streamable HTTP at ``/mcp`` and ``/``: stateless, JSON responses, Host/Origin checked.

The root path serves the same endpoint because the reference engine serves MCP there
(ARCHITECTURE: MCP). A stateless server with JSON responses has no event stream to offer, so
``GET`` is answered 405, as the transport spec says, instead of an SSE stream that never ends.

A hand-built session manager has no DNS-rebinding guard unless given security settings, and
Starlette does not run a mounted sub-app's lifespan, so this app runs ``manager.run()`` in its
own lifespan (both verified in reference/mcp-stack.md).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from iocgate.exposes.mcp.envelope import EnvelopeDefaults
from iocgate.exposes.mcp.options import McpOptions

__all__ = ["MCP_PATH", "create_mcp_app"]

MCP_PATH = "/mcp"
_NO_STREAM = (
    b'{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Method Not Allowed: this '
    b'stateless server offers no event stream; send JSON-RPC requests with POST"}}'
)


class NoStreamEndpoint:
    """The streamable HTTP endpoint, answering ``GET`` with 405 (no server-sent stream)."""

    def __init__(self, endpoint: ASGIApp) -> None:
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(_NO_STREAM)).encode()),
                (b"allow", b"POST"),
            ]
            await send({"type": "http.response.start", "status": 405, "headers": headers})
            body = b"" if scope["method"] == "HEAD" else _NO_STREAM
            await send({"type": "http.response.body", "body": body})
            return
        await self.endpoint(scope, receive, send)


class DemoHeaderMiddleware:
    """Adds ``X-Iocgate-Demo: true`` to every response (ARCHITECTURE: demo mode)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Iocgate-Demo"] = "true"
            await send(message)

        await self.app(scope, receive, send_with_header)


async def _healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_mcp_app(server: Server[Any], options: McpOptions) -> Starlette:
    """A Starlette app serving ``server`` at ``/mcp`` and ``/`` (and ``/healthz``)."""
    manager = StreamableHTTPSessionManager(
        app=server,
        stateless=True,
        json_response=True,
        security_settings=TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=list(options.allowed_hosts),
            allowed_origins=list(options.allowed_origins),
        ),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with manager.run():
            yield

    endpoint = NoStreamEndpoint(EnvelopeDefaults(StreamableHTTPASGIApp(manager)))
    app = Starlette(
        routes=[
            # Routes, not a Mount: "/mcp" must not redirect to "/mcp/".
            Route(MCP_PATH, endpoint),
            Route("/", endpoint),
            Route("/healthz", _healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    if options.demo:
        app.add_middleware(DemoHeaderMiddleware)
    return app
