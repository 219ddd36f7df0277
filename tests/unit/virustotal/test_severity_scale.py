"""One severity scale (virustotal/severity.py) for the investigation and for the reports
shaped for an LLM: every spelling either accepted sorts the same way in both."""

from __future__ import annotations

import pytest

from iocgate.virustotal.severity import Severity, normalise_severity
from iocgate.virustotal.shaping import severity_rank, shape_for_context

#: Every spelling the two former scales accepted, with the level it means.
SPELLINGS = [
    ("IMPACT_SEVERITY_HIGH", Severity.HIGH), ("impact_severity_low", Severity.LOW),
    ("IMPACT_SEVERITY_INFO", Severity.INFO), ("CRITICAL", Severity.CRITICAL),
    ("high", Severity.HIGH), ("medium", Severity.MEDIUM), ("low", Severity.LOW),
    ("info", Severity.INFO), ("informational", Severity.INFO), ("information", Severity.INFO),
    ("unknown", Severity.UNKNOWN), ("UNKNOWN_SEVERITY", Severity.UNKNOWN),
    ("none", Severity.UNKNOWN), ("severe", Severity.UNKNOWN),
]  # fmt: skip


@pytest.mark.parametrize(("spelling", "level"), SPELLINGS)
def test_every_accepted_spelling_means_one_level_in_both_readers(
    spelling: str, level: Severity
) -> None:
    assert normalise_severity(spelling) is level
    assert severity_rank(spelling) == Severity.CRITICAL - level


def test_an_item_without_a_severity_word_sorts_after_every_stated_one() -> None:
    assert severity_rank(None) > severity_rank("whatever") > severity_rank("info")


def test_shaped_signatures_come_most_severe_first_whatever_the_spelling() -> None:
    words = ["unknown", "IMPACT_SEVERITY_MEDIUM", "low", None, "critical", "information", "HIGH"]
    report = {"data": {"signature_matches": [{"severity": w} for w in words]}}
    shaped = shape_for_context("/files/x/behaviour_summary", report, section="signatures")
    order = [s.get("severity") for s in shaped["data"]["signature_matches"]]
    assert order == ["critical", "HIGH", "IMPACT_SEVERITY_MEDIUM", "low", "information",
                     "unknown", None]  # fmt: skip
