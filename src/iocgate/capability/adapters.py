"""The exposed REST and MCP adapters, resolved: routes, tools and resources."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from iocgate.capability.exposure import Exposure, Flows, expose, hints_for
from iocgate.capability.model import ExposesMcp, ExposesRest, McpResource
from iocgate.capability.problems import Problems
from iocgate.capability.responses import declared_responses
from iocgate.capability.source import Location
from iocgate.capability.spec import (
    ExposedCall,
    McpAdapter,
    Operation,
    ResourceSpec,
    RestAdapter,
    RestRoute,
    ToolSpec,
)
from iocgate.capability.templates import normalize_path, placeholders

__all__ = ["mcp_adapter", "rest_adapter"]


def _adapter_binary_size(size: str | None, kind: str, namespace: str) -> tuple[str, str] | None:
    """An adapter's maxBinarySize, the default for the binary operations it exposes."""
    return None if size is None else (size, f"{kind} adapter {namespace}")


def _call_fields(
    exposure: Exposure, method: str, binary_size: tuple[str, str] | None
) -> dict[str, Any]:
    """What a route, a tool and a resource take from their `Exposure` (an `ExposedCall`'s
    fields), with the hints ``method`` implies filling the gaps and the adapter's
    ``maxBinarySize`` (the operation's own wins)."""
    return {
        "operation": exposure.operation,
        "references": exposure.references,
        "parameters": exposure.parameters,
        "hints": hints_for(method, exposure.hints),
        "output_parameters": exposure.outputs,
        "description": exposure.description,
        "flow": exposure.flow,
        "adapter_max_binary_size": binary_size,
    }


def rest_adapter(
    adapter: ExposesRest,
    index: int,
    operations: dict[str, Operation],
    flows: Flows,
    problems: Problems,
) -> RestAdapter:
    routes: list[RestRoute] = []
    seen: dict[tuple[str, str], Location] = {}
    prefixes = (adapter.namespace, "rest")
    binary_size = _adapter_binary_size(adapter.maxBinarySize, "rest", adapter.namespace)
    for r_index, resource in enumerate(adapter.resources):
        path = normalize_path(resource.path)
        r_where: Location = ("capability", "exposes", index, "resources", r_index)
        if resource.forward is not None:
            problems.not_yet((*r_where, "forward"), "`forward` (proxying a resource upstream)")
        for o_index, op in enumerate(resource.operations):
            where: Location = (*r_where, "operations", o_index)
            key = (path, op.method)
            if key in seen:
                problems.add((*where, "method"), f"{op.method} {path} is declared twice")
            seen[key] = where
            exposure = expose(
                op, op.name or path, op.method, where, prefixes, placeholders(path),
                (op.hints, op.description or resource.description or ""),
                (operations, flows, problems), shared=tuple(resource.inputParameters),
            )  # fmt: skip
            if exposure is None:
                continue
            binary_call = (
                exposure.flow is None and exposure.operation.output_format.lower() == "binary"
            )
            routes.append(
                RestRoute(
                    **_call_fields(exposure, op.method, binary_size),
                    path=path,
                    method=op.method,
                    name=op.name or exposure.operation.name,
                    responses=declared_responses(
                        op, where, binary_call, problems.add, problems.warn
                    ),
                )
            )
    return RestAdapter(
        adapter.namespace, adapter.port, adapter.address, tuple(routes), adapter.authentication
    )


def mcp_adapter(
    adapter: ExposesMcp,
    index: int,
    operations: dict[str, Operation],
    flows: Flows,
    problems: Problems,
) -> McpAdapter:
    tools: list[ToolSpec] = []
    names: dict[str, int] = {}
    prefixes = (adapter.namespace, "tools")
    a_where: Location = ("capability", "exposes", index)
    binary_size = _adapter_binary_size(adapter.maxBinarySize, "mcp", adapter.namespace)
    for t_index, tool in enumerate(adapter.tools):
        where: Location = (*a_where, "tools", t_index)
        if tool.name in names:
            problems.add(
                (*where, "name"),
                f"tool name {tool.name!r} is used twice (first as tool #{names[tool.name] + 1})",
            )
            continue
        names[tool.name] = t_index
        if not tool.name:
            problems.not_yet(where, "an MCP tool without a name")
            continue
        exposure = expose(
            tool, tool.name, "GET", where, prefixes, [], (tool.hints, tool.description),
            (operations, flows, problems), tool=True,
        )  # fmt: skip
        if exposure is None:
            continue
        tools.append(
            ToolSpec(
                **_call_fields(exposure, exposure.operation.method, binary_size),
                name=tool.name,
                title=tool.display or tool.title,
            )
        )
    resources = [
        spec
        for r_index, resource in enumerate(adapter.resources)
        if (spec := _mcp_resource(resource, (*a_where, "resources", r_index), prefixes,
                                  (operations, flows, problems), binary_size)) is not None
    ]  # fmt: skip
    _no_duplicates([r.uri for r in resources], "resource uri", (*a_where, "resources"), problems)
    _no_duplicates([p.name for p in adapter.prompts], "prompt", (*a_where, "prompts"), problems)
    return McpAdapter(
        adapter.namespace, adapter.port, adapter.address, adapter.transport, tuple(tools),
        adapter.authentication, tuple(resources), tuple(adapter.prompts), adapter.ttlMs,
        adapter.cacheScope,
    )  # fmt: skip


def _no_duplicates(names: list[str], what: str, where: Location, problems: Problems) -> None:
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.add(where, f"{what} {name!r} is declared twice")


def _mcp_resource(
    resource: McpResource,
    where: Location,
    prefixes: tuple[str, ...],
    context: tuple[dict[str, Operation], Flows, Problems],
    binary_size: tuple[str, str] | None = None,
) -> ResourceSpec | None:
    """A static resource (``location``) or one read through a call, steps or a ref."""
    names = tuple(placeholders(resource.uri))
    static = ResourceSpec(
        resource.name, resource.uri, resource.display, resource.description,
        resource.mimeType, resource.binary, resource.location, None, names,
    )  # fmt: skip
    if resource.location is not None:
        if names:
            context[2].add((*where, "uri"), "a static resource (`location`) has no template")
            return None
        return static
    exposure = expose(
        resource, resource.name, "GET", where, prefixes, list(names),
        (None, resource.description), context, tool=True,
    )  # fmt: skip
    if exposure is None:
        return None
    return replace(static, call=ExposedCall(**_call_fields(exposure, "GET", binary_size)))
