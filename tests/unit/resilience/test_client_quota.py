"""Per-client budgets: with tokens, one client cannot spend the whole key's quota."""

from __future__ import annotations

import pytest

from iocgate.engine.quota import (
    BudgetQuota,
    MemoryBudgetStore,
    PerClientQuota,
    half_budget,
    parse_budget,
)
from iocgate.errors import QuotaExceededError
from iocgate.virustotal.plugin import QUOTA_PRESETS

pytestmark = pytest.mark.anyio


def quota() -> PerClientQuota:
    store = MemoryBudgetStore()
    key = BudgetQuota(parse_budget("4/min"), store, max_wait=0)
    return PerClientQuota(key, half_budget(key.budget), store, max_wait=0)


async def test_one_client_gets_half_of_each_window_and_the_other_still_has_room() -> None:
    shared = quota()
    await shared.acquire("client-a")
    await shared.acquire("client-a")
    with pytest.raises(QuotaExceededError) as caught:
        await shared.acquire("client-a")
    assert caught.value.retry_after > 0
    await shared.acquire("client-b")
    status = await shared.acquire("client-b")
    assert status.remaining_minute == 0  # together they used the key's whole budget


def test_half_budget_rounds_up_and_never_reaches_zero() -> None:
    public = parse_budget("public", presets=QUOTA_PRESETS)
    assert half_budget(public).describe() == "2/minute,250/day"
    assert half_budget(parse_budget("1/min")).describe() == "1/minute"
