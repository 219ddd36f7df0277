"""Budgets: the --quota spec, and when each call may go (sliding minute, UTC day and month)."""

from __future__ import annotations

import datetime as dt

import pytest

from iocgate.engine.quota import Budget, Window, parse_budget
from iocgate.engine.quota.budget import BudgetState, reserve, usage
from iocgate.errors import InvalidArgumentError
from iocgate.virustotal.plugin import QUOTA_PRESETS


def utc(*parts: int) -> float:
    return dt.datetime(*parts, tzinfo=dt.UTC).timestamp()


def test_public_is_four_a_minute_and_five_hundred_a_day_with_no_monthly_cap() -> None:
    budget = parse_budget("public", presets=QUOTA_PRESETS)
    assert budget.limit(Window.MINUTE) == 4
    assert budget.limit(Window.DAY) == 500
    assert budget.limit(Window.MONTH) is None


def test_explicit_budget_lists_every_window_in_order() -> None:
    budget = parse_budget("1000000/month, 30/min,20000/day,100/hour")
    assert budget.describe() == "30/minute,100/hour,20000/day,1000000/month"


def test_public_can_be_combined_with_a_monthly_cap() -> None:
    budget = parse_budget("public,15500/month", presets=QUOTA_PRESETS)
    assert (budget.limit(Window.MINUTE), budget.limit(Window.MONTH)) == (4, 15500)


@pytest.mark.parametrize("spec", ["unlimited", "none", ""])
def test_unlimited_has_no_limits(spec: str) -> None:
    assert parse_budget(spec).is_unlimited


@pytest.mark.parametrize("spec", ["4/fortnight", "four/min", "0/min", "4", "public;4/min"])
def test_invalid_spec_is_an_invalid_argument_naming_the_units(spec: str) -> None:
    with pytest.raises(InvalidArgumentError, match=r"min, hour, day, month|at least 1"):
        parse_budget(spec)


def test_a_preset_no_plugin_defines_is_refused_naming_the_presets_there_are() -> None:
    with pytest.raises(InvalidArgumentError, match=r"plugins define none"):
        parse_budget("public")
    with pytest.raises(InvalidArgumentError, match=r"'public' = 4/min,500/day"):
        parse_budget("publik", presets=QUOTA_PRESETS)


def take(budget: Budget, state: BudgetState, now: float, max_wait: float = 30.0) -> float:
    state_after, grant = reserve(budget, state, now, max_wait)
    assert grant.granted
    state.grants[:], state.counts = state_after.grants, state_after.counts
    return grant.at


def test_fifth_call_in_a_minute_waits_until_the_first_leaves_the_sliding_window() -> None:
    budget = parse_budget("4/min")
    state = BudgetState()
    slots = [take(budget, state, 1000.0 + i) for i in range(4)]
    assert slots == [1000.0, 1001.0, 1002.0, 1003.0]
    fifth = take(budget, state, 1040.0)
    # 60 s window plus the 1 s jitter margin, counted from the first call
    assert fifth == pytest.approx(1061.0)


def test_call_that_would_wait_longer_than_allowed_is_refused_with_the_exact_time() -> None:
    budget = parse_budget("4/min")
    state = BudgetState()
    for i in range(4):
        take(budget, state, 1000.0 + i)
    after, grant = reserve(budget, state, 1020.0, max_wait=30.0)
    assert not grant.granted
    assert grant.wait == pytest.approx(41.0)  # 1061 - 1020
    assert len(after.grants) == 4  # a refusal reserves nothing


def test_reservations_are_first_come_first_served() -> None:
    budget = parse_budget("2/min", minute_seconds=6.0)
    state = BudgetState()
    slots = [take(budget, state, 100.0) for _ in range(6)]
    assert slots == sorted(slots)
    assert slots[2] == pytest.approx(slots[0] + 6.1)
    assert slots[4] == pytest.approx(slots[2] + 6.1)


def test_day_budget_resets_at_midnight_utc() -> None:
    budget = parse_budget("3/day")
    state = BudgetState()
    evening = utc(2026, 3, 14, 23, 59, 50)
    for _ in range(3):
        take(budget, state, evening)
    _, refused = reserve(budget, state, evening, max_wait=5.0)
    assert not refused.granted
    assert refused.wait == pytest.approx(10.0)  # until 00:00:00 UTC
    assert take(budget, state, evening, max_wait=30.0) == pytest.approx(utc(2026, 3, 15))


def test_month_budget_resets_on_the_first_at_midnight_utc() -> None:
    budget = parse_budget("2/month")
    state = BudgetState()
    new_year_eve = utc(2026, 12, 31, 12)
    take(budget, state, new_year_eve)
    take(budget, state, new_year_eve)
    _, refused = reserve(budget, state, new_year_eve, max_wait=30.0)
    assert refused.wait == pytest.approx(utc(2027, 1, 1) - new_year_eve)


def test_usage_reports_used_remaining_and_when_the_next_call_frees() -> None:
    budget = parse_budget("4/min,500/day")
    state = BudgetState()
    for i in range(4):
        take(budget, state, 1000.0 + i)
    minute, day = usage(budget, state, 1030.0)
    assert (minute.used, minute.remaining, minute.resets_in) == (4, 0, pytest.approx(31.0))
    assert (day.used, day.remaining) == (4, 496)
    assert usage(budget, state, 1061.5)[0].used == 3  # the first call left the window


def test_state_round_trips_through_json() -> None:
    state = BudgetState([1.5, 2.5], {"day:2026-03-14": 2})
    assert BudgetState.from_json(state.to_json()) == state
    assert BudgetState.from_json(None) == BudgetState()
