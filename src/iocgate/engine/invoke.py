"""`Engine.invoke`: the one path by which REST, MCP, the CLI and investigations call upstream.

check arguments -> build the request -> cache -> single flight -> retry(quota, send) -> store
-> map the output. Only GETs whose hints say read-only and idempotent use the cache; only
idempotent operations are retried. Each quota unit is taken per attempt, retries included.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, NamedTuple

import anyio
import anyio.to_thread

from iocgate.capability import BindValues, Capability, ExposedCall, Operation
from iocgate.engine.fetch import PASSED_HEADERS, Fetched, Invocation, UpstreamFetcher
from iocgate.engine.flight import SingleFlight
from iocgate.engine.flow import StepFailed, run_plan
from iocgate.engine.formats import (
    DEFAULT_BINARY_LIMIT,
    BinaryLimit,
    SchemaFiles,
    binary_limit,
    check_output_format,
    convert_body,
    is_binary,
    is_converted,
    max_binary_bytes,
)
from iocgate.engine.hooks import Plugins
from iocgate.engine.mapping import apply_output_mapping, is_passthrough
from iocgate.engine.observer import NullObserver, Observer
from iocgate.engine.quota.scheduler import Quota, UnlimitedQuota
from iocgate.engine.request import (
    UpstreamRequest,
    build_upstream_request,
    check_authentication,
    coerce_arguments,
    credential_values,
    logged_secrets,
    new_request_id,
    redact,
    redact_bytes,
    secret_fragments,
)
from iocgate.engine.result import CacheStatus, QuotaStatus, Result
from iocgate.engine.retry import RetryPolicy
from iocgate.engine.stores.cache import Cache, CachedResponse, CachePolicy, NullCache
from iocgate.engine.stores.guard import store_reports
from iocgate.engine.upstream import UpstreamClient
from iocgate.engine.writes import WritePolicy
from iocgate.errors import IocgateError, NotFoundError, error_body

__all__ = ["CacheMode", "CachePolicy", "CachedVersion", "Caller", "Engine", "LoadedCapability"]

log = logging.getLogger("iocgate.upstream")

CONVERT_INLINE_BYTES = 64 * 1024  # converted formats larger than this parse off the event loop


async def _off_loop(size: int, work: Callable[[], Any]) -> Any:
    """``work()`` on a body of ``size`` bytes: inline when small, else in a worker thread, since
    converting or mapping megabytes takes seconds the event loop must not wait out."""
    if size <= CONVERT_INLINE_BYTES:
        return work()
    return await anyio.to_thread.run_sync(work)


def _binary_limit(operation: Operation, call: ExposedCall | None) -> BinaryLimit:
    """The bound on ``operation``'s binary answer when ``call`` exposes it."""
    if not is_binary(operation.output_format):
        return DEFAULT_BINARY_LIMIT  # never applied: only binary answers are bounded by it
    adapter = call.adapter_max_binary_size if call is not None else None
    return binary_limit(operation.qualified_name, operation.max_binary_size, adapter)


class CacheMode(StrEnum):
    """Per request: use the cache, skip it, or skip it and store the fresh answer."""

    USE = "use"
    BYPASS = "bypass"
    REFRESH = "refresh"

    @classmethod
    def from_cache_control(cls, header: str | None) -> CacheMode:
        """What a request's ``Cache-Control`` asks for: ``no-store`` bypasses the cache,
        ``no-cache`` refreshes it (``no-store`` wins when both are sent)."""
        if not header:
            return cls.USE
        directives = {part.strip().lower().split("=", 1)[0] for part in header.split(",")}
        if "no-store" in directives:
            return cls.BYPASS
        if "no-cache" in directives:
            return cls.REFRESH
        return cls.USE


class CachedVersion(NamedTuple):
    """An answer as stored now: its cache key, when it was stored, and its age in seconds.

    A tuple, not a frozen dataclass: the REST fast path builds one per hit."""

    cache_key: str
    stored_at: float
    age: int


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the adapter, the client (for per-client limits) and the request id."""

    adapter: str = "cli"
    client_id: str | None = None
    request_id: str | None = None
    cache_mode: CacheMode = CacheMode.USE


@dataclass(frozen=True)
class LoadedCapability:
    """A capability with its resolved binds and the plugins that apply to it."""

    capability: Capability
    binds: BindValues
    plugins: Plugins = field(default_factory=Plugins)
    base_uri: str | None = None  # the --upstream override

    def upstream_base(self, operation: Operation) -> str:
        return (self.base_uri or operation.base_uri).rstrip("/")


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
        clock: Callable[[], float] = time.time,
        observer: Observer | None = None,
    ) -> None:
        self.capabilities = tuple(capabilities)
        self.observer: Observer = observer or NullObserver()
        self.upstream = upstream or UpstreamClient()
        self._cache: Cache = cache or NullCache()
        self.cache_policy = cache_policy or CachePolicy()
        self._quota: Quota = quota or UnlimitedQuota()
        self.retry = retry or RetryPolicy()
        self.max_json_bytes = max_json_bytes
        self.writes = writes or WritePolicy()
        self.clock = clock  # wall clock: ages of stored answers, across restarts
        self._flight: SingleFlight[Fetched] = SingleFlight()
        self._owner: dict[str, LoadedCapability] = {}
        for loaded in self.capabilities:
            for name, operation in loaded.capability.operations.items():
                check_authentication(operation)  # at start-up, not on the first call
                max_binary_bytes(operation.max_binary_size)  # a malformed size, likewise
                check_output_format(operation.output_format, operation.qualified_name)
                self._owner[name] = loaded
            rest = loaded.capability.rest
            for call in (*(rest.routes if rest else ()), *loaded.capability.mcp_tools):
                _binary_limit(call.operation, call)  # an adapter's, likewise
        self.secrets = sorted(
            {
                value
                for loaded in self.capabilities
                for value in logged_secrets(
                    list(loaded.capability.operations.values()), loaded.binds
                )
            }
        )
        # Answers lose only credentials; logs and errors lose every credential and every bound
        # value long enough to be one (above).
        self._secret_fragments = secret_fragments(
            [
                value
                for loaded in self.capabilities
                for value in credential_values(
                    list(loaded.capability.operations.values()), loaded.binds
                )
            ]
        )
        self._fetcher = UpstreamFetcher(
            upstream=self.upstream,
            cache=self._cache,
            cache_policy=self.cache_policy,
            quota=self._quota,
            observer=self.observer,
            clock=clock,
            max_json_bytes=max_json_bytes,
            redact=self.redact,
            redact_answer=self.redact_answer,
            convert_answer=self.convert_answer,
        )

    async def aclose(self) -> None:
        await self.upstream.aclose()
        await self._cache.aclose()
        await self._quota.aclose()

    def owner(self, operation: Operation) -> LoadedCapability:
        return self._owner[operation.qualified_name]

    def find(self, name: str) -> tuple[Operation, ExposedCall | None]:
        """An operation by qualified or bare name, or an MCP tool by its name."""
        for loaded in self.capabilities:
            capability = loaded.capability
            for tool in capability.mcp_tools:
                if tool.name == name:
                    return tool.operation, tool
            operation = capability.operation(name)
            if operation is not None:
                return operation, None
        known = ", ".join(self.callable_names())
        raise NotFoundError(f"no operation or tool named {name!r}; known: {known}")

    def callable_names(self) -> list[str]:
        """Every name `find` knows: operation names and MCP tool names, sorted."""
        return sorted(
            {
                op.name
                for loaded in self.capabilities
                for op in loaded.capability.operations.values()
            }
            | {t.name for loaded in self.capabilities for t in loaded.capability.mcp_tools}
        )

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
        raw: bool = False,
    ) -> Result:
        """Invoke ``operation`` with ``arguments`` (already mapped from the adapter's ``with``).

        A ``call`` with a flow runs its plan instead, each step call through here. ``raw``
        skips the output mapping (a flow step reads the whole answer).
        """
        caller = caller or Caller()
        self.observer.invocation_started(caller.adapter, operation.name)
        started = time.perf_counter()
        status, cache = 500, "-"
        try:
            if call is not None and call.flow is not None:
                result = await self._run_flow(call, arguments, caller)
            else:
                result = await self._invoke(operation, arguments, call, caller, raw=raw)
            status, cache = result.status, result.cache.value
            return result
        except IocgateError as exc:
            status = exc.status
            raise
        finally:
            self.observer.invocation_finished(
                caller.adapter, operation.name, status, cache, time.perf_counter() - started
            )

    async def _invoke(
        self,
        operation: Operation,
        arguments: Mapping[str, object],
        call: ExposedCall | None,
        caller: Caller,
        *,
        raw: bool = False,
    ) -> Result:
        hints = call.hints if call else None
        self.writes.check(operation, hints)
        request = self.build_request(operation, arguments)
        cacheable = operation.method == "GET" and (
            hints is None or (bool(hints.readOnly) and bool(hints.idempotent))
        )
        retriable = operation.method in ("GET", "HEAD", "PUT", "DELETE") and (
            hints is None or bool(hints.idempotent)
        )
        outputs = call.output_parameters if call and call.output_parameters else None
        if raw:
            outputs = ()
        context = Invocation(
            operation=operation,
            request=request,
            client_id=caller.client_id,
            request_id=caller.request_id or new_request_id(),
            output_parameters=outputs if outputs is not None else operation.output_parameters,
            retry=self.retry if retriable else RetryPolicy.disabled(),
            binary_limit=_binary_limit(operation, call),
        )
        if cacheable and caller.cache_mode is CacheMode.USE:
            return await self._invoke_cached(context)
        store = cacheable and caller.cache_mode is CacheMode.REFRESH
        fetched = await self._fetcher.fetch(context, store=store)
        return await self._result(
            context, fetched, CacheStatus.MISS if store else CacheStatus.BYPASS
        )

    async def _run_flow(
        self, call: ExposedCall, arguments: Mapping[str, object], caller: Caller
    ) -> Result:
        """Run ``call``'s plan; every step call shares this request's id."""
        assert call.flow is not None
        request_id = caller.request_id or new_request_id()
        step_caller = replace(caller, request_id=request_id)

        async def invoke(operation: Operation, step_arguments: dict[str, object]) -> Result:
            return await self.invoke(operation, step_arguments, caller=step_caller, raw=True)

        name = call.operation.qualified_name
        try:
            value = await run_plan(call.flow, dict(arguments), invoke)
        except StepFailed as failed:
            return await _step_failure(failed, name, request_id)
        return Result(
            status=200, content_type="application/json", operation=name, request_id=request_id,
            value=value,
        )  # fmt: skip

    async def _invoke_cached(self, context: Invocation) -> Result:
        """The cache, then one shared upstream call per key (single flight)."""
        hit = await self._lookup(context)
        if hit is not None:
            return hit
        key = context.request.cache_key
        fetched, led = await self._flight.run(key, lambda: self._fetch_held(context))
        if fetched.stream is not None:
            if led:
                return fetched.stream
            # A byte stream cannot be shared: wait for the leader's copy to land in the
            # artefact cache, or make our own call when it is not being kept.
            hit = await self._lookup(context)
            if hit is not None:
                return hit
            fresh = await self._fetcher.fetch(context, store=True)
            return await self._result(context, fresh, CacheStatus.MISS)
        if fetched.from_cache or (fetched.stored and not led):
            return await self._result(context, fetched, CacheStatus.HIT)
        return await self._result(context, fetched, CacheStatus.MISS)

    async def _lookup(self, context: Invocation) -> Result | None:
        """A stored answer for the request: JSON, or an artefact file (waiting for one that
        this process is storing right now)."""
        key = context.request.cache_key
        cached = await self._cache.get(key)
        if cached is not None:
            return await self._result(context, Fetched(answer=cached), CacheStatus.HIT)
        artefacts = self._cache.artefacts
        if artefacts is None:
            return None
        await artefacts.wait_pending(key)
        stored = await artefacts.lookup(key)
        if stored is None:
            return None
        self._log_hit(context)
        headers = dict(stored.headers) | {"content-length": str(stored.size)}
        return Result(
            status=200,
            content_type=stored.content_type,
            operation=context.operation.qualified_name,
            request_id=context.request_id,
            stream=await artefacts.stream(stored),
            headers=headers,
            cache=CacheStatus.HIT,
            age=self._age(stored.stored_at),
            upstream_status=200,
            binary=is_binary(context.operation.output_format),
            max_binary_bytes=context.binary_limit.bytes,
        )

    async def _fetch_held(self, context: Invocation) -> Fetched:
        """Across processes (Redis), one replica calls; the others find its stored answer."""
        key = context.request.cache_key
        async with self._cache.hold(key):
            # Looked up again under the hold: another process (another replica, or another
            # `iocgate call` on this host) may have stored the answer since our first look.
            cached = await self._cache.get(key)
            if cached is not None:
                return Fetched(answer=cached, from_cache=True)
            return await self._fetcher.fetch(context, store=True)

    async def _result(self, context: Invocation, fetched: Fetched, cache: CacheStatus) -> Result:
        if fetched.stream is not None:
            return fetched.stream
        assert fetched.answer is not None
        age = None
        if cache is CacheStatus.HIT:
            self._log_hit(context)
            age = self._age(fetched.answer.stored_at)
        checked = cache is CacheStatus.HIT or fetched.stored  # stored bodies were parsed once
        version = (context.request.cache_key, fetched.answer.stored_at) if checked else None
        quota = None if cache is CacheStatus.HIT else fetched.quota  # a hit spent nothing
        return await self._json_result(
            context.operation, context.output_parameters, fetched.answer, context.request_id,
            cache, age, quota, checked=checked, version=version, converted=fetched.converted,
        )  # fmt: skip

    def _age(self, stored_at: float) -> int:
        return max(0, int(self.clock() - stored_at))

    def _log_hit(self, context: Invocation) -> None:
        if not log.isEnabledFor(logging.DEBUG):  # the access log line already says cache=HIT
            return
        log.debug(
            "cache hit %s %s", context.request.operation, context.request.url,
            extra={"request_id": context.request_id, "cache": "HIT"},
        )  # fmt: skip

    async def _json_result(
        self,
        operation: Operation,
        output_parameters: Any,
        stored: CachedResponse,
        request_id: str,
        cache: CacheStatus,
        age: int | None,
        quota: QuotaStatus | None,
        *,
        checked: bool = False,
        version: tuple[str, float] | None = None,
        converted: tuple[Any] | None = None,
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
        if is_converted(operation.output_format) and stored.status < 400:
            (tree,) = converted or (await self.convert_answer(operation, stored),)
            if not is_passthrough(output_parameters):
                mapping = functools.partial(apply_output_mapping, output_parameters, tree)
                tree = await _off_loop(len(stored.body), mapping)
            return Result(content_type="application/json", value=tree, **common)
        if is_passthrough(output_parameters) and (checked or stored.status < 400):
            # Stored bodies were checked as JSON when stored: serve the bytes, parse on demand.
            return Result(
                content_type="application/json", json_body=stored.body, version=version, **common
            )
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

    async def convert_answer(self, operation: Operation, stored: CachedResponse) -> Any:
        """The body read as the operation's ``outputRawFormat`` (502 when it does not parse).

        Past `CONVERT_INLINE_BYTES` the parse runs in a worker thread (see `_off_loop`).
        """
        path = self.owner(operation).capability.path
        convert = functools.partial(
            convert_body,
            operation.output_format,
            stored.body,
            operation=operation.qualified_name,
            content_type=stored.content_type,
            schema=operation.output_schema,
            schema_files=SchemaFiles(path.parent if path else None),
        )
        return await _off_loop(len(stored.body), convert)

    async def is_cached(self, operation: Operation, arguments: Mapping[str, object]) -> bool:
        """Whether a call with ``arguments`` would be answered from the cache now (no quota)."""
        return await self._cache.get(self.build_request(operation, arguments).cache_key) is not None

    async def cached_version(self, cache_key: str) -> CachedVersion | None:
        """The version of the answer stored under ``cache_key`` now (None when there is none):
        what an adapter compares with a `Result.version` it kept, to serve the same bytes again."""
        stored = await self._cache.get(cache_key)
        if stored is None:
            return None
        return CachedVersion(cache_key, stored.stored_at, self._age(stored.stored_at))

    async def quota_status(self) -> QuotaStatus:
        """What is left of the upstream key's budget, spending nothing."""
        return await self._quota.status()

    def memory_front(self) -> object:
        """The in-memory part of the cache (the SQLite cache's front, or the memory cache): its
        size and lookups are reported by /metrics."""
        return getattr(self._cache, "front", self._cache)

    async def stores(self) -> dict[str, dict[str, Any]]:
        """How the cache and the quota store fare: ``ok`` or ``degraded`` (``/readyz``)."""
        return await store_reports(self._cache, self._quota)

    def redact(self, text: str) -> str:
        """Remove every bound secret from ``text``."""
        return redact(text, self.secrets)

    def redact_answer(self, body: bytes) -> bytes:
        """An upstream answer with every bound secret removed, before it is kept or returned
        (an upstream that echoes request headers would otherwise hand the key back)."""
        return redact_bytes(body, self._secret_fragments)


async def _step_failure(failed: StepFailed, name: str, request_id: str) -> Result:
    """A flow's answer when one of its calls answered an error: that status, naming the step."""
    result = failed.result
    if result.stream is not None:
        await result.stream.aclose()
    detail = result.error_message if result.is_json else None
    message = f"step {failed.step!r} ({result.operation}) answered HTTP {result.status}"
    if not result.is_error:
        message = f"step {failed.step!r} ({result.operation}) did not answer JSON"
    return Result(
        status=result.status if result.is_error else 502,
        content_type="application/json",
        operation=name,
        request_id=request_id,
        value=error_body(
            result.error_code or "UpstreamError", f"{message}: {detail}" if detail else message
        ),
        upstream_status=result.status,
    )
