"""Where the engine keeps state: the cache interface, memory/SQLite/Redis stores, artefacts.

`open_cache` and `open_quota` pick the backends from a name (``--cache``) and a state dir; the
backends themselves (`iocgate.engine.stores.sqlite`, `.redis`) are imported from their module.
"""

from iocgate.engine.stores.artefacts import ArtefactCache
from iocgate.engine.stores.backends import (
    describe_store,
    is_redis,
    open_budget_store,
    open_cache,
    open_quota,
)
from iocgate.engine.stores.cache import Cache, CachedResponse, NullCache
from iocgate.engine.stores.memory import MemoryCache

__all__ = [
    "ArtefactCache",
    "Cache",
    "CachedResponse",
    "MemoryCache",
    "NullCache",
    "describe_store",
    "is_redis",
    "open_budget_store",
    "open_cache",
    "open_quota",
]
