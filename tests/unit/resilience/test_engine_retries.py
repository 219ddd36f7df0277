"""Retries and quota in the invocation path, counted in the simulator's request log."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

import httpx
import pytest
import stamina
from starlette.applications import Starlette

from iocgate.capability import load_capability_text, resolve_binds
from iocgate.engine import (
    CacheStatus,
    Engine,
    LoadedCapability,
    RetryPolicy,
    UpstreamClient,
    WritePolicy,
)
from iocgate.engine.quota import BudgetQuota, MemoryBudgetStore, parse_budget
from iocgate.errors import QuotaExceededError
from iocgate.sim import DEMO_PRIVILEGED_KEY, SimState
from tests.unit.resilience.conftest import SIM_BASE, EngineOnSim

pytestmark = pytest.mark.anyio

SUMMARY = "get-summary-all-behavior-reports"


@pytest.fixture(autouse=True)
def no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=10, cap=True):
        yield


@pytest.mark.parametrize("status", [503, 504, 429])
async def test_transient_upstream_statuses_are_retried_until_success(
    engine_on_sim: EngineOnSim, sim: SimState, status: int
) -> None:
    sim.faults.fail_next, sim.faults.fail_next_status = 2, status
    sha = sim.corpus.pick("rich").sha256
    async with engine_on_sim(DEMO_PRIVILEGED_KEY, retry=RetryPolicy(attempts=5)) as engine:
        operation, tool = engine.find(SUMMARY)
        result = await engine.invoke(operation, {"id": sha}, call=tool)
    assert (result.status, result.cache) == (200, CacheStatus.MISS)
    assert [r.status for r in sim.requests] == [status, status, 200]


async def test_when_retries_run_out_the_last_upstream_answer_is_returned(
    engine_on_sim: EngineOnSim, sim: SimState
) -> None:
    sim.faults.fail_next, sim.faults.fail_next_status = 10, 503
    async with engine_on_sim(DEMO_PRIVILEGED_KEY, retry=RetryPolicy(attempts=3)) as engine:
        operation, tool = engine.find(SUMMARY)
        result = await engine.invoke(operation, {"id": sim.corpus.pick("rich").sha256}, call=tool)
    assert (result.status, result.error_code) == (503, "TransientError")
    assert sim.count() == 3


async def test_other_client_errors_are_never_retried(
    engine_on_sim: EngineOnSim, sim: SimState
) -> None:
    async with engine_on_sim("not-a-key", retry=RetryPolicy(attempts=5)) as engine:
        operation, tool = engine.find(SUMMARY)
        result = await engine.invoke(operation, {"id": sim.corpus.pick("rich").sha256}, call=tool)
    assert (result.status, result.error_code) == (401, "WrongCredentialsError")
    assert sim.count() == 1


async def test_each_retry_attempt_spends_a_quota_unit(
    engine_on_sim: EngineOnSim, sim: SimState
) -> None:
    sim.faults.fail_next, sim.faults.fail_next_status = 2, 503
    quota = BudgetQuota(parse_budget("10/min"), MemoryBudgetStore())
    async with engine_on_sim(
        DEMO_PRIVILEGED_KEY, retry=RetryPolicy(attempts=5), quota=quota
    ) as engine:
        operation, tool = engine.find(SUMMARY)
        result = await engine.invoke(operation, {"id": sim.corpus.pick("rich").sha256}, call=tool)
    assert result.quota is not None
    assert result.quota.remaining_minute == 7


async def test_a_call_over_budget_is_refused_before_reaching_upstream(
    engine_on_sim: EngineOnSim, sim: SimState
) -> None:
    quota = BudgetQuota(parse_budget("2/min"), MemoryBudgetStore(), max_wait=0.5)
    hashes = [f.sha256 for f in sim.corpus.files[:3]]
    async with engine_on_sim(DEMO_PRIVILEGED_KEY, quota=quota) as engine:
        operation, tool = engine.find(SUMMARY)
        for sha in hashes[:2]:
            await engine.invoke(operation, {"id": sha}, call=tool)
        with pytest.raises(QuotaExceededError) as refused:
            await engine.invoke(operation, {"id": hashes[2]}, call=tool)
    assert 59 < refused.value.retry_after <= 61
    assert sim.count() == 2


async def test_a_cache_hit_spends_no_quota(engine_on_sim: EngineOnSim, sim: SimState) -> None:
    from iocgate.engine.stores import MemoryCache

    quota = BudgetQuota(parse_budget("1/min"), MemoryBudgetStore(), max_wait=0.0)
    sha = sim.corpus.pick("rich").sha256
    async with engine_on_sim(DEMO_PRIVILEGED_KEY, quota=quota, cache=MemoryCache()) as engine:
        operation, tool = engine.find(SUMMARY)
        results = [await engine.invoke(operation, {"id": sha}, call=tool) for _ in range(3)]
    assert [r.cache for r in results] == [CacheStatus.MISS, CacheStatus.HIT, CacheStatus.HIT]
    assert sim.count() == 1


WRITE_CAPABILITY = textwrap.dedent(
    """\
    naftiko: 1.0.0-alpha2
    info: {label: writes}
    binds: [{namespace: env, keys: {VIRUSTOTAL_API_KEY: VIRUSTOTAL_API_KEY}}]
    capability:
      consumes:
      - type: http
        namespace: vt
        baseUri: https://www.virustotal.com/api/v3
        authentication: {type: apikey, key: x-apikey, value: '{{env.VIRUSTOTAL_API_KEY}}',
                         placement: header}
        resources:
        - name: votes
          path: /files/{id}/votes
          operations:
          - name: addVote
            method: POST
            inputParameters:
            - {name: id, in: path, type: string, required: true}
      exposes:
      - {type: mcp, namespace: m, tools: [{name: add-vote, call: vt.addVote}]}
    """
)


async def test_a_non_idempotent_operation_is_never_retried(
    sim_app: Starlette, sim: SimState
) -> None:
    capability = load_capability_text(WRITE_CAPABILITY)
    binds = resolve_binds(
        capability.binds,
        capability_file="writes.yaml",
        environ={"VIRUSTOTAL_API_KEY": DEMO_PRIVILEGED_KEY},
    )
    engine = Engine(
        [LoadedCapability(capability, binds, base_uri=SIM_BASE)],
        upstream=UpstreamClient(transport=httpx.ASGITransport(sim_app)),
        retry=RetryPolicy(attempts=5),
        writes=WritePolicy(allow_writes=True),
    )
    sim.faults.fail_next, sim.faults.fail_next_status = 3, 503
    try:
        operation, _ = engine.find("addVote")
        result = await engine.invoke(operation, {"id": sim.corpus.pick("rich").sha256})
    finally:
        await engine.aclose()
    assert result.status == 503
    assert result.cache is CacheStatus.BYPASS
    assert sim.count() == 1
