"""Per-client budgets: one authenticated client cannot spend the whole key's quota.

Each client (named by the bearer-auth middleware from its token) first takes a unit of its own
budget, then one of the key's. By default a client may use half of each window of the key's
budget (at least one call), so a second client always finds room; ``[auth] client_quota`` sets
an explicit budget. With ``--quota unlimited`` there is nothing to share and no client limit.
"""

from __future__ import annotations

import math
from dataclasses import replace

from iocgate.engine.quota.budget import Budget, Limit, WindowUsage
from iocgate.engine.quota.scheduler import BudgetQuota, BudgetStore, Quota
from iocgate.engine.result import QuotaStatus

__all__ = ["PerClientQuota", "half_budget"]


def half_budget(budget: Budget) -> Budget:
    """Half of each of ``budget``'s limits, rounded up."""
    limits = tuple(Limit(lim.window, max(1, math.ceil(lim.count / 2))) for lim in budget.limits)
    described = ",".join(f"{lim.count}/{lim.window.value}" for lim in limits)
    return replace(budget, name=f"per client: {described}", limits=limits)


class PerClientQuota:
    """The key's `Quota`, with a `BudgetQuota` of its own in front for each client id."""

    def __init__(
        self, upstream: Quota, client_budget: Budget, store: BudgetStore, *, max_wait: float
    ) -> None:
        self.upstream = upstream
        self.client_budget = client_budget
        self.store = store
        self.max_wait = max_wait
        self._clients: dict[str, BudgetQuota] = {}

    def _for(self, client_id: str) -> BudgetQuota:
        quota = self._clients.get(client_id)
        if quota is None:
            quota = BudgetQuota(
                self.client_budget, self.store, max_wait=self.max_wait, scope=f"client:{client_id}"
            )
            self._clients[client_id] = quota
        return quota

    async def acquire(
        self, client_id: str | None = None, *, max_wait: float | None = None
    ) -> QuotaStatus:
        if client_id is not None:
            await self._for(client_id).acquire(client_id, max_wait=max_wait)
        return await self.upstream.acquire(client_id, max_wait=max_wait)

    async def status(self) -> QuotaStatus:
        return await self.upstream.status()

    async def usage(self) -> tuple[WindowUsage, ...]:
        return await self.upstream.usage()

    async def aclose(self) -> None:
        await self.upstream.aclose()
