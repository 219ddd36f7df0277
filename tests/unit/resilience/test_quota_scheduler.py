"""The quota scheduler: paced waits, fail-fast refusals, fairness, counters shared by processes."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from iocgate.engine.quota import BudgetQuota, MemoryBudgetStore, UnlimitedQuota, parse_budget
from iocgate.engine.stores.sqlite import SqliteBudgetStore, SqliteDatabase
from iocgate.errors import QuotaExceededError
from iocgate.virustotal.plugin import QUOTA_PRESETS
from tests.unit.resilience.conftest import FakeClock

pytestmark = pytest.mark.anyio


def quota_on(clock: FakeClock, spec: str = "4/min", *, max_wait: float = 30.0) -> BudgetQuota:
    return BudgetQuota(
        parse_budget(spec), MemoryBudgetStore(clock), max_wait=max_wait, sleep=clock.sleep
    )


async def test_calls_within_the_budget_go_at_once_and_report_what_is_left(
    clock: FakeClock,
) -> None:
    quota = quota_on(clock, "4/min,500/day")
    statuses = [await quota.acquire() for _ in range(4)]
    assert [s.remaining_minute for s in statuses] == [3, 2, 1, 0]
    assert statuses[-1].remaining_day == 496
    assert all(s.waited_seconds == 0 for s in statuses)
    assert statuses[0].policy == "4/min,500/day"


async def test_a_call_over_the_minute_budget_waits_for_its_slot(clock: FakeClock) -> None:
    quota = quota_on(clock)
    start = clock.now
    for _ in range(4):
        await quota.acquire()
        clock.now += 10.0
    status = await quota.acquire()
    assert status.waited_seconds == pytest.approx(21.0)  # the first call leaves at +61 s
    assert clock.now == pytest.approx(start + 61.0)


async def test_a_wait_longer_than_allowed_fails_at_once_with_retry_after(
    clock: FakeClock,
) -> None:
    quota = quota_on(clock, max_wait=10.0)
    for _ in range(4):
        await quota.acquire()
    clock.now += 20.0
    before = clock.now
    with pytest.raises(QuotaExceededError) as refused:
        await quota.acquire()
    assert refused.value.retry_after == pytest.approx(41.0)
    assert clock.now == before  # refused without waiting
    assert "4/minute" in refused.value.message


async def test_a_retry_may_wait_only_what_is_left_of_its_own_budget(clock: FakeClock) -> None:
    quota = quota_on(clock)
    for _ in range(4):
        await quota.acquire()
    with pytest.raises(QuotaExceededError):
        await quota.acquire(max_wait=5.0)


async def test_concurrent_callers_are_paced_in_arrival_order(clock: FakeClock) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)  # the clock stands still: every caller arrives at the same time

    quota = BudgetQuota(
        parse_budget("2/min"), MemoryBudgetStore(clock), max_wait=600.0, sleep=sleep
    )
    waits: dict[int, float] = {}

    async def caller(index: int) -> None:
        waits[index] = (await quota.acquire()).waited_seconds

    async with anyio.create_task_group() as group:
        for index in range(6):
            group.start_soon(caller, index)
            await anyio.sleep(0)  # start them in order
    assert [waits[i] for i in range(6)] == pytest.approx([0, 0, 61, 61, 122, 122])


async def test_unlimited_quota_never_waits() -> None:
    quota = UnlimitedQuota()
    status = await quota.acquire()
    assert status.policy == "unlimited"
    assert status.remaining_minute is None
    assert await quota.usage() == ()


async def test_processes_sharing_the_state_file_share_one_budget(
    tmp_path: Path, clock: FakeClock
) -> None:
    budget = parse_budget("4/min,500/day")
    first, second = (
        BudgetQuota(
            budget,
            SqliteBudgetStore(SqliteDatabase.in_directory(tmp_path), clock=clock),
            max_wait=0.0,
            sleep=clock.sleep,
        )
        for _ in range(2)
    )
    try:
        for quota in (first, second, first, second):
            await quota.acquire()
        with pytest.raises(QuotaExceededError):
            await second.acquire()
        minute, day = await first.usage()
        assert (minute.used, day.used, day.remaining) == (4, 4, 496)
        assert (await first.status()).remaining_minute == 0
    finally:
        await first.aclose()
        await second.aclose()


async def test_counters_survive_a_restart(tmp_path: Path, clock: FakeClock) -> None:
    budget = parse_budget("public", presets=QUOTA_PRESETS)
    quota = BudgetQuota(
        budget, SqliteBudgetStore(SqliteDatabase.in_directory(tmp_path), clock=clock)
    )
    await quota.acquire()
    await quota.aclose()
    again = BudgetQuota(
        budget, SqliteBudgetStore(SqliteDatabase.in_directory(tmp_path), clock=clock)
    )
    assert (await again.status()).remaining_day == 499
    await again.aclose()
