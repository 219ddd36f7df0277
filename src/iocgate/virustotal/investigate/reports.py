"""Tolerant reading of VirusTotal's behaviour JSON: a report's attributes, typed on access.

Attributes are optional and vary by sandbox (vt-api.md §2, "absent vs empty"); a sandbox may
also send a wrong type. Readers here never raise on odd data: they skip what does not fit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Report", "Seen", "as_int", "parse_reports", "sandbox_name_of"]


@dataclass(frozen=True, slots=True)
class Report:
    """One sandbox report from ``/files/{id}/behaviours``: its id, sandbox name, attributes."""

    id: str
    sandbox: str
    attributes: Mapping[str, Any]

    def strings(self, name: str) -> list[str]:
        """A list-of-strings attribute; other items are skipped."""
        value = self.attributes.get(name)
        if not isinstance(value, list):
            return []
        return [item for item in value if isinstance(item, str) and item]

    def dicts(self, name: str) -> list[Mapping[str, Any]]:
        """A list-of-objects attribute; other items are skipped."""
        value = self.attributes.get(name)
        if not isinstance(value, list):
            return []
        return [item for item in value if isinstance(item, Mapping)]

    def flag(self, name: str) -> bool:
        return self.attributes.get(name) is True

    @property
    def sha256(self) -> str | None:
        head = self.id[:64]
        return head.lower() if len(head) == 64 and self.id[64:65] == "_" else None


def sandbox_name_of(report_id: str, attributes: Mapping[str, Any]) -> str:
    """The sandbox's display name: ``sandbox_name``, else what follows ``<sha256>_`` in the id.

    Never split on the last ``_``: sandbox names may contain one (vt-api.md §1).
    """
    name = attributes.get("sandbox_name")
    if isinstance(name, str) and name:
        return name
    if len(report_id) > 65 and report_id[64] == "_":
        return report_id[65:]
    return report_id or "unknown sandbox"


def parse_reports(items: object) -> list[Report]:
    """Reports from the ``data`` list of a behaviours page; malformed items are skipped."""
    if not isinstance(items, list):
        return []
    reports = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        attributes = item.get("attributes")
        attributes = attributes if isinstance(attributes, Mapping) else {}
        report_id = item.get("id") if isinstance(item.get("id"), str) else ""
        assert isinstance(report_id, str)
        reports.append(Report(report_id, sandbox_name_of(report_id, attributes), attributes))
    return reports


def as_int(value: object) -> int | None:
    """An integer attribute (ports, dates, confidence); bools and junk give None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


class Seen:
    """Values in first-seen order, each with the contexts and sandboxes it was seen in."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[dict[str, None], dict[str, None]]] = {}

    def add(self, value: str, context: str, sandbox: str | None) -> None:
        contexts, sandboxes = self._values.setdefault(value, ({}, {}))
        contexts[context] = None
        if sandbox is not None:
            sandboxes[sandbox] = None

    def __contains__(self, value: object) -> bool:
        return value in self._values

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[tuple[str, tuple[str, ...], tuple[str, ...]]]:
        for value, (contexts, sandboxes) in self._values.items():
            yield value, tuple(contexts), tuple(sandboxes)

    def ranked(self) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
        """Most sandboxes first (what more sandboxes agree on matters more), then seen in the
        most ways (a contacted address beats a mere DNS answer); stable."""
        return sorted(self, key=lambda row: (-len(row[2]), -len(row[1])))
