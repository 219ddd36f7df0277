"""The OpenAPI 3.1 document of the REST app, generated from the loaded capabilities.

One operation per REST route (operationId = the route's name), its parameters with the types and
descriptions the capability declares plus the plugins' extra schema keywords (patterns, enums,
bounds), every error status with the error shape, and the paths other layers add.

The spec declares JSON for every operation while some answer with bytes (ARCHITECTURE: "the
upstream Content-Type decides"), so every GET offers JSON, ``application/octet-stream`` and any
other media type, plus ``text/html`` when the route's last segment says ``html``. An operation
that declares ``outputRawFormat: binary`` offers its ``outputMediaType`` only; one that declares
a converted format (xml, csv, ...) offers JSON only. Responses the operation declares
(``responses``, ``responseBinary``) are published as declared, in place of ours for their status.

The document avoids keywords that only 3.1 knows, so that the bundled Swagger UI (4.x, which
refuses ``openapi: 3.1.x``) can be handed the same document labelled 3.0.3 (`for_swagger_ui`).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any

from iocgate.capability import Parameter, RestRoute
from iocgate.capability.responses import DeclaredResponse
from iocgate.engine import Engine, LoadedCapability, is_binary, is_converted
from iocgate.exposes.rest.options import RestOptions
from iocgate.exposes.rest.paths import PathTemplate
from iocgate.exposes.rest.plugin_routes import plugin_openapi_paths

__all__ = ["build_openapi", "for_swagger_ui"]

OPENAPI_VERSION = "3.1.0"

_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "The error code, e.g. NotFoundError"},
                "message": {"type": "string"},
            },
        }
    },
}

_ERRORS = {
    "400": "Invalid argument (the message names it and what is allowed)",
    "401": "The upstream refused the credential (passed through)",
    "403": "The credential may not use this operation (passed through)",
    "404": "Not found",
    "429": "Quota exceeded; see Retry-After",
    "500": "The gateway failed",
    "502": "The upstream could not be reached",
    "503": "The upstream is temporarily unavailable (passed through)",
    "504": "The upstream took too long",
}

_HEADERS: dict[str, Any] = {
    "X-Request-ID": {
        "description": "The request id (the client's own when it sent one)",
        "schema": {"type": "string"},
    },
    "X-Cache": {
        "description": "Where the answer came from",
        "schema": {"type": "string", "enum": ["HIT", "MISS", "BYPASS"]},
    },
    "Age": {
        "description": "Seconds since a cached answer was fetched",
        "schema": {"type": "integer"},
    },
}

_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_BINARY = {"type": "string", "format": "binary"}


def _tag(loaded: LoadedCapability) -> str:
    """A capability's name in the document: its REST namespace (the file name otherwise)."""
    rest = loaded.capability.rest
    return rest.namespace if rest is not None else loaded.capability.name


def _summary(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= 120 else first[:117] + "..."


def _parameter(route: RestRoute, parameter: Parameter, loaded: LoadedCapability) -> dict[str, Any]:
    consumed = next(
        (target for target, ref in route.references.items() if ref.name == parameter.name),
        parameter.name,
    )
    schema: dict[str, Any] = {"type": parameter.type}
    schema |= loaded.plugins.argument_schema(route.operation, consumed)
    location = parameter.location if parameter.location in ("path", "query", "header") else "query"
    item: dict[str, Any] = {
        "name": parameter.name,
        "in": location,
        "required": parameter.required or location == "path",
        "schema": schema,
    }
    if parameter.description:
        item["description"] = parameter.description
    return item


def _answer(route: RestRoute) -> tuple[str, dict[str, Any]]:
    """The 200 answer's description and content, by the consumed operation's format."""
    operation = route.operation
    if is_binary(operation.output_format):  # declared binary content: its media type only
        media_type = operation.output_media_type or "application/octet-stream"
        return "The upstream's bytes, passed through untouched", {media_type: {"schema": _BINARY}}
    content: dict[str, Any] = {"application/json": {"schema": {"type": "object"}}}
    if is_converted(operation.output_format):  # read into JSON whatever the upstream sent
        return f"The upstream's {operation.output_format} answer, as JSON", content
    if route.method.upper() == "GET":
        if PathTemplate.parse(route.path).last_literal == "html":
            content["text/html"] = {"schema": {"type": "string"}}
        content["application/octet-stream"] = {"schema": _BINARY}
        content["*/*"] = {"schema": _BINARY}
    return (
        "The upstream's answer: JSON as sent (links point at this gateway), "
        "or bytes passed through untouched as an attachment"
    ), content


def _declared(response: DeclaredResponse) -> dict[str, Any]:
    """A response the operation declares (``responses`` / ``responseBinary``), as written:
    ``binary: true`` is a binary string under its own media type, never collapsed to JSON."""
    success = response.status.startswith("2")
    entry: dict[str, Any] = {
        "description": response.description or ("Successful response" if success else ""),
        "headers": _HEADERS if success else {"X-Request-ID": _HEADERS["X-Request-ID"]},
    }
    if response.content:
        entry["content"] = {
            item.media_type: {"schema": _BINARY if item.binary else dict(item.schema or {})}
            for item in response.content
        }
    return entry


def _responses(route: RestRoute) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if not any(declared.status.startswith("2") for declared in route.responses):
        description, content = _answer(route)
        responses["200"] = {"description": description, "headers": _HEADERS, "content": content}
    for declared in route.responses:  # the capability's own word for its statuses wins
        responses[declared.status] = _declared(declared)
    for status, description in _ERRORS.items():
        responses.setdefault(
            status,
            {
                "description": description,
                "headers": {"X-Request-ID": _HEADERS["X-Request-ID"]},
                "content": {"application/json": {"schema": _ERROR_REF}},
            },
        )
    return dict(sorted(responses.items()))


def _operation(route: RestRoute, loaded: LoadedCapability, operation_id: str) -> dict[str, Any]:
    body_parameters = [p for p in route.parameters if p.location == "body"]
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": _summary(route.description or route.name),
        "tags": [_tag(loaded)],
        "parameters": [
            _parameter(route, p, loaded) for p in route.parameters if p.location != "body"
        ],
        "responses": _responses(route),
    }
    if route.description:
        operation["description"] = route.description
    if body_parameters:
        operation["requestBody"] = {
            "required": any(p.required for p in body_parameters),
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {p.name: {"type": p.type} for p in body_parameters},
                        "required": [p.name for p in body_parameters if p.required],
                    }
                }
            },
        }
    return operation


def _probe(summary: str, ready: bool) -> dict[str, Any]:
    json_object = {"application/json": {"schema": {"type": "object"}}}
    responses: dict[str, Any] = {"200": {"description": "OK", "content": json_object}}
    if ready:
        responses["503"] = {"description": "Not ready; `reasons` says why", "content": json_object}
    return {"get": {"operationId": summary, "summary": summary, "tags": ["operations"],
                    "responses": responses}}  # fmt: skip


def _merge(paths: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for path, item in extra.items():
        if path in paths and isinstance(item, Mapping):
            paths[path] = {**paths[path], **item}
        else:
            paths[path] = copy.deepcopy(item)


def build_openapi(
    engine: Engine, options: RestOptions, routes: Iterable[tuple[LoadedCapability, RestRoute]]
) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``routes`` (in declaration order) and the probes."""
    paths: dict[str, Any] = {
        "/healthz": _probe("healthz", ready=False),
        "/readyz": _probe("readyz", ready=True),
    }
    used: set[str] = {"healthz", "readyz"}
    for loaded, route in routes:
        operation_id = route.name
        if operation_id in used:  # two capabilities may name a route alike
            operation_id = f"{_tag(loaded)}.{route.name}"
        used.add(operation_id)
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(
            route, loaded, operation_id
        )
    _merge(paths, options.extra_openapi_paths)
    _merge(paths, plugin_openapi_paths(options.plugin_routes))
    labels = [loaded.capability.label for loaded in engine.capabilities]
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": options.title,
            "version": options.version,
            "description": "REST routes of: " + "; ".join(labels) + ".\n\n"
            "Send `Cache-Control: no-cache` to refresh a cached answer and `no-store` to bypass "
            "the cache. Every response carries `X-Request-ID` (send your own to correlate logs). "
            "Unknown query parameters are refused with 400.",
        },
        "tags": [
            {"name": _tag(loaded), "description": loaded.capability.label}
            for loaded in engine.capabilities
        ]
        + [{"name": "operations", "description": "Health and readiness probes"}],
        "paths": paths,
        "components": {"schemas": {"Error": _ERROR_SCHEMA}},
    }


def for_swagger_ui(document: Mapping[str, Any]) -> bytes:
    """The same document labelled 3.0.3, which the bundled Swagger UI 4.x can render."""
    return json.dumps({**document, "openapi": "3.0.3"}).encode()
