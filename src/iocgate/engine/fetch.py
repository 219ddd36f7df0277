"""One upstream exchange for `Engine.invoke`: quota unit, send, retries, read or stream, store.

``fetch`` is what runs on a cache miss (inside single flight) and for requests that skip the
cache. JSON answers and errors are read whole inside the attempt, so a body cut short is
retried like a dropped connection; byte answers are streamed, through the artefact cache's tee
when they may be kept.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from iocgate.capability import Operation
from iocgate.engine.cache import CachedResponse
from iocgate.engine.formats import (
    binary_too_large,
    bounded_chunks,
    is_binary,
    is_converted,
    max_binary_bytes,
)
from iocgate.engine.request import UpstreamRequest
from iocgate.engine.result import ByteStream, CacheStatus, QuotaStatus, Result
from iocgate.engine.retry import (
    RetryableStatus,
    RetryBudget,
    RetryPolicy,
    parse_retry_after,
    with_retries,
)
from iocgate.engine.upstream import UpstreamResponse
from iocgate.errors import IocgateError, PayloadTooLargeError, UpstreamUnavailableError

if TYPE_CHECKING:
    from iocgate.engine.invoke import Engine

__all__ = ["PASSED_HEADERS", "Fetched", "Invocation", "fetch", "is_json"]

log = logging.getLogger("iocgate.upstream")

PASSED_HEADERS = ("content-length", "content-disposition", "retry-after", "etag", "last-modified")


def is_json(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def _parses(body: bytes) -> bool:
    """Only JSON that parses is kept: a garbled answer must not be served for a month."""
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


async def _keepable(
    engine: Engine, call: Invocation, received: CachedResponse
) -> tuple[bool, tuple[Any] | None]:
    """JSON that parses, or a body that converts from its declared format (with its tree, so
    that it is converted once)."""
    if is_converted(call.operation.output_format) and received.status < 400:
        try:
            return True, (await engine.convert_answer(call.operation, received),)
        except IocgateError:
            return False, None
    return is_json(received.content_type) and _parses(received.body), None


@dataclass(frozen=True, slots=True)
class Invocation:
    """One call to `Engine.invoke`, as its steps need it."""

    operation: Operation
    request: UpstreamRequest
    client_id: str | None
    request_id: str
    output_parameters: Any
    retry: RetryPolicy


@dataclass(frozen=True, slots=True)
class Fetched:
    """What single flight shares: a read answer, or (for its leader only) a byte stream."""

    answer: CachedResponse | None = None
    stream: Result | None = None
    quota: QuotaStatus | None = None
    stored: bool = False  # the answer is now in the cache
    from_cache: bool = False  # another replica fetched it; we found it stored
    converted: tuple[Any] | None = None  # the answer's tree, when a declared format was read


async def fetch(engine: Engine, call: Invocation, *, store: bool) -> Fetched:
    """Call upstream (quota, retries); keep the answer when ``store`` and it is worth keeping."""
    quotas: list[QuotaStatus] = []
    budget = RetryBudget(call.retry.timeout)
    try:
        received = await with_retries(
            call.retry, lambda: _attempt(engine, call, quotas, budget), budget=budget
        )
    except RetryableStatus as last:
        answer = CachedResponse(
            last.status, last.headers.get("content-type", ""), last.body, engine.clock(),
            tuple(last.headers.items()),
        )  # fmt: skip
        return Fetched(answer=answer, quota=quotas[-1] if quotas else None)
    quota = quotas[-1] if quotas else None
    if not isinstance(received, CachedResponse):
        return Fetched(stream=_stream(engine, call, received, quota, store=store))
    ttl = engine.cache_policy.ttl_for(call.operation, received.status) if store else None
    if ttl and getattr(engine.cache, "keeps_answers", True):
        keep, converted = await _keepable(engine, call, received)
        if keep:
            await engine.cache.put(call.request.cache_key, received, ttl)
            return Fetched(answer=received, quota=quota, stored=True, converted=converted)
    return Fetched(answer=received, quota=quota)


async def _attempt(
    engine: Engine, call: Invocation, quotas: list[QuotaStatus], budget: RetryBudget
) -> CachedResponse | UpstreamResponse:
    """One attempt: a quota unit, the call, and for JSON and errors the whole body."""
    request, policy = call.request, call.retry
    name = call.operation.name
    if budget.started is not None:
        engine.observer.retry(name)
    # Retries may wait for quota only within what is left of the retry budget.
    max_wait = max(0.0, budget.remaining()) if budget.started is not None else None
    quotas.append(await engine.quota.acquire(call.client_id, max_wait=max_wait))
    engine.observer.quota(quotas[-1])
    budget.start()
    started = time.perf_counter()
    response = await engine.upstream.send(request)
    engine.observer.upstream_call(name, response.status_code, time.perf_counter() - started)
    log.info(
        "upstream %s %s -> %s in %.1f ms", request.method, request.url, response.status_code,
        (time.perf_counter() - started) * 1000,
        extra={"request_id": call.request_id, "upstream_status": response.status_code},
    )  # fmt: skip
    if response.status_code in policy.statuses and policy.attempts > 1:
        body = await read_bounded(response, request, engine.max_json_bytes)
        # Lower-cased like every header dict the engine hands on: upstreams spell names as
        # they like ("Retry-After"), and the lookups below and in the adapters are lower-case.
        headers = {k.lower(): v for k, v in response.headers.items() if k.lower() != "set-cookie"}
        raise RetryableStatus(
            response.status_code, body, headers, parse_retry_after(headers.get("retry-after"))
        )
    content_type = response.headers.get("content-type", "application/octet-stream")
    declared = call.operation.output_format
    if (
        (not is_json(content_type) or is_binary(declared))  # binary: whatever the type says
        and response.status_code < 400
        and not is_converted(declared)  # read whole, then converted
    ):
        if is_binary(declared):  # a Content-Length over maxBinarySize is refused at once
            limit = max_binary_bytes(call.operation.max_binary_size)
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > limit:
                await response.aclose()
                raise binary_too_large(call.operation.qualified_name, limit)
        return response
    headers = {k: response.headers[k] for k in PASSED_HEADERS if k in response.headers}
    body = await read_bounded(response, request, engine.max_json_bytes)
    return CachedResponse(
        response.status_code, content_type, body, engine.clock(), tuple(headers.items())
    )


def _stream(
    engine: Engine,
    call: Invocation,
    response: UpstreamResponse,
    quota: QuotaStatus | None,
    *,
    store: bool,
) -> Result:
    """Bytes passed through untouched; teed into the artefact cache when they may be kept.

    Declared binary content (``outputRawFormat: binary``) is bounded by ``maxBinarySize`` and
    carries the declared ``outputMediaType``.
    """
    operation = call.operation
    content_type = operation.output_media_type or response.headers.get(
        "content-type", "application/octet-stream"
    )
    headers = {k: response.headers[k] for k in PASSED_HEADERS if k in response.headers}
    if "content-encoding" in response.headers:
        headers.pop("content-length", None)  # we pass decoded bytes: the length changes
    length = int(headers["content-length"]) if "content-length" in headers else None
    chunks = response.aiter_bytes()
    limit = None
    if is_binary(operation.output_format):
        limit = max_binary_bytes(operation.max_binary_size)
        chunks = bounded_chunks(chunks, limit, operation.qualified_name)
    artefacts = engine.cache.artefacts
    status = response.status_code
    ttl = engine.cache_policy.ttl_for(call.operation, status) if store else None
    if artefacts is not None and ttl and status == 200 and artefacts.admits(length):
        kept = tuple((k, v) for k, v in headers.items() if k != "content-length")
        stream = artefacts.tee(
            call.request.cache_key, chunks, response.aclose,
            length=length, content_type=content_type, headers=kept, ttl=ttl,
        )  # fmt: skip
    else:
        stream = ByteStream(chunks, response.aclose, length)
    return Result(
        status=status,
        content_type=content_type,
        operation=call.operation.qualified_name,
        request_id=call.request_id,
        stream=stream,
        headers=headers,
        cache=CacheStatus.MISS if store else CacheStatus.BYPASS,
        quota=quota,
        upstream_status=status,
        binary=limit is not None,
        max_binary_bytes=limit,
    )


async def read_bounded(response: UpstreamResponse, request: UpstreamRequest, limit: int) -> bytes:
    """The whole body, refusing more than ``limit`` bytes; a cut body is a transient error."""
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLargeError(
                    f"the upstream answer to {request.operation} is larger than "
                    f"{limit} bytes, the limit for JSON bodies"
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
