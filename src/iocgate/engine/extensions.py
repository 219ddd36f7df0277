"""What a plugin contributes beyond the capability's own operations: routes and tools.

A plugin describes a REST route or an MCP tool here, in adapter-free terms: a handler
``async (arguments, caller) -> value | Result | PluginResponse`` and how it is listed. The
adapters (``iocgate.exposes.rest``, ``iocgate.exposes.mcp``) serve these exactly as they serve the
capability's operations: same error body, caller (per-client budget), request id, quota
headers, access log line and inbound authentication. A plugin never builds a response itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from iocgate.engine.result import QuotaStatus, Result

if TYPE_CHECKING:  # invoke.py imports the hooks that import this module
    from iocgate.engine.invoke import Caller, Engine

__all__ = [
    "PluginContext",
    "PluginResource",
    "PluginResponse",
    "PluginRoute",
    "PluginTool",
    "ResourceHandler",
    "RouteHandler",
    "ToolHandler",
    "ToolOutput",
    "routes_public",
]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class PluginContext:
    """What a plugin may build its contributions from.

    ``demo_samples``: ``(kind, sha256)`` pairs the demo simulator holds (None outside demo
    mode); ``auth_required``: callers must present a credential; ``budget_bytes``: the most text
    one MCP tool result may carry.
    """

    engine: Engine
    demo_samples: tuple[tuple[str, str], ...] | None = None
    auth_required: bool = False
    budget_bytes: int = 40_000


@dataclass(frozen=True)
class PluginResponse:
    """An answer that is not plain JSON, or needs its own status or headers.

    ``body`` as bytes or text goes out as is with ``media_type``; anything else is written as
    compact JSON. ``quota`` is what the budget has left (the REST adapter states it as
    ``X-Quota-*``, as on every capability answer).
    """

    body: Any = b""
    media_type: str | None = "application/json"
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    quota: QuotaStatus | None = None


#: A route's handler: the path values, the declared query parameters and the declared request
#: headers (by lower-case name) in, then a JSON value, an engine `Result` or a `PluginResponse`.
#: It raises an `IocgateError` to answer with the error body.
RouteHandler = Callable[[Mapping[str, str], "Caller"], Awaitable[Any]]


@dataclass(frozen=True)
class PluginRoute:
    """A REST route a plugin adds beside the capability's routes.

    ``path`` is a Starlette path template (``/x/things/{id}``). ``query`` names the query
    parameters the route accepts (others are refused with 400, as on capability routes; None:
    any, for a page whose script reads its own address) and
    ``headers`` the request headers its handler reads. ``openapi`` is the OpenAPI operation
    object listed for it in ``/openapi.json`` (None: not listed). ``public`` routes need no
    credential (a page the browser loads, its static files): the literal part of the path
    before its first ``{`` is let through. ``states_quota``: the answer says what the budget
    has left even when the handler did not say (the engine's current status).
    """

    path: str
    handler: RouteHandler
    name: str
    methods: tuple[str, ...] = ("GET",)
    query: tuple[str, ...] | None = ()
    headers: tuple[str, ...] = ()
    openapi: Mapping[str, Any] | None = None
    public: bool = False
    states_quota: bool = False

    def __post_init__(self) -> None:
        clash = set(self.query or ()) & {h.lower() for h in self.headers}
        if clash:
            raise ValueError(f"{self.path}: {sorted(clash)} named both as query and header")

    @property
    def public_prefix(self) -> str | None:
        """The literal path prefix let through without a credential, when the path has values."""
        if not self.public or "{" not in self.path:
            return None
        return self.path.split("{", 1)[0]


#: What a tool's handler returns: an engine `Result` (rendered like any spec tool's result,
#: cache and quota included) or a JSON object (rendered as structured content).
ToolOutput = Result | Mapping[str, Any]

#: A tool's handler: checked arguments and the `Caller` every upstream call must carry.
ToolHandler = Callable[[dict[str, Any], "Caller"], Awaitable[ToolOutput]]


@dataclass(frozen=True, slots=True)
class PluginTool:
    """An MCP tool a plugin adds beside the spec's tools (e.g. ``investigate-file``).

    ``input_schema`` is a JSON Schema (Draft 2020-12) object; the adapter validates arguments
    against it before ``handler`` runs, so the handler receives checked arguments, and the
    `Caller` (client id, request id) that every upstream call it makes must carry: that is how
    a plugin tool charges the caller's per-client budget. The handler raises an `IocgateError`
    to report a failure to the agent; any other exception becomes a generic error that leaks
    nothing.
    """

    name: str
    description: str
    input_schema: Mapping[str, Any]
    handler: ToolHandler
    title: str | None = None
    output_schema: Mapping[str, Any] | None = None  # None: the adapter's generic object schema
    read_only: bool = True
    destructive: bool = False
    idempotent: bool = True
    open_world: bool = True


#: A resource's handler: the URI template's values in, the engine's `Result` (or bytes) out.
ResourceHandler = Callable[[Mapping[str, str], "Caller"], Awaitable[Result | bytes]]


@dataclass(frozen=True, slots=True)
class PluginResource:
    """An MCP resource template a plugin adds (e.g. ``api://reports/{report_id}/pcap``).

    A read whose URI matches ``uri_template`` (each ``{name}`` one path segment) calls
    ``handler`` with the values and the reader's `Caller`; the adapter bounds and encodes the
    answer as it does for the capability's own resources (binary as a blob).
    """

    uri_template: str
    name: str
    handler: ResourceHandler
    title: str | None = None
    description: str | None = None
    mime_type: str | None = None
    binary: bool = True


def routes_public(routes: Sequence[PluginRoute]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The exact paths and the path prefixes of ``routes`` that need no credential."""
    paths = tuple(r.path for r in routes if r.public and r.public_prefix is None)
    prefixes = tuple(p for r in routes if (p := r.public_prefix) is not None)
    return paths, prefixes
