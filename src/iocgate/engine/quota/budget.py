"""Quota budgets: parsing ``--quota`` specs and planning each upstream call's slot (pure, no I/O).

A budget is a set of limits. ``minute`` and ``hour`` are sliding windows (never more than N
calls in any window-long interval); ``day`` and ``month`` are calendar windows in UTC that reset
at 00:00 UTC and on the 1st at 00:00 UTC. Named presets (e.g. an upstream's documented
allowance) come from the plugins (`Plugin.quota_presets`).

`reserve` is the whole scheduling decision. It appends the caller's slot after every earlier
reservation (so callers are served first come, first served, across processes too) at the
earliest time every window allows, or refuses when that is further away than the caller may
wait. Stores (`scheduler.py`, `stores/sqlite.py`, `stores/redis.py`) run it atomically on the
shared `BudgetState`, so every process on one key sees the same reservations.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from iocgate.errors import InvalidArgumentError

__all__ = [
    "Budget",
    "BudgetState",
    "Grant",
    "Limit",
    "Window",
    "WindowUsage",
    "parse_budget",
    "reserve",
    "usage",
]

UNLIMITED = "unlimited"


class Window(StrEnum):
    """A budget window; the first two slide, the last two follow the UTC calendar."""

    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"

    @property
    def is_sliding(self) -> bool:
        return self in (Window.MINUTE, Window.HOUR)


_UNITS = {
    "m": Window.MINUTE,
    "min": Window.MINUTE,
    "minute": Window.MINUTE,
    "h": Window.HOUR,
    "hour": Window.HOUR,
    "d": Window.DAY,
    "day": Window.DAY,
    "mo": Window.MONTH,
    "month": Window.MONTH,
}
_TERM = re.compile(r"^\s*(\d+)\s*/\s*([a-z]+)\s*$")


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` upstream calls per ``window``."""

    window: Window
    count: int


@dataclass(frozen=True, slots=True)
class Budget:
    """The limits of one upstream key.

    ``minute_seconds`` shortens the sliding windows in tests; ``margin_seconds`` replaces the
    default pacing margin (see `margin`).
    """

    name: str
    limits: tuple[Limit, ...] = ()
    minute_seconds: float = 60.0
    margin_seconds: float | None = None

    @property
    def is_unlimited(self) -> bool:
        return not self.limits

    def limit(self, window: Window) -> int | None:
        return next((lim.count for lim in self.limits if lim.window is window), None)

    def length(self, window: Window) -> float:
        """The length of a sliding window in seconds."""
        return self.minute_seconds * (60.0 if window is Window.HOUR else 1.0)

    def margin(self, window: Window) -> float:
        # Calls are counted here when they leave and upstream when they arrive; pacing each
        # sliding window a little longer absorbs the jitter between the two (1 s per minute,
        # which covers a cold connection's handshake).
        if self.margin_seconds is not None:
            return self.margin_seconds
        return min(1.0, max(0.1, self.length(window) / 60.0))

    def describe(self) -> str:
        if self.is_unlimited:
            return UNLIMITED
        return ",".join(f"{lim.count}/{lim.window.value}" for lim in self.limits)


def parse_budget(
    spec: str,
    *,
    presets: Mapping[str, str] = MappingProxyType({}),
    minute_seconds: float = 60.0,
    margin_seconds: float | None = None,
) -> Budget:
    """Parse ``unlimited``, terms like ``30/min,20000/day,1000000/month``, or a preset's name.

    ``presets`` name budgets the plugins know (name -> terms); a preset combines with terms
    (``public,15500/month``), the terms winning for the windows they name.
    """
    text = spec.strip().lower()
    if text in ("", UNLIMITED, "none", "off"):
        return Budget(UNLIMITED, (), minute_seconds, margin_seconds)
    limits: dict[Window, int] = {}
    for term in text.split(","):
        name = term.strip()
        if name in presets:
            preset = parse_budget(presets[name], minute_seconds=minute_seconds)
            for limit in preset.limits:
                limits.setdefault(limit.window, limit.count)
            continue
        match = _TERM.match(term)
        unit = _UNITS.get(match.group(2)) if match else None
        if match is None or unit is None:
            raise InvalidArgumentError(
                f"invalid quota {spec!r}: expected 'unlimited', {_presets_named(presets)} or "
                "terms like '4/min,500/day,15500/month' (units: min, hour, day, month)"
            )
        count = int(match.group(1))
        if count < 1:
            raise InvalidArgumentError(f"invalid quota {spec!r}: a limit must be at least 1")
        limits[unit] = count
    order = list(Window)
    ordered = tuple(Limit(w, limits[w]) for w in sorted(limits, key=order.index))
    return Budget(text, ordered, minute_seconds, margin_seconds)


def _presets_named(presets: Mapping[str, str]) -> str:
    if not presets:
        return "a preset (the served capabilities' plugins define none)"
    return "a preset (" + ", ".join(f"'{n}' = {t}" for n, t in sorted(presets.items())) + ")"


@dataclass
class BudgetState:
    """What the stores share: reserved slot times (epoch seconds) and calendar-window counts."""

    grants: list[float] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"grants": self.grants, "counts": self.counts}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes | None) -> BudgetState:
        if not text:
            return cls()
        data = json.loads(text)
        return cls([float(t) for t in data.get("grants", [])], dict(data.get("counts", {})))


@dataclass(frozen=True, slots=True)
class Grant:
    """The outcome of `reserve`: when the call may go (``at``), or that it was refused."""

    granted: bool
    at: float
    wait: float
    remaining: dict[Window, int]


@dataclass(frozen=True, slots=True)
class WindowUsage:
    """One window of a budget as the ``quota`` command and metrics show it."""

    window: Window
    limit: int
    used: int
    remaining: int
    resets_in: float  # seconds until at least one more call is allowed (0: allowed now)


def _utc(t: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, dt.UTC)


def _bucket(window: Window, t: float) -> str:
    day = _utc(t)
    return f"day:{day:%Y-%m-%d}" if window is Window.DAY else f"month:{day:%Y-%m}"


def _next_bucket_start(window: Window, t: float) -> float:
    day = _utc(t).replace(hour=0, minute=0, second=0, microsecond=0)
    if window is Window.DAY:
        return (day + dt.timedelta(days=1)).timestamp()
    first = day.replace(day=1)
    year, month = (first.year + 1, 1) if first.month == 12 else (first.year, first.month + 1)
    return first.replace(year=year, month=month).timestamp()


def _prune(budget: Budget, state: BudgetState, now: float) -> BudgetState:
    sliding = [lim.window for lim in budget.limits if lim.window.is_sliding]
    horizon = max((budget.length(w) + budget.margin(w) for w in sliding), default=0.0)
    grants = [t for t in state.grants if t > now - horizon] if sliding else []
    current = {_bucket(w, now) for w in (Window.DAY, Window.MONTH)}
    counts = {k: n for k, n in state.counts.items() if k in current or _is_future(k, now)}
    return BudgetState(grants, counts)


def _is_future(bucket: str, now: float) -> bool:
    kind, _, label = bucket.partition(":")
    return label > _bucket(Window(kind), now).partition(":")[2]


def _earliest(budget: Budget, limit: Limit, state: BudgetState, t: float) -> float:
    if limit.window.is_sliding:
        if state.grants:
            t = max(t, state.grants[-1])  # slots are appended in order: first come, first served
        if len(state.grants) >= limit.count:
            window = budget.length(limit.window) + budget.margin(limit.window)
            t = max(t, state.grants[-limit.count] + window)
        return t
    while state.counts.get(_bucket(limit.window, t), 0) >= limit.count:
        t = _next_bucket_start(limit.window, t)
    return t


def _remaining(budget: Budget, state: BudgetState, now: float) -> dict[Window, int]:
    return {u.window: u.remaining for u in usage(budget, state, now)}


def reserve(
    budget: Budget, state: BudgetState, now: float, max_wait: float
) -> tuple[BudgetState, Grant]:
    """Reserve the earliest slot at or after ``now``, unless it is more than ``max_wait`` away."""
    state = _prune(budget, state, now)
    at = now
    for _ in range(8):  # each pass can only move ``at`` later; two passes settle real budgets
        before = at
        for limit in budget.limits:
            at = max(at, _earliest(budget, limit, state, at))
        if at == before:
            break
    wait = at - now
    if wait > max_wait:
        return state, Grant(False, at, wait, _remaining(budget, state, now))
    if any(lim.window.is_sliding for lim in budget.limits):
        state.grants.append(at)
    for limit in budget.limits:
        if not limit.window.is_sliding:
            key = _bucket(limit.window, at)
            state.counts[key] = state.counts.get(key, 0) + 1
    return state, Grant(True, at, wait, _remaining(budget, state, now))


def usage(budget: Budget, state: BudgetState, now: float) -> tuple[WindowUsage, ...]:
    """Used and remaining calls per window at ``now`` (reservations not yet sent count as used)."""
    state = _prune(budget, state, now)
    rows = []
    for limit in budget.limits:
        if limit.window.is_sliding:
            length = budget.length(limit.window) + budget.margin(limit.window)
            inside = [t for t in state.grants if t > now - length]
            used = len(inside)
            resets_in = 0.0 if used < limit.count else inside[-limit.count] + length - now
        else:
            used = state.counts.get(_bucket(limit.window, now), 0)
            resets_in = 0.0 if used < limit.count else _next_bucket_start(limit.window, now) - now
        remaining = max(0, limit.count - used)
        rows.append(WindowUsage(limit.window, limit.count, used, remaining, max(0.0, resets_in)))
    return tuple(rows)
