"""Rule hits: behaviour signatures, Sigma rules and IDS alerts, merged across sandboxes.

Each family has its own severity word (``IMPACT_SEVERITY_*``, Sigma's ``rule_level``, IDS's
lowercase ``alert_severity``); all land on the one `Severity` scale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from iocgate.virustotal.investigate.model import Agreement, Capped, Detection, Detections
from iocgate.virustotal.investigate.reports import Report
from iocgate.virustotal.severity import Severity, normalise_severity

__all__ = ["DETECTION_LIMIT", "build_detections"]

DETECTION_LIMIT = 200
"""At most this many hits of each family in a brief (the total is always stated)."""


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass
class _Hit:
    name: str
    rule_id: str | None
    source: str | None
    description: str | None
    format: str | None
    severity: Severity = Severity.UNKNOWN
    sandboxes: dict[str, None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Family:
    kind: str
    attribute: str
    key: Callable[[Mapping[str, Any]], str | None]
    name: Callable[[Mapping[str, Any]], str | None]
    rule_id: str
    source: str
    description: str | None
    severity: str
    format: str | None = None


_FAMILIES = (
    _Family(
        "signature",
        "signature_matches",
        key=lambda m: _text(m.get("name")) or _text(m.get("description")) or _text(m.get("id")),
        name=lambda m: _text(m.get("name")) or _text(m.get("description")) or _text(m.get("id")),
        rule_id="id",
        source="rule_src_name",  # absent in practice: CAPA's rule_src is the rule text itself
        description="description",
        severity="severity",
        format="format",
    ),
    _Family(
        "sigma",
        "sigma_analysis_results",
        key=lambda m: _text(m.get("rule_id")) or _text(m.get("rule_title")),
        name=lambda m: _text(m.get("rule_title")) or _text(m.get("rule_id")),
        rule_id="rule_id",
        source="rule_source",
        description="rule_description",
        severity="rule_level",
    ),
    _Family(
        "ids",
        "ids_alerts",
        key=lambda m: _text(m.get("rule_id")) or _text(m.get("rule_msg")),
        name=lambda m: _text(m.get("rule_msg")) or _text(m.get("rule_id")),
        rule_id="rule_id",
        source="rule_source",
        description="rule_category",
        severity="alert_severity",
    ),
)


def _items(family: _Family, source: Report | Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if isinstance(source, Report):
        items = source.dicts(family.attribute)
        if family.kind == "ids" and not items:
            items = source.dicts("ids_results")  # the docs' JSON skeleton name (vt-api.md §4)
        return items
    value = source.get(family.attribute)
    return [i for i in value if isinstance(i, Mapping)] if isinstance(value, list) else []


def _merge(family: _Family, reports: list[Report], summary: Mapping[str, Any]) -> Capped[Detection]:
    hits: dict[str, _Hit] = {}
    reporting: dict[str, None] = {}
    sources: list[tuple[str | None, list[Mapping[str, Any]]]] = [
        (report.sandbox, _items(family, report)) for report in reports
    ]
    sources.append((None, _items(family, summary)))  # the summary's union, with no sandbox
    for sandbox, items in sources:
        if items and sandbox is not None:
            reporting[sandbox] = None
        for item in items:
            key = family.key(item)
            name = family.name(item)
            if key is None or name is None:
                continue
            hit = hits.get(key)
            if hit is None:
                hit = hits[key] = _Hit(
                    name=name,
                    rule_id=_text(item.get(family.rule_id)),
                    source=_text(item.get(family.source)),
                    description=_text(item.get(family.description)) if family.description else None,
                    format=_text(item.get(family.format)) if family.format else None,
                )
            hit.severity = max(hit.severity, normalise_severity(item.get(family.severity)))
            if sandbox is not None:
                hit.sandboxes[sandbox] = None
    total = len(reporting) or len(reports)
    detections = [
        Detection(
            kind=family.kind,
            name=hit.name,
            severity=hit.severity,
            sandboxes=tuple(hit.sandboxes),
            agreement=Agreement(len(hit.sandboxes), total),
            rule_id=hit.rule_id,
            source=hit.source,
            description=hit.description if hit.description != hit.name else None,
            format=hit.format,
        )
        for hit in hits.values()
    ]
    detections.sort(key=lambda d: (-d.severity, -len(d.sandboxes), d.name))
    return Capped.of(detections, DETECTION_LIMIT)


def build_detections(reports: list[Report], summary: Mapping[str, Any]) -> Detections:
    """Signature, Sigma and IDS hits, each most severe first."""
    signatures, sigma, ids = (_merge(family, reports, summary) for family in _FAMILIES)
    return Detections(signatures=signatures, sigma=sigma, ids=ids)
