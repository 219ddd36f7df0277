"""What the MCP adapter is configured with: budget, REST link base, allowed hosts, extra tools.

Nothing here imports the MCP SDK, so the composition root (and the layers that contribute extra
tools) can describe the adapter without paying for ``import mcp``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iocgate import __version__
from iocgate.engine import PluginResource, PluginTool
from iocgate.engine.extensions import ToolOutput
from iocgate.exposes.hosts import LOOPBACK_HOSTS

__all__ = [
    "BYTES_PER_TOKEN",
    "LOOPBACK_HOSTS",
    "LOOPBACK_ORIGINS",
    "ExtraTool",
    "ExtraToolOutput",
    "McpOptions",
]

#: How the token budget becomes a byte budget: ~4 bytes of compact JSON per token.
BYTES_PER_TOKEN = 4

#: Origin headers accepted by default (a request without Origin is always accepted).
LOOPBACK_ORIGINS: tuple[str, ...] = (
    "http://127.0.0.1:*",
    "http://localhost:*",
    "http://[::1]:*",
)

#: A tool another layer adds beside the spec's tools: a plugin's `PluginTool` (engine/extensions).
ExtraTool = PluginTool
ExtraToolOutput = ToolOutput


@dataclass(frozen=True, slots=True)
class McpOptions:
    """How the MCP adapter behaves; every field has a default fit for loopback use."""

    demo: bool = False
    budget_tokens: int = 10_000
    rest_base_url: str | None = None  # the REST adapter's http://host:port, for links
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    allowed_origins: tuple[str, ...] = LOOPBACK_ORIGINS
    extra_tools: tuple[ExtraTool, ...] = field(default=())
    plugin_resources: tuple[PluginResource, ...] = field(default=())
    server_name: str = "iocgate"
    version: str = __version__

    @property
    def budget_bytes(self) -> int:
        """The most text one tool result may carry."""
        return self.budget_tokens * BYTES_PER_TOKEN
