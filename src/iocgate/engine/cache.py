"""The cache interface the engine talks to, and the no-op cache used when caching is off."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["Cache", "CachedResponse", "NullCache"]


@dataclass(frozen=True, slots=True)
class CachedResponse:
    """A stored upstream answer: never the credential, only what the client will see."""

    status: int
    content_type: str
    body: bytes
    stored_at: float
    headers: tuple[tuple[str, str], ...] = ()


class Cache(Protocol):
    """A place to keep answers by `UpstreamRequest.cache_key`."""

    async def get(self, key: str) -> CachedResponse | None: ...

    async def put(self, key: str, response: CachedResponse, ttl: float) -> None: ...

    async def aclose(self) -> None: ...


class NullCache:
    """Keeps nothing: every call goes upstream."""

    async def get(self, key: str) -> CachedResponse | None:
        return None

    async def put(self, key: str, response: CachedResponse, ttl: float) -> None:
        return None

    async def aclose(self) -> None:
        return None
