"""State in Redis for many replicas: cached answers, cross-process single flight, quota budgets.

Keys (``prefix`` defaults to ``iocgate:``): ``cache:<cache_key>`` is a hash with one answer and
a TTL; ``flight:<cache_key>`` is the lock of the replica calling upstream for that key;
``quota:<scope>`` is the JSON `BudgetState`, changed under WATCH/MULTI so that concurrent
replicas never plan from the same state. Budget time is Redis's clock (``TIME``), so replicas
on hosts with skewed clocks still agree on windows and on midnight UTC.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import anyio
import redis.asyncio
from redis.exceptions import RedisError, WatchError
from redis.typing import EncodableT

from iocgate.engine.quota.budget import BudgetState
from iocgate.engine.stores.cache import CachedResponse
from iocgate.errors import TransientError

if TYPE_CHECKING:
    from iocgate.engine.stores.artefacts import ArtefactCache

__all__ = ["RedisBudgetStore", "RedisCache", "connect_redis"]

T = TypeVar("T")

log = logging.getLogger("iocgate.cache")

DEFAULT_PREFIX = "iocgate:"
#: A flight lock outlives any leader that is still working (quota wait + retries + reading).
FLIGHT_LOCK_SECONDS = 120.0
FLIGHT_POLL_SECONDS = 0.05
#: Budget state is dropped once even the monthly window cannot need it.
BUDGET_STATE_SECONDS = 40 * 24 * 3600

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def connect_redis(url: str) -> redis.asyncio.Redis:
    """A client for ``url`` (``redis://host:port/db``); connects on first use."""
    # Bounded: a Redis that stops answering must fail requests, not hang them.
    return redis.asyncio.Redis.from_url(url, socket_connect_timeout=5.0, socket_timeout=10.0)


def _unavailable(exc: RedisError) -> TransientError:
    return TransientError(f"the shared cache (Redis) is unavailable: {type(exc).__name__}")


class RedisCache:
    keeps_answers = True
    """Answers in Redis hashes that expire with their TTL, and the flight locks."""

    def __init__(
        self,
        client: redis.asyncio.Redis,
        *,
        prefix: str = DEFAULT_PREFIX,
        artefacts: ArtefactCache | None = None,
        lock_seconds: float = FLIGHT_LOCK_SECONDS,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.artefacts = artefacts
        self.lock_seconds = lock_seconds

    async def get(self, key: str) -> CachedResponse | None:
        try:
            fields = cast(
                dict[bytes, bytes], await self.client.hgetall(f"{self.prefix}cache:{key}")
            )
        except RedisError as exc:
            raise _unavailable(exc) from None
        if not fields:
            return None
        return CachedResponse(
            status=int(fields[b"status"]),
            content_type=fields[b"content_type"].decode(),
            body=fields[b"body"],
            stored_at=float(fields[b"stored_at"]),
            headers=CachedResponse.parse_headers(fields[b"headers"]),
        )

    async def put(self, key: str, response: CachedResponse, ttl: float) -> None:
        name = f"{self.prefix}cache:{key}"
        mapping: dict[EncodableT, EncodableT] = {
            "status": response.status,
            "content_type": response.content_type,
            "body": response.body,
            "stored_at": repr(response.stored_at),
            "headers": response.headers_json(),
        }
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.hset(name, mapping=mapping)
                pipe.pexpire(name, max(1, int(ttl * 1000)))
                await pipe.execute()
        except RedisError as exc:
            # The answer cost a quota unit: give it to the client even if it cannot be kept.
            log.warning("cannot store an answer in Redis: %s", type(exc).__name__)

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[bool]:
        """Lead (True) when this replica takes the key's lock; else wait for it to go (False)."""
        name = f"{self.prefix}flight:{key}"
        token = secrets.token_hex(16)
        try:
            taken = await self.client.set(name, token, nx=True, px=int(self.lock_seconds * 1000))
        except RedisError as exc:
            raise _unavailable(exc) from None
        if not taken:
            try:
                with anyio.move_on_after(self.lock_seconds):
                    # Polling: a lock key has nothing to wait on; pub/sub per key costs more.
                    while await self.client.exists(name):  # noqa: ASYNC110
                        await anyio.sleep(FLIGHT_POLL_SECONDS)
            except RedisError as exc:
                raise _unavailable(exc) from None
            yield False
            return
        try:
            yield True
        finally:
            with anyio.CancelScope(shield=True), contextlib.suppress(RedisError):
                await self.client.eval(_RELEASE, 1, name, token)

    async def aclose(self) -> None:
        await self.client.aclose()


class RedisBudgetStore:
    """Budget state shared by every replica on the key."""

    def __init__(
        self,
        client: redis.asyncio.Redis,
        *,
        prefix: str = DEFAULT_PREFIX,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.clock = clock

    async def _now(self, client: Any) -> float:
        if self.clock is not None:
            return self.clock()
        seconds, micros = await client.time()
        return int(seconds) + int(micros) / 1e6

    async def update(
        self, scope: str, change: Callable[[BudgetState, float], tuple[BudgetState, T]]
    ) -> T:
        name = f"{self.prefix}quota:{scope}"
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                while True:
                    try:
                        await pipe.watch(name)
                        state = BudgetState.from_json(await pipe.get(name))
                        state, value = change(state, await self._now(pipe))
                        pipe.multi()  # type: ignore[no-untyped-call]
                        pipe.set(name, state.to_json(), ex=BUDGET_STATE_SECONDS)
                        await pipe.execute()
                        return value
                    except WatchError:
                        continue  # another replica changed the budget first: plan again
        except RedisError as exc:
            raise _unavailable(exc) from None

    async def read(self, scope: str) -> tuple[BudgetState, float]:
        try:
            text = await self.client.get(f"{self.prefix}quota:{scope}")
            return BudgetState.from_json(text), await self._now(self.client)
        except RedisError as exc:
            raise _unavailable(exc) from None

    async def aclose(self) -> None:
        await self.client.aclose()
