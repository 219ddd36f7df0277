"""The cache interface the engine talks to, how long answers are kept, and the no-op cache.

A cache keeps upstream JSON answers by `UpstreamRequest.cache_key` (which never contains the
credential). Backends: `MemoryCache`, `SqliteCache` (the default, shared by the processes of
one host) and `RedisCache` (shared by replicas); artefacts go to an `ArtefactCache` on disk.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from iocgate.capability import Operation

if TYPE_CHECKING:
    from iocgate.engine.stores.artefacts import ArtefactCache

__all__ = ["Cache", "CachePolicy", "CachedResponse", "NullCache"]


@dataclass(frozen=True, slots=True)
class CachedResponse:
    """A stored upstream answer: never the credential, only what the client will see."""

    status: int
    content_type: str
    body: bytes
    stored_at: float
    headers: tuple[tuple[str, str], ...] = ()

    def headers_json(self) -> str:
        return json.dumps([list(pair) for pair in self.headers], separators=(",", ":"))

    @staticmethod
    def parse_headers(text: str | bytes) -> tuple[tuple[str, str], ...]:
        return tuple((str(k), str(v)) for k, v in json.loads(text))


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """How long answers are kept: successes long (reports do not change), 404s briefly.

    ``per_operation`` overrides the success TTL by operation name (bare or qualified).
    """

    success_ttl: float = 30 * 24 * 3600.0
    not_found_ttl: float = 600.0
    per_operation: Mapping[str, float] = field(default_factory=dict)

    def ttl_for(self, operation: Operation, status: int) -> float | None:
        """Seconds to keep an answer with ``status``, or None to not keep it."""
        if status == 200:
            for name in (operation.qualified_name, operation.name):
                if name in self.per_operation:
                    return self.per_operation[name]
            return self.success_ttl
        if status == 404:
            return self.not_found_ttl
        return None


class Cache(Protocol):
    """A place to keep answers by `UpstreamRequest.cache_key`.

    ``hold`` is the cross-process half of single flight: it yields True when this process
    holds the key, or False after another process that held it has finished; either way the
    caller looks in the cache again before calling upstream. ``artefacts`` is where byte
    answers are kept, if any.
    """

    artefacts: ArtefactCache | None

    async def get(self, key: str) -> CachedResponse | None: ...

    async def put(self, key: str, response: CachedResponse, ttl: float) -> None: ...

    def hold(self, key: str) -> AbstractAsyncContextManager[bool]: ...

    async def aclose(self) -> None: ...


@contextlib.asynccontextmanager
async def lead_always(key: str) -> AsyncIterator[bool]:
    """`Cache.hold` for caches private to one host or process: in-process flight suffices."""
    yield True


class NullCache:
    keeps_answers = False  # nothing stored: never parse a body only to check it is storable
    """Keeps nothing: every call goes upstream (``--cache off``)."""

    artefacts: ArtefactCache | None = None

    async def get(self, key: str) -> CachedResponse | None:
        return None

    async def put(self, key: str, response: CachedResponse, ttl: float) -> None:
        return None

    def hold(self, key: str) -> AbstractAsyncContextManager[bool]:
        return lead_always(key)

    async def aclose(self) -> None:
        return None
