"""What an exposed node (route, tool, resource) runs: a `call`, `steps`, mock outputs or a `ref`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from iocgate.capability.flows import CallStep, FlowPlan, is_mock, resolve_plan
from iocgate.capability.model import (
    AggregateFlow,
    CapabilityDocument,
    Hints,
    InputParameter,
    Orchestration,
    OutputParameter,
)
from iocgate.capability.parameters import JSON_TYPES, TEMPLATE, input_parameter
from iocgate.capability.problems import Problems
from iocgate.capability.refs import Reference, parse_reference
from iocgate.capability.source import Location
from iocgate.capability.spec import Operation, Parameter

__all__ = ["Exposure", "Flows", "aggregates", "expose", "hints_for"]


def hints_for(method: str, hints: Hints | None) -> Hints:
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
    declared_by_name = {p.name: input_parameter(p, tool=tool) for p in declared}
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


def expose(
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
        for p in (input_parameter(param, tool=tool) for param in inputs)
    )
    references = {p.name: Reference(p.name) for p in params}
    if tool and any(
        isinstance(step, CallStep) and step.operation.method != "GET" for step in plan.steps
    ):
        method = "POST"  # a tool's default hints then say it writes, as its steps do
    operation = _stand_in(namespace, name, method, params, description)
    return Exposure(operation, references, params, hints, outputs, description, plan)


def aggregates(
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
