"""What adapters and plugins may ask the engine about its cache and quota, against the simulator.

`Engine.is_cached`, `Engine.cached_version` and `Engine.quota_status` are how the REST fast
path, investigations and the VirusTotal routes see the engine's state without reading its cache
or quota scheduler: none of them calls upstream or spends a unit.
"""

from __future__ import annotations

from typing import Any

import pytest

from iocgate.capability import Capability
from iocgate.engine import Caller
from iocgate.engine.invoke import CacheMode
from iocgate.engine.quota.budget import parse_budget
from iocgate.engine.quota.scheduler import BudgetQuota, MemoryBudgetStore
from iocgate.engine.stores import MemoryCache
from iocgate.sim import DEMO_PRIVILEGED_KEY, SimState
from tests.support.engine_fixtures import EngineFactory
from tests.support.sim_fixtures import SimServer

pytestmark = pytest.mark.anyio


def summary(capability: Capability) -> Any:
    operation = capability.operation("fileAllBehavioursSummary")
    assert operation is not None
    return operation


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_is_cached_says_whether_a_call_would_be_a_hit_without_calling_upstream(
    make_engine: EngineFactory,
    seed_capability: Capability,
    sim_server: SimServer,
    sim_state_reset: SimState,
) -> None:
    operation = summary(seed_capability)
    arguments = {"id": sim_server.corpus.pick("rich").sha256}
    quota = BudgetQuota(parse_budget("4/min"), MemoryBudgetStore())
    async with make_engine(
        sim_server.url, DEMO_PRIVILEGED_KEY, cache=MemoryCache(), quota=quota
    ) as engine:
        before = await engine.is_cached(operation, arguments)
        assert (await engine.quota_status()).remaining_minute == 4
        await engine.invoke(operation, arguments)
        after = await engine.is_cached(operation, arguments)
        left = await engine.quota_status()
    assert (before, after) == (False, True)
    assert len(sim_state_reset.requests) == 1  # the invocation; the two looks called nothing
    assert left.policy == quota.budget.name and left.remaining_minute == 3


async def test_cached_version_follows_the_stored_answer_and_its_age(
    make_engine: EngineFactory,
    seed_capability: Capability,
    sim_server: SimServer,
    sim_state_reset: SimState,
) -> None:
    operation = summary(seed_capability)
    arguments = {"id": sim_server.corpus.pick("rich").sha256}
    clock = Clock()
    async with make_engine(
        sim_server.url, DEMO_PRIVILEGED_KEY, cache=MemoryCache(clock=clock), clock=clock
    ) as engine:
        key = engine.build_request(operation, arguments).cache_key
        assert await engine.cached_version(key) is None
        await engine.invoke(operation, arguments)  # a miss, stored
        hit = await engine.invoke(operation, arguments)
        assert hit.version is not None
        clock.now += 7
        same = await engine.cached_version(key)
        refresh = Caller(cache_mode=CacheMode.REFRESH)
        await engine.invoke(operation, arguments, caller=refresh)  # stored again, newer
        newer = await engine.cached_version(key)
    assert same is not None and (same.cache_key, same.stored_at) == hit.version
    assert same.age == 7
    assert newer is not None and newer.stored_at == clock.now and newer.age == 0
    assert len(sim_state_reset.requests) == 2  # the miss and the refresh
