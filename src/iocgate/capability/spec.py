"""The resolved capability: operations, REST routes and MCP tools, ready for the engine.

This is where the seed's dialect is read as ARCHITECTURE.md says ("How the seed is to be read"):
``{x}`` and ``{{x}}`` paths, ``rest.X`` / ``tools.X`` references, consumed ``inputParameters``
defining the exposed parameters, and ``{type: object, mapping: $.}`` meaning the whole body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iocgate.capability.model import (
    Authentication,
    Binding,
    CapabilityDocument,
    ConsumedOperation,
    ConsumesHttp,
    ExposesMcp,
    ExposesRest,
    Hints,
    InputParameter,
    OutputParameter,
)
from iocgate.capability.refs import Reference, parse_reference
from iocgate.capability.source import Location, Source
from iocgate.capability.templates import normalize_path, placeholders

__all__ = [
    "Capability",
    "ExposedCall",
    "Operation",
    "Parameter",
    "RestRoute",
    "ToolSpec",
]

JSON_TYPES = {"string", "integer", "number", "boolean", "object", "array"}


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
    body_template: Any = None
    output_schema: str | None = None  # outputSchema: a schema file or a selector, by format
    output_media_type: str | None = None  # outputMediaType: the media type answers are given
    max_binary_size: str | None = None  # maxBinarySize, e.g. "5MiB" (binary content)

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


@dataclass(frozen=True, slots=True)
class McpAdapter:
    namespace: str
    port: int
    address: str | None
    transport: str
    tools: tuple[ToolSpec, ...]


@dataclass(frozen=True)
class Capability:
    """A loaded, checked capability: what every adapter and the engine work from."""

    source: Source
    document: CapabilityDocument
    operations: dict[str, Operation]
    rest: RestAdapter | None
    mcp: McpAdapter | None
    path: Path | None = None
    binds: tuple[Binding, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        return self.document.info.label

    @property
    def name(self) -> str:
        return self.source.name

    def operation(self, name: str) -> Operation | None:
        """Find an operation by qualified (``ns.op``) or bare name."""
        if name in self.operations:
            return self.operations[name]
        matches = [op for op in self.operations.values() if op.name == name]
        return matches[0] if len(matches) == 1 else None


@dataclass
class Problems:
    """Errors found while resolving; each names a location in the file."""

    errors: list[tuple[Location, str]] = field(default_factory=list)

    def add(self, location: Location, message: str) -> None:
        self.errors.append((location, message))


def _parameter(param: InputParameter) -> Parameter:
    kind = (param.type or "string").lower()
    required = param.required if param.required is not None else param.in_ == "path"
    return Parameter(
        name=param.name,
        location=param.in_,
        type=kind if kind in JSON_TYPES else "string",
        required=bool(required),
        description=param.description or "",
        value=param.value,
    )


def _operations(consumes: ConsumesHttp, index: int, problems: Problems) -> list[Operation]:
    operations: list[Operation] = []
    for r_index, resource in enumerate(consumes.resources):
        for o_index, op in enumerate(resource.operations):
            where: Location = (
                "capability", "consumes", index, "resources", r_index, "operations", o_index,
            )  # fmt: skip
            params = [_parameter(p) for p in (*consumes.inputParameters, *resource.inputParameters)]
            params += [_parameter(p) for p in op.inputParameters]
            names = {p.name for p in params}
            for name in placeholders(resource.path):
                if name not in names:  # a path placeholder is an implicit required parameter
                    params.append(Parameter(name=name, location="path", required=True))
            for p_index, param in enumerate(op.inputParameters):
                if param.in_ == "path" and param.name not in placeholders(resource.path):
                    problems.add(
                        (*where, "inputParameters", p_index, "name"),
                        f"path parameter {param.name!r} does not appear in the resource path "
                        f"{resource.path!r}",
                    )
            operations.append(_operation(consumes, resource.path, op, tuple(params)))
    return operations


def _operation(
    consumes: ConsumesHttp, path: str, op: ConsumedOperation, params: tuple[Parameter, ...]
) -> Operation:
    return Operation(
        namespace=consumes.namespace,
        name=op.name,
        method=op.method,
        base_uri=consumes.baseUri.rstrip("/"),
        path=normalize_path(path),
        parameters=params,
        output_format=op.outputRawFormat,
        output_parameters=tuple(op.outputParameters),
        authentication=consumes.authentication,
        description=op.description or op.label or "",
        body_template=op.body,
        output_schema=op.outputSchema,
        output_media_type=op.outputMediaType,
        max_binary_size=op.maxBinarySize,
    )


def _hints_for(method: str, hints: Hints | None) -> Hints:
    """Hints as written, with what the HTTP method implies filling the gaps."""
    safe = method == "GET"
    defaults = {
        "readOnly": safe,
        "destructive": method == "DELETE",
        "idempotent": method in ("GET", "PUT", "DELETE"),
        "openWorld": True,
    }
    given = hints.model_dump(exclude_none=True) if hints else {}
    return Hints(**{**defaults, **given})


def _resolve_call(
    call: str | None,
    with_map: dict[str, Any],
    declared: list[InputParameter],
    prefixes: tuple[str, ...],
    path_names: list[str],
    operations: dict[str, Operation],
    where: Location,
    problems: Problems,
) -> tuple[Operation, dict[str, Reference], tuple[Parameter, ...]] | None:
    if not call:
        problems.add((*where, "call"), "no `call`: name the consumed operation as namespace.name")
        return None
    operation = operations.get(call)
    if operation is None:
        known = ", ".join(sorted(operations)) or "none"
        problems.add((*where, "call"), f"{call!r} names no consumed operation (known: {known})")
        return None
    references: dict[str, Reference] = {}
    for target, raw in with_map.items():
        if operation.parameter(target) is None:
            allowed = ", ".join(p.name for p in operation.parameters) or "none"
            problems.add(
                (*where, "with", target),
                f"{target!r} is not a parameter of {call} (its parameters: {allowed})",
            )
            continue
        references[target] = parse_reference(raw, prefixes)
    if not with_map:  # nothing mapped: the consumed parameters pass through by name
        references = {p.name: Reference(p.name) for p in operation.parameters if p.value is None}
    declared_by_name = {p.name: _parameter(p) for p in declared}
    inbound: dict[str, Parameter] = {}
    for target, reference in references.items():
        if reference.name is None:
            continue
        consumed = operation.parameter(target)
        assert consumed is not None
        if reference.name in declared_by_name:  # the exposed side's own declaration wins
            inbound[reference.name] = declared_by_name[reference.name]
            continue
        # A consumed path parameter the exposed path does not carry arrives as a query parameter.
        if reference.name in path_names:
            location = "path"
        else:
            location = "query" if consumed.location == "path" else consumed.location
        inbound[reference.name] = Parameter(
            name=reference.name,
            location=location,
            type=consumed.type,
            required=consumed.required or location == "path",
            description=consumed.description,
        )
    for name, param in declared_by_name.items():
        inbound.setdefault(name, param)
    for name in path_names:
        if name not in inbound:
            problems.add(
                (*where, "with"),
                f"path placeholder {{{name}}} is not mapped to any parameter of {call}",
            )
    return operation, references, tuple(inbound.values())


def _rest_adapter(
    adapter: ExposesRest, index: int, operations: dict[str, Operation], problems: Problems
) -> RestAdapter:
    routes: list[RestRoute] = []
    seen: dict[tuple[str, str], Location] = {}
    prefixes = (adapter.namespace, "rest")
    for r_index, resource in enumerate(adapter.resources):
        path = normalize_path(resource.path)
        for o_index, op in enumerate(resource.operations):
            where: Location = (
                "capability", "exposes", index, "resources", r_index, "operations", o_index,
            )  # fmt: skip
            key = (path, op.method)
            if key in seen:
                problems.add((*where, "method"), f"{op.method} {path} is declared twice")
            seen[key] = where
            resolved = _resolve_call(
                op.call, op.with_, op.inputParameters, prefixes, placeholders(path),
                operations, where, problems,
            )  # fmt: skip
            if resolved is None:
                continue
            operation, references, params = resolved
            routes.append(
                RestRoute(
                    operation=operation,
                    references=references,
                    parameters=params,
                    hints=_hints_for(op.method, op.hints),
                    output_parameters=tuple(op.outputParameters),
                    description=op.description or resource.description or operation.description,
                    path=path,
                    method=op.method,
                    name=op.name or operation.name,
                )
            )
    return RestAdapter(adapter.namespace, adapter.port, adapter.address, tuple(routes))


def _mcp_adapter(
    adapter: ExposesMcp, index: int, operations: dict[str, Operation], problems: Problems
) -> McpAdapter:
    tools: list[ToolSpec] = []
    names: dict[str, int] = {}
    prefixes = (adapter.namespace, "tools")
    for t_index, tool in enumerate(adapter.tools):
        where: Location = ("capability", "exposes", index, "tools", t_index)
        if tool.name in names:
            problems.add(
                (*where, "name"),
                f"tool name {tool.name!r} is used twice (first as tool #{names[tool.name] + 1})",
            )
            continue
        names[tool.name] = t_index
        resolved = _resolve_call(
            tool.call, tool.with_, tool.inputParameters, prefixes, [], operations, where, problems
        )
        if resolved is None:
            continue
        operation, references, params = resolved
        tools.append(
            ToolSpec(
                operation=operation,
                references=references,
                parameters=params,
                hints=_hints_for(operation.method, tool.hints),
                output_parameters=tuple(tool.outputParameters),
                description=tool.description or operation.description,
                name=tool.name,
                title=tool.label or tool.display or tool.title,
            )
        )
    return McpAdapter(
        adapter.namespace, adapter.port, adapter.address, adapter.transport, tuple(tools)
    )


def resolve(
    document: CapabilityDocument, problems: Problems
) -> tuple[dict[str, Operation], RestAdapter | None, McpAdapter | None]:
    """Turn the document into operations and adapters, collecting problems as it goes."""
    operations: dict[str, Operation] = {}
    namespaces: dict[str, Location] = {}
    for index, consumes in enumerate(document.capability.consumes):
        where: Location = ("capability", "consumes", index, "namespace")
        if consumes.namespace in namespaces:
            problems.add(where, f"namespace {consumes.namespace!r} is used twice")
        namespaces[consumes.namespace] = where
        for operation in _operations(consumes, index, problems):
            if operation.qualified_name in operations:
                problems.add(where, f"operation {operation.qualified_name!r} is declared twice")
            operations[operation.qualified_name] = operation
    rest: RestAdapter | None = None
    mcp: McpAdapter | None = None
    for index, adapter in enumerate(document.capability.exposes):
        where = ("capability", "exposes", index, "namespace")
        if adapter.namespace in namespaces:
            problems.add(where, f"namespace {adapter.namespace!r} is used twice")
        namespaces[adapter.namespace] = where
        if isinstance(adapter, ExposesRest):
            if rest is not None:
                problems.add(("capability", "exposes", index), "only one REST adapter is supported")
            rest = _rest_adapter(adapter, index, operations, problems)
        else:
            if mcp is not None:
                problems.add(("capability", "exposes", index), "only one MCP adapter is supported")
            mcp = _mcp_adapter(adapter, index, operations, problems)
    if rest and mcp and rest.port == mcp.port:
        problems.add(("capability", "exposes"), f"REST and MCP adapters share port {rest.port}")
    return operations, rest, mcp
