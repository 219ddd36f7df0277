"""Redis as the shared store: answers, flight locks and one quota budget for many replicas."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest
import redis.asyncio

from iocgate.engine import CacheStatus, Result
from iocgate.engine.quota import BudgetQuota, parse_budget
from iocgate.engine.stores import CachedResponse
from iocgate.engine.stores.redis import RedisBudgetStore, RedisCache, connect_redis
from iocgate.errors import QuotaExceededError
from iocgate.sim import DEMO_PRIVILEGED_KEY
from tests.integration.resilience.conftest import LiveEngine, LiveSim
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.anyio

ANSWER = CachedResponse(200, "application/json", b'{"data": {"id": "x"}}', 1.5, (("etag", "e"),))
SUMMARY = "get-summary-all-behavior-reports"


@pytest.fixture
async def client(redis_server: RedisServer) -> AsyncIterator[redis.asyncio.Redis]:
    connection = connect_redis(redis_server.url)
    yield connection
    await connection.aclose()


async def test_answers_round_trip_and_expire_with_their_ttl(
    redis_server: RedisServer, redis_prefix: str, client: redis.asyncio.Redis
) -> None:
    cache = RedisCache(connect_redis(redis_server.url), prefix=redis_prefix)
    await cache.put("k", ANSWER, ttl=60)
    assert await cache.get("k") == ANSWER
    assert await cache.get("absent") is None
    assert 0 < await client.pttl(f"{redis_prefix}cache:k") <= 60_000
    await cache.aclose()


async def test_one_holder_at_a_time_and_the_others_wait_for_it(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    first = RedisCache(connect_redis(redis_server.url), prefix=redis_prefix)
    second = RedisCache(connect_redis(redis_server.url), prefix=redis_prefix)
    events: list[str] = []

    async def hold(cache: RedisCache, name: str) -> None:
        async with cache.hold("k") as leading:
            events.append(f"{name} {'leads' if leading else 'follows'}")
            if leading:
                await anyio.sleep(0.3)
                events.append(f"{name} done")

    async with anyio.create_task_group() as group:
        group.start_soon(hold, first, "first")
        await anyio.sleep(0.05)
        group.start_soon(hold, second, "second")
    assert events == ["first leads", "first done", "second follows"]
    await first.aclose()
    await second.aclose()


async def test_replicas_share_one_budget(redis_server: RedisServer, redis_prefix: str) -> None:
    budget = parse_budget("4/min,500/day")
    replicas = [
        BudgetQuota(
            budget,
            RedisBudgetStore(connect_redis(redis_server.url), prefix=redis_prefix),
            max_wait=0.0,
        )
        for _ in range(2)
    ]
    for replica in (*replicas, *replicas):
        await replica.acquire()
    with pytest.raises(QuotaExceededError) as refused:
        await replicas[1].acquire()
    assert 55 < refused.value.retry_after <= 61
    minute, day = await replicas[0].usage()
    assert (minute.used, day.remaining) == (4, 496)
    for replica in replicas:
        await replica.aclose()


async def test_two_engines_on_one_redis_make_one_upstream_call_and_keep_no_key(
    redis_server: RedisServer,
    redis_prefix: str,
    live_engine: LiveEngine,
    live_sim: LiveSim,
    client: redis.asyncio.Redis,
) -> None:
    sha = live_sim.state.corpus.pick("rich").sha256
    live_sim.state.faults.latency_ms = 100  # both replicas ask while the first is in flight
    results: list[Result] = []

    async def replica() -> None:
        cache = RedisCache(connect_redis(redis_server.url), prefix=redis_prefix)
        async with live_engine(live_sim.url, DEMO_PRIVILEGED_KEY, cache=cache) as engine:
            operation, tool = engine.find(SUMMARY)
            results.append(await engine.invoke(operation, {"id": sha}, call=tool))

    async with anyio.create_task_group() as group:
        group.start_soon(replica)
        group.start_soon(replica)
    assert live_sim.state.count() == 1
    assert sorted(r.cache for r in results) == [CacheStatus.HIT, CacheStatus.MISS]
    assert results[0].data == results[1].data
    keys = [key async for key in client.scan_iter(match=f"{redis_prefix}*")]
    assert keys  # the answer is there...
    secret = DEMO_PRIVILEGED_KEY.encode()
    for key in keys:
        assert secret not in key
        kind = await client.type(key)
        values = (
            list((await client.hgetall(key)).values())
            if kind == b"hash"
            else [await client.get(key)]
        )
        assert all(secret not in (value or b"") for value in values)  # ...the key is not
