"""Orchestration plans: what a tool, REST operation or aggregate flow runs instead of one call.

A plan is either *mock* (no call: outputs with ``value`` rendered over the inputs) or *steps*
(``call`` and ``lookup`` steps, then ``mappings`` into the outputs). The engine runs it
(`iocgate.engine.flow`); this module only checks and resolves it at load time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iocgate.capability.model import Orchestration, OutputParameter, Step
from iocgate.capability.templates import mustache_names

if TYPE_CHECKING:
    from iocgate.capability.problems import Problems
    from iocgate.capability.source import Location
    from iocgate.capability.spec import Operation

__all__ = [
    "MAX_FOR_EACH",
    "CallStep",
    "FlowPlan",
    "LookupStep",
    "Pagination",
    "is_mock",
    "read_pagination",
    "resolve_plan",
    "step_paths",
]

#: the most items a `forEach` step calls its operation for (beyond it the flow fails, saying so)
MAX_FOR_EACH = 25

#: `$.step.field` / `$.step` references into earlier steps' outputs
_STEP_PATH = re.compile(r"^\$\.([A-Za-z_][\w-]*)")


#: the most pages a paginated step reads
MAX_PAGES = 20


@dataclass(frozen=True, slots=True)
class Pagination:
    """Cursor pagination of a consumed operation (iocgate extension, naftiko/ikanos #484).

    A step calling the operation reads page after page: ``items`` of each answer gathered, the
    next cursor passed back as the ``cursor_parameter`` argument, until no cursor comes back or
    ``max_pages`` pages were read. The next cursor is either a value in the answer
    (``next_cursor``) or, in the link-body form, the ``cursor_parameter`` of the next page's URL
    the answer carries (``next_link``, e.g. VirusTotal's ``$.links.next``).
    """

    cursor_parameter: str
    next_cursor: str | None
    items: str
    max_pages: int = 5
    next_link: str | None = None


def read_pagination(raw: object, parameters: set[str]) -> Pagination | str:
    """A consumed operation's ``pagination`` block, or what is wrong with it."""
    shape = "{type: cursor, cursorParameter, nextCursor or nextLink, items, maxPages}"
    if not isinstance(raw, dict) or raw.get("type", "cursor") != "cursor":
        return f"`pagination` must be {shape}"
    cursor, items = raw.get("cursorParameter"), raw.get("items")
    next_cursor, next_link = raw.get("nextCursor"), raw.get("nextLink")
    if not (isinstance(cursor, str) and isinstance(items, str)):
        return f"`pagination` needs cursorParameter and items (JSON paths `$.x.y`): {shape}"
    if sum(isinstance(v, str) for v in (next_cursor, next_link)) != 1:
        return "`pagination` needs exactly one of nextCursor (a cursor) or nextLink (a URL)"
    if cursor not in parameters:
        return f"`pagination.cursorParameter` {cursor!r} is not a parameter of the operation"
    pages = raw.get("maxPages", 5)
    if not isinstance(pages, int) or not 1 <= pages <= MAX_PAGES:
        return f"`pagination.maxPages` must be an integer from 1 to {MAX_PAGES}"
    return Pagination(cursor, next_cursor, items, pages, next_link)


@dataclass(frozen=True, slots=True)
class CallStep:
    """Call a consumed operation; ``with_`` values are references, templates or literals."""

    name: str
    operation: Operation
    with_: tuple[tuple[str, Any], ...]
    needs: frozenset[str]
    #: iocgate extensions (naftiko/ikanos #270): skip unless ``when`` is truthy; call once
    #: per item of ``for_each``, the item named ``alias`` in ``with``
    when: str | None = None
    for_each: str | None = None
    alias: str = "item"


@dataclass(frozen=True, slots=True)
class LookupStep:
    """Find, in step ``index``'s array, the entries whose ``match`` equals ``lookup_value``."""

    name: str
    index: str
    match: str
    lookup_value: str
    fields: tuple[str, ...]
    needs: frozenset[str]
    when: str | None = None


@dataclass(frozen=True, slots=True)
class FlowPlan:
    """A resolved orchestration: its steps, then ``mappings`` (target, value) into the outputs."""

    name: str
    steps: tuple[CallStep | LookupStep, ...] = ()
    mappings: tuple[tuple[str, str], ...] = ()
    outputs: tuple[OutputParameter, ...] = ()
    #: the inbound namespaces a ``with`` value may name (``<ns>.x``)
    prefixes: tuple[str, ...] = ()
    mock: bool = False


def is_mock(node: Orchestration) -> bool:
    """No call, no steps, no ref, and every output gives a ``value`` (the spec's mock mode)."""
    return (
        not node.call
        and not node.steps
        and not node.ref
        and bool(node.outputParameters)
        and all(p.value is not None and p.mapping is None for p in node.outputParameters)
    )


def step_paths(value: object) -> set[str]:
    """The first segment of every ``$.x`` path and ``{{x...}}`` name in ``value``."""
    found: set[str] = set()
    if isinstance(value, str):
        match = _STEP_PATH.match(value.strip())
        if match:
            found.add(match.group(1))
        found.update(name.split(".", 1)[0] for name in mustache_names(value))
    elif isinstance(value, dict):
        for item in value.values():
            found |= step_paths(item)
    elif isinstance(value, list):
        for item in value:
            found |= step_paths(item)
    return found


def _extension(step: Step, name: str) -> str | None:
    value = (step.model_extra or {}).get(name)
    return value if isinstance(value, str) and value else None


def _step(
    step: Step,
    where: Location,
    known: set[str],
    operations: dict[str, Operation],
    problems: Problems,
) -> CallStep | LookupStep | None:
    if step.type == "script":
        problems.not_yet(
            (*where, "type"),
            f"script step {step.name!r} ({step.language or 'no language given'}): embedded "
            "code is not run; replace it with call and lookup steps",
        )
        return None
    if step.type == "lookup":
        if not (step.index and step.match and step.lookupValue):
            problems.add(where, f"lookup step {step.name!r} needs index, match and lookupValue")
            return None
        if step.index not in known:
            problems.add(
                (*where, "index"),
                f"lookup step {step.name!r} indexes {step.index!r}, which is no earlier step "
                f"(earlier: {', '.join(sorted(known)) or 'none'})",
            )
            return None
        when = _extension(step, "when")
        needs = frozenset(({step.index} | step_paths(step.lookupValue) | step_paths(when)) & known)
        fields = tuple(str(f) for f in step.outputParameters)
        return LookupStep(step.name, step.index, step.match, step.lookupValue, fields, needs, when)
    operation = operations.get(step.call or "")
    if operation is None:
        problems.add(
            (*where, "call"),
            f"step {step.name!r}: {step.call!r} names no consumed operation "
            f"(known: {', '.join(sorted(operations)) or 'none'})",
        )
        return None
    sent: dict[str, Any] = {}
    for target, value in step.with_.items():
        if operation.parameter(target) is None:
            # As for a tool's `with` (spec.py): the reference engine accepts it, the value is
            # sent nowhere, so a warning, and the step calls without it.
            allowed = ", ".join(p.name for p in operation.parameters) or "none"
            problems.warn(
                (*where, "with", target),
                f"step {step.name!r}: {target!r} is not a parameter of {step.call} "
                f"(its parameters: {allowed}); the value is sent nowhere",
            )
            continue
        sent[target] = value
    when, for_each = _extension(step, "when"), _extension(step, "forEach")
    alias = _extension(step, "as") or "item"
    calls = (step_paths(sent) | step_paths(when) | step_paths(for_each)) & known
    return CallStep(
        step.name, operation, tuple(sent.items()), frozenset(calls), when, for_each, alias
    )


def resolve_plan(
    node: Orchestration,
    name: str,
    where: Location,
    prefixes: tuple[str, ...],
    operations: dict[str, Operation],
    problems: Problems,
) -> FlowPlan:
    """Check ``node``'s steps (each in order may use only earlier ones) and resolve them."""
    if is_mock(node):
        return FlowPlan(name, outputs=tuple(node.outputParameters), prefixes=prefixes, mock=True)
    known: set[str] = set()
    steps: list[CallStep | LookupStep] = []
    for index, step in enumerate(node.steps):
        s_where: Location = (*where, "steps", index)
        if step.name in known:
            problems.add((*s_where, "name"), f"step name {step.name!r} is used twice")
        resolved = _step(step, s_where, known, operations, problems)
        known.add(step.name)
        if resolved is not None:
            steps.append(resolved)
    mappings = tuple((m.target, m.value) for m in node.mappings)
    return FlowPlan(name, tuple(steps), mappings, tuple(node.outputParameters), prefixes)
