"""The brief fitted to an LLM's context budget keeps verdict and totals, drops tails."""

from __future__ import annotations

import pytest

from iocgate.virustotal.investigate import Brief
from iocgate.virustotal.investigate.context import brief_for_context, compact_size


def test_a_brief_that_fits_comes_back_whole(briefs: dict[str, Brief]) -> None:
    shaped = brief_for_context(briefs["poor"], 36_000)
    assert shaped["trimmed"] == []
    assert shaped["techniques"] == briefs["poor"].to_dict()["techniques"]


@pytest.mark.parametrize("kind", ["rich", "huge", "hostile"])
@pytest.mark.parametrize("budget", [36_000, 12_000])
def test_a_large_brief_is_cut_to_the_budget_keeping_totals(
    briefs: dict[str, Brief], kind: str, budget: int
) -> None:
    full = briefs[kind].to_dict()
    shaped = brief_for_context(briefs[kind], budget)
    assert compact_size(shaped) <= budget
    assert shaped["verdict"] == full["verdict"]
    assert shaped["sandboxes"] == full["sandboxes"]
    for family in ("indicators", "detections"):
        for name, group in shaped[family].items():
            assert group["total"] == full[family][name]["total"]
            assert isinstance(group["total"], int)


def test_cut_plain_lists_are_reported_with_their_totals(briefs: dict[str, Brief]) -> None:
    # 9 KB: the smallest budget the rich brief's uncut parts (verdict, sandboxes, file
    # context, cost) leave room in, with room for its cut lists.
    shaped = brief_for_context(briefs["rich"], 9_000)
    assert compact_size(shaped) <= 9_000
    cuts = {cut["section"]: cut for cut in shaped["trimmed"]}
    if "/techniques" in cuts:
        assert cuts["/techniques"]["total"] == len(briefs["rich"].techniques)
    assert all(isinstance(cut["total"], int) for cut in shaped["trimmed"])
