"""Host indicators: dropped files, mutexes, notable registry keys and command lines.

Registry keys are ranked so that what an analyst acts on comes first: autostart (Run keys,
Winlogon), services, policies and other persistence or defence-tampering locations, then the
rest of what was written or deleted. Keys only *opened* are left out: reading the Run key or
a service's parameters is what every program does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from iocgate.virustotal.investigate.model import Capped, Indicator
from iocgate.virustotal.investigate.reports import Report, Seen

__all__ = ["HOST_LIMIT", "HostIndicators", "build_host", "notable_registry_reason"]

HOST_LIMIT = 100
"""At most this many files, mutexes, registry keys and command lines each in a brief."""

# (pattern, reason), most important first; matched case-insensitively against the key path.
_NOTABLE_KEYS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), reason)
    for pattern, reason in (
        (r"\\CurrentVersion\\(Run|RunOnce|RunOnceEx|RunServices|RunServicesOnce)(\\|$)",
         "autostart (Run key)"),
        (r"\\Winlogon(\\|$)", "autostart (Winlogon)"),
        (r"\\Image File Execution Options\\", "debugger hijack (IFEO)"),
        (r"\\AppInit_DLLs|\\Windows\\AppInit", "AppInit DLLs"),
        (r"\\(CurrentControlSet|ControlSet\d{3})\\Services\\", "service"),
        (r"\\Policies\\", "policy"),
        (r"\\Windows Defender\\", "Windows Defender settings"),
        (r"\\Schedule\\TaskCache\\", "scheduled task"),
        (r"\\Explorer\\(User )?Shell Folders(\\|$)", "startup folder location"),
        (r"\\Environment(\\|$)", "environment variables"),
        (r"\\Classes\\(exefile|htmlfile|ms-settings)\\shell\\", "file association hijack"),
    )
)  # fmt: skip


def notable_registry_reason(key: str) -> str | None:
    """Why a registry key matters to an analyst, or None for an ordinary key."""
    for pattern, reason in _NOTABLE_KEYS:
        if pattern.search(key):
            return reason
    return None


def _rank(key: str) -> int:
    for index, (pattern, _) in enumerate(_NOTABLE_KEYS):
        if pattern.search(key):
            return index
    return len(_NOTABLE_KEYS)


@dataclass(frozen=True, slots=True)
class HostIndicators:
    """Files, mutexes, registry keys and command lines, each capped."""

    files: Capped[Indicator]
    mutexes: Capped[Indicator]
    registry_keys: Capped[Indicator]
    command_lines: Capped[Indicator]


@dataclass
class _File:
    paths: dict[str, None] = field(default_factory=dict)
    file_type: str | None = None


def _files(reports: list[Report], limit: int) -> Capped[Indicator]:
    seen = Seen()
    details: dict[str, _File] = {}
    for report in reports:
        for item in report.dicts("files_dropped"):
            sha256 = item.get("sha256")
            path = item.get("path")
            value = sha256 if isinstance(sha256, str) and sha256 else path
            if not isinstance(value, str) or not value:
                continue
            seen.add(value, "dropped", report.sandbox)
            entry = details.setdefault(value, _File())
            if isinstance(path, str) and path:
                entry.paths[path] = None
            kind = item.get("type")
            if isinstance(kind, str) and kind and entry.file_type is None:
                entry.file_type = kind
    items = [
        Indicator(
            type="file",
            value=value,
            contexts=contexts,
            sandboxes=sandboxes,
            paths=tuple(details[value].paths),
            file_type=details[value].file_type,
        )
        for value, contexts, sandboxes in seen.ranked()
    ]
    return Capped.of(items, limit)


def _mutexes(reports: list[Report], limit: int) -> Capped[Indicator]:
    seen = Seen()
    for report in reports:
        for name in report.strings("mutexes_created"):
            seen.add(name, "created", report.sandbox)
    for report in reports:
        for name in report.strings("mutexes_opened"):
            seen.add(name, "opened", report.sandbox)
    items = [
        Indicator(type="mutex", value=value, contexts=contexts, sandboxes=sandboxes)
        for value, contexts, sandboxes in seen.ranked()
    ]
    # A mutex the sample created identifies it; one it only opened is often the OS's own.
    items.sort(key=lambda i: "created" not in i.contexts)
    return Capped.of(items, limit)


def _registry(reports: list[Report], limit: int) -> Capped[Indicator]:
    seen = Seen()
    data: dict[str, str] = {}
    for report in reports:
        for item in report.dicts("registry_keys_set"):
            key = item.get("key")
            if isinstance(key, str) and key:
                seen.add(key, "set", report.sandbox)
                value = item.get("value")
                if isinstance(value, str) and key not in data:
                    data[key] = value
        for key in report.strings("registry_keys_deleted"):
            seen.add(key, "deleted", report.sandbox)
    items = [
        Indicator(
            type="registry_key",
            value=key,
            contexts=contexts,
            sandboxes=sandboxes,
            data=data.get(key),
            notable=notable_registry_reason(key),
        )
        for key, contexts, sandboxes in seen.ranked()
    ]
    # Notable first, then written before only deleted (stable within a rank).
    items.sort(key=lambda i: (_rank(i.value), "set" not in i.contexts))
    return Capped.of(items, limit)


def _commands(reports: list[Report], summary: Mapping[str, Any], limit: int) -> Capped[Indicator]:
    seen = Seen()
    for report in reports:
        for command in report.strings("command_executions"):
            seen.add(command, "executed", report.sandbox)
    extra = summary.get("command_executions")
    for command in extra if isinstance(extra, list) else []:
        if isinstance(command, str) and command:
            seen.add(command, "executed", None)
    items = [
        Indicator(type="command_line", value=value, contexts=contexts, sandboxes=sandboxes)
        for value, contexts, sandboxes in seen.ranked()
    ]
    return Capped.of(items, limit)


def build_host(
    reports: list[Report], summary: Mapping[str, Any], *, limit: int = HOST_LIMIT
) -> HostIndicators:
    """Host indicators from every report, most agreed on first."""
    return HostIndicators(
        files=_files(reports, limit),
        mutexes=_mutexes(reports, limit),
        registry_keys=_registry(reports, limit),
        command_lines=_commands(reports, summary, limit),
    )
