"""Per-sandbox verdicts and artefacts, and the top-line verdict with its reasons.

The top line is deliberately simple and explained: malicious when a sandbox calls it malware
(any verdict other than CLEAN, UNKNOWN_VERDICT or a "suspicious" class) or when a behaviour of
HIGH severity or above was seen; suspicious for a suspicious-class verdict or MEDIUM
behaviour; clean when sandboxes say CLEAN and nothing above LOW was seen; unknown otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from iocgate.virustotal.investigate.model import (
    Artefacts,
    Detections,
    SandboxRun,
    Technique,
    Verdict,
)
from iocgate.virustotal.investigate.reports import Report, as_int
from iocgate.virustotal.severity import Severity, highest
from iocgate.virustotal.wording import counted

__all__ = ["ARTEFACT_PATH", "build_sandboxes", "build_verdict", "classify_verdict"]

ARTEFACT_PATH = "/v1/file_behaviours/{sandbox_id}/{kind}"
"""The gateway's REST path of an artefact (the embedded capability's ``exposes``)."""

_ARTEFACT_FLAGS = (
    ("pcap", "has_pcap"),
    ("evtx", "has_evtx"),
    ("memdump", "has_memdump"),
    ("html", "has_html_report"),
)

_NOT_A_VERDICT = frozenset({"UNKNOWN_VERDICT", "UNKNOWN", "VERDICT_UNKNOWN", ""})
_CLEAN = frozenset({"CLEAN", "HARMLESS", "BENIGN", "UNDETECTED"})
_SUSPICIOUS = frozenset(
    {"SUSPICIOUS", "GREYWARE", "ADWARE", "PUA", "PUP", "RISKWARE", "HACKTOOL", "EVADER"}
)

# Keys whose presence means a sandbox observed behaviour (not just an empty shell of a report).
_METADATA_KEYS = frozenset(
    {"analysis_date", "last_modification_date", "sandbox_name", "behash"}
    | {flag for _, flag in _ARTEFACT_FLAGS}
    | {"verdicts", "verdict_labels", "verdict_confidence"}
)


def classify_verdict(verdict: str) -> str:
    """``malicious``, ``suspicious``, ``clean`` or ``unknown`` for one sandbox verdict word."""
    word = verdict.strip().upper()
    if word in _NOT_A_VERDICT:
        return "unknown"
    if word in _CLEAN:
        return "clean"
    if word in _SUSPICIOUS:
        return "suspicious"
    return "malicious"


def _artefacts(report: Report) -> Artefacts:
    paths = {
        kind: ARTEFACT_PATH.format(sandbox_id=quote(report.id, safe=""), kind=kind)
        for kind, flag in _ARTEFACT_FLAGS
        if report.flag(flag) and report.id
    }
    return Artefacts(
        has_pcap=report.flag("has_pcap"),
        has_evtx=report.flag("has_evtx"),
        has_memdump=report.flag("has_memdump"),
        has_html_report=report.flag("has_html_report"),
        paths=paths,
    )


def build_sandboxes(reports: list[Report]) -> tuple[SandboxRun, ...]:
    """One entry per sandbox report, in the order VirusTotal listed them."""
    return tuple(
        SandboxRun(
            name=report.sandbox,
            id=report.id,
            analysis_date=as_int(report.attributes.get("analysis_date")),
            verdicts=tuple(report.strings("verdicts")),
            labels=tuple(report.strings("verdict_labels")),
            confidence=as_int(report.attributes.get("verdict_confidence")),
            artefacts=_artefacts(report),
            has_behaviour=any(key not in _METADATA_KEYS for key in report.attributes),
        )
        for report in reports
    )


def _words(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str) and v] if isinstance(value, list) else []


def _join(values: Iterable[str]) -> str:
    return ", ".join(dict.fromkeys(values))


def build_verdict(
    runs: tuple[SandboxRun, ...],
    summary: Mapping[str, Any],
    techniques: tuple[Technique, ...],
    detections: Detections,
) -> Verdict:
    """The top-line verdict, with one reason per piece of evidence that decided it."""
    run_labels = [label for run in runs for label in run.labels]
    labels = tuple(dict.fromkeys([*_words(summary.get("verdict_labels")), *run_labels]))
    confidence = as_int(summary.get("verdict_confidence"))
    if confidence is None:
        confidence = max((r.confidence for r in runs if r.confidence is not None), default=None)
    hits = [*detections.signatures.items, *detections.sigma.items, *detections.ids.items]
    severity = highest([*(t.severity for t in techniques), *(d.severity for d in hits)])
    if not runs:
        return Verdict(
            "unknown",
            ("no sandbox has analysed this file: VirusTotal has no behaviour data for it",),
            severity,
            labels,
            confidence,
        )
    by_class: dict[str, list[SandboxRun]] = {}
    for run in runs:
        for cls in dict.fromkeys(classify_verdict(v) for v in run.verdicts):
            by_class.setdefault(cls, []).append(run)
    with_verdict = [r for r in runs if any(classify_verdict(v) != "unknown" for v in r.verdicts)]
    # Reports without verdicts of their own: fall back on the summary's merged verdicts.
    summary_words = [] if with_verdict else _words(summary.get("verdicts"))
    classes = set(by_class) | {classify_verdict(v) for v in summary_words}
    reasons: list[str] = []

    def sandbox_reason(cls: str) -> None:
        boxes = by_class.get(cls, [])
        if boxes:
            words = _join(v for r in boxes for v in r.verdicts if classify_verdict(v) == cls)
            text = (
                f"{len(boxes)} of {counted(len(with_verdict), 'sandbox', 'sandboxes')} "
                f"with a verdict {'says' if len(boxes) == 1 else 'say'} {words}"
            )
            text += f" ({_join(r.name for r in boxes)})"
        else:
            words = _join(v for v in summary_words if classify_verdict(v) == cls)
            text = f"VirusTotal's behaviour summary says {words}"
        if labels and cls == "malicious":
            text += f"; labels: {', '.join(labels)}"
        reasons.append(text)

    def behaviour_reason(level: Severity) -> None:
        at_level = [t for t in techniques if t.severity >= level]
        rules = [d for d in hits if d.severity >= level]
        if at_level:
            shown = ", ".join(
                f"{t.id}{' ' + t.name if t.name else ''} ({t.severity.label}, {t.agreement})"
                for t in at_level[:3]
            )
            more = f" and {len(at_level) - 3} more" if len(at_level) > 3 else ""
            reasons.append(f"{counted(len(at_level), 'ATT&CK technique')} at {level.label} "
                           f"or above: {shown}{more}")  # fmt: skip
        if rules:
            shown = "; ".join(f"{d.kind} '{d.name}' ({d.severity.label})" for d in rules[:3])
            more = f" and {len(rules) - 3} more" if len(rules) > 3 else ""
            reasons.append(
                f"{counted(len(rules), 'rule hit')} at {level.label} or above: {shown}{more}"
            )

    if "malicious" in classes or severity >= Severity.HIGH:
        if "malicious" in classes:
            sandbox_reason("malicious")
        if severity >= Severity.HIGH:
            behaviour_reason(Severity.HIGH)
        return Verdict("malicious", tuple(reasons), severity, labels, confidence)
    if "suspicious" in classes or severity >= Severity.MEDIUM:
        if "suspicious" in classes:
            sandbox_reason("suspicious")
        if severity >= Severity.MEDIUM:
            behaviour_reason(Severity.MEDIUM)
        return Verdict("suspicious", tuple(reasons), severity, labels, confidence)
    if "clean" in classes:
        sandbox_reason("clean")
        reasons.append(f"nothing above {max(severity, Severity.LOW).label} severity was observed")
        return Verdict("clean", tuple(reasons), severity, labels, confidence)
    reasons.append(
        f"{counted(len(runs), 'sandbox report')}, none with a verdict, and nothing above "
        f"{max(severity, Severity.LOW).label} severity: not enough to call it either way"
    )
    return Verdict("unknown", tuple(reasons), severity, labels, confidence)
