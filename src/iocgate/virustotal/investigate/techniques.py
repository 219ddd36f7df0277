"""ATT&CK techniques and behaviour tags, merged across the three places they appear.

Techniques come from the MITRE trees (per sandbox, with tactics), from each report's
``mitre_attack_techniques`` (per sandbox, ``IMPACT_SEVERITY_*``) and from the summary's
``attack_techniques`` / ``mitre_attack_techniques`` (no sandbox). Agreement counts a sandbox
once per technique, over the sandboxes that report techniques at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from iocgate.virustotal.investigate.attack import Tactic as KnownTactic
from iocgate.virustotal.investigate.attack import (
    is_technique_id,
    tactic_for,
    technique_link,
    technique_parent,
)
from iocgate.virustotal.investigate.model import (
    Agreement,
    SignatureSeen,
    TacticRef,
    TagSeen,
    Technique,
)
from iocgate.virustotal.investigate.reports import Report
from iocgate.virustotal.severity import Severity, normalise_severity

__all__ = ["build_tags", "build_techniques"]


@dataclass
class _Signature:
    severity: Severity = Severity.UNKNOWN
    sandboxes: dict[str, None] = field(default_factory=dict)


@dataclass
class _Technique:
    name: str | None = None
    tactics: dict[str, KnownTactic] = field(default_factory=dict)
    severity: Severity = Severity.UNKNOWN
    sandboxes: dict[str, None] = field(default_factory=dict)
    signatures: dict[str, _Signature] = field(default_factory=dict)

    def saw(self, description: object, severity: Severity, sandbox: str | None) -> None:
        self.severity = max(self.severity, severity)
        if sandbox is not None:
            self.sandboxes[sandbox] = None
        if isinstance(description, str) and description:
            signature = self.signatures.setdefault(description, _Signature())
            signature.severity = max(signature.severity, severity)
            if sandbox is not None:
                signature.sandboxes[sandbox] = None


class _Techniques:
    def __init__(self) -> None:
        self.by_id: dict[str, _Technique] = {}
        self.reporting: dict[str, None] = {}  # sandboxes that report techniques at all

    def get(self, technique_id: str) -> _Technique:
        return self.by_id.setdefault(technique_id, _Technique())

    def add_tree(self, sandbox: str, tree: object) -> None:
        tactics = tree.get("tactics") if isinstance(tree, Mapping) else None
        if not isinstance(tactics, list):
            return  # VirusTotal may map a sandbox to null (vt-api.md §3.4)
        for tactic in tactics:
            if not isinstance(tactic, Mapping):
                continue
            known = tactic_for(tactic.get("id"), tactic.get("name"))
            techniques = tactic.get("techniques")
            for item in techniques if isinstance(techniques, list) else []:
                if not isinstance(item, Mapping) or not is_technique_id(item.get("id")):
                    continue
                self.reporting[sandbox] = None
                entry = self.get(item["id"])
                if isinstance(item.get("name"), str) and item["name"]:
                    entry.name = item["name"]
                if known is not None:
                    entry.tactics[known.id] = known
                entry.sandboxes[sandbox] = None
                signatures = item.get("signatures")
                for sig in signatures if isinstance(signatures, list) else []:
                    if isinstance(sig, Mapping):
                        entry.saw(
                            sig.get("description"), normalise_severity(sig.get("severity")), sandbox
                        )

    def add_mitre_list(self, items: list[Mapping[str, Any]], sandbox: str | None) -> None:
        for item in items:
            if not is_technique_id(item.get("id")):
                continue
            if sandbox is not None:
                self.reporting[sandbox] = None
            self.get(item["id"]).saw(
                item.get("signature_description"), normalise_severity(item.get("severity")), sandbox
            )

    def add_summary_dict(self, value: object) -> None:
        """The summary's ``{"T1053": [{"description", "severity"}]}``: it names parents only.

        VirusTotal keys it by parent technique even when the evidence is a sub-technique; a
        description already known under a sub-technique is folded into it, not duplicated.
        """
        if not isinstance(value, Mapping):
            return
        for technique_id, entries in value.items():
            if not is_technique_id(technique_id) or not isinstance(entries, list):
                continue
            for entry in entries:
                if not isinstance(entry, Mapping):
                    continue
                description = entry.get("description")
                target = self._owner_of(technique_id, description) or technique_id
                self.get(target).saw(description, normalise_severity(entry.get("severity")), None)

    def _owner_of(self, technique_id: str, description: object) -> str | None:
        for known_id, known in self.by_id.items():
            if technique_parent(known_id) == technique_id and description in known.signatures:
                return known_id
        return None


def _finish(technique_id: str, entry: _Technique, total: int) -> Technique:
    tactics = sorted(entry.tactics.values(), key=lambda t: (t.order, t.id))
    signatures = sorted(
        (
            SignatureSeen(description, sig.severity, tuple(sig.sandboxes))
            for description, sig in entry.signatures.items()
        ),
        key=lambda s: (-s.severity, -len(s.sandboxes)),
    )
    return Technique(
        id=technique_id,
        name=entry.name,
        tactics=tuple(TacticRef(t.id, t.name, t.shortname) for t in tactics),
        severity=entry.severity,
        sandboxes=tuple(entry.sandboxes),
        agreement=Agreement(len(entry.sandboxes), total),
        signatures=tuple(signatures),
        link=technique_link(technique_id),
    )


def build_techniques(
    summary: Mapping[str, Any], trees: Mapping[str, Any], reports: list[Report]
) -> tuple[Technique, ...]:
    """Every technique, most severe first, then most agreed on, then by id."""
    merged = _Techniques()
    for sandbox, tree in trees.items():
        merged.add_tree(str(sandbox), tree)
    for report in reports:
        merged.add_mitre_list(report.dicts("mitre_attack_techniques"), report.sandbox)
    summary_list = summary.get("mitre_attack_techniques")
    if isinstance(summary_list, list):
        merged.add_mitre_list([i for i in summary_list if isinstance(i, Mapping)], None)
    merged.add_summary_dict(summary.get("attack_techniques"))
    total = len(merged.reporting) or len(reports)
    techniques = [_finish(tid, entry, total) for tid, entry in merged.by_id.items()]
    techniques.sort(key=lambda t: (-t.severity, -len(t.sandboxes), t.id))
    return tuple(techniques)


def build_tags(reports: list[Report], summary: Mapping[str, Any]) -> tuple[TagSeen, ...]:
    """Behaviour tags with how many tag-reporting sandboxes set each."""
    seen: dict[str, dict[str, None]] = {}
    reporting = 0
    for report in reports:
        if "tags" not in report.attributes:
            continue
        reporting += 1
        for tag in report.strings("tags"):
            seen.setdefault(tag, {})[report.sandbox] = None
    summary_tags = summary.get("tags")
    for tag in summary_tags if isinstance(summary_tags, list) else []:
        if isinstance(tag, str) and tag:
            seen.setdefault(tag, {})
    total = reporting or len(reports)
    tags = [TagSeen(tag, tuple(boxes), Agreement(len(boxes), total)) for tag, boxes in seen.items()]
    tags.sort(key=lambda t: (-len(t.sandboxes), t.tag))
    return tuple(tags)
