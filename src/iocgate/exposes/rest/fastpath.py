"""A fast path for repeated cache hits: the same GET, answered with the bytes served last time.

A cache hit through the full path (middlewares, router, argument checks, request building,
cache lookup, response) cost about 230 us of CPU against 60 us for a bare app returning the same
bytes (bench/FINDINGS.md, fix 10). Once the full path has served a path and query as a cache
hit, this layer answers the next identical GET itself — but only after the engine confirms
(`Engine.cached_version`) that the answer stored under the engine's cache key is still the same
version, so a refresh or expiry is never missed.
It sits inside the request-context middleware: request ids, the demo header, access logs and
inbound authentication still apply. Anything unusual (Cache-Control, gzip) takes the full path.

An entry is keyed on everything its bytes depend on: the raw path, the query and the public
origin its links were built from; routes that read headers or a body are never learnt (issue
#16). Any error here (a cache store down) falls back to the full path, which reports it.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from iocgate.engine import Engine
from iocgate.exposes.rest.context import access_of
from iocgate.exposes.rest.origin import PublicOrigin

__all__ = ["FASTPATH_KEY", "HitFastPath"]

#: Where the full path finds this layer to teach it a response (the ASGI scope).
FASTPATH_KEY = "iocgate.fastpath"
MAX_BYTES = 64 * 1024 * 1024  # bodies remembered at most; least recently used go first

RouteKey = tuple[bytes, bytes, str]

log = logging.getLogger("iocgate.rest")


@dataclass(frozen=True, slots=True)
class _Entry:
    cache_key: str
    stored_at: float
    operation: str
    body: bytes
    headers: list[tuple[bytes, bytes]]


class HitFastPath:
    def __init__(
        self,
        app: ASGIApp,
        engine: Engine,
        origin: PublicOrigin,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.app = app
        self.engine = engine
        self.origin = origin
        self.max_bytes = max_bytes
        self._entries: OrderedDict[RouteKey, _Entry] = OrderedDict()
        self._bytes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            raw_path = scope.get("raw_path") or scope["path"].encode()
            key = (raw_path, scope.get("query_string", b""), self.origin(scope))
            entry = self._entries.get(key)
            if entry is not None and _plain(scope):
                if await self._serve(entry, scope, send):
                    self._entries.move_to_end(key)
                    return
                self._forget(key)
            scope[FASTPATH_KEY] = (self, key)
        await self.app(scope, receive, send)

    async def _serve(self, entry: _Entry, scope: Scope, send: Send) -> bool:
        started = time.perf_counter()
        try:
            current = await self.engine.cached_version(entry.cache_key)
        except Exception as exc:  # noqa: BLE001 - nothing sent yet: the full path answers
            log.warning("fast path skipped: the cache failed (%s)", type(exc).__name__)
            return False
        if current is None or current.stored_at != entry.stored_at:
            return False
        observer = self.engine.observer
        observer.invocation_started("rest", entry.operation)
        record = access_of(scope)
        if record is not None:
            record.operation, record.upstream_status = entry.operation, 200
        age = str(current.age).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [*entry.headers, (b"age", age)],
            }
        )
        await send({"type": "http.response.body", "body": entry.body})
        observer.invocation_finished(
            "rest", entry.operation, 200, "HIT", time.perf_counter() - started
        )
        return True

    def learn(
        self,
        key: RouteKey,
        version: tuple[str, float],
        operation: str,
        body: bytes,
        headers: list[tuple[bytes, bytes]],
    ) -> None:
        """Remember a 200 cache hit the full path just served (its exact bytes and headers)."""
        if len(body) > self.max_bytes // 4:
            return
        self._forget(key)
        kept = [(k, v) for k, v in headers if k.lower() != b"age"]
        self._entries[key] = _Entry(version[0], version[1], operation, body, kept)
        self._bytes += len(body)
        while self._bytes > self.max_bytes and self._entries:
            self._forget(next(iter(self._entries)))

    def _forget(self, key: RouteKey) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry.body)


def _plain(scope: Scope) -> bool:
    """No Cache-Control (a refresh or bypass) and no gzip wanted (the full path compresses)."""
    for name, value in scope["headers"]:
        if name == b"cache-control":
            return False
        if name == b"accept-encoding" and b"gzip" in value:
            return False
    return True
