"""What the MCP adapter is configured with: budget, REST link base, allowed hosts, extra tools.

Nothing here imports the MCP SDK, so the composition root (and the layers that contribute extra
tools) can describe the adapter without paying for ``import mcp``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from iocgate import __version__
from iocgate.engine import Caller, Result
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

#: What an extra tool's handler returns: an engine `Result` (rendered like any spec tool's
#: result, cache and quota included) or a JSON object (rendered as structured content).
ExtraToolOutput = Result | Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ExtraTool:
    """A tool that another layer adds beside the spec's tools (e.g. ``investigate-file``).

    ``input_schema`` is a JSON Schema (Draft 2020-12) object; the adapter validates arguments
    against it before ``handler`` runs, so the handler receives checked arguments, and the
    `Caller` (client id, request id) that every upstream call it makes must carry: that is how
    an extra tool charges the caller's per-client budget. The handler raises an `IocgateError`
    to report a failure to the agent; any other exception becomes a generic error that leaks
    nothing.
    """

    name: str
    description: str
    input_schema: Mapping[str, Any]
    handler: Callable[[dict[str, Any], Caller], Awaitable[ExtraToolOutput]]
    title: str | None = None
    output_schema: Mapping[str, Any] | None = None  # None: the adapter's generic object schema
    read_only: bool = True
    destructive: bool = False
    idempotent: bool = True
    open_world: bool = True


@dataclass(frozen=True, slots=True)
class McpOptions:
    """How the MCP adapter behaves; every field has a default fit for loopback use."""

    demo: bool = False
    budget_tokens: int = 10_000
    rest_base_url: str | None = None  # the REST adapter's http://host:port, for links
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    allowed_origins: tuple[str, ...] = LOOPBACK_ORIGINS
    extra_tools: tuple[ExtraTool, ...] = field(default=())
    server_name: str = "iocgate"
    version: str = __version__

    @property
    def budget_bytes(self) -> int:
        """The most text one tool result may carry."""
        return self.budget_tokens * BYTES_PER_TOKEN
