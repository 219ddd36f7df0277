"""The quota scheduler: every upstream call first takes one unit of the key's budget.

`BudgetQuota` reserves a slot through a `BudgetStore` (memory, SQLite or Redis: whatever the
processes sharing the key share), then waits for it: calls are paced, first come first served,
and one that would wait longer than ``max_wait`` fails at once with `QuotaExceededError` whose
``retry_after`` is the exact time until the budget frees up.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

import anyio

from iocgate.engine.quota.budget import (
    Budget,
    BudgetState,
    Grant,
    Window,
    WindowUsage,
    reserve,
    usage,
)
from iocgate.engine.result import QuotaStatus
from iocgate.errors import QuotaExceededError

__all__ = ["BudgetQuota", "BudgetStore", "MemoryBudgetStore", "Quota", "UnlimitedQuota"]

T = TypeVar("T")

#: The budget of the upstream key; per-client budgets (security issue) get their own scopes.
UPSTREAM_SCOPE = "upstream"


class Quota(Protocol):
    """Grants upstream calls within the budget; waits a bounded time, then raises
    `QuotaExceededError` with ``retry_after``."""

    async def acquire(
        self, client_id: str | None = None, *, max_wait: float | None = None
    ) -> QuotaStatus: ...

    async def status(self) -> QuotaStatus:
        """What is left now, spending nothing (metrics)."""
        ...

    async def usage(self) -> tuple[WindowUsage, ...]:
        """Used and remaining calls per window (``iocgate quota``, metrics)."""
        ...

    async def aclose(self) -> None: ...


class UnlimitedQuota:
    """No pacing and no per-client limits (``--quota unlimited``, demo mode)."""

    async def acquire(
        self, client_id: str | None = None, *, max_wait: float | None = None
    ) -> QuotaStatus:
        return QuotaStatus(policy="unlimited")

    async def status(self) -> QuotaStatus:
        return QuotaStatus(policy="unlimited")

    async def usage(self) -> tuple[WindowUsage, ...]:
        return ()

    async def aclose(self) -> None:
        return None


class BudgetStore(Protocol):
    """Shared budget state; ``update`` applies a pure change atomically for all its users."""

    async def update(
        self, scope: str, change: Callable[[BudgetState, float], tuple[BudgetState, T]]
    ) -> T:
        """Run ``change(state, now)`` atomically and store the state it returns."""
        ...

    async def read(self, scope: str) -> tuple[BudgetState, float]:
        """The current state and the store's clock."""
        ...

    async def aclose(self) -> None: ...


class MemoryBudgetStore:
    """Budget state for one process (``--cache memory``)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._states: dict[str, BudgetState] = {}

    async def update(
        self, scope: str, change: Callable[[BudgetState, float], tuple[BudgetState, T]]
    ) -> T:
        state, value = change(self._states.get(scope, BudgetState()), self.clock())
        self._states[scope] = state
        return value

    async def read(self, scope: str) -> tuple[BudgetState, float]:
        return self._states.get(scope, BudgetState()), self.clock()

    async def aclose(self) -> None:
        return None


def _label(budget: Budget) -> str:
    limits = budget.describe().replace(",", ", ")
    return limits if budget.name == budget.describe() else f"{budget.name}: {limits}"


class BudgetQuota:
    """Paces upstream calls to a `Budget` kept in a `BudgetStore`."""

    def __init__(
        self,
        budget: Budget,
        store: BudgetStore,
        *,
        max_wait: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        scope: str = UPSTREAM_SCOPE,
    ) -> None:
        self.budget = budget
        self.store = store
        self.max_wait = max_wait
        self.scope = scope
        self._sleep = sleep
        # Reservations are made one at a time so that, in this process, slots follow arrival
        # order (anyio's Lock is FIFO); the waits themselves run concurrently.
        self._order = anyio.Lock()

    async def acquire(
        self, client_id: str | None = None, *, max_wait: float | None = None
    ) -> QuotaStatus:
        """Take one unit: now, after a paced wait, or raise `QuotaExceededError`."""
        limit = self.max_wait if max_wait is None else min(max_wait, self.max_wait)
        budget = self.budget

        def take(state: BudgetState, now: float) -> tuple[BudgetState, Grant]:
            return reserve(budget, state, now, limit)

        async with self._order:
            grant = await self.store.update(self.scope, take)
        if not grant.granted:
            raise QuotaExceededError(
                f"the upstream quota ({_label(budget)}) is used up: the next call is "
                f"possible in {grant.wait:.1f} s, longer than the {limit:g} s a request may "
                "wait; retry later or raise the budget with --quota",
                retry_after=grant.wait,
            )
        if grant.wait > 0:
            await self._sleep(grant.wait)
        return self._status(grant.remaining, grant.wait)

    async def usage(self) -> tuple[WindowUsage, ...]:
        """Used and remaining calls per window, for the ``quota`` command and metrics."""
        state, now = await self.store.read(self.scope)
        return usage(self.budget, state, now)

    async def status(self) -> QuotaStatus:
        return self._status({u.window: u.remaining for u in await self.usage()}, 0.0)

    def _status(self, remaining: dict[Window, int], waited: float) -> QuotaStatus:
        return QuotaStatus(
            policy=self.budget.name,
            remaining_minute=remaining.get(Window.MINUTE),
            remaining_day=remaining.get(Window.DAY),
            remaining_month=remaining.get(Window.MONTH),
            waited_seconds=round(waited, 3),
        )

    async def aclose(self) -> None:
        await self.store.aclose()
