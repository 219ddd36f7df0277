"""Tool answers as MCP resources: ``iocgate://artefact/<tool>?<arguments>`` returns the bytes an
artefact result only describes (sha256, size, digest), so a client without the REST adapter
(``iocgate stdio``) can still get them.

Whether an answer is an artefact is known only from its content type (results.py renders any
non-JSON answer as one), so every read-only tool is readable; ``resources/templates/list``
names each as ``iocgate://artefact/<tool>{?arg,...}`` (an RFC 6570 form-style query, which
clients expand). A read is the tool's own engine call (cache, quota, the caller's budget and
request id) and returns the whole answer: bytes as a blob, a text type as text, within
`MAX_RESOURCE_BYTES`; a larger answer is refused with its size, the bound and where to get it.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import mcp_types as types
from mcp.shared.exceptions import MCPError

from iocgate.engine import Caller, Engine, Result
from iocgate.exposes.access import AccessRecord
from iocgate.exposes.mcp.links import rest_url
from iocgate.exposes.mcp.resources import MAX_RESOURCE_BYTES, resource_contents
from iocgate.exposes.mcp.tools import FILTER_ARGUMENT, OFFSET_ARGUMENT, SECTION_ARGUMENT, ToolEntry

__all__ = ["ARTEFACT_PREFIX", "ArtefactResources", "artefact_uri"]

ARTEFACT_PREFIX = "iocgate://artefact/"
_PAGING = (SECTION_ARGUMENT, OFFSET_ARGUMENT, FILTER_ARGUMENT)


def _query_value(value: object) -> str:
    """A string as itself, anything else as JSON (``true``, ``10``): read back by its type."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def artefact_uri(tool: str, arguments: Mapping[str, object]) -> str:
    """The one URI of ``tool``'s answer to ``arguments``: names sorted, values percent-encoded."""
    pairs = sorted((k, _query_value(v)) for k, v in arguments.items() if v is not None)
    query = urlencode(pairs, quote_via=quote, safe="")
    return ARTEFACT_PREFIX + quote(tool, safe="") + ("?" + query if query else "")


def _typed(value: str, schema: Mapping[str, Any]) -> object:
    """A query value as the type its argument declares (the validator then checks it)."""
    if schema.get("type", "string") == "string":
        return value
    try:
        parsed: object = json.loads(value)
    except ValueError:
        return value
    return parsed


def _refused(uri: str, why: str, what: str = "Invalid artefact URI") -> MCPError:
    return MCPError(code=types.INVALID_PARAMS, message=f"{what} {uri}: {why}")


class ArtefactResources:
    """The read-only tools of the MCP server, readable as resources by their answer's URI."""

    def __init__(
        self,
        engine: Engine,
        table: Mapping[str, ToolEntry],
        rest_base_url: str | None,
    ) -> None:
        self.engine = engine
        self.rest_base_url = rest_base_url
        self.bound = MAX_RESOURCE_BYTES  # the same bound as every other resource read
        self.tools = {
            name: entry
            for name, entry in table.items()
            if entry.spec is not None and entry.loaded is not None and entry.spec.is_read_only
        }

    def __bool__(self) -> bool:
        return bool(self.tools)

    def uri_for(self, tool: str, arguments: Mapping[str, object]) -> str | None:
        """The resource URI of ``tool``'s answer, or None when the tool is not readable."""
        return artefact_uri(tool, arguments) if tool in self.tools else None

    def owns(self, uri: str) -> bool:
        return uri.startswith(ARTEFACT_PREFIX)

    def templates(self) -> list[types.ResourceTemplate]:
        found = []
        for name, entry in self.tools.items():
            names = [n for n in entry.input_schema.get("properties", {}) if n not in _PAGING]
            query = "{?" + ",".join(names) + "}" if names else ""
            found.append(
                types.ResourceTemplate(
                    name=f"{name}-answer",
                    title=f"{entry.tool.title or name}: the answer's bytes",
                    uri_template=f"{ARTEFACT_PREFIX}{name}{query}",
                    description=(
                        f"What tool {name} answers, whole: an artefact's bytes (a blob) or its "
                        f"text, up to {self.bound} bytes. An artefact result of that tool gives "
                        "the exact URI."
                    ),
                )
            )
        return found

    def _arguments(self, uri: str) -> tuple[str, ToolEntry, dict[str, object]]:
        parts = urlsplit(uri)
        tool = unquote(parts.path.lstrip("/")) if parts.netloc == "artefact" else ""
        entry = self.tools.get(tool)
        if entry is None:
            raise _refused(
                uri,
                f"no readable tool named {tool!r}; artefact URIs are "
                f"{ARTEFACT_PREFIX}<tool>?<arguments> (tools: {', '.join(self.tools)}), as a "
                "tool's artefact result gives them",
                "Resource not found:",
            )
        properties: Mapping[str, Any] = entry.input_schema.get("properties", {})
        arguments: dict[str, object] = {}
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            if name in arguments:
                raise _refused(uri, f"argument {name!r} is given twice")
            if name in _PAGING:
                raise _refused(
                    uri, f"{name!r} pages a tools/call result; a resource is the whole answer"
                )
            arguments[name] = _typed(value, properties.get(name, {}))
        errors = sorted(entry.validator.errors(arguments), key=lambda e: [str(p) for p in e.path])
        if errors:
            said = "; ".join(
                (f"argument '{e.path[0]}': " if e.path else "") + e.message for e in errors
            )
            raise _refused(uri, f"invalid arguments for tool {tool}: {said[:600]}")
        return tool, entry, arguments

    async def read(self, uri: str, caller: Caller) -> types.ReadResourceResult:
        """The tool's answer to the URI's arguments, through the same engine call."""
        tool, entry, arguments = self._arguments(uri)
        spec, loaded = entry.spec, entry.loaded
        assert spec is not None
        assert loaded is not None
        upstream = spec.upstream_arguments(arguments)
        record = AccessRecord(
            "mcp", caller.request_id or "-", "resources/read", tool, client=caller.client_id
        )
        record.operation = spec.operation.name
        try:
            result = await self.engine.invoke(spec.operation, upstream, call=spec, caller=caller)
            record.note(result)
            if result.is_error:
                if result.stream is not None:
                    await result.stream.aclose()
                raise self._upstream_error(uri, result)
            body, size = await self._body(result)
            if body is None:
                route = rest_url(self.rest_base_url, loaded.capability, spec.operation, upstream)
                raise self._too_large(uri, tool, arguments, size, route)
        except MCPError as exc:
            record.status = exc.error.code
            record.write()
            raise
        record.status = "ok"
        record.write()
        mime = "application/json" if result.is_json else result.content_type
        return types.ReadResourceResult(
            contents=[resource_contents(uri, mime or "application/octet-stream", body)]
        )

    def _upstream_error(self, uri: str, result: Result) -> MCPError:
        code = result.error_code or f"HTTP{result.status}"
        message = result.error_message or f"the upstream answered HTTP {result.status}"
        text = self.engine.redact(f"reading {uri}: {code} (HTTP {result.status}): {message}")
        return MCPError(
            code=types.INVALID_PARAMS if result.status < 500 else types.INTERNAL_ERROR,
            message=text[:800],
        )

    async def _body(self, result: Result) -> tuple[bytes | None, int]:
        """The whole answer and its size; past the bound no body, only the size (counted on,
        in constant memory, unless the upstream announced it)."""
        if result.stream is None:
            if result.content is not None:
                body = result.content
            else:
                body = result.json_bytes() if result.data is not None else b""
            return (body if len(body) <= self.bound else None), len(body)
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in result.stream:
                size += len(chunk)
                if size <= self.bound:
                    chunks.append(chunk)
                    continue
                chunks.clear()
                if result.stream.length is not None:
                    return None, result.stream.length
        finally:
            await result.stream.aclose()
        return (b"".join(chunks) if size <= self.bound else None), size

    def _too_large(
        self,
        uri: str,
        tool: str,
        arguments: Mapping[str, object],
        size: int,
        alternative: str | None,
    ) -> MCPError:
        pairs = " ".join(shlex.quote(f"{k}={_query_value(v)}") for k, v in arguments.items())
        where = (
            f"GET {alternative} (the REST adapter) serves them"
            if alternative
            else "the REST adapter (iocgate serve) serves them"
        )
        return MCPError(
            code=types.INVALID_PARAMS,
            message=(
                f"{uri} is {size} bytes, over the {self.bound}-byte bound of resources/read. "
                f"{where}, or `iocgate call {tool} {pairs} --output FILE` saves them."
            ),
        )
