"""The quota interface: every upstream call first asks it for one unit of the key's budget."""

from __future__ import annotations

from typing import Protocol

from iocgate.engine.result import QuotaStatus

__all__ = ["Quota", "UnlimitedQuota"]


class Quota(Protocol):
    """Grants upstream calls within the budget; waits a bounded time, then raises
    `QuotaExceededError` with ``retry_after``."""

    async def acquire(self, client_id: str | None = None) -> QuotaStatus: ...

    async def status(self) -> QuotaStatus: ...

    async def aclose(self) -> None: ...


class UnlimitedQuota:
    """No pacing and no per-client limits (``--quota unlimited``, demo mode)."""

    async def acquire(self, client_id: str | None = None) -> QuotaStatus:
        return QuotaStatus(policy="unlimited")

    async def status(self) -> QuotaStatus:
        return QuotaStatus(policy="unlimited")

    async def aclose(self) -> None:
        return None
