"""The process tree an analyst acts on (#22.4): one sandbox's processes, each with the rule
hits it triggered, what it injected into and its decoded PowerShell.

The tree comes from the sandbox with the strongest verdict (a malicious verdict first, then
the most severe rule hit, then the most hits). A hit is linked to a process when its evidence
names it: a Sigma ``match_context`` with the process's ``ProcessId`` or ``CommandLine``, a
signature whose ``match_data`` holds the command line. PowerShell ``-EncodedCommand`` (and its
abbreviations) is decoded from base64 UTF-16LE as data: shown, never run.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping
from typing import Any

from iocgate.virustotal.investigate.model import Capped, ProcessHit, ProcessNode
from iocgate.virustotal.investigate.reports import Report
from iocgate.virustotal.investigate.verdict import classify_verdict
from iocgate.virustotal.severity import Severity, normalise_severity

__all__ = ["PROCESS_LIMIT", "build_processes", "decode_powershell"]

PROCESS_LIMIT = 100
"""At most this many processes in a brief (the total is stated)."""

# -e, -ec, -enc, ... -encodedcommand: PowerShell accepts any prefix of -EncodedCommand.
_ENCODED = re.compile(
    r"(?:^|\s)[-/]e(?:c|n|nc|nco|ncod|ncode|ncoded|ncodedc|ncodedco|ncodedcom|ncodedcomm|"
    r"ncodedcomma|ncodedcomman|ncodedcommand)?\s+\"?([A-Za-z0-9+/]{8,}={0,2})",
    re.IGNORECASE,
)


def decode_powershell(command_line: str) -> str | None:
    """The script of a PowerShell ``-EncodedCommand`` in ``command_line``, decoded as text."""
    if "powershell" not in command_line.lower() and "pwsh" not in command_line.lower():
        return None
    match = _ENCODED.search(command_line)
    if match is None:
        return None
    try:
        raw = base64.b64decode(match.group(1), validate=True)
        return raw.decode("utf-16-le")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _walk(
    nodes: object, depth: int = 0, parent: str | None = None
) -> Iterator[tuple[Mapping[str, Any], int, str | None]]:
    if not isinstance(nodes, list):
        return
    for node in nodes:
        if isinstance(node, Mapping):
            yield node, depth, parent
            yield from _walk(node.get("children"), depth + 1, str(node.get("process_id", "")))


def _strength(report: Report) -> tuple[int, int, int]:
    malicious = any(classify_verdict(v) == "malicious" for v in report.strings("verdicts"))
    severities = [
        normalise_severity(item.get(key))
        for name, key in (
            ("sigma_analysis_results", "rule_level"),
            ("signature_matches", "severity"),
        )
        for item in report.dicts(name)
    ]
    return (int(malicious), int(max(severities, default=Severity.UNKNOWN)), len(severities))


def _hits_for(pid: str, name: str, report: Report) -> tuple[ProcessHit, ...]:
    hits: list[ProcessHit] = []
    command = name.strip().lower()
    for rule in report.dicts("sigma_analysis_results"):
        contexts = rule.get("match_context")
        for entry in contexts if isinstance(contexts, list) else []:
            values = entry.get("values") if isinstance(entry, Mapping) else None
            if not isinstance(values, Mapping):
                continue
            same_pid = str(values.get("ProcessId", "")) == pid
            same_command = str(values.get("CommandLine", "")).strip().lower() == command
            if same_pid or (command and same_command):
                hits.append(
                    ProcessHit(
                        "sigma",
                        str(rule.get("rule_title") or "Sigma rule"),
                        normalise_severity(rule.get("rule_level")),
                        ", ".join(f"{k}={v}" for k, v in values.items())[:500],
                    )
                )
                break
    for signature in report.dicts("signature_matches"):
        data = signature.get("match_data")
        evidence = [d for d in data if isinstance(d, str)] if isinstance(data, list) else []
        if command and any(item.strip().lower() == command for item in evidence):
            hits.append(
                ProcessHit(
                    "signature",
                    str(signature.get("description") or signature.get("name") or "signature"),
                    normalise_severity(signature.get("severity")),
                )
            )
    return tuple(sorted(hits, key=lambda hit: -hit.severity))


def build_processes(reports: list[Report]) -> tuple[str | None, Capped[ProcessNode]]:
    """The chosen sandbox's name and its processes (depth first, capped)."""
    candidates = [r for r in reports if isinstance(r.attributes.get("processes_tree"), list)]
    if not candidates:
        return None, Capped((), 0)
    report = max(candidates, key=_strength)  # max keeps the first of equals: report order
    injected = tuple(report.strings("processes_injected"))
    nodes: list[ProcessNode] = []
    for node, depth, parent in _walk(report.attributes.get("processes_tree")):
        pid = str(node.get("process_id", ""))
        name = node.get("name") if isinstance(node.get("name"), str) else ""
        assert isinstance(name, str)
        offset = node.get("time_offset")
        nodes.append(
            ProcessNode(
                pid=pid,
                name=name,
                depth=depth,
                parent=parent,
                time_offset=offset if isinstance(offset, int) else None,
                hits=_hits_for(pid, name, report),
                # VirusTotal lists injection targets per report; the sample (the root) did it.
                injected_into=injected if depth == 0 else (),
                decoded_powershell=decode_powershell(name),
            )
        )
    return report.sandbox, Capped.of(nodes, PROCESS_LIMIT)
