"""The answer caches: memory and SQLite keep, expire and bound what they are given."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from iocgate.capability import load_capability
from iocgate.engine import CachePolicy
from iocgate.engine.stores import CachedResponse, MemoryCache, NullCache, open_cache
from iocgate.engine.stores.sqlite import SqliteCache, SqliteDatabase
from iocgate.virustotal import DEFAULT_CAPABILITY
from tests.unit.resilience.conftest import FakeClock

pytestmark = pytest.mark.anyio

ANSWER = CachedResponse(200, "application/json", b'{"data": 1}', 1.0, (("etag", "x"),))


@pytest.fixture(params=["memory", "sqlite"])
async def cache(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[MemoryCache | SqliteCache]:
    store: MemoryCache | SqliteCache
    if request.param == "memory":
        store = MemoryCache(clock=clock)
    else:
        store = SqliteCache(SqliteDatabase.in_directory(tmp_path), clock=clock)
    yield store
    await store.aclose()


async def test_a_stored_answer_comes_back_whole(cache: MemoryCache | SqliteCache) -> None:
    await cache.put("k", ANSWER, ttl=60)
    assert await cache.get("k") == ANSWER
    assert await cache.get("other") is None


async def test_an_answer_expires_with_its_ttl(
    cache: MemoryCache | SqliteCache, clock: FakeClock
) -> None:
    await cache.put("k", ANSWER, ttl=60)
    clock.now += 59
    assert await cache.get("k") is not None
    clock.now += 2
    assert await cache.get("k") is None


async def test_sqlite_answers_survive_a_restart(tmp_path: Path) -> None:
    first = SqliteCache(SqliteDatabase.in_directory(tmp_path))
    await first.put("k", ANSWER, ttl=60)
    await first.aclose()
    second = SqliteCache(SqliteDatabase.in_directory(tmp_path))
    assert await second.get("k") == ANSWER
    await second.aclose()


async def test_sqlite_file_is_in_wal_mode_so_processes_can_share_it(tmp_path: Path) -> None:
    cache = SqliteCache(SqliteDatabase.in_directory(tmp_path))
    await cache.put("k", ANSWER, ttl=60)
    await cache.aclose()
    with sqlite3.connect(tmp_path / "iocgate.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_concurrent_writers_on_one_file_do_not_fail(tmp_path: Path) -> None:
    caches = [SqliteCache(SqliteDatabase.in_directory(tmp_path)) for _ in range(4)]
    async with anyio.create_task_group() as group:
        for n, cache in enumerate(caches):
            for i in range(25):
                group.start_soon(cache.put, f"{n}-{i}", ANSWER, 60.0)
    assert all([await caches[0].get(f"{n}-24") for n in range(4)])
    for cache in caches:
        await cache.aclose()


async def test_memory_cache_drops_least_recently_used_answers_past_its_size() -> None:
    cache = MemoryCache(max_bytes=2 * len(ANSWER.body))
    await cache.put("a", ANSWER, ttl=60)
    await cache.put("b", ANSWER, ttl=60)
    await cache.get("a")
    await cache.put("c", ANSWER, ttl=60)
    assert await cache.get("b") is None
    assert await cache.get("a") is not None


async def test_off_keeps_nothing(tmp_path: Path) -> None:
    cache = open_cache("off", tmp_path, artefact_max_bytes=1000)
    assert isinstance(cache, NullCache)
    await cache.put("k", ANSWER, ttl=60)
    assert await cache.get("k") is None
    assert not list(tmp_path.iterdir())


def test_successes_are_kept_long_not_found_briefly_other_errors_never() -> None:
    capability = load_capability(DEFAULT_CAPABILITY)
    summary = capability.operation("fileAllBehavioursSummary")
    report = capability.operation("getFileBehaviourId")
    assert summary is not None and report is not None
    policy = CachePolicy(success_ttl=1000, not_found_ttl=10, per_operation={report.name: 5})
    assert policy.ttl_for(summary, 200) == 1000
    assert policy.ttl_for(report, 200) == 5
    assert policy.ttl_for(summary, 404) == 10
    assert policy.ttl_for(summary, 403) is None
    assert policy.ttl_for(summary, 503) is None
