"""IoC lists of a brief as CSV (``type,value,context,sandboxes,classification,confidence,
reason``) and as JSON.

Types: domain, ip, url, file (SHA-256 of a dropped file), mutex, registry_key. Command lines
stay in the brief: they describe behaviour, they are not something to block or match.
Values are verbatim, as everywhere in iocgate: a CSV cell may start with ``=`` if the sample
named a mutex so; import the file into a tool, do not open it in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from iocgate.virustotal.investigate import Brief, Indicator
from iocgate.virustotal.investigate.model import jsonable

__all__ = ["IOC_TYPES", "ioc_rows", "iocs_csv", "iocs_json"]

IOC_TYPES = ("domain", "ip", "url", "file", "mutex", "registry_key")
"""The indicator types an IoC list holds, in the order it lists them."""

CSV_HEADER = ("type", "value", "context", "sandboxes", "classification", "confidence", "reason")


def ioc_rows(brief: Brief) -> list[Indicator]:
    """The brief's indicators of the `IOC_TYPES`, grouped by type."""
    indicators = [i for i in brief.indicators.all() if i.type in IOC_TYPES]
    return sorted(indicators, key=lambda i: IOC_TYPES.index(i.type))


def _context(indicator: Indicator) -> str:
    parts = list(indicator.contexts)
    if indicator.file_type:
        parts.append(f"type={indicator.file_type}")
    if indicator.paths:
        parts.append(f"path={indicator.paths[0]}")
    if indicator.ports:
        parts.append("ports=" + "/".join(str(p) for p in indicator.ports))
    if indicator.notable:
        parts.append(f"notable={indicator.notable}")
    return ";".join(parts)


def iocs_csv(brief: Brief) -> str:
    """`CSV_HEADER` rows (RFC 4180 quoting; ``;`` inside a cell); the last three columns say
    whether a row is an IoC, shared context or noise (included on request), and why."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for indicator in ioc_rows(brief):
        writer.writerow(
            (
                indicator.type,
                indicator.value,
                _context(indicator),
                ";".join(indicator.sandboxes),
                indicator.classification or "",
                "" if indicator.confidence is None else str(indicator.confidence),
                indicator.reason or "",
            )
        )
    return buffer.getvalue()


def iocs_json(brief: Brief) -> dict[str, Any]:
    """The IoC list as a JSON-ready dict, with the totals behind any capped list."""
    groups = {
        "domain": brief.indicators.domains,
        "ip": brief.indicators.ips,
        "url": brief.indicators.urls,
        "file": brief.indicators.files,
        "mutex": brief.indicators.mutexes,
        "registry_key": brief.indicators.registry_keys,
    }
    return {
        "file": jsonable(brief.file),
        "verdict": brief.verdict.value,
        "generated_at": brief.generated_at,
        "totals": {name: group.total for name, group in groups.items()},
        "truncated": sorted(name for name, group in groups.items() if group.is_truncated),
        "noise": dict(brief.noise),
        "noise_included": brief.noise_included,
        "indicators": [jsonable(indicator) for indicator in ioc_rows(brief)],
        "untrusted": brief.untrusted,
    }
