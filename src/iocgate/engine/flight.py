"""Single flight in one process: concurrent identical requests share one upstream call.

The first caller of a key (the leader) runs the call; callers that arrive while it runs wait
and receive the leader's outcome, its value or its exception. If the leader is cancelled (its
client went away) the waiters do not inherit the cancellation: one of them leads a new call.
Across processes, `Cache.hold` (Redis) does the same with a lock and a second cache lookup.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar, cast

import anyio

__all__ = ["SingleFlight"]

T = TypeVar("T")


class _Call(Generic[T]):
    def __init__(self) -> None:
        self.done = anyio.Event()
        self.value: T | None = None
        self.error: BaseException | None = None
        self.abandoned = False


class SingleFlight(Generic[T]):
    """Runs at most one call per key at a time; later callers share its outcome."""

    def __init__(self) -> None:
        self._calls: dict[str, _Call[T]] = {}

    def in_flight(self, key: str) -> bool:
        return key in self._calls

    async def run(self, key: str, call: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """The outcome of ``call`` for ``key``, and whether this caller ran it (led)."""
        while True:
            current = self._calls.get(key)
            if current is None:
                return await self._lead(key, call), True
            await current.done.wait()
            if current.abandoned:
                continue
            if current.error is not None:
                raise current.error
            return cast(T, current.value), False

    async def _lead(self, key: str, call: Callable[[], Awaitable[T]]) -> T:
        flight: _Call[T] = _Call()
        self._calls[key] = flight
        try:
            flight.value = await call()
            return flight.value
        except anyio.get_cancelled_exc_class():
            flight.abandoned = True
            raise
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            del self._calls[key]
            flight.done.set()
