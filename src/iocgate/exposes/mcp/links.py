"""Where the same answer lives on the REST adapter: the URL an MCP result points to.

A condensed JSON answer says where the full data is, and an artefact result links to the bytes;
both are the capability's REST route for the same operation, with the same upstream arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from iocgate.capability import Capability, Operation, RestRoute, render_path

__all__ = ["rest_url"]


def _route_for(capability: Capability, operation: Operation) -> RestRoute | None:
    if capability.rest is None:
        return None
    for route in capability.rest.routes:
        if route.method == "GET" and route.operation.qualified_name == operation.qualified_name:
            return route
    return None


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def rest_url(
    base_url: str | None,
    capability: Capability,
    operation: Operation,
    upstream_arguments: Mapping[str, object],
) -> str | None:
    """The REST URL that serves ``operation`` with ``upstream_arguments``, if there is one."""
    if not base_url:
        return None
    route = _route_for(capability, operation)
    if route is None:
        return None
    inbound: dict[str, object] = {}
    for target, reference in route.references.items():
        if reference.name is not None and upstream_arguments.get(target) is not None:
            inbound[reference.name] = upstream_arguments[target]
    path_values: dict[str, str] = {}
    query: list[tuple[str, str]] = []
    for parameter in route.parameters:
        if parameter.name not in inbound:
            if parameter.location == "path":
                return None  # cannot fill the route's path: no URL rather than a wrong one
            continue
        if parameter.location == "path":
            path_values[parameter.name] = _text(inbound[parameter.name])
        elif parameter.location == "query":
            query.append((parameter.name, _text(inbound[parameter.name])))
    url = base_url.rstrip("/") + render_path(route.path, path_values)
    return url + ("?" + urlencode(query) if query else "")
