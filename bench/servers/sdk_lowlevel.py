"""A minimal official-SDK (mcp 2.3) low-level MCP server that fetches the upstream on every call.

    python sdk_lowlevel.py --port N --upstream http://127.0.0.1:P/api/v3 --key KEY

One tool, `get-summary-all-behavior-reports(id)`, which GETs `/files/{id}/behaviour_summary`
with `x-apikey` and answers with the body as text content plus the parsed JSON as
`structuredContent` (what a straightforward server does). Streamable HTTP at `/mcp`,
stateless, JSON responses, no cache. Runs in the project's venv (mcp 2.3.0, the same
starlette/uvicorn as iocgate); it never imports fastmcp.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx2  # noqa: E402
import mcp_types as types  # noqa: E402
from common import serve  # noqa: E402
from mcp.server import Server, ServerRequestContext  # noqa: E402
from mcp.server.streamable_http_manager import (  # noqa: E402
    StreamableHTTPASGIApp,
    StreamableHTTPSessionManager,
)
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

TOOL = "get-summary-all-behavior-reports"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--key", required=True)
    args = parser.parse_args()

    client: dict[str, httpx2.AsyncClient] = {}
    tool = types.Tool(
        name=TOOL,
        description="Get a summary of all behavior reports for a file",
        input_schema={
            "type": "object",
            "properties": {"id": {"type": "string", "description": "SHA-256, SHA-1 or MD5"}},
            "required": ["id"],
        },
    )

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[tool])

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        if params.name != TOOL:
            raise ValueError(f"unknown tool {params.name}")
        ident = str((params.arguments or {})["id"])
        response = await client["c"].get(f"/files/{ident}/behaviour_summary")
        text = response.text
        if response.status_code != 200:
            return types.CallToolResult(content=[types.TextContent(text=text)], is_error=True)
        return types.CallToolResult(
            content=[types.TextContent(text=text)], structured_content=json.loads(text)
        )

    server: Server[Any] = Server(
        "sdk-lowlevel-peer", on_list_tools=list_tools, on_call_tool=call_tool
    )
    manager = StreamableHTTPSessionManager(app=server, stateless=True, json_response=True)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with httpx2.AsyncClient(
            base_url=args.upstream, headers={"x-apikey": args.key}, timeout=30
        ) as c:
            client["c"] = c
            async with manager.run():
                yield

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    app = Starlette(
        routes=[Route("/mcp", StreamableHTTPASGIApp(manager)), Route("/healthz", healthz)],
        lifespan=lifespan,
    )
    serve(app, args.host, args.port, lifespan="on")


if __name__ == "__main__":
    main()
