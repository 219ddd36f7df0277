"""The resolved capability's types: operations, REST routes and MCP tools, ready for the engine.

`resolve.py` builds them (with `operations.py`, `exposure.py` and `adapters.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iocgate.capability.dialect import Origin
from iocgate.capability.flows import (
    FlowPlan,
    Pagination,
)
from iocgate.capability.model import (
    Authentication,
    Binding,
    CapabilityDocument,
    Hints,
    McpPrompt,
    OutputParameter,
    RequestBody,
)
from iocgate.capability.refs import Reference
from iocgate.capability.responses import DeclaredResponse
from iocgate.capability.source import Source
from iocgate.errors import CapabilityError

__all__ = [
    "Capability",
    "ExposedCall",
    "McpAdapter",
    "Operation",
    "Parameter",
    "ResourceSpec",
    "RestAdapter",
    "RestRoute",
    "ToolSpec",
]


@dataclass(frozen=True, slots=True)
class Parameter:
    """One input of an operation, route or tool."""

    name: str
    location: str  # path, query, header, body
    type: str = "string"
    required: bool = False
    description: str = ""
    value: Any = None  # a constant the capability sets itself (consumed side only)


@dataclass(frozen=True, slots=True)
class Operation:
    """A consumed operation: one upstream HTTP call."""

    namespace: str
    name: str
    method: str
    base_uri: str
    path: str  # placeholders written `{x}`
    parameters: tuple[Parameter, ...]
    output_format: str
    output_parameters: tuple[OutputParameter, ...]
    authentication: Authentication | None
    description: str = ""
    body_template: RequestBody | None = None
    output_schema: str | None = None  # outputSchema: a schema file or a selector, by format
    output_media_type: str | None = None  # outputMediaType: the media type answers are given
    max_binary_size: str | None = None  # maxBinarySize, e.g. "5MiB" (binary content)
    #: read page after page when a flow step calls it (an iocgate extension)
    pagination: Pagination | None = None

    @property
    def qualified_name(self) -> str:
        return f"{self.namespace}.{self.name}"

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


@dataclass(frozen=True, slots=True)
class ExposedCall:
    """What a REST route and an MCP tool share: the operation they call and how."""

    operation: Operation
    references: dict[str, Reference]  # consumed parameter -> inbound argument or constant
    parameters: tuple[Parameter, ...]  # the inbound parameters, derived as the spec intends
    hints: Hints
    output_parameters: tuple[OutputParameter, ...]
    description: str
    #: steps or mock outputs to run instead of ``operation`` (then a stand-in naming the tool)
    flow: FlowPlan | None = None
    #: the exposing adapter's maxBinarySize and name ("rest adapter x"): the operation's wins
    adapter_max_binary_size: tuple[str, str] | None = None

    @property
    def is_read_only(self) -> bool:
        return bool(self.hints.readOnly)

    @property
    def is_idempotent(self) -> bool:
        return bool(self.hints.idempotent)

    def upstream_arguments(self, inbound: dict[str, object]) -> dict[str, object]:
        """Map inbound arguments to the consumed operation's; absent optionals are dropped."""
        arguments: dict[str, object] = {}
        for target, reference in self.references.items():
            if reference.name is None:
                arguments[target] = reference.constant
            elif inbound.get(reference.name) is not None:
                arguments[target] = inbound[reference.name]
        return arguments


@dataclass(frozen=True, slots=True)
class RestRoute(ExposedCall):
    path: str = ""
    method: str = "GET"
    name: str = ""
    #: the declared response contract (``responses`` / ``responseBinary``), in order
    responses: tuple[DeclaredResponse, ...] = ()


@dataclass(frozen=True, slots=True)
class ToolSpec(ExposedCall):
    name: str = ""
    title: str | None = None


@dataclass(frozen=True, slots=True)
class RestAdapter:
    namespace: str
    port: int
    address: str | None
    routes: tuple[RestRoute, ...]
    #: inbound authentication the capability declares (bearer: its token, binds unrendered)
    authentication: Authentication | None = None


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """An MCP resource: files under ``location`` (static) or a ``call`` per read (dynamic;
    a ``{placeholder}`` in ``uri`` makes it a template whose values feed the call)."""

    name: str
    uri: str
    title: str | None
    description: str
    mime_type: str | None
    binary: bool
    location: str | None
    call: ExposedCall | None
    template_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class McpAdapter:
    namespace: str
    port: int
    address: str | None
    transport: str
    tools: tuple[ToolSpec, ...]
    authentication: Authentication | None = None
    resources: tuple[ResourceSpec, ...] = ()
    prompts: tuple[McpPrompt, ...] = ()
    #: beta4+ freshness hints for list/read results (protocol 2026-07-28)
    ttl_ms: int | None = None
    cache_scope: str | None = None


@dataclass(frozen=True)
class Capability:
    """A loaded, checked capability: what every adapter and the engine work from."""

    source: Source
    document: CapabilityDocument
    operations: dict[str, Operation]
    rest: RestAdapter | None
    mcp: McpAdapter | None
    path: Path | None = None
    #: the second and later MCP adapters (HTTP), each served alone on its own port
    more_mcp: tuple[McpAdapter, ...] = ()
    binds: tuple[Binding, ...] = field(default_factory=tuple)
    #: constructs the file declares that the runtime does not run yet: `serve` refuses them
    unsupported: tuple[CapabilityError, ...] = ()
    #: valid but probably not meant (`validate --strict` shows them)
    warnings: tuple[CapabilityError, ...] = ()
    #: where each node of ``document`` was written (file, JSON path), for messages
    origin: Origin | None = None

    @property
    def mcp_adapters(self) -> tuple[McpAdapter, ...]:
        """Every MCP adapter: the first one, then the further HTTP ones."""
        return (self.mcp, *self.more_mcp) if self.mcp is not None else self.more_mcp

    @property
    def mcp_tools(self) -> tuple[ToolSpec, ...]:
        """The tools of every MCP adapter, in declaration order."""
        return tuple(tool for adapter in self.mcp_adapters for tool in adapter.tools)

    @property
    def label(self) -> str:
        return self.document.info.display

    @property
    def name(self) -> str:
        return self.source.name

    def operation(self, name: str) -> Operation | None:
        """Find an operation by qualified (``ns.op``) or bare name."""
        if name in self.operations:
            return self.operations[name]
        matches = [op for op in self.operations.values() if op.name == name]
        return matches[0] if len(matches) == 1 else None
