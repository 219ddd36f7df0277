"""Choosing the cache and the quota store from a backend name (``--cache``) and a state dir.

| backend        | answers                  | artefact files       | quota counters        |
|----------------|--------------------------|----------------------|-----------------------|
| ``sqlite``     | ``<state>/iocgate.sqlite3`` | ``<state>/artefacts`` | the same SQLite file |
| ``redis://..`` | Redis (shared)           | ``<state>/artefacts`` | Redis (shared)        |
| ``memory``     | this process             | not kept             | this process          |
| ``off``        | not kept                 | not kept             | the SQLite file       |

With ``off`` the counters still live in the state dir: separate ``iocgate call`` runs on one
public key must share the budget whether or not answers are cached. SQLite and Redis stores
are opened behind `guard.py`'s guards: when they fail, the gateway degrades instead of
failing closed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

from iocgate.engine.quota.budget import parse_budget
from iocgate.engine.quota.scheduler import (
    BudgetQuota,
    BudgetStore,
    MemoryBudgetStore,
    UnlimitedQuota,
)
from iocgate.engine.stores.artefacts import ArtefactCache
from iocgate.engine.stores.cache import Cache, NullCache
from iocgate.engine.stores.guard import GuardedBudgetStore, GuardedCache
from iocgate.engine.stores.memory import MemoryCache
from iocgate.engine.stores.sqlite import SqliteBudgetStore, SqliteCache, SqliteDatabase

__all__ = ["describe_store", "is_redis", "open_budget_store", "open_cache", "open_quota"]

ARTEFACT_DIR = "artefacts"


def is_redis(backend: str) -> bool:
    return backend.startswith(("redis://", "rediss://", "unix://"))


def open_cache(
    backend: str,
    state_dir: Path,
    *,
    artefact_max_bytes: int,
    clock: Callable[[], float] = time.time,
) -> Cache:
    """The cache for ``backend``; nothing is opened until first use. ``clock`` (wall time)
    decides expiry; Redis expires keys on its own clock."""
    artefacts = None
    if artefact_max_bytes > 0:
        artefacts = ArtefactCache(state_dir / ARTEFACT_DIR, artefact_max_bytes, clock=clock)
    if is_redis(backend):
        from iocgate.engine.stores.redis import RedisCache, connect_redis  # redis: ~7 MB

        return GuardedCache(RedisCache(connect_redis(backend), artefacts=artefacts))
    if backend == "sqlite":
        database = SqliteDatabase.in_directory(state_dir)
        return GuardedCache(SqliteCache(database, artefacts=artefacts, clock=clock))
    if backend == "memory":
        return MemoryCache(clock=clock)
    return NullCache()


def open_budget_store(backend: str, state_dir: Path) -> BudgetStore:
    """Where quota counters live for ``backend`` (see the table above)."""
    if is_redis(backend):
        from iocgate.engine.stores.redis import RedisBudgetStore, connect_redis

        return GuardedBudgetStore(RedisBudgetStore(connect_redis(backend)))
    if backend == "memory":
        return MemoryBudgetStore()
    return GuardedBudgetStore(SqliteBudgetStore(SqliteDatabase.in_directory(state_dir)))


def open_quota(
    spec: str,
    backend: str,
    state_dir: Path,
    *,
    max_wait: float = 30.0,
    minute_seconds: float = 60.0,
    presets: Mapping[str, str] = MappingProxyType({}),
) -> BudgetQuota | UnlimitedQuota:
    """The quota for a ``--quota`` spec (``presets``: the plugins' named budgets); raises
    `InvalidArgumentError` for a bad spec."""
    budget = parse_budget(spec, presets=presets, minute_seconds=minute_seconds)
    if budget.is_unlimited:
        return UnlimitedQuota()
    return BudgetQuota(budget, open_budget_store(backend, state_dir), max_wait=max_wait)


def describe_store(backend: str, state_dir: Path) -> str:
    """Where the quota counters are, in words (for the ``quota`` command)."""
    if is_redis(backend):
        scheme, _, rest = backend.partition("://")
        return f"{scheme}://{rest.rpartition('@')[2]}"  # never the password
    if backend == "memory":
        return "this process only (--cache memory)"
    return str(state_dir / "iocgate.sqlite3")
