"""The engine's public names: sorted, all defined, and the resilience ones among them."""

from __future__ import annotations

import iocgate.engine as engine

RESILIENCE = {
    "ArtefactCache", "Budget", "BudgetQuota", "BudgetStore", "CachePolicy", "MemoryBudgetStore",
    "MemoryCache", "RedisBudgetStore", "RedisCache", "SingleFlight", "SqliteBudgetStore",
    "SqliteCache", "SqliteDatabase", "WindowUsage", "open_cache", "open_quota", "parse_budget",
}  # fmt: skip


def test_every_exported_name_is_defined() -> None:
    assert all(hasattr(engine, name) for name in engine.__all__)


def test_exports_are_sorted_and_unique() -> None:
    assert engine.__all__ == sorted(set(engine.__all__), key=lambda n: (n[0].islower(), n))


def test_cache_quota_and_flight_names_are_public() -> None:
    assert set(engine.__all__) >= RESILIENCE
