"""Several capabilities in one gateway: the same route or tool name from two files is a conflict.

Two files that expose the same name *with the same meaning* (same upstream method and path) do
not conflict; with a different meaning it is a start-up error naming both files, never a silent
override.
"""

from __future__ import annotations

from collections.abc import Sequence

from iocgate.capability.spec import Capability, ExposedCall
from iocgate.errors import CapabilityError

__all__ = ["find_conflicts"]


def _meaning(call: ExposedCall) -> tuple[str, str, str]:
    operation = call.operation
    return operation.method, operation.base_uri, operation.path


def find_conflicts(capabilities: Sequence[Capability]) -> list[CapabilityError]:
    """Every REST route (method + path) and MCP tool name claimed twice with different meanings."""
    errors: list[CapabilityError] = []
    routes: dict[tuple[str, str], tuple[Capability, ExposedCall]] = {}
    tools: dict[str, tuple[Capability, ExposedCall]] = {}
    for capability in capabilities:
        for route in capability.rest.routes if capability.rest else ():
            key = (route.method, route.path)
            if key in routes and _meaning(routes[key][1]) != _meaning(route):
                first = routes[key][0]
                errors.append(
                    CapabilityError(
                        f"REST route {route.method} {route.path} is exposed by both {first.name} "
                        f"and {capability.name} with different upstream operations",
                        file=capability.name,
                        field="capability.exposes.resources.path",
                    )
                )
            routes.setdefault(key, (capability, route))
        for tool in capability.mcp.tools if capability.mcp else ():
            if tool.name in tools and _meaning(tools[tool.name][1]) != _meaning(tool):
                first, other = tools[tool.name]
                errors.append(
                    CapabilityError(
                        f"MCP tool {tool.name!r} is exposed by both {first.name} "
                        f"({other.operation.method} {other.operation.path}) "
                        f"and {capability.name} ({tool.operation.method} {tool.operation.path}); "
                        "serve them from separate gateways or rename one tool",
                        file=capability.name,
                        field="capability.exposes.tools.name",
                    )
                )
            tools.setdefault(tool.name, (capability, tool))
    return errors
