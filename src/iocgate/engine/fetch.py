"""One upstream exchange for `Engine.invoke`: quota unit, send, retries, read or stream, store.

`UpstreamFetcher.fetch` is what runs on a cache miss (inside single flight) and for requests
that skip the cache. The engine creates the fetcher and hands it every collaborator it uses
(client, cache, quota, observer, redaction, format conversion): it reads nothing of the engine.

JSON answers and errors are read whole inside the attempt, so a body cut short is retried like a
dropped connection; byte answers are streamed, through the artefact cache's tee when they may
be kept.

Bounds (issue #16): an attempt, JSON body included, ends within ``attempt_timeout``; a streamed
body that falls below ``min_transfer_rate`` after its grace period is cut; each redirect hop
takes a quota unit like any attempt; a 2xx JSON answer that does not parse is a 502, never
passed on or kept. Upstream answers lose every bound secret before they go anywhere.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
import httpx

from iocgate.capability import Operation
from iocgate.engine.formats import (
    DEFAULT_BINARY_LIMIT,
    BinaryLimit,
    binary_too_large,
    bounded_chunks,
    is_binary,
    is_converted,
)
from iocgate.engine.observer import Observer
from iocgate.engine.quota.scheduler import Quota
from iocgate.engine.request import UpstreamRequest
from iocgate.engine.result import ByteStream, CacheStatus, QuotaStatus, Result
from iocgate.engine.retry import (
    RetryableStatus,
    RetryBudget,
    RetryPolicy,
    parse_retry_after,
    with_retries,
)
from iocgate.engine.stores.cache import Cache, CachedResponse, CachePolicy
from iocgate.engine.upstream import UpstreamClient, UpstreamResponse, UpstreamSettings
from iocgate.errors import (
    BadUpstreamAnswerError,
    IocgateError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)

__all__ = ["PASSED_HEADERS", "Fetched", "Invocation", "UpstreamFetcher", "is_json"]

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


@dataclass(frozen=True, slots=True)
class Invocation:
    """One call to `Engine.invoke`, as its steps need it."""

    operation: Operation
    request: UpstreamRequest
    client_id: str | None
    request_id: str
    output_parameters: Any
    retry: RetryPolicy
    #: maxBinarySize for ``outputRawFormat: binary`` (the operation's, the adapter's, 10 MiB)
    binary_limit: BinaryLimit = DEFAULT_BINARY_LIMIT


@dataclass(frozen=True, slots=True)
class Fetched:
    """What single flight shares: a read answer, or (for its leader only) a byte stream."""

    answer: CachedResponse | None = None
    stream: Result | None = None
    quota: QuotaStatus | None = None
    stored: bool = False  # the answer is now in the cache
    from_cache: bool = False  # another replica fetched it; we found it stored
    converted: tuple[Any] | None = None  # the answer's tree, when a declared format was read


class UpstreamFetcher:
    """Makes the upstream calls of one engine with the collaborators it was given."""

    def __init__(
        self,
        *,
        upstream: UpstreamClient,
        cache: Cache,
        cache_policy: CachePolicy,
        quota: Quota,
        observer: Observer,
        clock: Callable[[], float],
        max_json_bytes: int,
        redact: Callable[[str], str],
        redact_answer: Callable[[bytes], bytes],
        convert_answer: Callable[[Operation, CachedResponse], Awaitable[Any]],
    ) -> None:
        self.upstream = upstream
        self.cache = cache
        self.cache_policy = cache_policy
        self.quota = quota
        self.observer = observer
        self.clock = clock
        self.max_json_bytes = max_json_bytes
        self.redact = redact
        self.redact_answer = redact_answer
        self.convert_answer = convert_answer

    async def _keepable(
        self, call: Invocation, received: CachedResponse
    ) -> tuple[bool, tuple[Any] | None]:
        """JSON that parses, or a body that converts from its declared format (with its tree, so
        that it is converted once)."""
        if is_converted(call.operation.output_format) and received.status < 400:
            try:
                return True, (await self.convert_answer(call.operation, received),)
            except IocgateError:
                return False, None
        # A 2xx JSON body was parsed in the attempt already (a bad one is a 502 there).
        return is_json(received.content_type) and (
            received.status < 300 or _parses(received.body)
        ), None

    async def fetch(self, call: Invocation, *, store: bool) -> Fetched:
        """Call upstream (quota, retries); keep the answer when ``store`` and worth keeping."""
        quotas: list[QuotaStatus] = []
        budget = RetryBudget(call.retry.timeout)
        try:
            received = await with_retries(
                call.retry, lambda: self._attempt(call, quotas, budget), budget=budget
            )
        except RetryableStatus as last:
            answer = CachedResponse(
                last.status, last.headers.get("content-type", ""), last.body, self.clock(),
                tuple(last.headers.items()),
            )  # fmt: skip
            return Fetched(answer=answer, quota=quotas[-1] if quotas else None)
        quota = quotas[-1] if quotas else None
        if not isinstance(received, CachedResponse):
            return Fetched(stream=self._stream(call, received, quota, store=store))
        ttl = self.cache_policy.ttl_for(call.operation, received.status) if store else None
        if ttl and getattr(self.cache, "keeps_answers", True):
            keep, converted = await self._keepable(call, received)
            if keep:
                await self.cache.put(call.request.cache_key, received, ttl)
                return Fetched(answer=received, quota=quota, stored=True, converted=converted)
        return Fetched(answer=received, quota=quota)

    async def _attempt(
        self, call: Invocation, quotas: list[QuotaStatus], budget: RetryBudget
    ) -> CachedResponse | UpstreamResponse:
        """One attempt: a quota unit, the call, and for JSON and errors the whole body."""
        request = call.request
        name = call.operation.name
        if budget.started is not None:
            self.observer.retry(name)
        # Retries may wait for quota only within what is left of the retry budget.
        max_wait = max(0.0, budget.remaining()) if budget.started is not None else None

        async def charge() -> None:  # every request sent upstream spends a unit, hops included
            quotas.append(await self.quota.acquire(call.client_id, max_wait=max_wait))
            self.observer.quota(quotas[-1])

        await charge()
        budget.start()
        limit = self.upstream.settings.attempt_timeout
        try:
            with anyio.fail_after(limit):
                return await self._exchange(call, charge)
        except TimeoutError:
            raise UpstreamTimeoutError(
                f"the upstream took longer than {limit:g}s (the attempt's deadline) to answer "
                f"{request.operation}"
            ) from None

    async def _exchange(
        self, call: Invocation, charge: Callable[[], Awaitable[None]]
    ) -> CachedResponse | UpstreamResponse:
        """Send, and read a JSON or error body whole (a byte body is returned unread)."""
        request, policy = call.request, call.retry
        started = time.perf_counter()
        response = await self.upstream.send(request, on_redirect=charge)
        self.observer.upstream_call(
            call.operation.name, response.status_code, time.perf_counter() - started
        )
        log.info(
            "upstream %s %s -> %s in %.1f ms", request.method, request.url, response.status_code,
            (time.perf_counter() - started) * 1000,
            extra={"request_id": call.request_id, "upstream_status": response.status_code},
        )  # fmt: skip
        if response.status_code in policy.statuses and policy.attempts > 1:
            body = await self._read_answer(response, request)
            headers = {
                k.lower(): self.redact(v)
                for k, v in response.headers.items()
                if k.lower() != "set-cookie"
            }
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
                length = response.headers.get("content-length", "")
                if length.isdigit() and int(length) > call.binary_limit.bytes:
                    await response.aclose()
                    raise binary_too_large(call.operation.qualified_name, call.binary_limit)
            return response
        headers = self._passed_headers(response)
        body = await self._read_answer(response, request)
        if response.status_code < 300 and is_json(content_type) and not _parses(body):
            raise BadUpstreamAnswerError(
                f"the upstream answered {request.operation} with {response.status_code} and a body "
                f"that is not the JSON its Content-Type ({content_type}) says; not passed on"
            )
        return CachedResponse(
            response.status_code, content_type, body, self.clock(), tuple(headers.items())
        )

    def _stream(
        self,
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
        headers = self._passed_headers(response)
        if "content-encoding" in response.headers:
            headers.pop("content-length", None)  # we pass decoded bytes: the length changes
        length = int(headers["content-length"]) if "content-length" in headers else None
        chunks = response.aiter_bytes()
        limit = None
        if is_binary(operation.output_format):
            limit = call.binary_limit.bytes
            chunks = bounded_chunks(chunks, call.binary_limit, operation.qualified_name)
        artefacts = self.cache.artefacts
        status = response.status_code
        ttl = self.cache_policy.ttl_for(call.operation, status) if store else None
        paced = _at_least(self.upstream.settings, chunks, call.request)
        if artefacts is not None and ttl and status == 200 and artefacts.admits(length):
            kept = tuple((k, v) for k, v in headers.items() if k != "content-length")
            stream = artefacts.tee(
                call.request.cache_key, paced, response.aclose,
                length=length, content_type=content_type, headers=kept, ttl=ttl,
            )  # fmt: skip
        else:
            stream = ByteStream(paced, response.aclose, length)
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

    async def _read_answer(self, response: UpstreamResponse, request: UpstreamRequest) -> bytes:
        """A JSON or error body, whole and bounded, without any bound secret."""
        return self.redact_answer(await read_bounded(response, request, self.max_json_bytes))

    def _passed_headers(self, response: UpstreamResponse) -> dict[str, str]:
        """The upstream headers a client gets, without any bound secret."""
        return {
            k: self.redact(response.headers[k]) for k in PASSED_HEADERS if k in response.headers
        }


async def _at_least(
    settings: UpstreamSettings, chunks: AsyncIterator[bytes], request: UpstreamRequest
) -> AsyncIterator[bytes]:
    """``chunks``, cut (as a body cut short) once they fall below the minimum transfer rate:
    an upstream dripping a byte every few seconds never trips the read timeout."""
    started = time.monotonic()
    received = 0
    async for chunk in chunks:
        received += len(chunk)
        elapsed = time.monotonic() - started
        if elapsed > settings.rate_grace and received < settings.min_transfer_rate * elapsed:
            raise httpx.ReadError(
                f"the upstream sent {request.operation} at {received / elapsed:.0f} bytes/s, "
                f"below the minimum of {settings.min_transfer_rate:g}"
            )
        yield chunk


async def read_bounded(response: UpstreamResponse, request: UpstreamRequest, limit: int) -> bytes:
    """The whole body, refusing more than ``limit`` bytes; a cut body is a transient error."""
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:  # the upstream's fault, not the client's: 502, not 413
                raise BadUpstreamAnswerError(
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
