"""A REST operation's declared response contract (``responses``, or the ``responseBinary``
shorthand normalised into it): the status and media type declared binary answers are served
with, and what OpenAPI publishes for each declared status."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iocgate.capability.model import ExposedOperation
from iocgate.capability.source import Location

if TYPE_CHECKING:
    from iocgate.capability.spec import Operation

__all__ = [
    "DeclaredResponse",
    "ResponseContent",
    "binary_response",
    "declared_responses",
    "is_binary_format",
]

Report = Callable[[Location, str], None]

_STATUS = re.compile(r"[1-5][0-9X]{2}")


@dataclass(frozen=True, slots=True)
class ResponseContent:
    media_type: str
    binary: bool
    schema: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class DeclaredResponse:
    status: str  # "200", or a range such as "4XX"
    description: str | None
    content: tuple[ResponseContent, ...]


def declared_responses(
    op: ExposedOperation, where: Location, binary_call: bool, add: Report, warn: Report
) -> tuple[DeclaredResponse, ...]:
    """``op``'s declared responses, in declaration order; ``binary_call`` says whether the
    consumed operation behind it declares ``outputRawFormat: binary``, which ``binary: true``
    needs to mean anything."""
    if op.responses and op.responseBinary is not None:
        add(
            (*where, "responseBinary"),
            "`responses` and `responseBinary` are mutually exclusive: declare the binary "
            "answer in `responses` or keep only the shorthand",
        )
        return ()
    found: list[DeclaredResponse] = []
    if op.responseBinary is not None:
        shorthand = op.responseBinary
        content = (ResponseContent(shorthand.mediaType, binary=True),)
        found.append(DeclaredResponse(str(shorthand.status), shorthand.description, content))
    for key, response in (op.responses or {}).items():
        status = str(key).upper()
        if not _STATUS.fullmatch(status):
            add(
                (*where, "responses", key),
                f"response key {key!r} is not an HTTP status: write 200, 404, or a range "
                "such as 4XX",
            )
            continue
        contents = tuple(
            ResponseContent(media_type, item.binary, None if item.binary else item.schema_)
            for media_type, item in response.content.items()
        )
        found.append(DeclaredResponse(status, response.description, contents))
    declared = binary_response(tuple(found))
    if declared is not None and not binary_call:
        field = "responseBinary" if op.responseBinary is not None else "responses"
        warn(
            (*where, field),
            f"a binary {declared[1]} answer is declared but the consumed operation does not "
            "declare `outputRawFormat: binary`: its answer is served as the upstream sends it",
        )
    return tuple(found)


def is_binary_format(operation: Operation) -> bool:
    """Whether the consumed ``operation`` declares ``outputRawFormat: binary``."""
    return operation.output_format.lower() == "binary"


def binary_response(responses: tuple[DeclaredResponse, ...]) -> tuple[int | None, str] | None:
    """The first declared binary answer: its status (None for a range such as 2XX) and media
    type, as the reference engine picks it."""
    for response in responses:
        for content in response.content:
            if content.binary:
                status = int(response.status) if response.status.isdigit() else None
                return status, content.media_type
    return None
