"""`validate --strict`: where a file departs from the Naftiko 1.0.0-alpha2 JSON Schema.

These are warnings, not errors: iocgate reads the generator's dialect as intended
(ARCHITECTURE.md, "How the seed is to be read"), but a user who wants a file other engines load
should know each place it departs from the schema, named by the schema's own definition.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel

from iocgate.capability.dialect import Origin
from iocgate.capability.model import (
    CapabilityDocument,
    InputParameter,
    OutputParameter,
)
from iocgate.capability.source import Location, Source

__all__ = ["Warning_", "lint_capability"]

# Our model names -> the alpha2 schema's $defs names, for messages users can look up.
SCHEMA_NAMES = {
    "CapabilityDocument": "root",
    "CapabilityBody": "Capability",
    "ConsumesHttp": "ConsumesHttp",
    "ConsumedResource": "ConsumedHttpResource",
    "ConsumedOperation": "ConsumedHttpOperation",
    "ExposedResource": "ExposedResource",
    "ExposedOperation": "ExposedOperation",
    "ExposesRest": "ExposesRest",
    "ExposesMcp": "ExposesMcp",
    "McpTool": "McpTool",
    "Authentication": "Authentication",
    "Binding": "Binding",
    "Info": "Info",
    "Hints": "McpToolHints",
}


@dataclass(frozen=True, slots=True)
class Warning_:
    """One departure from the schema: where, which schema field, and what to do."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: warning: {self.field}: {self.message}"


def _walk(node: object, location: Location) -> Iterator[tuple[BaseModel, Location]]:
    if isinstance(node, BaseModel):
        yield node, location
        for name in type(node).model_fields:
            field = type(node).model_fields[name]
            key = field.alias or name
            yield from _walk(getattr(node, name), (*location, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, (*location, index))
    elif isinstance(node, dict):
        for key, item in node.items():
            if isinstance(item, BaseModel | list):
                yield from _walk(item, (*location, key))


def lint_capability(
    document: CapabilityDocument, source: Source, origin: Origin | None = None
) -> list[Warning_]:
    """Every place ``document`` departs from its version's schema, in file order."""
    warnings: list[Warning_] = []
    places = origin or Origin()

    def warn(location: Location, field: str, message: str) -> None:
        where, written = places.find(location, source)
        warnings.append(Warning_(where.name, where.line_of(written), field, message))

    consumed_params = {
        id(node)
        for node, _ in _walk(document.capability.consumes, ())
        if isinstance(node, InputParameter)
    }
    for node, location in _walk(document, ()):
        kind = type(node).__name__
        if isinstance(node, InputParameter) and id(node) in consumed_params:
            extra = [k for k in ("type", "required", "description") if getattr(node, k) is not None]
            extra += sorted(node.model_extra or {})
            if extra:
                warn(
                    (*location, extra[0]),
                    "ConsumedInputParameter",
                    f"{', '.join(extra)} not allowed (alpha2 allows only name, in, value); "
                    "iocgate reads them as the exposed parameter's type, required and description",
                )
            continue
        if isinstance(node, OutputParameter):
            if node.type == "object" and node.properties is None and node.mapping is not None:
                warn(
                    (*location, "mapping"),
                    "MappedOutputParameterObject.properties",
                    f"an object output needs `properties`; iocgate reads mapping {node.mapping!r} "
                    "with no properties as the whole node (the reference engine returns {})",
                )
            continue
        schema_name = SCHEMA_NAMES.get(kind, kind)
        for extra_key in sorted(node.model_extra or {}):
            warn(
                (*location, extra_key),
                f"{schema_name}.{extra_key}",
                "not in the alpha2 schema (additionalProperties: false); iocgate ignores it",
            )
    warnings.sort(key=lambda w: w.line or 0)
    return warnings
