"""VirusTotal knowledge for condensing: severity first, valuable attributes first, trees cut."""

from __future__ import annotations

from typing import Any

from iocgate.virustotal.shaping import TREE_DEPTH, severity_rank, shape_for_context

REPORT = "/file_behaviours/{sandbox_id}"
SUMMARY = "/files/{id}/behaviour_summary"
TREES = "/files/{id}/behaviour_mitre_trees"


def test_severity_ranks_agree_across_the_four_vocabularies() -> None:
    assert severity_rank("IMPACT_SEVERITY_HIGH") == severity_rank("high") == severity_rank("HIGH")
    assert severity_rank("critical") < severity_rank("IMPACT_SEVERITY_HIGH")
    assert severity_rank("IMPACT_SEVERITY_HIGH") < severity_rank("medium")
    assert severity_rank("medium") < severity_rank("low") < severity_rank("info")
    assert severity_rank("info") < severity_rank("UNKNOWN") < severity_rank(None)


def test_a_report_lists_the_most_severe_detections_first() -> None:
    answer = {
        "data": {
            "id": "x",
            "attributes": {
                "signature_matches": [
                    {"id": "1", "severity": "IMPACT_SEVERITY_INFO"},
                    {"id": "2", "severity": "IMPACT_SEVERITY_HIGH"},
                    {"id": "3"},
                    {"id": "4", "severity": "IMPACT_SEVERITY_MEDIUM"},
                ],
                "sigma_analysis_results": [{"rule_level": "low"}, {"rule_level": "critical"}],
                "ids_alerts": [{"alert_severity": "info"}, {"alert_severity": "high"}],
            },
        }
    }
    shaped = shape_for_context(REPORT, answer, section=None)["data"]["attributes"]
    assert [s["id"] for s in shaped["signature_matches"]] == ["2", "4", "1", "3"]
    assert shaped["sigma_analysis_results"][0]["rule_level"] == "critical"
    assert shaped["ids_alerts"][0]["alert_severity"] == "high"


def test_paging_sees_the_same_order_but_no_dropped_fields() -> None:
    technique = {"id": "T1", "severity": "IMPACT_SEVERITY_LOW", "refs": [{"ref": "#x"}]}
    answer = {"data": {"attributes": {"mitre_attack_techniques": [technique]}}}
    overview = shape_for_context(REPORT, answer, section=None)
    page = shape_for_context(REPORT, answer, section="mitre_attack_techniques")
    assert "refs" not in overview["data"]["attributes"]["mitre_attack_techniques"][0]
    assert page["data"]["attributes"]["mitre_attack_techniques"][0] == technique


def test_routine_lists_move_behind_verdicts_and_network_indicators() -> None:
    summary = {
        "data": {
            "registry_keys_opened": ["k"],
            "modules_loaded": ["m"],
            "custom_field": 1,
            "dns_lookups": [{"hostname": "h"}],
            "verdicts": ["MALWARE"],
            "last_modification_date": 1,
        }
    }
    shaped = shape_for_context(SUMMARY, summary, section=None)["data"]
    assert list(shaped) == [
        "verdicts",
        "dns_lookups",
        "custom_field",
        "modules_loaded",
        "registry_keys_opened",
    ]


def _chain(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"process_id": str(depth), "name": f"p{depth}.exe"}
    for level in range(depth - 1, 0, -1):
        node = {"process_id": str(level), "name": f"p{level}.exe", "children": [node]}
    return node


def test_a_deep_process_tree_is_cut_with_a_count_of_what_was_cut() -> None:
    answer = {"data": {"attributes": {"processes_tree": [_chain(10)]}}}
    tree = shape_for_context(REPORT, answer, section=None)["data"]["attributes"]["processes_tree"]
    node = tree[0]
    for _ in range(TREE_DEPTH - 1):
        node = node["children"][0]
    assert "children" not in node
    assert node["descendants_omitted"] == 10 - TREE_DEPTH
    whole = shape_for_context(REPORT, answer, section="processes_tree")
    assert whole["data"]["attributes"]["processes_tree"] == [_chain(10)]


def test_summary_attack_techniques_put_the_most_severe_technique_first() -> None:
    summary = {
        "data": {
            "attack_techniques": {
                "T1082": [{"severity": "INFO"}],
                "T1055": [{"severity": "LOW"}, {"severity": "HIGH"}],
            }
        }
    }
    shaped = shape_for_context(SUMMARY, summary, section=None)["data"]["attack_techniques"]
    assert list(shaped) == ["T1055", "T1082"]
    assert shaped["T1055"][0]["severity"] == "HIGH"


def test_mitre_trees_order_tactics_and_techniques_by_their_worst_signature() -> None:
    def technique(name: str, severity: str) -> dict[str, Any]:
        return {"id": name, "signatures": [{"severity": severity, "description": name}]}

    trees = {
        "data": {
            "Zenbox": {
                "tactics": [
                    {"id": "TA0007", "techniques": [technique("T1082", "INFO")]},
                    {
                        "id": "TA0005",
                        "techniques": [technique("T1070", "LOW"), technique("T1055", "HIGH")],
                    },
                ]
            },
            "CAPA": None,
        }
    }
    shaped = shape_for_context(TREES, trees, section=None)["data"]
    assert [t["id"] for t in shaped["Zenbox"]["tactics"]] == ["TA0005", "TA0007"]
    assert [t["id"] for t in shaped["Zenbox"]["tactics"][0]["techniques"]] == ["T1055", "T1070"]
    assert shaped["CAPA"] is None


def test_items_of_a_collection_lose_their_self_links_in_an_overview() -> None:
    answer = {
        "data": [{"id": "a", "type": "file_behaviour", "links": {"self": "u"}, "attributes": {}}],
        "links": {"self": "page", "next": "next-page"},
    }
    shaped = shape_for_context("/files/{id}/behaviours", answer, section=None)
    assert "links" not in shaped["data"][0]
    assert shaped["links"] == {"self": "page", "next": "next-page"}


def test_an_error_body_or_a_non_object_passes_through() -> None:
    error = {"error": {"code": "NotFoundError", "message": "x"}}
    assert shape_for_context(REPORT, error, section=None) == error
    assert shape_for_context(REPORT, [1, 2], section=None) == [1, 2]
