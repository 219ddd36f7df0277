"""The quota plan: "at least" before the first page, exact after it, cache hits free."""

from __future__ import annotations

from iocgate.virustotal.investigate import plan


def test_before_the_first_page_the_plan_is_a_lower_bound_of_three_calls() -> None:
    first = plan()
    assert (first.calls, first.is_exact) == (3, False)
    assert first.describe().startswith("at least 3 upstream calls")


def test_a_known_report_count_makes_the_plan_exact_with_one_page_per_forty() -> None:
    assert plan(reports=6).calls == 3
    assert plan(reports=40).calls == 3
    assert plan(reports=41).calls == 4
    exact = plan(reports=95)
    assert (exact.calls, exact.pages, exact.is_exact) == (5, 3, True)
    assert exact.describe().startswith("exactly 5 upstream calls")
    assert "3 pages for 95 sandbox reports" in exact.describe()


def test_a_file_without_reports_costs_only_the_page_that_says_so() -> None:
    empty = plan(reports=0)
    assert empty.calls == 1
    assert "1 page listing no sandbox report" in empty.describe()
    assert plan(reports=0, with_file=True).calls == 2


def test_the_file_object_is_one_more_call_and_is_named() -> None:
    with_file = plan(reports=6, with_file=True)
    assert with_file.calls == 4
    assert with_file.describe().startswith("exactly 4 upstream calls (file object, ")


def test_cached_answers_are_subtracted_and_said() -> None:
    cached = plan(reports=6, cached=3)
    assert cached.calls == 0
    assert "3 of 3 answers cached" in cached.describe()


def test_a_plan_over_max_calls_is_refused_but_one_at_it_is_not() -> None:
    assert plan(reports=95).exceeds(4)
    assert not plan(reports=95).exceeds(5)
    assert not plan(reports=95).exceeds(None)


def test_remaining_calls_exclude_those_already_spent() -> None:
    assert plan(reports=95, spent=2).remaining == 3
