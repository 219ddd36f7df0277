"""The resolved capability from its document: operations, then flows, then adapters.

This is where the seed's dialect is read as ARCHITECTURE.md says ("How the seed is to be read"):
``{x}`` and ``{{x}}`` paths, ``rest.X`` / ``tools.X`` references, consumed ``inputParameters``
defining the exposed parameters, and ``{type: object, mapping: $.}`` meaning the whole body.
"""

from __future__ import annotations

from iocgate.capability.adapters import mcp_adapter, rest_adapter
from iocgate.capability.control import check_control
from iocgate.capability.exposure import aggregates
from iocgate.capability.model import CapabilityDocument, ExposesMcp, ExposesRest, ExposesSkill
from iocgate.capability.operations import consumed_operations
from iocgate.capability.parameters import exposed_types
from iocgate.capability.problems import Problems
from iocgate.capability.skills import check_skills
from iocgate.capability.source import Location
from iocgate.capability.spec import McpAdapter, Operation, RestAdapter

__all__ = ["resolve"]


def resolve(
    document: CapabilityDocument, problems: Problems
) -> tuple[dict[str, Operation], RestAdapter | None, McpAdapter | None, tuple[McpAdapter, ...]]:
    """Turn the document into operations and adapters (REST, the first MCP adapter, the
    further MCP adapters), collecting problems as it goes.

    A namespace declared twice is reported by `imports.py`, which can name both files.
    """
    operations: dict[str, Operation] = {}
    inferred = exposed_types(document)
    for index, consumes in enumerate(document.capability.consumes):
        where: Location = ("capability", "consumes", index, "namespace")
        if consumes.tunnel is not None:
            problems.not_yet(("capability", "consumes", index, "tunnel"), "a Ziti `tunnel`")
        for operation in consumed_operations(consumes, index, problems, inferred):
            if operation.qualified_name in operations:
                problems.add(where, f"operation {operation.qualified_name!r} is declared twice")
            operations[operation.qualified_name] = operation
    flows = aggregates(document, operations, problems)
    rest: RestAdapter | None = None
    mcp: McpAdapter | None = None
    more_mcp: list[McpAdapter] = []
    for index, adapter in enumerate(document.capability.exposes):
        a_where: Location = ("capability", "exposes", index)
        declared = adapter.authentication
        if declared is not None and (
            declared.type == "digest"
            or (isinstance(adapter, ExposesMcp) and adapter.transport == "stdio")
        ):
            problems.not_yet(
                (*a_where, "authentication"),
                f"inbound `authentication` of type {declared.type} here (bearer, apikey, basic "
                "and oauth2 are enforced on HTTP ports; or set IOCGATE_TOKENS)",
            )
        if isinstance(adapter, ExposesRest):
            if rest is not None:  # resolved all the same, for its problems
                problems.not_yet(a_where, "a second REST adapter")
            resolved_rest = rest_adapter(adapter, index, operations, flows, problems)
            rest = rest or resolved_rest
        elif isinstance(adapter, ExposesMcp):
            resolved_mcp = mcp_adapter(adapter, index, operations, flows, problems)
            if mcp is None:
                mcp = resolved_mcp
            elif adapter.transport != "http" or mcp.transport != "http":
                problems.not_yet(a_where, "a second MCP adapter beside an stdio one")
            else:
                more_mcp.append(resolved_mcp)
        elif isinstance(adapter, ExposesSkill):
            check_skills(document, adapter, a_where, problems.add)
        else:
            check_control(adapter, a_where, problems.not_yet)
    if rest and mcp and rest.port == mcp.port and mcp.transport == "http":
        problems.not_yet(
            ("capability", "exposes"), f"REST and MCP adapters on one port ({rest.port})"
        )
    for extra in more_mcp:
        if any(a is not extra and a.port == extra.port for a in (rest, mcp, *more_mcp) if a):
            problems.add(
                ("capability", "exposes"),
                f"MCP adapter {extra.namespace} declares port {extra.port}, which another "
                "adapter of the capability uses: each MCP adapter needs its own port",
            )
    return operations, rest, mcp, tuple(more_mcp)
