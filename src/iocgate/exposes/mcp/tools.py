"""MCP tools from the capability's spec: names, annotations, input and output JSON Schemas.

Input schemas come from each tool's parameters (type, required, description) plus what the
capability's plugins know about an argument (patterns, enums, bounds); every tool also takes
``section``, ``offset`` and ``filter`` to page through (or search) an answer that was condensed
to fit the context.
Each tool's validator is compiled once, on its first call (validation.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mcp_types as types

from iocgate.capability import ToolSpec
from iocgate.engine import LoadedCapability
from iocgate.exposes.mcp.options import ExtraTool
from iocgate.exposes.mcp.validation import ArgumentValidator

__all__ = [
    "FILTER_ARGUMENT",
    "OFFSET_ARGUMENT",
    "OUTPUT_SCHEMA",
    "SECTION_ARGUMENT",
    "ToolEntry",
    "build_tool_table",
    "has_paging",
]

SECTION_ARGUMENT = "section"
OFFSET_ARGUMENT = "offset"
FILTER_ARGUMENT = "filter"

_SECTION_SCHEMA: dict[str, Any] = {
    "type": "string",
    "maxLength": 512,
    "description": "Read on in a condensed answer: a _iocgate.trimmed section; offset, filter",
}
_OFFSET_SCHEMA: dict[str, Any] = {"type": "integer", "minimum": 0}
_FILTER_SCHEMA: dict[str, Any] = {"type": "string", "maxLength": 200}

#: Minimal on purpose: it is repeated in every tool of `tools/list`, paid in every conversation
#: (#22). The answer is the upstream's JSON object (a non-object answer is wrapped as
#: ``{"result": ...}``), an ``artefact`` description for bytes, or an ``error``; ``_iocgate``
#: says how it was condensed and how to read on (docs/mcp.md).
OUTPUT_SCHEMA: dict[str, Any] = {"type": "object"}


@dataclass(frozen=True, slots=True)
class ToolEntry:
    """A listed tool, its compiled validator, and what it calls (a spec tool or an extra)."""

    tool: types.Tool
    validator: ArgumentValidator
    spec: ToolSpec | None = None
    loaded: LoadedCapability | None = None
    extra: ExtraTool | None = None

    @property
    def input_schema(self) -> dict[str, Any]:
        return self.tool.input_schema


def _title(spec: ToolSpec) -> str:
    """The tool's ``label`` (``display``); a tool without one gets its description's first line."""
    if spec.title:
        return spec.title
    first = spec.description.strip().split("\n")[0] or spec.name
    return first if len(first) <= 80 else first[:77] + "..."


def has_paging(spec: ToolSpec) -> bool:
    """Whether the adapter adds ``section``/``offset``/``filter`` (not when the spec uses one of
    those names)."""
    names = {parameter.name for parameter in spec.parameters}
    return not names & {SECTION_ARGUMENT, OFFSET_ARGUMENT, FILTER_ARGUMENT}


def input_schema(spec: ToolSpec, loaded: LoadedCapability) -> dict[str, Any]:
    """The JSON Schema of a spec tool's arguments, with the plugins' extra keywords."""
    consumed_name = {
        reference.name: target
        for target, reference in spec.references.items()
        if reference.name is not None
    }
    properties: dict[str, Any] = {}
    required: list[str] = []
    for parameter in spec.parameters:
        prop: dict[str, Any] = {"type": parameter.type}
        if parameter.description:
            prop["description"] = parameter.description
        target = consumed_name.get(parameter.name, parameter.name)
        prop |= loaded.plugins.argument_schema(spec.operation, target)
        properties[parameter.name] = prop
        if parameter.required:
            required.append(parameter.name)
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    if has_paging(spec):
        properties[SECTION_ARGUMENT] = dict(_SECTION_SCHEMA)
        properties[OFFSET_ARGUMENT] = dict(_OFFSET_SCHEMA)
        properties[FILTER_ARGUMENT] = dict(_FILTER_SCHEMA)
        schema["dependentRequired"] = {
            OFFSET_ARGUMENT: [SECTION_ARGUMENT],
            FILTER_ARGUMENT: [SECTION_ARGUMENT],
        }
    return schema


def _annotations(
    read_only: bool, destructive: bool, idempotent: bool, open_world: bool, title: str | None
) -> types.ToolAnnotations:
    return types.ToolAnnotations(
        title=title,
        read_only_hint=read_only,
        destructive_hint=destructive,
        idempotent_hint=idempotent,
        open_world_hint=open_world,
    )


def _spec_entry(spec: ToolSpec, loaded: LoadedCapability) -> ToolEntry:
    schema = input_schema(spec, loaded)
    hints = spec.hints
    tool = types.Tool(
        name=spec.name,
        title=_title(spec),
        description=spec.description,
        input_schema=schema,
        output_schema=OUTPUT_SCHEMA,
        annotations=_annotations(
            bool(hints.readOnly),
            bool(hints.destructive),
            bool(hints.idempotent),
            hints.openWorld is not False,
            _title(spec),
        ),
    )
    return ToolEntry(tool, ArgumentValidator(schema), spec=spec, loaded=loaded)


def _extra_entry(extra: ExtraTool) -> ToolEntry:
    schema = dict(extra.input_schema)
    tool = types.Tool(
        name=extra.name,
        title=extra.title,
        description=extra.description,
        input_schema=schema,
        output_schema=dict(extra.output_schema or OUTPUT_SCHEMA),
        annotations=_annotations(
            extra.read_only, extra.destructive, extra.idempotent, extra.open_world, extra.title
        ),
    )
    return ToolEntry(tool, ArgumentValidator(schema), extra=extra)


def build_tool_table(
    capabilities: tuple[LoadedCapability, ...], extras: tuple[ExtraTool, ...]
) -> dict[str, ToolEntry]:
    """Every tool by name, in the order the capabilities (then the extras) declare them.

    A name used twice raises ``ValueError``: a client could not tell the two apart.
    """
    table: dict[str, ToolEntry] = {}
    entries = [
        _spec_entry(spec, loaded)
        for loaded in capabilities
        if loaded.capability.mcp is not None
        for spec in loaded.capability.mcp.tools
    ]
    entries += [_extra_entry(extra) for extra in extras]
    for entry in entries:
        if entry.tool.name in table:
            raise ValueError(f"two MCP tools are named {entry.tool.name!r}")
        table[entry.tool.name] = entry
    return table
