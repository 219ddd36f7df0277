"""Noise out of the brief's indicators: each one classed (noise.py), noise left out unless asked."""

from __future__ import annotations

from dataclasses import fields, replace

from iocgate.virustotal.investigate.model import Capped, Indicator, Indicators
from iocgate.virustotal.investigate.noise import Classification, classify

__all__ = ["triage_indicators"]

_TYPE_OF = {
    "domains": "domain",
    "ips": "ip",
    "urls": "url",
    "files": "file",
    "mutexes": "mutex",
    "registry_keys": "registry_key",
    "command_lines": "command_line",
}


def _classed(item: Indicator, found: Classification) -> Indicator:
    return replace(
        item, classification=found.kind, confidence=found.confidence, reason=found.reason
    )


def triage_indicators(
    indicators: Indicators, *, include_noise: bool
) -> tuple[Indicators, dict[str, int]]:
    """Every indicator with its class, confidence and reason; noise removed unless
    ``include_noise``. Returns the indicators and the noise count per type.

    Noise is counted among the listed items (a capped list's unlisted tail is not classed);
    a capped list's ``total`` drops by the noise removed from it."""
    noise_names: dict[str, Classification] = {}
    resolved_from: dict[str, list[str]] = {}
    for item in indicators.domains.items:
        for address in item.resolved_ips:
            resolved_from.setdefault(address, []).append(item.value)
    groups: dict[str, Capped[Indicator]] = {}
    counts: dict[str, int] = {}
    for group_field in fields(indicators):  # domains come first: IPs use their classes
        name = group_field.name
        group: Capped[Indicator] = getattr(indicators, name)
        kept: list[Indicator] = []
        noise = 0
        for item in group.items:
            found = classify(
                _TYPE_OF[name],
                item.value,
                contexts=item.contexts,
                ports=item.ports,
                resolved_from=resolved_from.get(item.value, ()),
                noise_names=noise_names,
            )
            if name == "domains" and found.kind == "noise":
                noise_names[item.value] = found
            if found.kind == "noise":
                noise += 1
                if not include_noise:
                    continue
            kept.append(_classed(item, found))
        if noise:
            counts[name] = noise
        total = group.total if include_noise else group.total - noise
        groups[name] = Capped(items=tuple(kept), total=total)
    return Indicators(**groups), counts
