"""The brief says what the simulator generated: sandboxes, verdicts, techniques, indicators."""

from __future__ import annotations

import json

from starlette.applications import Starlette

from iocgate.sim import SimFile
from iocgate.sim.hostile import HOSTILE_HOST, XSS_PAYLOADS
from iocgate.sim.network import BACKGROUND_HOSTS
from iocgate.virustotal.investigate import Brief, Cost, Severity, build_brief
from iocgate.virustotal.investigate.host import HOST_LIMIT
from tests.unit.investigate.investigate_support import (
    attribute_union,
    hostnames,
    sandboxes_with,
    technique_ids,
)


def pick(app: Starlette, kind: str) -> SimFile:
    sim_file: SimFile = app.state.sim.corpus.pick(kind)
    return sim_file


def test_rich_brief_lists_every_sandbox_in_the_simulators_order(
    briefs: dict[str, Brief], investigation_sim: Starlette
) -> None:
    rich = pick(investigation_sim, "rich")
    assert briefs["rich"].sandbox_names() == tuple(r.sandbox_name for r in rich.reports)
    assert briefs["rich"].file.sha256 == rich.sha256


def test_rich_brief_gives_each_sandbox_its_own_verdicts_labels_and_confidence(
    briefs: dict[str, Brief], investigation_sim: Starlette
) -> None:
    rich = pick(investigation_sim, "rich")
    for run, report in zip(briefs["rich"].sandboxes, rich.reports, strict=True):
        assert list(run.verdicts) == report.attributes.get("verdicts", [])
        assert list(run.labels) == report.attributes.get("verdict_labels", [])
        assert run.confidence == report.attributes.get("verdict_confidence")


def test_rich_brief_has_exactly_the_techniques_the_sandboxes_reported(
    briefs: dict[str, Brief], investigation_sim: Starlette
) -> None:
    rich = pick(investigation_sim, "rich")
    assert {t.id for t in briefs["rich"].techniques} == technique_ids(rich)


def test_each_technique_names_the_sandboxes_that_saw_it_and_their_agreement(
    briefs: dict[str, Brief], investigation_sim: Starlette
) -> None:
    rich = pick(investigation_sim, "rich")
    reporting = {
        r.sandbox_name for r in rich.reports if r.attributes.get("mitre_attack_techniques")
    }
    for technique in briefs["rich"].techniques:
        assert set(technique.sandboxes) == sandboxes_with(rich, technique.id)
        assert technique.agreement.count == len(technique.sandboxes)
        assert technique.agreement.total == len(reporting)


def test_technique_severity_is_the_highest_of_its_signatures_across_vocabularies(
    briefs: dict[str, Brief], investigation_sim: Starlette
) -> None:
    rich = pick(investigation_sim, "rich")
    for technique in briefs["rich"].techniques:
        seen = [
            e["severity"].removeprefix("IMPACT_SEVERITY_").lower()
            for e in attribute_union(rich, "mitre_attack_techniques")
            if e["id"] == technique.id
        ]
        assert technique.severity.label == max(seen, key=lambda w: Severity[w.upper()])


def test_techniques_carry_their_tactics_and_come_most_severe_first(
    briefs: dict[str, Brief],
) -> None:
    techniques = briefs["rich"].techniques
    assert all(t.tactics for t in techniques)
    assert all(t.tactics[0].shortname.islower() for t in techniques)
    severities = [t.severity for t in techniques]
    assert severities == sorted(severities, reverse=True)


def test_rich_brief_lists_every_looked_up_domain(
    briefs: dict[str, Brief], investigation_sim: Starlette
) -> None:
    rich = pick(investigation_sim, "rich")
    brief = briefs["rich"]
    domains = {item.value for item in brief.indicators.domains.items}
    noise = hostnames(rich) & set(BACKGROUND_HOSTS)  # the guest's own lookups, left out
    assert hostnames(rich) - noise <= domains
    assert not noise & domains
    assert brief.noise["domains"] == len(noise)
    assert brief.indicators.domains.total == len(domains)


def test_dropped_files_keep_the_hashes_and_types_the_sandboxes_reported(
    briefs: dict[str, Brief], investigation_sim: Starlette
) -> None:
    rich = pick(investigation_sim, "rich")
    expected = {(d["sha256"], d["type"]) for d in attribute_union(rich, "files_dropped")}
    found = {(f.value, f.file_type) for f in briefs["rich"].indicators.files.items}
    assert found == expected


def test_artefact_paths_are_listed_only_for_artefacts_that_exist(
    briefs: dict[str, Brief], investigation_sim: Starlette
) -> None:
    rich = pick(investigation_sim, "rich")
    for run, report in zip(briefs["rich"].sandboxes, rich.reports, strict=True):
        kinds = set(run.artefacts.paths)
        assert kinds == set(report.artefacts)
        for path in run.artefacts.paths.values():
            assert path.startswith("/v1/file_behaviours/")
            assert " " not in path  # the sandbox id's space is percent-encoded


def test_a_malicious_sample_gets_a_malicious_verdict_with_reasons(
    briefs: dict[str, Brief],
) -> None:
    verdict = briefs["rich"].verdict
    assert verdict.value == "malicious"
    assert verdict.reasons
    assert any("sandboxes with a verdict" in reason for reason in verdict.reasons)


def test_sigma_and_ids_hits_are_merged_across_sandboxes_with_severities(
    briefs: dict[str, Brief], investigation_sim: Starlette
) -> None:
    rich = pick(investigation_sim, "rich")
    titles = {s["rule_title"] for s in attribute_union(rich, "sigma_analysis_results")}
    assert {hit.name for hit in briefs["rich"].detections.sigma.items} == titles
    messages = {a["rule_msg"] for a in attribute_union(rich, "ids_alerts")}
    assert {hit.name for hit in briefs["rich"].detections.ids.items} == messages


def test_a_file_with_no_behaviour_data_gets_a_brief_that_says_so(
    briefs: dict[str, Brief],
) -> None:
    empty = briefs["none"]
    assert not empty.has_behaviour_data
    assert empty.verdict.value == "unknown"
    assert empty.note is not None
    assert "no sandbox behaviour data" in empty.note
    assert empty.techniques == ()
    assert empty.indicators.all() == ()


def test_a_poorly_analysed_file_reports_only_its_one_static_sandbox(
    briefs: dict[str, Brief], investigation_sim: Starlette
) -> None:
    poor = pick(investigation_sim, "poor")
    assert briefs["poor"].sandbox_names() == tuple(r.sandbox_name for r in poor.reports)
    assert {t.id for t in briefs["poor"].techniques} == technique_ids(poor)


def test_hostile_strings_pass_through_the_json_brief_verbatim(briefs: dict[str, Brief]) -> None:
    text = briefs["hostile"].to_json()
    parsed = json.loads(text)
    urls = [item["value"] for item in parsed["indicators"]["urls"]["items"]]
    assert f"http://{HOSTILE_HOST}/{XSS_PAYLOADS[0]}" in urls
    assert XSS_PAYLOADS[0] in text
    assert "untrusted" in parsed["untrusted"]


def test_capped_lists_state_their_totals_as_integers(briefs: dict[str, Brief]) -> None:
    data = briefs["huge"].to_dict()
    for family in ("indicators", "detections"):
        for name, group in data[family].items():
            assert isinstance(group["total"], int), name
            assert len(group["items"]) <= group["total"]
            assert group["truncated"] == (group["total"] > len(group["items"]))


def test_a_list_longer_than_its_cap_keeps_its_head_and_states_the_total() -> None:
    sha256 = "a" * 64
    report = {
        "id": f"{sha256}_Zenbox",
        "attributes": {
            "sandbox_name": "Zenbox",
            "mutexes_created": [f"Global\\m{i}" for i in range(HOST_LIMIT + 50)],
        },
    }
    cost = Cost("exactly 3 upstream calls", 3, 0, 3, 1)
    brief = build_brief(sha256, summary={}, trees={}, reports=[report], cost=cost)
    mutexes = brief.indicators.mutexes
    assert (len(mutexes.items), mutexes.total) == (HOST_LIMIT, HOST_LIMIT + 50)
    assert mutexes.items[0].value == "Global\\m0"
    assert brief.to_dict()["indicators"]["mutexes"]["truncated"] is True


def test_notable_registry_keys_come_first(briefs: dict[str, Brief]) -> None:
    keys = briefs["hostile"].indicators.registry_keys.items
    assert keys[0].notable == "autostart (Run key)"
    assert "\\CurrentVersion\\Run\\" in keys[0].value
