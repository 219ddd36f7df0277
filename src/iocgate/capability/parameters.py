"""Inputs as `Parameter`s: JSON types, required defaults, types inferred from the exposed side."""

from __future__ import annotations

from iocgate.capability.model import (
    CapabilityDocument,
    ExposesMcp,
    ExposesRest,
    InputParameter,
    Orchestration,
    RequestBody,
)
from iocgate.capability.refs import parse_reference
from iocgate.capability.spec import Parameter
from iocgate.capability.templates import mustache_names

__all__ = [
    "JSON_TYPES",
    "TEMPLATE",
    "Inferred",
    "body_placeholders",
    "exposed_types",
    "input_parameter",
]


JSON_TYPES = {"string", "integer", "number", "boolean", "object", "array"}


#: The location of a parameter that only feeds the operation's `body` template.
TEMPLATE = "template"


def body_placeholders(body: RequestBody | None) -> list[str]:
    """The ``{{name}}`` placeholders of a body template, in order, without duplicates."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            found.extend(n for n in mustache_names(node) if n not in found)
        elif isinstance(node, dict):
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(body.data if body is not None else None)
    return found


def input_parameter(
    param: InputParameter, inferred: str | None = None, *, tool: bool = False
) -> Parameter:
    kind = (param.type or inferred or "string").lower()
    # The spec's default: an MCP tool's input is required unless it says `required: false`.
    default = True if tool else param.in_ == "path"
    required = param.required if param.required is not None else default
    return Parameter(
        name=param.name,
        location=param.in_,
        type=kind if kind in JSON_TYPES else "string",
        required=bool(required),
        description=param.description or "",
        value=param.value,
    )


#: (qualified operation, parameter) -> the type an exposed side declares for it
Inferred = dict[tuple[str, str], str]


def exposed_types(document: CapabilityDocument) -> Inferred:
    """Types the exposed side declares for the consumed parameters it maps to.

    From alpha3 on a consumed parameter carries only ``in`` and ``value``: its type is the one
    of the exposed parameter that feeds it (a REST query ``limit: integer`` stays an integer).
    """
    inferred: Inferred = {}
    for adapter in document.capability.exposes:
        calls: list[Orchestration] = []
        if isinstance(adapter, ExposesRest):
            calls = [op for resource in adapter.resources for op in resource.operations]
            declared_extra = {
                id(op): resource.inputParameters
                for resource in adapter.resources
                for op in resource.operations
            }
        elif isinstance(adapter, ExposesMcp):
            calls, declared_extra = list(adapter.tools), {}
        for node in calls:
            if not node.call:
                continue
            declared = {
                p.name: p.type
                for p in (*declared_extra.get(id(node), []), *node.inputParameters)
                if p.type
            }
            mapping = {t: parse_reference(v, (adapter.namespace, "rest", "tools")).name
                       for t, v in node.with_.items()} or {n: n for n in declared}  # fmt: skip
            for target, source in mapping.items():
                if source is not None and source in declared:
                    inferred.setdefault((node.call, target), str(declared[source]))
    return inferred
