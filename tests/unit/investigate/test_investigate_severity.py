"""The four severity vocabularies of VirusTotal land on one ordered scale."""

from __future__ import annotations

import pytest

from iocgate.virustotal.investigate import Severity, normalise_severity


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("IMPACT_SEVERITY_HIGH", Severity.HIGH),  # signature_matches, mitre_attack_techniques
        ("IMPACT_SEVERITY_INFO", Severity.INFO),
        ("MEDIUM", Severity.MEDIUM),  # summary attack_techniques, MITRE trees
        ("UNKNOWN", Severity.UNKNOWN),
        ("low", Severity.LOW),  # ids_alerts.alert_severity
        ("info", Severity.INFO),
        ("critical", Severity.CRITICAL),  # sigma rule_level
        ("high", Severity.HIGH),
    ],
)
def test_every_vocabulary_maps_onto_the_one_scale(spelling: str, expected: Severity) -> None:
    assert normalise_severity(spelling) is expected


@pytest.mark.parametrize("junk", ["IMPACT_SEVERITY_WHATEVER", "", None, 3, "severe"])
def test_unrecognised_severity_words_are_unknown_not_errors(junk: object) -> None:
    assert normalise_severity(junk) is Severity.UNKNOWN


def test_the_scale_orders_sigma_critical_above_every_other_high() -> None:
    ordered = sorted(
        normalise_severity(word)
        for word in ("critical", "IMPACT_SEVERITY_HIGH", "medium", "LOW", "info", "UNKNOWN")
    )
    assert [level.label for level in ordered] == [
        "unknown", "info", "low", "medium", "high", "critical",
    ]  # fmt: skip


def test_scores_and_colours_grow_with_severity() -> None:
    scores = [level.score for level in Severity]
    assert scores == sorted(scores)
    assert len({level.color for level in Severity}) == len(Severity)
