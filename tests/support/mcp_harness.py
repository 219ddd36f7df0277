"""The MCP adapter on the seed capability, with the simulator as its upstream.

`mcp_session(sim_app, key)` gives an in-process SDK client (no sockets: the engine reaches the
simulator through `httpx.ASGITransport`); `mcp_http_app(upstream, key)` builds the streamable
HTTP app for a real port, opening and closing its engine in the app's own lifespan (the engine's
HTTP client must live on the server's event loop).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import mcp_types as types
import uvicorn
from mcp import Client
from starlette.applications import Starlette
from starlette.routing import Mount

from iocgate.capability import load_capability, resolve_binds
from iocgate.engine import Engine, LoadedCapability, Plugins, RetryPolicy, UpstreamClient
from iocgate.exposes.mcp import McpOptions, create_mcp_app, create_mcp_server
from iocgate.virustotal import DEFAULT_CAPABILITY, VirusTotalPlugin

__all__ = [
    "REST_BASE",
    "SIM_BASE",
    "McpSession",
    "build_engine",
    "mcp_http_app",
    "mcp_session",
    "run_app",
    "text_of",
    "validate_structured",
    "with_engine",
]

SIM_BASE = "http://sim.test/api/v3"
REST_BASE = "http://127.0.0.1:8080"


def build_engine(
    upstream: str, key: str, *, transport: httpx.AsyncBaseTransport | None = None, **kwargs: Any
) -> Engine:
    """An engine on the seed capability with the VirusTotal plugin and no retries."""
    capability = load_capability(DEFAULT_CAPABILITY)
    binds = resolve_binds(
        capability.binds, capability_file=capability.name, environ={"VIRUSTOTAL_API_KEY": key}
    )
    loaded = LoadedCapability(
        capability=capability,
        binds=binds,
        plugins=Plugins([VirusTotalPlugin()]),
        base_uri=upstream,
    )
    kwargs.setdefault("retry", RetryPolicy.disabled())
    return Engine([loaded], upstream=UpstreamClient(transport=transport), **kwargs)


@dataclass
class McpSession:
    """An SDK client connected in-process to the adapter, and what it runs on."""

    client: Client
    engine: Engine
    tools: dict[str, types.Tool]

    async def call(self, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        return await self.client.call_tool(name, arguments)


@contextlib.asynccontextmanager
async def mcp_session(
    sim_app: Any,
    key: str,
    options: McpOptions | None = None,
    **engine_args: Any,
) -> AsyncIterator[McpSession]:
    """The adapter over an engine whose upstream is ``sim_app`` (in-process), and a client."""
    engine = build_engine(SIM_BASE, key, transport=httpx.ASGITransport(app=sim_app), **engine_args)
    server = create_mcp_server(engine, options or McpOptions(rest_base_url=REST_BASE))
    try:
        async with Client(server) as client:
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
            yield McpSession(client, engine, tools)
    finally:
        await engine.aclose()


def with_engine(app: Starlette, engine: Engine) -> Starlette:
    """``app`` whose lifespan (run by the wrapper, as Mount would not) closes ``engine`` last."""

    @contextlib.asynccontextmanager
    async def lifespan(outer: Starlette) -> AsyncIterator[None]:
        async with app.router.lifespan_context(app):
            try:
                yield
            finally:
                await engine.aclose()

    return Starlette(routes=[Mount("/", app=app)], lifespan=lifespan)


def mcp_http_app(upstream: str, key: str, options: McpOptions | None = None) -> Starlette:
    """The streamable HTTP app on a live upstream; its lifespan owns the engine."""
    options = options or McpOptions(rest_base_url=REST_BASE)
    engine = build_engine(upstream, key)
    return with_engine(create_mcp_app(create_mcp_server(engine, options), options), engine)


@contextlib.contextmanager
def run_app(app: Any) -> Iterator[str]:
    """Serve an app *with its lifespan* on 127.0.0.1, port 0 (servers.run_server turns it off)."""

    class _Server(uvicorn.Server):
        def __init__(self, config: uvicorn.Config) -> None:
            super().__init__(config)
            self.ready = threading.Event()

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            self.ready.set()

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=1)
    server = _Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        if not server.ready.wait(10):
            raise RuntimeError("the MCP app did not start within 10 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def text_of(result: types.CallToolResult) -> str:
    """All text blocks of a result, as an agent reading it would get them."""
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


def validate_structured(tool: types.Tool, result: types.CallToolResult) -> None:
    """Raise unless the structured content matches the tool's declared output schema."""
    import jsonschema  # here, not at the top: the stdio runner imports this module too

    assert tool.output_schema is not None
    jsonschema.Draft202012Validator(tool.output_schema).validate(result.structured_content)
