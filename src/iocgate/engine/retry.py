"""Retries with exponential backoff and jitter (stamina), honouring ``Retry-After``.

Only 429, 503, 504 and transport errors are retried, and only for idempotent operations; the
whole loop is bounded in attempts and in total time (30 s by default, ARCHITECTURE: bounds).
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import stamina

from iocgate.errors import UpstreamTimeoutError, UpstreamUnavailableError

__all__ = ["RetryPolicy", "RetryableStatus", "parse_retry_after", "with_retries"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 5
    timeout: float = 30.0
    wait_initial: float = 0.5
    wait_max: float = 10.0
    wait_jitter: float = 1.0
    statuses: frozenset[int] = frozenset({429, 503, 504})

    @classmethod
    def disabled(cls) -> RetryPolicy:
        return cls(attempts=1)


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
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


def _backoff_hook(policy: RetryPolicy) -> Callable[[Exception], bool | float]:
    def hook(exc: Exception) -> bool | float:
        if isinstance(exc, RetryableStatus):
            if exc.retry_after is not None:
                # A wait longer than the whole budget cannot succeed: give the answer back now.
                return exc.retry_after if exc.retry_after <= policy.timeout else False
            return True
        return isinstance(exc, UpstreamUnavailableError | UpstreamTimeoutError)

    return hook


async def with_retries(policy: RetryPolicy, attempt: Callable[[], Awaitable[T]]) -> T:
    """Run ``attempt`` until it succeeds, a non-retryable error occurs or the budget ends."""
    if policy.attempts <= 1:
        return await attempt()
    async for retry_attempt in stamina.retry_context(
        on=_backoff_hook(policy),
        attempts=policy.attempts,
        timeout=policy.timeout,
        wait_initial=policy.wait_initial,
        wait_max=policy.wait_max,
        wait_jitter=policy.wait_jitter,
    ):
        with retry_attempt:
            return await attempt()
    raise AssertionError("stamina ends with a result or an exception")  # pragma: no cover
