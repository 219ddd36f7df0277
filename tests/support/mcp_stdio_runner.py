"""The MCP adapter over stdio on a given upstream, as a desktop client would launch it.

    python -m tests.support.mcp_stdio_runner UPSTREAM_URL API_KEY

stdout carries the protocol only; the engine is the seed capability with the VirusTotal
plugin (`mcp_harness.build_engine`).
"""

from __future__ import annotations

import sys

import anyio

from iocgate.exposes.mcp import McpOptions, create_mcp_server, run_stdio
from tests.support.mcp_harness import REST_BASE, build_engine


async def serve(upstream: str, key: str) -> None:
    engine = build_engine(upstream, key)
    try:
        await run_stdio(create_mcp_server(engine, McpOptions(rest_base_url=REST_BASE)))
    finally:
        await engine.aclose()


if __name__ == "__main__":
    anyio.run(serve, sys.argv[1], sys.argv[2])
