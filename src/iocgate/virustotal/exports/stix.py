"""A STIX 2.1 bundle of a brief, built with the ``stix2`` library.

What it holds: an ``identity`` (iocgate, the producer); the analysed ``file`` and SCOs for the
domains, IPs, URLs, dropped files and mutexes the sandboxes saw, all referenced by one
``observed-data``. When the verdict is malicious or suspicious it adds a ``malware`` (not a
family: this one sample), ``indicator``s with STIX patterns for the network indicators and
dropped-file hashes (each ``indicates`` the malware and is ``based-on`` the observed data),
and one ``attack-pattern`` per technique that the malware ``uses``. A clean or unknown file
gets no indicators: calling its DNS lookups indicators of compromise would be wrong.

Values stay verbatim (patterns escape only ``\\`` and ``'``), with one exception STIX forces:
a ``url`` SCO's value must be an RFC 3986 URI, so characters a URI cannot hold are
percent-encoded there, as an HTTP client does on the wire; the pattern keeps the sandbox's
string.
"""

from __future__ import annotations

import ipaddress
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from iocgate.virustotal.investigate import Brief, Indicator

__all__ = ["pattern_for", "stix_bundle", "stix_json", "stix_literal", "uri_form"]

# A fixed namespace: the producer identity keeps one id across runs and machines.
_IDENTITY_ID = "identity--" + str(uuid.uuid5(uuid.NAMESPACE_URL, "https://iocgate.invalid/"))

_MALWARE_TYPES = {
    "TROJAN": "trojan",
    "RANSOM": "ransomware",
    "RANSOMWARE": "ransomware",
    "SPYWARE": "spyware",
    "BACKDOOR": "backdoor",
    "BOT": "bot",
    "WORM": "worm",
    "VIRUS": "virus",
    "ADWARE": "adware",
    "DROPPER": "dropper",
    "DOWNLOADER": "downloader",
    "KEYLOGGER": "keylogger",
    "ROOTKIT": "rootkit",
    "RAT": "remote-access-trojan",
    "STEALER": "spyware",
}


def stix_literal(value: str) -> str:
    """A STIX pattern string literal: quoted, with ``\\`` and ``'`` escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _ip_type(value: str) -> str | None:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    return "ipv4-addr" if address.version == 4 else "ipv6-addr"


def pattern_for(indicator: Indicator) -> str | None:
    """The STIX pattern of a network indicator or dropped file; None for other types."""
    if indicator.type == "domain":
        return f"[domain-name:value = {stix_literal(indicator.value)}]"
    if indicator.type == "ip":
        kind = _ip_type(indicator.value)
        return f"[{kind}:value = {stix_literal(indicator.value)}]" if kind else None
    if indicator.type == "url":
        return f"[url:value = {stix_literal(indicator.value)}]"
    if indicator.type == "file" and _is_sha256(indicator.value):
        return f"[file:hashes.'SHA-256' = {stix_literal(indicator.value.lower())}]"
    return None


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def uri_form(value: str) -> str | None:
    """``value`` as an RFC 3986 URI, for the ``url`` SCO (which STIX requires to be one).

    A sandbox's URL may hold characters a URI cannot (``<``, ``"``, spaces, non-ASCII); an
    HTTP client percent-encodes them on the wire, and so does this. None when there is no
    scheme to make a URI of.
    """
    if not _SCHEME.match(value):
        return None
    escaped = _STRAY_PERCENT.sub("%25", value)
    return quote(escaped, safe=":/?#[]@!$&'()*+,;=-._~%")


def _is_sha256(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdefABCDEF" for c in value)


def _is_dns_server(indicator: Indicator) -> bool:
    # An address seen only as the destination of port-53 traffic is the sandbox's resolver.
    return (
        indicator.type == "ip" and indicator.contexts == ("traffic",) and (indicator.ports == (53,))
    )


def _timestamp(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)


def _observation_window(brief: Brief, fallback: datetime) -> tuple[datetime, datetime]:
    dates = [run.analysis_date for run in brief.sandboxes if run.analysis_date]
    if not dates:
        return fallback, fallback
    return (
        datetime.fromtimestamp(min(dates), UTC),
        datetime.fromtimestamp(max(dates), UTC),
    )


def _observable(indicator: Indicator) -> Any:
    import stix2

    if indicator.type == "domain":
        return stix2.DomainName(value=indicator.value)
    if indicator.type == "ip":
        kind = _ip_type(indicator.value)
        if kind == "ipv4-addr":
            return stix2.IPv4Address(value=indicator.value)
        return stix2.IPv6Address(value=indicator.value) if kind else None
    if indicator.type == "url":
        uri = uri_form(indicator.value)
        return stix2.URL(value=uri) if uri else None
    if indicator.type == "file" and _is_sha256(indicator.value):
        name = indicator.paths[0].replace("\\", "/").rsplit("/", 1)[-1] if indicator.paths else None
        return stix2.File(
            hashes={"SHA-256": indicator.value.lower()}, **({"name": name} if name else {})
        )
    if indicator.type == "mutex":
        return stix2.Mutex(name=indicator.value)
    return None


def _sample(brief: Brief) -> Any:
    import stix2

    hashes = {
        algorithm: value
        for algorithm, value in (
            ("SHA-256", brief.file.sha256),
            ("SHA-1", brief.file.sha1),
            ("MD5", brief.file.md5),
        )
        if value
    }
    return stix2.File(hashes=hashes)


def stix_bundle(brief: Brief) -> Any:
    """The bundle as a ``stix2.Bundle`` (serialise it with `stix_json`)."""
    import stix2  # ~12 MB with its pattern grammar: loaded on the first export

    created = _timestamp(brief.generated_at)
    common = {"created_by_ref": _IDENTITY_ID, "created": created, "modified": created}
    identity = stix2.Identity(
        id=_IDENTITY_ID,
        name="iocgate",
        identity_class="system",
        description="iocgate investigation of VirusTotal sandbox behaviour reports",
        created=datetime(2025, 1, 1, tzinfo=UTC),
        modified=datetime(2025, 1, 1, tzinfo=UTC),
    )
    sample = _sample(brief)
    objects: list[Any] = [identity, sample]
    observables: dict[str, Any] = {}
    for indicator in brief.indicators.all():
        observable = _observable(indicator)
        if observable is not None and observable.id not in observables:
            observables[observable.id] = observable
    objects.extend(observables.values())
    first, last = _observation_window(brief, created)
    observed = stix2.ObservedData(
        first_observed=first,
        last_observed=last,
        number_observed=max(1, len(brief.sandboxes)),
        object_refs=[sample.id, *observables],
        **common,
    )
    objects.append(observed)
    if brief.verdict.value in ("malicious", "suspicious"):
        objects.extend(_threat_objects(brief, sample, observed, common))
    return stix2.Bundle(objects=objects, allow_custom=False)


def _threat_objects(brief: Brief, sample: Any, observed: Any, common: dict[str, Any]) -> list[Any]:
    import stix2

    verdict_words = {v.upper() for run in brief.sandboxes for v in run.verdicts}
    types = sorted({_MALWARE_TYPES[w] for w in verdict_words if w in _MALWARE_TYPES}) or ["unknown"]
    digest = brief.file.sha256 or brief.file.queried
    label = ", ".join(brief.verdict.labels)
    malware = stix2.Malware(
        name=f"{label} sample {digest[:12]}" if label else f"sample {digest[:12]}",
        is_family=False,
        malware_types=types,
        sample_refs=[sample.id],
        description=f"Verdict {brief.verdict.value}: " + " | ".join(brief.verdict.reasons),
        **({"aliases": list(brief.verdict.labels)} if brief.verdict.labels else {}),
        **({"confidence": brief.verdict.confidence} if brief.verdict.confidence else {}),
        **common,
    )
    objects: list[Any] = [malware]
    for indicator in brief.indicators.all():
        pattern = pattern_for(indicator)
        # Noise (included on request) stays in the observed data only, never an indicator.
        if pattern is None or _is_dns_server(indicator) or indicator.classification == "noise":
            continue
        is_context = indicator.classification == "context"
        reason = f"; {indicator.reason}" if indicator.reason else ""
        sdo = stix2.Indicator(
            name=f"{indicator.type} {indicator.value}",
            description=(
                f"Seen by {', '.join(indicator.sandboxes) or 'the behaviour summary'} "
                f"({', '.join(indicator.contexts)}){reason}"
            ),
            indicator_types=["anomalous-activity" if is_context else "malicious-activity"],
            **({"confidence": indicator.confidence} if indicator.confidence is not None else {}),
            pattern=pattern,
            pattern_type="stix",
            valid_from=common["created"],
            **common,
        )
        objects.append(sdo)
        objects.append(stix2.Relationship(sdo, "indicates", malware, **common))
        objects.append(stix2.Relationship(sdo, "based-on", observed, **common))
    for technique in brief.techniques:
        pattern_sdo = stix2.AttackPattern(
            name=technique.name or technique.id,
            external_references=[
                stix2.ExternalReference(
                    source_name="mitre-attack", external_id=technique.id, url=technique.link
                )
            ],
            kill_chain_phases=[
                stix2.KillChainPhase(kill_chain_name="mitre-attack", phase_name=t.shortname)
                for t in technique.tactics
            ]
            or None,
            **common,
        )
        objects.append(pattern_sdo)
        signatures = "; ".join(s.description for s in technique.signatures[:10])
        objects.append(
            stix2.Relationship(
                malware,
                "uses",
                pattern_sdo,
                description=f"severity {technique.severity.label}, {technique.agreement} "
                f"sandboxes" + (f": {signatures}" if signatures else ""),
                **common,
            )
        )
    return objects


def stix_json(brief: Brief, *, indent: int | None = None) -> str:
    """The bundle as STIX 2.1 JSON text."""
    bundle = stix_bundle(brief)
    data = json.loads(bundle.serialize())
    return json.dumps(data, ensure_ascii=False, indent=indent)
