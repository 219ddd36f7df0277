"""Consumed operations: each upstream HTTP call a `consumes` block declares, checked."""

from __future__ import annotations

from dataclasses import replace

from iocgate.capability.flows import read_pagination
from iocgate.capability.model import ConsumedOperation, ConsumesHttp
from iocgate.capability.parameters import TEMPLATE, Inferred, body_placeholders, input_parameter
from iocgate.capability.problems import Problems
from iocgate.capability.source import Location
from iocgate.capability.spec import Operation, Parameter
from iocgate.capability.templates import normalize_path, placeholders

__all__ = ["RUNNABLE_BODIES", "consumed_operations"]


def consumed_operations(
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
                input_parameter(p, inferred.get((qualified, p.name)))
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
