"""MCP resources: files under a ``location`` (static) or one engine call per read (dynamic).

A resource whose ``uri`` has ``{placeholders}`` is a template: ``resources/templates/list``
names it and a read matching it passes the placeholder values to its call. Reads of files stay
inside their directory; every body is bounded by `MAX_RESOURCE_BYTES`.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote

import anyio.to_thread
import mcp_types as types
from mcp.shared.exceptions import MCPError

from iocgate.capability import ResourceSpec, location_path
from iocgate.engine import Caller, Engine, PluginResource, Result

__all__ = ["MAX_RESOURCE_BYTES", "ResourceTable", "resource_contents"]

#: The most one read returns (the engine's default binary bound in the reference, 10 MiB).
MAX_RESOURCE_BYTES = 10 * 1024 * 1024
_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9._-]+$")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/yaml", "+json",
               "+xml")  # fmt: skip
Contents = types.TextResourceContents | types.BlobResourceContents


def _not_found(uri: str) -> MCPError:
    return MCPError(code=types.INVALID_PARAMS, message=f"Resource not found: {uri}")


def _template_pattern(uri: str, names: Sequence[str]) -> re.Pattern[str]:
    pattern = re.escape(uri)
    for name in names:
        for written in ("{{" + name + "}}", "{" + name + "}"):
            pattern = pattern.replace(re.escape(written), f"(?P<{name}>[^/]+)")
    return re.compile(pattern + "$")


def _is_text(mime_type: str) -> bool:
    return mime_type.startswith(_TEXT_TYPES[:1]) or any(t in mime_type for t in _TEXT_TYPES[1:])


def resource_contents(uri: str, mime_type: str, body: bytes, binary: bool = False) -> Contents:
    """``body`` as text for a text type (when it is UTF-8), else as a base64 blob; bounded."""
    if len(body) > MAX_RESOURCE_BYTES:
        raise MCPError(
            code=types.INVALID_PARAMS,
            message=f"{uri} is {len(body)} bytes, over the {MAX_RESOURCE_BYTES}-byte bound",
        )
    if not binary and _is_text(mime_type):
        try:
            return types.TextResourceContents(uri=uri, mime_type=mime_type, text=body.decode())
        except UnicodeDecodeError:
            pass  # text by its type but not UTF-8: the bytes as they are, as a blob
    blob = base64.b64encode(body).decode()
    return types.BlobResourceContents(uri=uri, mime_type=mime_type, blob=blob)


class ResourceTable:
    """The resources of every capability served, then the plugins' templates, listed and read."""

    def __init__(
        self,
        engine: Engine,
        specs: Sequence[tuple[ResourceSpec, Path | None]],
        plugin: Sequence[PluginResource] = (),
    ) -> None:
        self.engine = engine
        self.specs = specs
        self.patterns = [
            _template_pattern(spec.uri, spec.template_names) if spec.template_names else None
            for spec, _ in specs
        ]
        self.plugin = [
            (found, _template_pattern(found.uri_template, _PLACEHOLDER.findall(found.uri_template)))
            for found in plugin
        ]

    def __bool__(self) -> bool:
        return bool(self.specs or self.plugin)

    def _root(self, spec: ResourceSpec, base: Path | None) -> Path:
        assert spec.location is not None
        return location_path(spec.location, base).resolve()

    def _files(self, spec: ResourceSpec, base: Path | None) -> list[tuple[str, Path]]:
        root = self._root(spec, base)
        if root.is_file():
            return [(spec.uri, root)]
        if not root.is_dir():
            return []
        found = sorted(p for p in root.rglob("*") if p.is_file())
        return [(f"{spec.uri}/{p.relative_to(root).as_posix()}", p) for p in found]

    def _mime(self, spec: ResourceSpec, path: Path | None = None) -> str:
        if spec.mime_type:
            return spec.mime_type
        guessed = mimetypes.guess_type(path.name)[0] if path else None
        return guessed or ("text/markdown" if path and path.suffix == ".md" else "text/plain")

    def listing(self) -> types.ListResourcesResult:
        resources: list[types.Resource] = []
        for spec, base in self.specs:
            if spec.location is not None:
                for uri, path in self._files(spec, base):
                    name = spec.name if uri == spec.uri else f"{spec.name}/{path.name}"
                    resources.append(types.Resource(
                        name=name, title=spec.title, uri=uri, description=spec.description or None,
                        mime_type=self._mime(spec, path), size=path.stat().st_size,
                    ))  # fmt: skip
            elif not spec.template_names:
                resources.append(types.Resource(
                    name=spec.name, title=spec.title, uri=spec.uri,
                    description=spec.description or None, mime_type=spec.mime_type,
                ))  # fmt: skip
        return types.ListResourcesResult(resources=resources)

    def templates(self) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(
            resource_templates=[
                types.ResourceTemplate(
                    name=spec.name,
                    title=spec.title,
                    uri_template=spec.uri,
                    description=spec.description or None,
                    mime_type=spec.mime_type,
                )
                for spec, _ in self.specs
                if spec.template_names
            ]
            + [
                types.ResourceTemplate(
                    name=found.name,
                    title=found.title,
                    uri_template=found.uri_template,
                    description=found.description,
                    mime_type=found.mime_type,
                )
                for found, _ in self.plugin
            ]
        )

    async def read(self, uri: str, caller: Caller) -> types.ReadResourceResult:
        for (spec, base), pattern in zip(self.specs, self.patterns, strict=True):
            if spec.location is not None and (uri == spec.uri or uri.startswith(spec.uri + "/")):
                return await self._read_file(spec, base, uri)
            if spec.call is None:
                continue
            match = pattern.match(uri) if pattern else None
            if uri == spec.uri or match:
                arguments: dict[str, object] = {
                    k: unquote(v) for k, v in (match.groupdict() if match else {}).items()
                }
                return await self._read_call(spec, uri, arguments, caller)
        for found, pattern in self.plugin:
            match = pattern.match(uri)
            if match:
                values = {k: unquote(v) for k, v in match.groupdict().items()}
                answer = await found.handler(values, caller)
                return await _read_answer(uri, found.mime_type, answer, found.binary)
        raise _not_found(uri)

    async def _read_file(
        self, spec: ResourceSpec, base: Path | None, uri: str
    ) -> types.ReadResourceResult:
        root = self._root(spec, base)
        relative = uri[len(spec.uri) + 1 :]
        if relative and not all(_SAFE_SEGMENT.match(s) for s in relative.split("/")):
            raise _not_found(uri)  # `..`, empty or odd segments never leave the directory
        path = (root / relative).resolve() if relative else root
        if not path.is_file() or not path.is_relative_to(root):
            raise _not_found(uri)
        if path.stat().st_size > MAX_RESOURCE_BYTES:
            raise MCPError(code=types.INVALID_PARAMS, message=f"{uri} is too large to read")
        body = await anyio.to_thread.run_sync(path.read_bytes)
        return types.ReadResourceResult(
            contents=[resource_contents(uri, self._mime(spec, path), body, spec.binary)]
        )

    async def _read_call(
        self, spec: ResourceSpec, uri: str, arguments: dict[str, object], caller: Caller
    ) -> types.ReadResourceResult:
        call = spec.call
        assert call is not None
        result = await self.engine.invoke(
            call.operation, call.upstream_arguments(arguments), call=call, caller=caller
        )
        return await _read_answer(uri, spec.mime_type, result, spec.binary)


async def _read_answer(
    uri: str, mime_type: str | None, answer: Result | bytes, binary: bool
) -> types.ReadResourceResult:
    """A read's contents from an engine answer (an upstream error is a read error) or bytes."""
    if isinstance(answer, bytes):
        mime = mime_type or "application/octet-stream"
        return types.ReadResourceResult(contents=[resource_contents(uri, mime, answer, binary)])
    body = await _body(answer)
    if answer.status >= 400:
        message = answer.error_message or f"the upstream answered HTTP {answer.status}"
        raise MCPError(code=types.INTERNAL_ERROR, message=f"reading {uri}: {message}")
    mime = mime_type or answer.content_type or "application/json"
    return types.ReadResourceResult(contents=[resource_contents(uri, mime, body, binary)])


async def _body(result: Result) -> bytes:
    """The result's bytes: JSON as sent (or as mapped), a small body, or a stream, bounded."""
    if result.stream is None:
        if result.content is not None:
            return result.content
        return result.json_bytes() if result.data is not None else b""
    chunks: list[bytes] = []
    size = 0
    async for chunk in result.stream:
        size += len(chunk)
        if size > MAX_RESOURCE_BYTES:
            await result.stream.aclose()
            break
        chunks.append(chunk)
    return b"".join(chunks) if size <= MAX_RESOURCE_BYTES else b"\0" * (MAX_RESOURCE_BYTES + 1)
