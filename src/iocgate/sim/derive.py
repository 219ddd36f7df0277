"""Views computed from a file's reports: the behaviour summary and the MITRE ATT&CK trees."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from iocgate.sim.attack import TACTICS, TECHNIQUES
from iocgate.sim.corpus import SandboxReport

__all__ = [
    "PER_SANDBOX_ATTRIBUTES",
    "attack_signatures",
    "behaviour_mitre_trees",
    "behaviour_summary",
    "plain_severity",
]

PER_SANDBOX_ATTRIBUTES: frozenset[str] = frozenset(
    {
        "analysis_date",
        "behash",
        "has_evtx",
        "has_html_report",
        "has_memdump",
        "has_pcap",
        "last_modification_date",
        "sandbox_name",
    }
)
"""Attributes that describe one run, so the summary drops them (VirusTotal docs)."""


def plain_severity(impact: str) -> str:
    """`IMPACT_SEVERITY_HIGH` -> `HIGH`: summaries and trees use the short vocabulary."""
    return impact.removeprefix("IMPACT_SEVERITY_") or "UNKNOWN"


def attack_signatures(reports: Iterable[SandboxReport]) -> dict[str, list[dict[str, str]]]:
    """Technique id -> its distinct signatures `{description, severity}`, first seen first."""
    techniques: dict[str, list[dict[str, str]]] = {}
    for report in reports:
        for entry in report.attributes.get("mitre_attack_techniques", ()):
            signature = {
                "description": entry["signature_description"],
                "severity": plain_severity(entry.get("severity", "")),
            }
            listed = techniques.setdefault(entry["id"], [])
            if signature not in listed:
                listed.append(signature)
    return techniques


def behaviour_summary(reports: Sequence[SandboxReport]) -> dict[str, Any]:
    """The union of the reports' lists, deduplicated; per-run attributes dropped.

    `attack_techniques` becomes a dict keyed by technique id, as VirusTotal's summary has it.
    """
    summary: dict[str, Any] = {}
    seen: dict[str, set[str]] = {}
    for report in reports:
        for key, value in report.attributes.items():
            if key in PER_SANDBOX_ATTRIBUTES:
                continue
            if isinstance(value, list):
                merged = summary.setdefault(key, [])
                keys = seen.setdefault(key, set())
                for item in value:
                    identity = json.dumps(item, sort_keys=True)
                    if identity not in keys:
                        keys.add(identity)
                        merged.append(item)
            elif key == "verdict_confidence":
                summary[key] = max(summary.get(key, 0), value)
            else:
                summary.setdefault(key, value)
    techniques = attack_signatures(reports)
    if techniques:
        summary["attack_techniques"] = techniques
    return summary


def behaviour_mitre_trees(reports: Sequence[SandboxReport]) -> dict[str, Any]:
    """Per sandbox name: tactics in kill-chain order, each with its techniques and signatures.

    A technique that serves several tactics appears under each; sandboxes that saw no
    technique still appear, with `"tactics": []`.
    """
    trees: dict[str, Any] = {}
    for report in reports:
        techniques = attack_signatures([report])
        tactics = []
        for tactic in TACTICS.values():
            members = [
                TECHNIQUES[technique_id]
                for technique_id in techniques
                if technique_id in TECHNIQUES and tactic.id in TECHNIQUES[technique_id].tactics
            ]
            if not members:
                continue
            tactics.append(
                {
                    "id": tactic.id,
                    "name": tactic.name,
                    "description": tactic.description,
                    "link": tactic.link,
                    "techniques": [
                        {
                            "id": technique.id,
                            "name": technique.name,
                            "description": technique.description,
                            "link": technique.link,
                            "signatures": techniques[technique.id],
                        }
                        for technique in members
                    ],
                }
            )
        trees[report.sandbox_name] = {"tactics": tactics}
    return trees
