"""The retry loop: what is retried, how long it waits, and where it stops."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import stamina

from iocgate.engine.retry import (
    RetryableStatus,
    RetryBudget,
    RetryPolicy,
    backoff_hook,
    parse_retry_after,
    with_retries,
)
from iocgate.errors import NotFoundError, UpstreamTimeoutError, UpstreamUnavailableError

pytestmark = pytest.mark.anyio


class Ticker:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def no_backoff() -> Iterator[None]:
    """stamina's test switch: waits become 0, the policy's attempt count stays."""
    with stamina.set_testing(True, attempts=10, cap=True):
        yield


def status(code: int, retry_after: float | None = None) -> RetryableStatus:
    return RetryableStatus(code, b"{}", {}, retry_after)


def test_backoff_grows_exponentially_and_is_capped() -> None:
    policy = RetryPolicy(wait_initial=0.5, wait_max=3.0, wait_jitter=0.0)
    assert [policy.backoff(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3.0]


def test_jitter_stays_within_its_bound() -> None:
    policy = RetryPolicy(wait_initial=1.0, wait_max=100.0, wait_jitter=0.25)
    assert all(1.0 <= policy.backoff(1) <= 1.25 for _ in range(50))


def test_transient_statuses_and_transport_errors_are_retried_other_errors_are_not() -> None:
    hook = backoff_hook(RetryPolicy(wait_jitter=0.0), RetryBudget(30.0))
    assert hook(status(503)) == 0.5
    assert hook(UpstreamUnavailableError("reset")) == 1.0
    assert hook(UpstreamTimeoutError("slow")) == 2.0
    assert hook(NotFoundError("nope")) is False
    assert hook(ValueError("bug")) is False


def test_retry_after_is_honoured_instead_of_the_backoff() -> None:
    hook = backoff_hook(RetryPolicy(), RetryBudget(30.0))
    assert hook(status(429, retry_after=7.0)) == 7.0


def test_no_wait_starts_that_would_end_after_the_deadline() -> None:
    ticker = Ticker()
    budget = RetryBudget(30.0, clock=ticker)
    hook = backoff_hook(RetryPolicy(wait_jitter=0.0), budget)
    budget.start()
    assert hook(status(429, retry_after=29.0)) == 29.0
    ticker.now = 25.0
    assert hook(status(429, retry_after=6.0)) is False  # 25 + 6 > 30
    assert hook(status(503)) is not False  # a short backoff still fits


def test_retry_after_parses_seconds_and_http_dates() -> None:
    now = dt.datetime(2026, 3, 14, 12, 0, 0, tzinfo=dt.UTC)
    assert parse_retry_after("17") == 17.0
    assert parse_retry_after("Sat, 14 Mar 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Sat, 14 Mar 2026 12:00:30 -0000", now) == 30.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


async def test_loop_returns_the_first_success(no_backoff: None) -> None:
    answers = [status(503), UpstreamUnavailableError("reset"), "ok"]

    async def attempt() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert await with_retries(RetryPolicy(attempts=5), attempt) == "ok"
    assert answers == []


async def test_loop_stops_after_its_attempts_with_the_last_failure(no_backoff: None) -> None:
    calls = 0

    async def attempt() -> str:
        nonlocal calls
        calls += 1
        raise status(504)

    with pytest.raises(RetryableStatus):
        await with_retries(RetryPolicy(attempts=3), attempt)
    assert calls == 3


async def test_disabled_policy_makes_one_attempt(no_backoff: None) -> None:
    calls = 0

    async def attempt() -> str:
        nonlocal calls
        calls += 1
        raise UpstreamUnavailableError("reset")

    with pytest.raises(UpstreamUnavailableError):
        await with_retries(RetryPolicy.disabled(), attempt)
    assert calls == 1
