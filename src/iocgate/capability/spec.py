"""The resolved capability: operations, REST routes and MCP tools, ready for the engine.

This is where the seed's dialect is read as ARCHITECTURE.md says ("How the seed is to be read"):
``{x}`` and ``{{x}}`` paths, ``rest.X`` / ``tools.X`` references, consumed ``inputParameters``
defining the exposed parameters, and ``{type: object, mapping: $.}`` meaning the whole body.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from iocgate.capability.control import check_control
from iocgate.capability.dialect import Origin
from iocgate.capability.flows import (
    CallStep,
    FlowPlan,
    Pagination,
    is_mock,
    read_pagination,
    resolve_plan,
)
from iocgate.capability.model import (
    AggregateFlow,
    Authentication,
    Binding,
    CapabilityDocument,
    ConsumedOperation,
    ConsumesHttp,
    ExposesMcp,
    ExposesRest,
    ExposesSkill,
    Hints,
    InputParameter,
    McpPrompt,
    McpResource,
    Orchestration,
    OutputParameter,
    RequestBody,
)
from iocgate.capability.refs import Reference, parse_reference
from iocgate.capability.responses import DeclaredResponse, declared_responses
from iocgate.capability.skills import check_skills
from iocgate.capability.source import Location, Source
from iocgate.capability.templates import mustache_names, normalize_path, placeholders
from iocgate.errors import CapabilityError

__all__ = [
    "Capability",
    "ExposedCall",
    "Operation",
    "Parameter",
    "RestRoute",
    "ToolSpec",
    "body_placeholders",
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


@dataclass
class Problems:
    """Errors found while resolving, and constructs not run yet; each names a location."""

    errors: list[tuple[Location, str]] = field(default_factory=list)
    unsupported: list[tuple[Location, str]] = field(default_factory=list)
    warnings: list[tuple[Location, str]] = field(default_factory=list)

    def add(self, location: Location, message: str) -> None:
        self.errors.append((location, message))

    def warn(self, location: Location, message: str) -> None:
        """Valid but probably not meant: reported by `validate --strict`."""
        self.warnings.append((location, message))

    def not_yet(self, location: Location, construct: str) -> None:
        """``construct`` is valid spec that iocgate does not run yet (a start-up error)."""
        self.unsupported.append(
            (location, f"{construct} is not supported by this version of iocgate yet")
        )


def _parameter(
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


def _exposed_types(document: CapabilityDocument) -> Inferred:
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


def _operations(
    consumes: ConsumesHttp, index: int, problems: Problems, inferred: Inferred
) -> list[Operation]:
    operations: list[Operation] = []
    for r_index, resource in enumerate(consumes.resources):
        for o_index, op in enumerate(resource.operations):
            where: Location = (
                "capability", "consumes", index, "resources", r_index, "operations", o_index,
            )  # fmt: skip
            qualified = f"{consumes.namespace}.{op.name}"
            params = [
                _parameter(p, inferred.get((qualified, p.name)))
                for p in (*consumes.inputParameters, *resource.inputParameters, *op.inputParameters)
            ]
            names = {p.name for p in params}
            for name in placeholders(resource.path):
                if name not in names:  # a path placeholder is an implicit required parameter
                    params.append(Parameter(name=name, location="path", required=True))
                    names.add(name)
            for name in body_placeholders(op.body):
                if name not in names:  # a body placeholder is an argument of the template only
                    params.append(Parameter(name=name, location=TEMPLATE, type="any"))
                    names.add(name)
            for p_index, param in enumerate(op.inputParameters):
                if param.in_ == "path" and param.name not in placeholders(resource.path):
                    problems.add(
                        (*where, "inputParameters", p_index, "name"),
                        f"path parameter {param.name!r} does not appear in the resource path "
                        f"{resource.path!r}",
                    )
            _consumed_not_yet(op, params, where, problems)
            pagination, extra = None, op.model_extra or {}
            if extra.get("pagination") is not None:
                read = read_pagination(extra["pagination"], names)
                if isinstance(read, str):
                    problems.add((*where, "pagination"), read)
                else:
                    pagination = read
            operation = _operation(consumes, resource.path, op, tuple(params))
            operations.append(replace(operation, pagination=pagination))
    return operations


#: `body` types the engine renders.
RUNNABLE_BODIES = frozenset({"json", "text", "xml", "sparql", "formUrlEncoded", "raw"})


def _consumed_not_yet(
    op: ConsumedOperation, params: list[Parameter], where: Location, problems: Problems
) -> None:
    # outputRawFormat, outputSchema, outputMediaType and maxBinarySize are run by the engine,
    # which refuses a format it does not read at start-up (engine/formats).
    if op.body is not None and op.body.type not in RUNNABLE_BODIES:
        problems.not_yet((*where, "body"), f"a {op.body.type} request body")
    for index, param in enumerate(op.inputParameters):
        if param.in_ == "environment":
            problems.not_yet((*where, "inputParameters", index, "in"), "`in: environment`")


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
        description=op.description or op.display or "",
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
    *,
    tool: bool = False,
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
            # The reference engine accepts it (the value joins the call's context, unused):
            # a warning, unless it leaves a required parameter unmapped (checked below).
            allowed = ", ".join(p.name for p in operation.parameters) or "none"
            problems.warn(
                (*where, "with", target),
                f"{target!r} is not a parameter of {call} (its parameters: {allowed}); "
                "the value is sent nowhere",
            )
            continue
        references[target] = parse_reference(raw, prefixes)
    if not with_map:  # nothing mapped: the consumed parameters pass through by name
        references = {p.name: Reference(p.name) for p in operation.parameters if p.value is None}
    for param in operation.parameters:
        if param.location == "path" and param.value is None and param.name not in references:
            problems.add(
                (*where, "with"),
                f"path parameter {param.name!r} of {call} is mapped by no `with` entry: "
                f"add `{param.name}: <namespace>.{param.name}`",
            )
    declared_by_name = {p.name: _parameter(p, tool=tool) for p in declared}
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
            inbound_locations = {"path": "query", TEMPLATE: "body"}
            location = inbound_locations.get(consumed.location, consumed.location)
        inbound[reference.name] = Parameter(
            name=reference.name,
            location=location,
            type=consumed.type if consumed.type in JSON_TYPES else "string",
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


#: aggregate flows by ``<namespace>.<flow>``: the aggregate's namespace, the flow, its plan
Flows = dict[str, tuple[str, AggregateFlow, FlowPlan | None]]


@dataclass(frozen=True, slots=True)
class Exposure:
    """What an exposed node resolves to: one call (``flow`` None) or a plan to run."""

    operation: Operation
    references: dict[str, Reference]
    parameters: tuple[Parameter, ...]
    hints: Hints | None
    outputs: tuple[OutputParameter, ...]
    description: str
    flow: FlowPlan | None


def _semantics_hints(flow: AggregateFlow, own: Hints | None) -> Hints | None:
    """A flow's ``semantics`` as MCP hints (safe -> readOnly, idempotent); the node's own win."""
    derived: dict[str, Any] = {}
    if flow.semantics is not None:
        if flow.semantics.safe is not None:
            derived["readOnly"] = flow.semantics.safe
            if flow.semantics.safe:
                derived["destructive"] = False
        if flow.semantics.idempotent is not None:
            derived["idempotent"] = flow.semantics.idempotent
    given = own.model_dump(exclude_none=True) if own else {}
    merged = {**derived, **given}
    return Hints(**merged) if merged else None


def _stand_in(
    namespace: str, name: str, method: str, params: tuple[Parameter, ...], description: str
) -> Operation:
    """The operation a flow is known by in metrics, logs and links: it calls nothing itself."""
    return Operation(
        namespace=namespace, name=name, method=method, base_uri="", path="", parameters=params,
        output_format="json", output_parameters=(), authentication=None, description=description,
    )  # fmt: skip


def _exposure(
    node: Orchestration,
    name: str,
    method: str,
    where: Location,
    prefixes: tuple[str, ...],
    path_names: list[str],
    own: tuple[Hints | None, str],
    context: tuple[dict[str, Operation], Flows, Problems],
    *,
    tool: bool = False,
    shared: tuple[InputParameter, ...] = (),
) -> Exposure | None:
    """Resolve an exposed tool or operation: a ``call``, ``steps``, mock outputs or a ``ref``."""
    operations, flows, problems = context
    hints, description = own
    namespace = prefixes[0]
    effective: Orchestration = node
    plan: FlowPlan | None = None
    if node.ref:
        found = flows.get(node.ref)
        if found is None:
            problems.add(
                (*where, "ref"),
                f"{node.ref!r} names no aggregate flow "
                f"(known: {', '.join(sorted(flows)) or 'none'})",
            )
            return None
        namespace, flow, plan = found
        hints = _semantics_hints(flow, hints)
        description = description or flow.description
        prefixes = (namespace, *prefixes)
        effective = flow
        name = flow.name
    inputs = [*shared, *(node.inputParameters or effective.inputParameters)]
    outputs = tuple(node.outputParameters or effective.outputParameters)
    if effective.call:
        resolved = _resolve_call(
            effective.call, effective.with_, inputs, prefixes, path_names, operations, where,
            problems, tool=tool,
        )  # fmt: skip
        if resolved is None:
            return None
        operation, references, params = resolved
        description = description or operation.description
        return Exposure(operation, references, params, hints, outputs, description, None)
    if plan is None:
        if not (node.steps or is_mock(node)):
            problems.add(
                (*where, "call"),
                "no `call`, `steps`, `ref` or mock outputs (every output with a `value`): "
                "name the consumed operation as namespace.name",
            )
            return None
        plan = resolve_plan(node, name, where, prefixes, operations, problems)
    params = tuple(
        replace(p, location="path", required=True) if p.name in path_names else p
        for p in (_parameter(param, tool=tool) for param in inputs)
    )
    references = {p.name: Reference(p.name) for p in params}
    if tool and any(
        isinstance(step, CallStep) and step.operation.method != "GET" for step in plan.steps
    ):
        method = "POST"  # a tool's default hints then say it writes, as its steps do
    operation = _stand_in(namespace, name, method, params, description)
    return Exposure(operation, references, params, hints, outputs, description, plan)


def _adapter_binary_size(size: str | None, kind: str, namespace: str) -> tuple[str, str] | None:
    """An adapter's maxBinarySize, the default for the binary operations it exposes."""
    return None if size is None else (size, f"{kind} adapter {namespace}")


def _rest_adapter(
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
            exposure = _exposure(
                op, op.name or path, op.method, where, prefixes, placeholders(path),
                (op.hints, op.description or resource.description or ""),
                (operations, flows, problems), shared=tuple(resource.inputParameters),
            )  # fmt: skip
            if exposure is None:
                continue
            binary_call = (
                exposure.flow is None and exposure.operation.output_format.lower() == "binary"
            )
            responses = declared_responses(op, where, binary_call, problems.add, problems.warn)
            routes.append(
                RestRoute(
                    operation=exposure.operation,
                    references=exposure.references,
                    parameters=exposure.parameters,
                    hints=_hints_for(op.method, exposure.hints),
                    output_parameters=exposure.outputs,
                    description=exposure.description,
                    flow=exposure.flow,
                    adapter_max_binary_size=binary_size,
                    path=path,
                    method=op.method,
                    name=op.name or exposure.operation.name,
                    responses=responses,
                )
            )
    return RestAdapter(
        adapter.namespace, adapter.port, adapter.address, tuple(routes), adapter.authentication
    )


def _mcp_adapter(
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
        exposure = _exposure(
            tool, tool.name, "GET", where, prefixes, [], (tool.hints, tool.description),
            (operations, flows, problems), tool=True,
        )  # fmt: skip
        if exposure is None:
            continue
        tools.append(
            ToolSpec(
                operation=exposure.operation,
                references=exposure.references,
                parameters=exposure.parameters,
                hints=_hints_for(exposure.operation.method, exposure.hints),
                output_parameters=exposure.outputs,
                description=exposure.description,
                flow=exposure.flow,
                adapter_max_binary_size=binary_size,
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
    exposure = _exposure(
        resource, resource.name, "GET", where, prefixes, list(names),
        (None, resource.description), context, tool=True,
    )  # fmt: skip
    if exposure is None:
        return None
    call = ExposedCall(
        operation=exposure.operation, references=exposure.references,
        parameters=exposure.parameters, hints=_hints_for("GET", exposure.hints),
        output_parameters=exposure.outputs, description=exposure.description,
        flow=exposure.flow, adapter_max_binary_size=binary_size,
    )  # fmt: skip
    return replace(static, call=call)


def _aggregates(
    document: CapabilityDocument, operations: dict[str, Operation], problems: Problems
) -> Flows:
    """The flows aggregates declare (``<namespace>.<flow>``), steps and mock ones planned."""
    flows: Flows = {}
    for index, aggregate in enumerate(document.capability.aggregates):
        for f_index, flow in enumerate(aggregate.flows):
            where: Location = ("capability", "aggregates", index, "flows", f_index)
            plan = None
            if flow.call:
                if flow.call not in operations:
                    known = ", ".join(sorted(operations)) or "none"
                    problems.add(
                        (*where, "call"),
                        f"{flow.call!r} names no consumed operation (known: {known})",
                    )
            elif flow.steps or is_mock(flow):
                plan = resolve_plan(
                    flow, flow.name, where, (aggregate.namespace,), operations, problems
                )
            else:
                problems.add(where, f"flow {flow.name!r} has no `call`, `steps` or mock outputs")
            flows[f"{aggregate.namespace}.{flow.name}"] = (aggregate.namespace, flow, plan)
    return flows


def resolve(
    document: CapabilityDocument, problems: Problems
) -> tuple[dict[str, Operation], RestAdapter | None, McpAdapter | None, tuple[McpAdapter, ...]]:
    """Turn the document into operations and adapters (REST, the first MCP adapter, the
    further MCP adapters), collecting problems as it goes.

    A namespace declared twice is reported by `imports.py`, which can name both files.
    """
    operations: dict[str, Operation] = {}
    inferred = _exposed_types(document)
    for index, consumes in enumerate(document.capability.consumes):
        where: Location = ("capability", "consumes", index, "namespace")
        if consumes.tunnel is not None:
            problems.not_yet(("capability", "consumes", index, "tunnel"), "a Ziti `tunnel`")
        for operation in _operations(consumes, index, problems, inferred):
            if operation.qualified_name in operations:
                problems.add(where, f"operation {operation.qualified_name!r} is declared twice")
            operations[operation.qualified_name] = operation
    flows = _aggregates(document, operations, problems)
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
            if rest is not None:
                problems.not_yet(a_where, "a second REST adapter")
                _rest_adapter(adapter, index, operations, flows, problems)
                continue
            rest = _rest_adapter(adapter, index, operations, flows, problems)
        elif isinstance(adapter, ExposesMcp):
            resolved = _mcp_adapter(adapter, index, operations, flows, problems)
            if mcp is None:
                mcp = resolved
            elif adapter.transport != "http" or mcp.transport != "http":
                problems.not_yet(a_where, "a second MCP adapter beside an stdio one")
            else:
                more_mcp.append(resolved)
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
