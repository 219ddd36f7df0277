"""The MCP adapter: the capability's tools over streamable HTTP (``/mcp``) and stdio.

``create_mcp_server(engine, options)`` builds the transport-agnostic server;
``create_mcp_app(server, options)`` serves it over HTTP and ``run_stdio(server)`` over stdio.
Importing this package imports the MCP SDK (about a second): import it only to serve MCP.
"""

from iocgate.exposes.mcp.http import create_mcp_app
from iocgate.exposes.mcp.options import (
    LOOPBACK_HOSTS,
    LOOPBACK_ORIGINS,
    ExtraTool,
    ExtraToolOutput,
    McpOptions,
)
from iocgate.exposes.mcp.server import create_mcp_server
from iocgate.exposes.mcp.stdio import run_stdio

__all__ = [
    "LOOPBACK_HOSTS",
    "LOOPBACK_ORIGINS",
    "ExtraTool",
    "ExtraToolOutput",
    "McpOptions",
    "create_mcp_app",
    "create_mcp_server",
    "run_stdio",
]
