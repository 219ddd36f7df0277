"""Header and body parameters of a REST route: ``in: header`` from request headers,
``in: body`` from a JSON request body (bounded in size)."""

from __future__ import annotations

import json

from starlette.types import Receive, Scope

from iocgate.capability import RestRoute
from iocgate.errors import InvalidArgumentError, PayloadTooLargeError

__all__ = ["MAX_BODY_BYTES", "body_arguments", "header_arguments"]

MAX_BODY_BYTES = 1024 * 1024  # request bodies are small JSON documents (rules, comments, ...)


def header_arguments(route: RestRoute, scope: Scope) -> dict[str, object]:
    """Declared ``in: header`` parameters, read from the request's headers."""
    wanted = {p.name.lower(): p.name for p in route.parameters if p.location == "header"}
    if not wanted:
        return {}
    found: dict[str, object] = {}
    for key, value in scope["headers"]:
        name = wanted.get(key.decode("latin-1"))
        if name is not None and name not in found:
            found[name] = value.decode("latin-1")
    return found


async def _read(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLargeError(
                f"the request body is larger than {MAX_BODY_BYTES} bytes, the limit"
            )
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def body_arguments(route: RestRoute, receive: Receive) -> dict[str, object]:
    """Declared ``in: body`` parameters from a JSON request body.

    One object-typed body parameter receives the whole document (the generator's ``body``);
    several take the document's fields by name.
    """
    declared = [p for p in route.parameters if p.location == "body"]
    if not declared:
        return {}
    raw = await _read(receive)
    if not raw.strip():
        return {}
    try:
        document = json.loads(raw)
    except ValueError:
        raise InvalidArgumentError(
            "the request body must be JSON (send Content-Type: application/json)"
        ) from None
    if len(declared) == 1 and declared[0].type in ("object", "array"):
        return {declared[0].name: document}
    if not isinstance(document, dict):
        names = ", ".join(p.name for p in declared)
        raise InvalidArgumentError(f"the request body must be a JSON object with {names}")
    return {p.name: document[p.name] for p in declared if p.name in document}
