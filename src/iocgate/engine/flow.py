"""Running a flow plan: mock outputs, or call and lookup steps then mappings (Ikanos semantics).

Steps that do not depend on one another run concurrently; each call goes through the engine's
ordinary invocation (cache, quota, retries, metrics, request id) given as ``invoke``. A step's
failure names the step. Step outputs are read with ``$.step.field`` paths or ``{{step.field}}``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from iocgate.capability import Operation, OutputParameter
from iocgate.capability.flows import MAX_FOR_EACH, CallStep, FlowPlan, LookupStep, Pagination
from iocgate.engine.body_template import render_tree
from iocgate.engine.mapping import apply_output_mapping
from iocgate.engine.result import Result
from iocgate.errors import InvalidArgumentError, IocgateError

__all__ = ["StepFailed", "run_plan"]

#: a `forEach` step's calls in flight at once (each still queues on the quota)
FOR_EACH_CONCURRENCY = 4

Invoke = Callable[[Operation, dict[str, object]], Awaitable[Result]]


class StepFailed(Exception):
    """A call step's upstream answered an error: the flow answers it, naming the step."""

    def __init__(self, step: str, result: Result) -> None:
        super().__init__(step)
        self.step = step
        self.result = result


def _path(context: Mapping[str, Any], value: str) -> tuple[bool, Any]:
    """``$.step.a.b`` (or ``$.step.list.0``) over the step outputs; (False, None) if not a path."""
    text = value.strip()
    if not text.startswith("$."):
        return False, None
    node: Any = context
    for part in text[2:].split("."):
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return True, None
    return True, node


def _value(raw: Any, context: Mapping[str, Any], variables: Mapping[str, Any]) -> Any:
    """A ``with`` or mapping value: a step path, a Mustache template or a literal."""
    if isinstance(raw, str):
        is_path, found = _path(context, raw)
        if is_path:
            return found
    return render_tree(raw, variables)


def _argument(raw: Any, prefixes: tuple[str, ...], inputs: Mapping[str, Any]) -> tuple[bool, Any]:
    """A ``<namespace>.x`` reference to an input, as the spec writes them in ``with``."""
    if isinstance(raw, str):
        for prefix in prefixes:
            name = raw.strip().removeprefix(prefix + ".")
            if name != raw.strip() and name in inputs:
                return True, inputs[name]
    return False, None


def _augment(body: Any, outputs: tuple[OutputParameter, ...]) -> Any:
    """The raw answer plus the consumed operation's named outputs (per item of an array)."""
    named = [p for p in outputs if p.name]
    if not named:
        return body

    def one(item: Any) -> Any:
        if not isinstance(item, dict):
            return item
        return item | {p.name: apply_output_mapping([p], item) for p in named if p.name}

    return [one(item) for item in body] if isinstance(body, list) else one(body)


def _lookup(index: Any, match: str, wanted: Any, fields: tuple[str, ...]) -> Any:
    """The first entry of ``index`` whose ``match`` equals ``wanted`` (as text), projected."""
    entries = index if isinstance(index, list) else [index]
    for entry in entries:
        if isinstance(entry, dict) and match in entry and str(entry[match]) == str(wanted):
            return {name: entry.get(name) for name in fields} if fields else entry
    return None


def _set(target: dict[str, Any], dotted: str, value: Any) -> None:
    """``route.from`` -> ``{"route": {"from": value}}``."""
    *parents, last = dotted.split(".")
    node = target
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[last] = value


def _truthy(value: Any) -> bool:
    """A ``when`` value: empty, null, false and "false" skip the step."""
    if isinstance(value, str):
        return value.strip().lower() not in ("", "false", "0", "null")
    return bool(value)


def mock_output(plan: FlowPlan, inputs: Mapping[str, Any]) -> Any:
    """Mock mode: each output's ``value`` rendered over the inputs; one unnamed output is bare."""
    named = [p for p in plan.outputs if p.name]
    if not named and plan.outputs:
        return render_tree(plan.outputs[0].value, inputs)
    return {p.name: render_tree(p.value, inputs) for p in named if p.name}


class _Run:
    """One execution of a plan: step outputs by name, filled as steps finish."""

    def __init__(self, plan: FlowPlan, inputs: Mapping[str, Any], invoke: Invoke) -> None:
        self.plan = plan
        self.inputs = dict(inputs)
        self.invoke = invoke
        self.outputs: dict[str, Any] = {}

    def variables(self) -> dict[str, Any]:
        return {**self.inputs, **self.outputs}

    def wanted(self, step: CallStep | LookupStep) -> bool:
        return step.when is None or _truthy(_value(step.when, self.outputs, self.variables()))

    def arguments(self, step: CallStep, extra: Mapping[str, Any]) -> dict[str, object]:
        variables = {**self.variables(), **extra}
        arguments: dict[str, object] = {}
        if step.with_:
            for target, raw in step.with_:
                found, value = _argument(raw, self.plan.prefixes, self.inputs)
                if not found:
                    value = _value(raw, self.outputs, variables)
                if value is not None:
                    arguments[target] = value
        else:  # nothing mapped: inputs pass through by name, as for a single call
            for param in step.operation.parameters:
                if param.value is None and self.inputs.get(param.name) is not None:
                    arguments[param.name] = self.inputs[param.name]
        return arguments

    async def fetch(self, step: CallStep, arguments: dict[str, object]) -> Any:
        """One call of the step's operation; its JSON answer, or the failure naming the step."""
        try:
            result = await self.invoke(step.operation, arguments)
        except IocgateError as exc:
            exc.message = f"step {step.name!r} ({step.operation.qualified_name}): {exc.message}"
            exc.args = (exc.message,)
            raise
        if result.is_error or not result.is_json:
            raise StepFailed(step.name, result)
        return result.data

    async def call_once(self, step: CallStep, extra: Mapping[str, Any]) -> Any:
        arguments = self.arguments(step, extra)
        pagination = step.operation.pagination
        if pagination is None:
            return _augment(await self.fetch(step, arguments), step.operation.output_parameters)
        gathered: list[Any] = []
        for _ in range(pagination.max_pages):  # bounded: a cursor that never ends stops here
            page = await self.fetch(step, arguments)
            items = _path(page, pagination.items)[1]
            gathered.extend(items if isinstance(items, list) else [] if items is None else [items])
            cursor = _next_cursor(page, pagination)
            if cursor in (None, ""):
                break
            arguments = arguments | {pagination.cursor_parameter: cursor}
        return _augment(gathered, step.operation.output_parameters)

    async def call(self, step: CallStep) -> None:
        if not self.wanted(step):
            return
        if step.for_each is None:
            self.outputs[step.name] = await self.call_once(step, {})
            return
        items = _value(step.for_each, self.outputs, self.variables())
        items = [] if items is None else items if isinstance(items, list) else [items]
        if len(items) > MAX_FOR_EACH:
            raise InvalidArgumentError(
                f"step {step.name!r}: forEach over {len(items)} items; at most {MAX_FOR_EACH} "
                "calls are made for one step"
            )
        gate = asyncio.Semaphore(FOR_EACH_CONCURRENCY)

        async def one(item: Any) -> Any:
            async with gate:
                return await self.call_once(step, {step.alias: item})

        self.outputs[step.name] = list(await asyncio.gather(*(one(i) for i in items)))

    async def lookup(self, step: LookupStep) -> None:
        if not self.wanted(step):
            return
        is_path, wanted = _path(self.outputs, step.lookup_value)
        if not is_path:
            wanted = render_tree(step.lookup_value, self.variables())
        index = self.outputs.get(step.index)
        if isinstance(wanted, list):
            found = [_lookup(index, step.match, w, step.fields) for w in wanted]
            matches = [m for m in found if m is not None]
            result: Any = matches or None
        else:
            result = _lookup(index, step.match, wanted, step.fields)
        if result is not None:
            self.outputs[step.name] = result

    async def steps(self) -> None:
        """Run every step as soon as the steps it reads have finished."""
        pending = list(self.plan.steps)
        finished: set[str] = set()
        while pending:
            ready = [s for s in pending if s.needs <= finished] or pending[:1]
            pending = [s for s in pending if s not in ready]
            outcomes = await asyncio.gather(
                *(self.call(s) if isinstance(s, CallStep) else self.lookup(s) for s in ready),
                return_exceptions=True,
            )
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    raise outcome
            finished.update(s.name for s in ready)

    def answer(self) -> Any:
        if self.plan.mappings:
            built: dict[str, Any] = {}
            for target, raw in self.plan.mappings:
                _set(built, target, _value(raw, self.outputs, self.variables()))
            return built
        if self.plan.outputs:
            return apply_output_mapping(self.plan.outputs, self.outputs)
        last = self.plan.steps[-1].name if self.plan.steps else None
        return self.outputs.get(last) if last else None


async def run_plan(plan: FlowPlan, inputs: Mapping[str, Any], invoke: Invoke) -> Any:
    """The flow's answer; raises `StepFailed` or the step's own (renamed) `IocgateError`."""
    if plan.mock:
        return mock_output(plan, inputs)
    run = _Run(plan, inputs, invoke)
    await run.steps()
    return run.answer()


def _next_cursor(page: Any, pagination: Pagination) -> Any:
    """The cursor of the page after ``page``: read from the answer, or from its next link."""
    if pagination.next_cursor is not None:
        return _path(page, pagination.next_cursor)[1]
    assert pagination.next_link is not None
    link = _path(page, pagination.next_link)[1]
    if not isinstance(link, str):
        return None
    values = parse_qs(urlsplit(link).query).get(pagination.cursor_parameter)
    return values[0] if values else None
