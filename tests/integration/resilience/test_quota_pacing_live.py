"""A burst on a public key: the gateway paces or refuses, and upstream never answers 429.

The simulator allows the public key 4 calls per 1 s window (VirusTotal: 4 per minute); the
gateway's budget is ``4/min`` with the same shortened minute.
"""

from __future__ import annotations

import time

import anyio
import pytest

from iocgate.engine import Engine, Result
from iocgate.engine.quota import BudgetQuota, MemoryBudgetStore, Quota, UnlimitedQuota, parse_budget
from iocgate.errors import QuotaExceededError
from iocgate.sim import DEMO_PUBLIC_KEY
from tests.integration.resilience.conftest import (
    MARGIN_SECONDS,
    WINDOW_SECONDS,
    LiveEngine,
    LiveSim,
)

pytestmark = pytest.mark.anyio

SUMMARY = "get-summary-all-behavior-reports"


def public_budget(max_wait: float) -> BudgetQuota:
    budget = parse_budget("4/min", minute_seconds=WINDOW_SECONDS, margin_seconds=MARGIN_SECONDS)
    return BudgetQuota(budget, MemoryBudgetStore(), max_wait=max_wait)


async def burst(engine: Engine, hashes: list[str]) -> list[Result | QuotaExceededError]:
    operation, tool = engine.find(SUMMARY)
    outcomes: list[Result | QuotaExceededError] = []

    async def one(sha: str) -> None:
        try:
            outcomes.append(await engine.invoke(operation, {"id": sha}, call=tool))
        except QuotaExceededError as exc:
            outcomes.append(exc)

    async with anyio.create_task_group() as group:
        for sha in hashes:
            group.start_soon(one, sha)
    return outcomes


async def run_burst(
    live_engine: LiveEngine, live_sim: LiveSim, quota: Quota
) -> list[Result | QuotaExceededError]:
    hashes = [f.sha256 for f in live_sim.state.corpus.files[:20]]
    async with live_engine(live_sim.url, DEMO_PUBLIC_KEY, quota=quota) as engine:
        return await burst(engine, hashes)


async def test_without_a_budget_the_burst_gets_upstream_429s(
    live_engine: LiveEngine, live_sim: LiveSim
) -> None:
    await run_burst(live_engine, live_sim, UnlimitedQuota())
    statuses = [r.status for r in live_sim.state.requests]
    assert statuses.count(429) > 0  # how many depends on how many windows the burst spans
    assert len(statuses) == 20


async def test_a_burst_of_twenty_is_paced_and_never_gets_an_upstream_429(
    live_engine: LiveEngine, live_sim: LiveSim
) -> None:
    started = time.monotonic()
    outcomes = await run_burst(live_engine, live_sim, public_budget(max_wait=30.0))
    elapsed = time.monotonic() - started
    statuses = [r.status for r in live_sim.state.requests]
    assert statuses == [200] * 20
    assert all(isinstance(o, Result) and o.status == 200 for o in outcomes)
    # 4 now, then 4 per (window + margin): the last group leaves after 4 paced windows
    paced = 4 * (WINDOW_SECONDS + MARGIN_SECONDS)
    assert paced < elapsed < paced + 8.0  # generous: other test runs may share the CPUs


async def test_a_burst_beyond_the_wait_limit_is_refused_with_retry_after(
    live_engine: LiveEngine, live_sim: LiveSim
) -> None:
    outcomes = await run_burst(live_engine, live_sim, public_budget(max_wait=2.0))
    refused = [o for o in outcomes if isinstance(o, QuotaExceededError)]
    answered = [o for o in outcomes if isinstance(o, Result)]
    assert 429 not in [r.status for r in live_sim.state.requests]
    assert len(answered) == len(live_sim.state.requests) == 8  # now, and after one window
    assert len(refused) == 12
    paced = WINDOW_SECONDS + MARGIN_SECONDS
    assert all(paced < e.retry_after <= 4 * paced + 0.5 for e in refused)
    assert all(e.status == 429 and e.code == "QuotaExceededError" for e in refused)
