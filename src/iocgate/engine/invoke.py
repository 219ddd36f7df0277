"""`Engine.invoke`: the one path by which REST, MCP, the CLI and investigations call upstream.

check arguments -> build the request -> cache -> quota -> retry(send) -> map the output.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx

from iocgate.capability import BindValues, Capability, ExposedCall, Operation
from iocgate.engine.cache import Cache, CachedResponse, NullCache
from iocgate.engine.hooks import Plugins
from iocgate.engine.mapping import apply_output_mapping, is_passthrough
from iocgate.engine.quota import Quota, UnlimitedQuota
from iocgate.engine.request import (
    UpstreamRequest,
    build_upstream_request,
    coerce_arguments,
    redact,
)
from iocgate.engine.result import ByteStream, CacheStatus, QuotaStatus, Result
from iocgate.engine.retry import RetryableStatus, RetryPolicy, parse_retry_after, with_retries
from iocgate.engine.upstream import UpstreamClient
from iocgate.engine.writes import WritePolicy
from iocgate.errors import NotFoundError, PayloadTooLargeError, UpstreamUnavailableError

__all__ = ["CacheMode", "CachePolicy", "Caller", "Engine", "LoadedCapability"]

log = logging.getLogger("iocgate.upstream")

PASSED_HEADERS = ("content-length", "content-disposition", "retry-after", "etag", "last-modified")


class CacheMode(StrEnum):
    """Per request: use the cache, skip it, or skip it and store the fresh answer."""

    USE = "use"
    BYPASS = "bypass"
    REFRESH = "refresh"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the adapter, the client (for per-client limits) and the request id."""

    adapter: str = "cli"
    client_id: str | None = None
    request_id: str | None = None
    cache_mode: CacheMode = CacheMode.USE


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """How long answers are kept: successes long (reports do not change), 404s briefly."""

    success_ttl: float = 30 * 24 * 3600.0
    not_found_ttl: float = 600.0
    per_operation: Mapping[str, float] = field(default_factory=dict)

    def ttl_for(self, operation: Operation, status: int) -> float | None:
        if status == 200:
            return self.per_operation.get(operation.name, self.success_ttl)
        if status == 404:
            return self.not_found_ttl
        return None


@dataclass(frozen=True)
class LoadedCapability:
    """A capability with its resolved binds and the plugins that apply to it."""

    capability: Capability
    binds: BindValues
    plugins: Plugins = field(default_factory=Plugins)
    base_uri: str | None = None  # the --upstream override

    def upstream_base(self, operation: Operation) -> str:
        return (self.base_uri or operation.base_uri).rstrip("/")


def _is_json(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


class Engine:
    """Invokes consumed operations; knows nothing of REST, MCP or any particular upstream."""

    def __init__(
        self,
        capabilities: Iterable[LoadedCapability],
        *,
        upstream: UpstreamClient | None = None,
        cache: Cache | None = None,
        cache_policy: CachePolicy | None = None,
        quota: Quota | None = None,
        retry: RetryPolicy | None = None,
        max_json_bytes: int = 64 * 1024 * 1024,
        writes: WritePolicy | None = None,
    ) -> None:
        self.capabilities = tuple(capabilities)
        self.upstream = upstream or UpstreamClient()
        self.cache: Cache = cache or NullCache()
        self.cache_policy = cache_policy or CachePolicy()
        self.quota: Quota = quota or UnlimitedQuota()
        self.retry = retry or RetryPolicy()
        self.max_json_bytes = max_json_bytes
        self.writes = writes or WritePolicy()
        self._owner: dict[str, LoadedCapability] = {}
        for loaded in self.capabilities:
            for name in loaded.capability.operations:
                self._owner[name] = loaded
        self.secrets = [s for loaded in self.capabilities for s in loaded.binds.secrets]

    async def aclose(self) -> None:
        await self.upstream.aclose()
        await self.cache.aclose()
        await self.quota.aclose()

    def owner(self, operation: Operation) -> LoadedCapability:
        return self._owner[operation.qualified_name]

    def find(self, name: str) -> tuple[Operation, ExposedCall | None]:
        """An operation by qualified or bare name, or an MCP tool by its name."""
        for loaded in self.capabilities:
            capability = loaded.capability
            if capability.mcp:
                for tool in capability.mcp.tools:
                    if tool.name == name:
                        return tool.operation, tool
            operation = capability.operation(name)
            if operation is not None:
                return operation, None
        known = sorted(
            {
                op.name
                for loaded in self.capabilities
                for op in loaded.capability.operations.values()
            }
            | {
                t.name
                for loaded in self.capabilities
                if loaded.capability.mcp
                for t in loaded.capability.mcp.tools
            }
        )
        raise NotFoundError(f"no operation or tool named {name!r}; known: {', '.join(known)}")

    def build_request(
        self, operation: Operation, arguments: Mapping[str, object]
    ) -> UpstreamRequest:
        """Check ``arguments`` and build the upstream request (no I/O)."""
        loaded = self.owner(operation)
        values = coerce_arguments(operation, arguments)
        loaded.plugins.check_arguments(operation, values)
        return build_upstream_request(
            operation, values, loaded.binds, base_uri=loaded.upstream_base(operation)
        )

    async def invoke(
        self,
        operation: Operation,
        arguments: Mapping[str, object],
        *,
        call: ExposedCall | None = None,
        caller: Caller | None = None,
    ) -> Result:
        """Invoke ``operation`` with ``arguments`` (already mapped from the adapter's ``with``)."""
        caller = caller or Caller()
        request_id = caller.request_id or uuid.uuid4().hex
        hints = call.hints if call else None
        self.writes.check(operation, hints)
        request = self.build_request(operation, arguments)
        cacheable = operation.method == "GET" and (
            hints is None or (bool(hints.readOnly) and bool(hints.idempotent))
        )
        outputs = call.output_parameters if call and call.output_parameters else None
        output_parameters = outputs or operation.output_parameters
        if cacheable and caller.cache_mode is CacheMode.USE:
            cached = await self.cache.get(request.cache_key)
            if cached is not None:
                log.info(
                    "cache hit %s %s", request.operation, request.url,
                    extra={"request_id": request_id, "cache": "HIT"},
                )  # fmt: skip
                age = max(0, int(time.time() - cached.stored_at))
                return self._json_result(
                    operation, output_parameters, cached, request_id, CacheStatus.HIT, age, None
                )
        retriable = operation.method in ("GET", "HEAD", "PUT", "DELETE") and (
            hints is None or bool(hints.idempotent)
        )
        policy = self.retry if retriable else RetryPolicy.disabled()
        quota_box: list[QuotaStatus] = []
        try:
            response = await with_retries(
                policy, lambda: self._attempt(request, caller, request_id, policy, quota_box)
            )
        except RetryableStatus as last:
            stored = CachedResponse(
                last.status, last.headers.get("content-type", ""), last.body, time.time(),
                tuple(last.headers.items()),
            )  # fmt: skip
            quota = quota_box[-1] if quota_box else None
            return self._json_result(
                operation, output_parameters, stored, request_id, CacheStatus.MISS, None, quota
            )
        quota_status = quota_box[-1] if quota_box else None
        cache_status = CacheStatus.MISS if cacheable else CacheStatus.BYPASS
        content_type = response.headers.get("content-type", "application/octet-stream")
        headers = {k: response.headers[k] for k in PASSED_HEADERS if k in response.headers}
        if _is_json(content_type) or response.status_code >= 400:
            body = await self._read_bounded(response, request)
            stored = CachedResponse(
                response.status_code, content_type, body, time.time(), tuple(headers.items())
            )
            result = self._json_result(
                operation, output_parameters, stored, request_id, cache_status, None, quota_status
            )
            ttl = self.cache_policy.ttl_for(operation, response.status_code) if cacheable else None
            if ttl and result.content is None and caller.cache_mode is not CacheMode.BYPASS:
                await self.cache.put(request.cache_key, stored, ttl)  # only bodies that parsed
            return result
        if "content-encoding" in response.headers:
            headers.pop("content-length", None)  # we pass decoded bytes: the length changes
        length = int(headers["content-length"]) if "content-length" in headers else None
        stream = ByteStream(response.aiter_bytes(), response.aclose, length)
        return Result(
            status=response.status_code,
            content_type=content_type,
            operation=operation.qualified_name,
            request_id=request_id,
            stream=stream,
            headers=headers,
            cache=CacheStatus.BYPASS,
            quota=quota_status,
            upstream_status=response.status_code,
        )

    async def _attempt(
        self,
        request: UpstreamRequest,
        caller: Caller,
        request_id: str,
        policy: RetryPolicy,
        quota_box: list[QuotaStatus],
    ) -> httpx.Response:
        quota_box.append(await self.quota.acquire(caller.client_id))
        started = time.perf_counter()
        response = await self.upstream.send(request)
        log.info(
            "upstream %s %s -> %s in %.1f ms", request.method, request.url, response.status_code,
            (time.perf_counter() - started) * 1000,
            extra={"request_id": request_id, "upstream_status": response.status_code},
        )  # fmt: skip
        if response.status_code in policy.statuses and policy.attempts > 1:
            body = await self._read_bounded(response, request)
            headers = {k: v for k, v in response.headers.items() if k.lower() != "set-cookie"}
            raise RetryableStatus(
                response.status_code, body, headers, parse_retry_after(headers.get("retry-after"))
            )
        return response

    async def _read_bounded(self, response: httpx.Response, request: UpstreamRequest) -> bytes:
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_json_bytes:
                    raise PayloadTooLargeError(
                        f"the upstream answer to {request.operation} is larger than "
                        f"{self.max_json_bytes} bytes, the limit for JSON bodies"
                    )
                chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise UpstreamUnavailableError(
                f"the upstream answer to {request.operation} was cut short "
                f"({type(exc).__name__}); try again"
            ) from None
        finally:
            await response.aclose()
        return b"".join(chunks)

    def _json_result(
        self,
        operation: Operation,
        output_parameters: Any,
        stored: CachedResponse,
        request_id: str,
        cache: CacheStatus,
        age: int | None,
        quota: QuotaStatus | None,
    ) -> Result:
        headers = {k: v for k, v in stored.headers if k in PASSED_HEADERS and k != "content-length"}
        common: dict[str, Any] = {
            "status": stored.status,
            "operation": operation.qualified_name,
            "request_id": request_id,
            "headers": headers,
            "cache": cache,
            "age": age,
            "quota": quota,
            "upstream_status": stored.status,
        }
        if cache is CacheStatus.HIT and is_passthrough(output_parameters):
            # Stored bodies were checked as JSON when stored: serve the bytes, parse on demand.
            return Result(content_type="application/json", json_body=stored.body, **common)
        try:
            parsed = json.loads(stored.body) if stored.body else None
        except ValueError:
            return Result(content_type=stored.content_type, content=stored.body, **common)
        if stored.status >= 400 or is_passthrough(output_parameters):
            return Result(
                content_type="application/json", json_body=stored.body, value=parsed, **common
            )
        return Result(
            content_type="application/json",
            value=apply_output_mapping(output_parameters, parsed),
            **common,
        )

    def redact(self, text: str) -> str:
        """Remove every bound secret from ``text``."""
        return redact(text, self.secrets)
