"""What the engine reports as it works, for metrics; the default observer does nothing.

Labels are bounded: adapter, operation name (from the capability, never an argument), status.
"""

from __future__ import annotations

from typing import Protocol

from iocgate.engine.result import QuotaStatus

__all__ = ["NullObserver", "Observer"]


class Observer(Protocol):
    def invocation_started(self, adapter: str, operation: str) -> None: ...

    def invocation_finished(
        self, adapter: str, operation: str, status: int, cache: str, seconds: float
    ) -> None: ...

    def upstream_call(self, operation: str, status: int, seconds: float) -> None: ...

    def retry(self, operation: str) -> None: ...

    def quota(self, status: QuotaStatus) -> None: ...


class NullObserver:
    """Observes nothing."""

    def invocation_started(self, adapter: str, operation: str) -> None:
        return None

    def invocation_finished(
        self, adapter: str, operation: str, status: int, cache: str, seconds: float
    ) -> None:
        return None

    def upstream_call(self, operation: str, status: int, seconds: float) -> None:
        return None

    def retry(self, operation: str) -> None:
        return None

    def quota(self, status: QuotaStatus) -> None:
        return None
