"""The relationships of a `file_behaviour`: which items each one lists, read off the report."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from iocgate.sim.corpus import SandboxReport
from iocgate.sim.derive import attack_signatures

__all__ = ["ONE_TO_ONE", "RELATIONSHIPS", "Related", "descriptor", "related_items"]

RELATIONSHIPS: tuple[str, ...] = (
    "attack_techniques",
    "contacted_domains",
    "contacted_ips",
    "contacted_urls",
    "dropped_files",
    "embedded_domains",
    "embedded_ips",
    "embedded_urls",
    "file",
)
"""Every relationship name the simulator serves (documented plus the GTI-era ones)."""

ONE_TO_ONE: frozenset[str] = frozenset({"file"})
"""Relationships whose `data` is one object rather than a list."""


@dataclass(frozen=True, slots=True)
class Related:
    """One related item: its VirusTotal type and id, and `context_attributes` if it has any."""

    type: str
    id: str
    context: dict[str, Any] | None = None


def descriptor(item: Related) -> dict[str, Any]:
    """`{"type", "id"}` plus `context_attributes` if any; descriptors never carry errors."""
    out: dict[str, Any] = {"type": item.type, "id": item.id}
    if item.context:
        out["context_attributes"] = item.context
    return out


def related_items(report: SandboxReport, relationship: str) -> list[Related]:
    """The items of `relationship`, in report order, without duplicates."""
    attributes = report.attributes
    if relationship == "file":
        return [Related("file", report.sha256)]
    if relationship == "attack_techniques":
        return [
            Related("attack_technique", technique, {"signatures": signatures})
            for technique, signatures in attack_signatures([report]).items()
        ]
    if relationship == "contacted_domains":
        names = [entry["hostname"] for entry in attributes.get("dns_lookups", ())]
        return _unique("domain", names)
    if relationship == "contacted_ips":
        ips = [entry["destination_ip"] for entry in attributes.get("ip_traffic", ())]
        return _unique("ip_address", ips)
    if relationship == "contacted_urls":
        return _urls([entry["url"] for entry in attributes.get("http_conversations", ())])
    if relationship == "dropped_files":
        digests = [
            entry["sha256"] for entry in attributes.get("files_dropped", ()) if "sha256" in entry
        ]
        return _unique("file", digests)
    if relationship == "embedded_domains":
        return _unique("domain", attributes.get("memory_pattern_domains", []))
    if relationship == "embedded_ips":
        return _unique("ip_address", attributes.get("memory_pattern_ips", []))
    if relationship == "embedded_urls":
        return _urls(attributes.get("memory_pattern_urls", []))
    raise KeyError(relationship)


def _unique(item_type: str, ids: list[str]) -> list[Related]:
    return [Related(item_type, item_id) for item_id in dict.fromkeys(ids)]


def _urls(urls: list[str]) -> list[Related]:
    # A URL's VirusTotal id is the SHA-256 of the URL; the URL itself rides in the context.
    return [
        Related("url", hashlib.sha256(url.encode()).hexdigest(), {"url": url})
        for url in dict.fromkeys(urls)
    ]
