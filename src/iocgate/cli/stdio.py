"""`iocgate stdio`: the MCP tools over stdin/stdout for desktop MCP clients."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio
import click

from iocgate.cli import output
from iocgate.cli.options import gateway_options, settings_from
from iocgate.cli.output import handle_errors, setup_logging, stderr
from iocgate.settings import Settings

__all__ = ["stdio"]


async def _stdio(settings: Settings) -> None:
    from iocgate.exposes.mcp import McpOptions, create_mcp_server, run_stdio
    from iocgate.gateway import mcp_extras, mcp_resources, open_gateway

    async with open_gateway(settings) as gateway:
        output.SECRETS[:] = gateway.engine.secrets
        if gateway.demo is not None:
            stderr("iocgate stdio: DEMO mode (no VIRUSTOTAL_API_KEY): built-in simulator data")
        options = McpOptions(
            demo=gateway.demo is not None, budget_tokens=settings.context_budget_tokens
        )
        options = replace(
            options,
            extra_tools=tuple(mcp_extras(gateway, options.budget_bytes)),
            plugin_resources=tuple(mcp_resources(gateway)),
        )
        await run_stdio(create_mcp_server(gateway.engine, options))


@click.command("stdio")
@click.argument(
    "capabilities",
    nargs=-1,
    type=click.Path(path_type=Path, exists=True),
    metavar="[CAPABILITY]...",
)
@gateway_options
@handle_errors
def stdio(capabilities: tuple[Path, ...], **flags: Any) -> None:
    """Serve the MCP tools of CAPABILITY over stdio (Claude Desktop, VS Code, Cursor...).

    stdout carries only MCP messages; logs go to stderr.

    \b
    Claude Desktop (claude_desktop_config.json):
      {"mcpServers": {"iocgate": {"command": "iocgate", "args": ["stdio"],
                                  "env": {"VIRUSTOTAL_API_KEY": "..."}}}}
    """
    settings = settings_from(capabilities, **flags)
    setup_logging(settings.log_level, settings.log_format)
    anyio.run(_stdio, settings)
