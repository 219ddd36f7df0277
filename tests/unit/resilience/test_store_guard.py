"""A quota store that fails (disk full, unusable state dir) degrades to a budget this process
enforces alone, and says so (issue #16: it used to answer 500)."""

from __future__ import annotations

from pathlib import Path

import pytest

from iocgate.engine.quota import BudgetQuota, parse_budget
from iocgate.engine.stores.guard import GuardedBudgetStore
from iocgate.engine.stores.sqlite import SqliteBudgetStore, SqliteDatabase
from iocgate.errors import QuotaExceededError

pytestmark = pytest.mark.anyio


async def test_a_failing_quota_store_still_enforces_the_budget_here(tmp_path: Path) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the state directory should be")
    store = GuardedBudgetStore(SqliteBudgetStore(SqliteDatabase(blocker / "iocgate.sqlite3")))
    quota = BudgetQuota(parse_budget("2/min"), store, max_wait=0)
    granted = [await quota.acquire(), await quota.acquire()]
    with pytest.raises(QuotaExceededError):
        await quota.acquire()
    assert [g.remaining_minute for g in granted] == [1, 0]
    report = store.health.report()
    assert report["state"] == "degraded" and report["failures"] == 3
