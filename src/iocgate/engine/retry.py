"""Retries with exponential backoff and jitter (stamina), honouring ``Retry-After``.

Only 429, 503, 504, transport errors and bodies cut short are retried, and only for idempotent
operations; other 4xx never are. The loop is bounded in attempts and in time: no wait starts
that would end after ``timeout`` (30 s by default, ARCHITECTURE: bounds), counted from the
first attempt's send, so the first quota wait does not eat the retry budget. A ``Retry-After``
longer than what is left ends the loop at once and the last answer goes back to the client.

Backoffs are returned by our own hook (stamina calls them custom backoffs), which keeps the
deadline exact; ``stamina.set_testing(True, attempts=N, cap=True)`` turns every wait into 0.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import stamina

from iocgate.errors import UpstreamTimeoutError, UpstreamUnavailableError

__all__ = ["RetryBudget", "RetryPolicy", "RetryableStatus", "parse_retry_after", "with_retries"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry; ``attempts=1`` means never."""

    attempts: int = 5
    timeout: float = 30.0
    wait_initial: float = 0.5
    wait_max: float = 10.0
    wait_jitter: float = 1.0
    statuses: frozenset[int] = frozenset({429, 503, 504})

    @classmethod
    def disabled(cls) -> RetryPolicy:
        return cls(attempts=1)

    def backoff(self, retry: int) -> float:
        """The wait before retry number ``retry`` (1-based): exponential, capped, jittered."""
        jitter = random.uniform(0, self.wait_jitter) if self.wait_jitter else 0.0  # noqa: S311
        return min(self.wait_max, self.wait_initial * 2.0 ** (retry - 1) + jitter)


class RetryableStatus(Exception):
    """An upstream answer worth retrying; carries it so the last one can be returned as is."""

    def __init__(
        self, status: int, body: bytes, headers: dict[str, str], retry_after: float | None
    ) -> None:
        super().__init__(f"upstream status {status}")
        self.status = status
        self.body = body
        self.headers = headers
        self.retry_after = retry_after


@dataclass
class RetryBudget:
    """The time the retries may take; the clock starts with the first send (`start`)."""

    timeout: float
    clock: Callable[[], float] = time.monotonic
    started: float | None = field(default=None)

    def start(self) -> None:
        if self.started is None:
            self.started = self.clock()

    def remaining(self) -> float:
        if self.started is None:
            return self.timeout
        return self.timeout - (self.clock() - self.started)


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" dates parse naive; HTTP dates are GMT (RFC 9110)
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


def is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, RetryableStatus | UpstreamUnavailableError | UpstreamTimeoutError)


def backoff_hook(policy: RetryPolicy, budget: RetryBudget) -> Callable[[Exception], bool | float]:
    """Decide after a failed attempt: False to stop, else the seconds to wait."""
    retries = 0

    def hook(exc: Exception) -> bool | float:
        nonlocal retries
        if not is_retryable(exc):
            return False
        retries += 1
        budget.start()  # in case the attempt did not (it failed before sending)
        wait = policy.backoff(retries)
        if isinstance(exc, RetryableStatus) and exc.retry_after is not None:
            wait = exc.retry_after
        # A wait that would end past the deadline cannot help: give the last answer back now.
        return wait if wait < budget.remaining() else False

    return hook


async def with_retries(
    policy: RetryPolicy,
    attempt: Callable[[], Awaitable[T]],
    *,
    budget: RetryBudget | None = None,
) -> T:
    """Run ``attempt`` until it succeeds, a non-retryable error occurs or the budget ends.

    ``attempt`` calls ``budget.start()`` when it sends; at the latest, the clock starts when
    the first attempt fails.
    """
    if policy.attempts <= 1:
        return await attempt()
    budget = budget or RetryBudget(policy.timeout)
    async for retry_attempt in stamina.retry_context(
        on=backoff_hook(policy, budget),
        attempts=policy.attempts,
        timeout=None,  # the hook enforces the deadline, so that no wait overshoots it
    ):
        with retry_attempt:
            return await attempt()
    raise AssertionError("stamina ends with a result or an exception")  # pragma: no cover
