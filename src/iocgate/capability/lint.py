"""`validate --strict`: where a file departs from its version's schema and the ruleset.

These are warnings, not errors: iocgate reads the generator's dialect as intended
(ARCHITECTURE.md, "How the seed is to be read"), but a user who wants a file other engines load
should know each place it departs from the schema, named by the schema's own definition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pydantic import BaseModel

from iocgate.capability.dialect import SUPPORTED_VERSIONS, Origin
from iocgate.capability.model import (
    CapabilityDocument,
    ExposesMcp,
    ExposesRest,
    InputParameter,
    OutputParameter,
)
from iocgate.capability.source import Location, Source, json_path

__all__ = ["Warning_", "lint_capability"]

Warn = Callable[[Location, str, str], None]

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
    path: str = ""  # the JSON path of the offending node, as jsonschema and Spectral name it

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        at = f" at {self.path}" if self.path else ""
        return f"{where}: warning: {self.field}{at}: {self.message}"


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

    def warn(location: Location, field: str, message: str, node: Location | None = None) -> None:
        """``location`` gives the line; ``node`` (default: the same) the JSON path, as written."""
        where, written = places.find(location, source)
        path = written if node is None else places.find(node, source)[1]
        warnings.append(
            Warning_(where.name, where.line_of(written), field, message, json_path(path))
        )

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
                    node=location,
                )
            continue
        if isinstance(node, OutputParameter):
            if node.type == "object" and node.properties is None and node.mapping is not None:
                warn(
                    (*location, "mapping"),
                    "MappedOutputParameterObject.properties",
                    f"an object output needs `properties`; iocgate reads mapping {node.mapping!r} "
                    "with no properties as the whole node (the reference engine returns {})",
                    node=location,
                )
            continue
        schema_name = SCHEMA_NAMES.get(kind, kind)
        for extra_key in sorted(node.model_extra or {}):
            warn(
                (*location, extra_key),
                f"{schema_name}.{extra_key}",
                "not in the alpha2 schema (additionalProperties: false); iocgate ignores it",
            )
    _version_fields(document, warn)
    _ruleset(document, warn)
    warnings.sort(key=lambda w: (w.file, w.line or 0))
    return warnings


#: Fields the spec added after alpha2: (model, field) -> the first version that has it.
#: ``tags`` on info is older; on resources, operations, tools and flows it is alpha3.
FIELD_SINCE: dict[tuple[str, str], str] = {
    ("Info", "version"): "1.0.0-beta4",
    ("ExposesMcp", "ttlMs"): "1.0.0-beta4",
    ("ExposesMcp", "cacheScope"): "1.0.0-beta4",
    ("ExposesMcp", "maxBinarySize"): "1.0.0-beta1",
    ("ExposesRest", "maxBinarySize"): "1.0.0-beta1",
    ("ConsumedOperation", "maxBinarySize"): "1.0.0-beta1",
    ("ConsumedOperation", "outputMediaType"): "1.0.0-beta1",
    ("AggregateFlow", "outputMediaType"): "1.0.0-beta1",
    ("ExposedOperation", "responses"): "1.0.0-beta1",
    ("ExposedOperation", "responseBinary"): "1.0.0-beta1",
    ("McpResource", "binary"): "1.0.0-beta1",
    ("ConsumesHttp", "tunnel"): "1.0.0-alpha3",
    ("CapabilityBody", "aggregates"): "1.0.0-alpha2",
    ("ConsumedOperation", "outputSchema"): "1.0.0-alpha2",
    ("ExposesMcp", "authentication"): "1.0.0-alpha2",
    ("McpTool", "hints"): "1.0.0-alpha2",
    ("McpTool", "ref"): "1.0.0-alpha2",
    ("ExposedOperation", "ref"): "1.0.0-alpha2",
    **{
        (model, "tags"): "1.0.0-alpha3"
        for model in (
            "ConsumedResource",
            "ConsumedOperation",
            "ExposedResource",
            "ExposedOperation",
            "McpTool",
            "AggregateFlow",
        )
    },
}


#: Whole constructs the spec added after alpha1: model -> the first version that has it.
KIND_SINCE = {"ExposesControl": "1.0.0-alpha2", "Aggregate": "1.0.0-alpha2"}


def _version_fields(document: CapabilityDocument, warn: Warn) -> None:
    """Fields the file's own version does not have yet (a newer version's field)."""
    version = document.spec_version
    if version not in SUPPORTED_VERSIONS:
        return
    rank = SUPPORTED_VERSIONS.index(version)
    for node, location in _walk(document, ()):
        kind = type(node).__name__
        since_kind = KIND_SINCE.get(kind)
        if since_kind is not None and SUPPORTED_VERSIONS.index(since_kind) > rank:
            warn(location, kind, f"this construct is in the spec since {since_kind}, not in "
                 f"{version}: raise the version to {since_kind} or later")  # fmt: skip
        for name in node.model_fields_set:
            since = FIELD_SINCE.get((kind, name))
            if since is not None and SUPPORTED_VERSIONS.index(since) > rank:
                warn(
                    (*location, name),
                    f"{SCHEMA_NAMES.get(kind, kind)}.{name}",
                    f"`{name}` is in the spec since {since}, not in {version}: "
                    f"raise the version to {since} or later, or remove it",
                )


def _ruleset(document: CapabilityDocument, warn: Warn) -> None:
    """The official ruleset's warnings that a runtime can check (its errors are `validate`'s)."""
    body = document.capability
    for index, consumes in enumerate(body.consumes):
        where: Location = ("capability", "consumes", index)
        if consumes.baseUri.endswith("/"):
            warn((*where, "baseUri"), "consumes-baseuri-no-trailing-slash",
                 "write baseUri without a trailing slash; resource paths start with /")  # fmt: skip
        if not consumes.description:
            warn((*where, "namespace"), "consumes-description",
                 "describe the consumed API (`description:`): agents read it")  # fmt: skip
        for r_index, resource in enumerate(consumes.resources):
            if "?" in resource.path:
                warn((*where, "resources", r_index, "path"), "consumed-resource-no-query-in-path",
                     "declare query parameters with `in: query`, not in the path")  # fmt: skip
    for index, adapter in enumerate(body.exposes):
        if not isinstance(adapter, ExposesRest):
            continue
        for r_index, exposed in enumerate(adapter.resources):
            where = ("capability", "exposes", index, "resources", r_index, "path")
            if exposed.path.endswith("/") and exposed.path != "/":
                warn(where, "rest-resource-path-no-trailing-slash",
                     "write the path without a trailing slash")  # fmt: skip
            if "?" in exposed.path:
                warn(where, "rest-resource-path-no-query",
                     "declare query parameters in `inputParameters`, not in the path")  # fmt: skip
    flows = {
        f"{aggregate.namespace}.{flow.name}": flow
        for aggregate in body.aggregates
        for flow in aggregate.flows
    }
    for index, adapter in enumerate(body.exposes):
        if not isinstance(adapter, ExposesMcp):
            continue
        for t_index, tool in enumerate(adapter.tools):
            flow = flows.get(tool.ref or "")
            if flow is None or flow.semantics is None or tool.hints is None:
                continue
            safe, read_only = flow.semantics.safe, tool.hints.readOnly
            if safe is not None and read_only is not None and safe != read_only:
                warn(("capability", "exposes", index, "tools", t_index, "hints", "readOnly"),
                     "aggregate-semantics-consistency",
                     f"hints.readOnly is {read_only} but the flow's semantics.safe is {safe}; "
                     "make them agree, or drop the hint (the semantics imply it)")  # fmt: skip
