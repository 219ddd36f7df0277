"""The file object (`GET /files/{id}`) read into a brief's `FileContext` and extra hashes.

Attributes are optional and loosely typed upstream (vt-api.md §2): readers skip what does not
fit and never raise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iocgate.virustotal.investigate.model import FileContext, FileHashes
from iocgate.virustotal.investigate.reports import as_int

__all__ = ["file_attributes_of", "read_file_context", "with_file_hashes"]

_SIGNATURE_KEYS = ("verified", "signers", "product", "description", "copyright", "original name")


def file_attributes_of(data: object) -> Mapping[str, Any]:
    """The ``attributes`` of a file object's ``data`` (``{}`` for anything else)."""
    if isinstance(data, Mapping):
        attributes = data.get("attributes")
        if isinstance(attributes, Mapping):
            return attributes
    return {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _texts(items: object, key: str | None = None) -> tuple[str, ...]:
    if not isinstance(items, list):
        return ()
    picked = [item.get(key) if key and isinstance(item, Mapping) else item for item in items]
    return tuple(dict.fromkeys(value for value in picked if isinstance(value, str) and value))


def _ratio(stats: Mapping[str, int]) -> str | None:
    if not stats:
        return None
    voting = ("malicious", "suspicious", "undetected", "harmless")
    engines = sum(stats.get(name, 0) for name in voting)
    return f"{stats.get('malicious', 0)}/{engines}" if engines else None


def read_file_context(attributes: Mapping[str, Any]) -> FileContext | None:
    """The context an analyst reads first; None when the object says nothing."""
    if not attributes:
        return None
    raw_stats = attributes.get("last_analysis_stats")
    stats = (
        {k: v for k, v in raw_stats.items() if isinstance(k, str) and as_int(v) is not None}
        if isinstance(raw_stats, Mapping)
        else {}
    )
    signature_info = attributes.get("signature_info")
    signature = (
        {k: v for k in _SIGNATURE_KEYS if isinstance(v := signature_info.get(k), str) and v}
        if isinstance(signature_info, Mapping)
        else {}
    )
    threat = attributes.get("popular_threat_classification")
    threat = threat if isinstance(threat, Mapping) else {}
    return FileContext(
        ratio=_ratio(stats),
        detections=stats,
        reputation=as_int(attributes.get("reputation")),
        meaningful_name=_text(attributes.get("meaningful_name")),
        names=_texts(attributes.get("names")),
        type_description=_text(attributes.get("type_description")),
        size=as_int(attributes.get("size")),
        first_seen=as_int(attributes.get("first_submission_date")),
        last_seen=as_int(attributes.get("last_submission_date")),
        last_analysis_date=as_int(attributes.get("last_analysis_date")),
        signature=signature,
        threat_label=_text(threat.get("suggested_threat_label")),
        threat_categories=_texts(threat.get("popular_threat_category"), "value"),
        threat_names=_texts(threat.get("popular_threat_name"), "value"),
        yara_rules=_texts(attributes.get("crowdsourced_yara_results"), "rule_name"),
        sigma_rules=_texts(attributes.get("sigma_analysis_results"), "rule_title"),
        tags=_texts(attributes.get("tags")),
    )


def with_file_hashes(hashes: FileHashes, attributes: Mapping[str, Any]) -> FileHashes:
    """``hashes`` completed from the file object: every digest, whichever one was queried."""
    pe_info = attributes.get("pe_info")
    imphash = pe_info.get("imphash") if isinstance(pe_info, Mapping) else None
    return FileHashes(
        queried=hashes.queried,
        sha256=hashes.sha256 or _text(attributes.get("sha256")),
        sha1=hashes.sha1 or _text(attributes.get("sha1")),
        md5=hashes.md5 or _text(attributes.get("md5")),
        imphash=_text(imphash),
        ssdeep=_text(attributes.get("ssdeep")),
        tlsh=_text(attributes.get("tlsh")),
        vhash=_text(attributes.get("vhash")),
    )
