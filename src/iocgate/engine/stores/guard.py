"""The cache and the quota store as optional: a store that fails degrades, it never fails closed.

A corrupted SQLite file, a full disk or Redis going away used to turn every cached route into
503 (issue #16). Behind these guards:

- `GuardedCache`: a failing read is a miss, a failing write is skipped, a failing flight lock
  leads alone; the answer comes from the upstream within the quota.
- `GuardedBudgetStore`: the budget is also kept in this process (a mirror of the state it last
  read, plus its own grants). When the store fails, the mirror alone decides, so the budget is
  still enforced per process; when the store comes back empty (Redis restarted without
  persistence), the mirror is merged in, so the budget is not reset.

Each failure is logged at ERROR, naming the store, at most once per `LOG_EVERY` seconds, and
`StoreHealth` says how each store fares (``/readyz``).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from iocgate.engine.quota.budget import BudgetState
from iocgate.engine.stores.cache import Cache, CachedResponse

if TYPE_CHECKING:
    from iocgate.engine.quota.scheduler import BudgetStore
    from iocgate.engine.stores.artefacts import ArtefactCache

__all__ = ["GuardedBudgetStore", "GuardedCache", "StoreHealth", "store_reports"]

T = TypeVar("T")

log = logging.getLogger("iocgate.stores")

LOG_EVERY = 30.0


@dataclass
class StoreHealth:
    """How one store fares: ``ok``, or ``degraded`` since the last failure's time."""

    name: str
    failures: int = 0
    last_error: str | None = None
    failing_since: float | None = None
    _logged_at: float = 0.0

    def failed(self, exc: BaseException, fallback: str) -> None:
        now = time.monotonic()
        self.failures += 1
        self.last_error = f"{type(exc).__name__}: {exc}"[:300]
        if self.failing_since is None:
            self.failing_since = time.time()
        if now - self._logged_at >= LOG_EVERY:
            self._logged_at = now
            log.error(
                "the %s failed (%s); %s (failures so far: %d)",
                self.name, self.last_error, fallback, self.failures,
            )  # fmt: skip

    def recovered(self) -> None:
        if self.failing_since is not None:
            log.warning("the %s works again after %d failures", self.name, self.failures)
            self.failing_since = None

    def report(self) -> dict[str, Any]:
        """What ``/readyz`` shows of this store."""
        if self.failing_since is None:
            return {"state": "ok", "failures": self.failures}
        return {
            "state": "degraded",
            "failures": self.failures,
            "last_error": self.last_error,
            "failing_since": round(self.failing_since, 3),
        }


class GuardedCache:
    """A `Cache` whose failures become misses and skipped writes (see the module doc)."""

    def __init__(self, inner: Cache, name: str = "cache") -> None:
        self.inner = inner
        self.health = StoreHealth(name)
        self.keeps_answers: bool = getattr(inner, "keeps_answers", True)
        self.artefacts: ArtefactCache | None = inner.artefacts

    async def get(self, key: str) -> CachedResponse | None:
        try:
            found = await self.inner.get(key)
        except Exception as exc:  # noqa: BLE001 - any store failure: a miss, served upstream
            self.health.failed(exc, "answers come from the upstream, within the quota")
            return None
        self.health.recovered()
        return found

    async def put(self, key: str, response: CachedResponse, ttl: float) -> None:
        try:
            await self.inner.put(key, response, ttl)
        except Exception as exc:  # noqa: BLE001 - the answer is served even if not kept
            self.health.failed(exc, "answers are served but not kept")

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[bool]:
        manager = self.inner.hold(key)
        try:
            held = await manager.__aenter__()
        except Exception as exc:  # noqa: BLE001 - no cross-process lock: lead alone
            self.health.failed(exc, "each process calls the upstream on its own")
            yield True
            return
        try:
            yield held
        except BaseException as exc:
            if not await manager.__aexit__(type(exc), exc, exc.__traceback__):
                raise
        else:
            await manager.__aexit__(None, None, None)

    @property
    def front(self) -> object:
        """The guarded cache's in-memory part, for `/metrics` (a memory cache is its own)."""
        return getattr(self.inner, "front", self.inner)

    async def probe(self) -> None:
        """One read, so that ``/readyz`` reports a store that fails right now."""
        await self.get("iocgate:readyz-probe")

    async def aclose(self) -> None:
        await self.inner.aclose()


def _merge(stored: BudgetState, mirror: BudgetState | None) -> BudgetState:
    """The union of two states: grants of both, the larger count of each calendar window."""
    if mirror is None:
        return stored
    grants = sorted(set(stored.grants) | set(mirror.grants))
    counts = dict(stored.counts)
    for key, count in mirror.counts.items():
        counts[key] = max(count, counts.get(key, 0))
    return BudgetState(grants, counts)


def _copy(state: BudgetState) -> BudgetState:
    return BudgetState(list(state.grants), dict(state.counts))


class GuardedBudgetStore:
    """A `BudgetStore` with a local mirror that decides alone when the store fails."""

    def __init__(self, inner: BudgetStore, name: str = "quota store") -> None:
        self.inner = inner
        self.health = StoreHealth(name)
        self._mirror: dict[str, BudgetState] = {}

    async def update(
        self, scope: str, change: Callable[[BudgetState, float], tuple[BudgetState, T]]
    ) -> T:
        written: list[BudgetState] = []

        def merged(state: BudgetState, now: float) -> tuple[BudgetState, T]:
            new, value = change(_merge(state, self._mirror.get(scope)), now)
            written[:] = [_copy(new)]  # the store may run this more than once (WATCH)
            return new, value

        try:
            value = await self.inner.update(scope, merged)
        except Exception as exc:  # noqa: BLE001 - the budget is still enforced, locally
            self.health.failed(exc, "the budget is enforced by this process alone")
            state, value = change(_copy(self._mirror.get(scope, BudgetState())), time.time())
            self._mirror[scope] = _copy(state)
            return value
        self.health.recovered()
        if written:
            self._mirror[scope] = written[-1]
        return value

    async def read(self, scope: str) -> tuple[BudgetState, float]:
        try:
            state, now = await self.inner.read(scope)
        except Exception as exc:  # noqa: BLE001 - report what this process knows
            self.health.failed(exc, "the budget is enforced by this process alone")
            return _copy(self._mirror.get(scope, BudgetState())), time.time()
        self.health.recovered()
        return _merge(state, self._mirror.get(scope)), now

    async def aclose(self) -> None:
        await self.inner.aclose()


async def store_reports(cache: object, quota: object) -> dict[str, dict[str, Any]]:
    """Each guarded store's `StoreHealth` report, after one read of each (``/readyz``)."""
    reports: dict[str, dict[str, Any]] = {}
    if isinstance(cache, GuardedCache):
        await cache.probe()
        reports["cache"] = cache.health.report()
    store = getattr(quota, "store", None)
    if isinstance(store, GuardedBudgetStore):
        status = getattr(quota, "status", None)
        if status is not None:
            await status()  # reads the store through the guard
        reports["quota"] = store.health.report()
    return reports
