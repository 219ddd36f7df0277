"""`MemoryCache`: answers kept in this process only (``--cache memory``), bounded in size."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

from iocgate.engine.stores.cache import CachedResponse, lead_always

if TYPE_CHECKING:
    from iocgate.engine.stores.artefacts import ArtefactCache

__all__ = ["MemoryCache"]


class MemoryCache:
    keeps_answers = True
    """A least-recently-used map of answers with per-entry expiry; artefacts are not kept."""

    artefacts: ArtefactCache | None = None

    def __init__(
        self, *, max_bytes: int = 256 * 1024 * 1024, clock: Callable[[], float] = time.time
    ) -> None:
        self.max_bytes = max_bytes
        self.clock = clock
        self._entries: OrderedDict[str, tuple[CachedResponse, float]] = OrderedDict()
        self._size = 0
        self.hits = 0  # lookups answered and missed since start (metrics: the hit rate)
        self.misses = 0

    @property
    def size_bytes(self) -> int:
        """Bytes of answer bodies held now (at most ``max_bytes``)."""
        return self._size

    async def get(self, key: str) -> CachedResponse | None:
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        if entry[1] <= self.clock():
            self._drop(key)
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[0]

    async def put(self, key: str, response: CachedResponse, ttl: float) -> None:
        if len(response.body) > self.max_bytes:
            return
        self._drop(key)
        self._entries[key] = (response, self.clock() + ttl)
        self._size += len(response.body)
        while self._size > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._size -= len(entry[0].body)

    def hold(self, key: str) -> AbstractAsyncContextManager[bool]:
        return lead_always(key)

    async def aclose(self) -> None:
        self._entries.clear()
        self._size = 0
