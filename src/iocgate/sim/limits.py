"""Public-tier quotas: per-minute, per-day (UTC) and optional per-month budgets per key.

Windows are fixed, like VirusTotal's: the day resets at 00:00 UTC, the month on the 1st.
The clock is injected so tests can move time instead of waiting for it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from iocgate.sim.settings import SimSettings

__all__ = ["Clock", "QuotaBook", "QuotaDenied"]

Clock = Callable[[], float]
"""Seconds since the epoch, like `time.time`."""


@dataclass(frozen=True, slots=True)
class QuotaDenied:
    """Why a request was refused, and when the exhausted window reopens."""

    message: str
    retry_after: int


@dataclass(frozen=True, slots=True)
class _Window:
    name: str
    limit: int
    bucket: Callable[[float], tuple[int, ...]]
    ends_at: Callable[[float], float]


class QuotaBook:
    """Counts public-key requests in each window and refuses those over budget."""

    def __init__(self, settings: SimSettings, clock: Clock) -> None:
        self._clock = clock
        minute = settings.minute_window_seconds
        windows = [
            _Window(
                f"per-minute ({settings.public_per_minute} requests per {minute:g} s)",
                settings.public_per_minute,
                lambda now: (math.floor(now / minute),),
                lambda now: (math.floor(now / minute) + 1) * minute,
            ),
            _Window(
                f"daily ({settings.public_per_day} requests per day)",
                settings.public_per_day,
                lambda now: (math.floor(now / 86400),),
                lambda now: (math.floor(now / 86400) + 1) * 86400.0,
            ),
        ]
        if settings.public_per_month is not None:
            windows.append(
                _Window(
                    f"monthly ({settings.public_per_month} requests per month)",
                    settings.public_per_month,
                    _month,
                    _month_end,
                )
            )
        # The longest exhausted window is the one that decides when the key works again.
        self._windows = list(reversed(windows))
        self._counts: Counter[tuple[str, str, tuple[int, ...]]] = Counter()

    def consume(self, key: str) -> QuotaDenied | None:
        """Count one request for `key`, or refuse it (refused requests are not counted)."""
        now = self._clock()
        for window in self._windows:
            if self._counts[(key, window.name, window.bucket(now))] >= window.limit:
                retry = max(1, math.ceil(window.ends_at(now) - now))
                return QuotaDenied(f"Quota exceeded: {window.name} quota", retry)
        for window in self._windows:
            self._counts[(key, window.name, window.bucket(now))] += 1
        return None

    def reset(self) -> None:
        """Forget every count."""
        self._counts.clear()


def _month(now: float) -> tuple[int, ...]:
    moment = datetime.fromtimestamp(now, UTC)
    return (moment.year, moment.month)


def _month_end(now: float) -> float:
    moment = datetime.fromtimestamp(now, UTC)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return datetime(year, month, 1, tzinfo=UTC).timestamp()
