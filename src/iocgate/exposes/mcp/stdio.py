"""MCP over stdio, for desktop clients that launch ``iocgate stdio`` themselves.

stdout carries the protocol only: anything else the process prints must go to stderr.
"""

from __future__ import annotations

from typing import Any

from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

__all__ = ["run_stdio"]


async def run_stdio(server: Server[Any]) -> None:
    """Serve ``server`` on this process's stdin/stdout until the client closes stdin."""
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
