"""`build_brief`: the three upstream answers of an investigation turned into one `Brief`.

Pure: no I/O, so exports, tests and the console can build briefs from stored JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from iocgate.errors import InvalidArgumentError
from iocgate.virustotal.investigate.detections import build_detections
from iocgate.virustotal.investigate.file_object import (
    file_attributes_of,
    read_file_context,
    with_file_hashes,
)
from iocgate.virustotal.investigate.host import build_host
from iocgate.virustotal.investigate.model import Brief, Cost, FileHashes, Indicators
from iocgate.virustotal.investigate.network import build_network
from iocgate.virustotal.investigate.processes import build_processes
from iocgate.virustotal.investigate.reports import Report, parse_reports
from iocgate.virustotal.investigate.techniques import build_tags, build_techniques
from iocgate.virustotal.investigate.triage import triage_indicators
from iocgate.virustotal.investigate.verdict import build_sandboxes, build_verdict

__all__ = ["build_brief", "data_of"]


def data_of(body: object) -> Any:
    """The ``data`` member of a VirusTotal answer (``{}`` when the body has none)."""
    if isinstance(body, Mapping):
        return body.get("data", {})
    return {}


def _hashes(file_hash: str, reports: list[Report]) -> FileHashes:
    lowered = file_hash.lower()
    by_length = {64: "sha256", 40: "sha1", 32: "md5"}
    known: dict[str, str] = {by_length[len(lowered)]: lowered} if len(lowered) in by_length else {}
    for report in reports:
        if report.sha256 is not None:
            known.setdefault("sha256", report.sha256)
            break
    return FileHashes(
        queried=file_hash,
        sha256=known.get("sha256"),
        sha1=known.get("sha1"),
        md5=known.get("md5"),
    )


def build_brief(
    file_hash: str,
    *,
    summary: Mapping[str, Any] | None,
    trees: Mapping[str, Any] | None,
    reports: Sequence[Report] | Sequence[Mapping[str, Any]],
    cost: Cost,
    sandbox: str | None = None,
    unread_reports: int = 0,
    generated_at: datetime | None = None,
    file_object: Mapping[str, Any] | None = None,
    next_steps: Sequence[str] = (),
    include_noise: bool = False,
) -> Brief:
    """The brief of ``file_hash`` from the summary's ``data``, the trees' ``data`` and reports.

    ``reports`` are `Report`s or the raw objects of the behaviours pages' ``data`` lists;
    ``unread_reports`` counts reports VirusTotal listed but that could not be fetched. With
    ``sandbox``, the brief covers that sandbox's report alone (the summary, a union over every
    sandbox, is then left out); `InvalidArgumentError` if the file has no such report.
    """
    parsed = [r for r in reports if isinstance(r, Report)] or parse_reports(list(reports))
    summary = summary if isinstance(summary, Mapping) else {}
    trees = trees if isinstance(trees, Mapping) else {}
    if sandbox is not None:
        names = [report.sandbox for report in parsed]
        if sandbox not in names:
            known = ", ".join(names) or "none (the file has no sandbox reports)"
            raise InvalidArgumentError(f"sandbox must be one of: {known}; got {sandbox!r}")
        parsed = [report for report in parsed if report.sandbox == sandbox]
        trees = {name: tree for name, tree in trees.items() if name == sandbox}
        summary = {}
    techniques = build_techniques(summary, trees, parsed)
    detections = build_detections(parsed, summary)
    network = build_network(parsed, summary)
    host = build_host(parsed, summary)
    sandboxes = build_sandboxes(parsed)
    verdict = build_verdict(sandboxes, summary, techniques, detections)
    note = None
    if not parsed:
        note = (
            "VirusTotal has no sandbox behaviour data for this file: no sandbox has run it, so "
            "there are no techniques or indicators to report."
        )
    elif not any(run.has_behaviour for run in sandboxes) and not techniques:
        note = "The sandbox reports of this file record no behaviour (metadata only)."
    if unread_reports > 0:
        unread = (
            f"Only {len(parsed)} of {len(parsed) + unread_reports} sandbox reports were read: "
            "the capability's getAllBehaviorReportsForAFile declares no cursor parameter."
        )
        note = f"{note} {unread}" if note else unread
    indicators, noise = triage_indicators(
        Indicators(
            domains=network.domains,
            ips=network.ips,
            urls=network.urls,
            files=host.files,
            mutexes=host.mutexes,
            registry_keys=host.registry_keys,
            command_lines=host.command_lines,
        ),
        include_noise=include_noise,
    )
    process_sandbox, processes = build_processes(parsed)
    moment = generated_at or datetime.now(UTC)
    file_attributes = file_attributes_of(file_object)
    context = read_file_context(file_attributes)
    if context is not None and context.ratio is not None:
        label = f" (popular threat label {context.threat_label})" if context.threat_label else ""
        verdict = replace(
            verdict,
            reasons=(
                *verdict.reasons,
                f"VirusTotal engines: {context.ratio} flag the file malicious{label}",
            ),
        )
    return Brief(
        file=with_file_hashes(_hashes(file_hash, parsed), file_attributes),
        file_context=context,
        next_steps=tuple(next_steps),
        has_behaviour_data=bool(parsed),
        sandbox=sandbox,
        verdict=verdict,
        sandboxes=sandboxes,
        techniques=techniques,
        tags=build_tags(parsed, summary),
        detections=detections,
        indicators=indicators,
        noise=noise,
        noise_included=include_noise,
        process_sandbox=process_sandbox,
        processes=processes,
        cost=cost,
        generated_at=moment.isoformat(timespec="seconds").replace("+00:00", "Z"),
        note=note,
    )
