"""Full VirusTotal objects for related items (domain, ip_address, url, file, attack_technique).

Attributes are derived from the id alone, so the same item always looks the same. Items that
VirusTotal "does not have" render as `{"type", "id", "error": {NotFoundError}}`, as it does.
"""

from __future__ import annotations

import uuid
from random import Random
from typing import Any
from urllib.parse import urlsplit

from iocgate.sim.attack import TECHNIQUES
from iocgate.sim.corpus import Corpus, SimFile

__all__ = ["file_attributes", "full_object", "is_known"]

_COLLECTIONS = {
    "domain": "domains",
    "ip_address": "ip_addresses",
    "url": "urls",
    "file": "files",
    "attack_technique": "attack_techniques",
}
_TYPE_DESCRIPTIONS = {
    "windows": ("Win32 EXE", "peexe", "exe", "PE32 executable (GUI) Intel 80386, for MS Windows"),
    "android": ("Android", "android", "apk", "Zip archive data, at least v2.0 to extract"),
    "macos": ("Mach-O", "macho", "", "Mach-O 64-bit x86_64 executable"),
    "linux": ("ELF", "elf", "", "ELF 64-bit LSB executable, x86-64, version 1 (SYSV)"),
}


def is_known(
    corpus: Corpus, item_type: str, item_id: str, context: dict[str, Any] | None = None
) -> bool:
    """Whether VirusTotal "has" this item (else it comes back as an inline NotFoundError).

    Hosts named `gone-*`, addresses ending in .240 or above, URLs on those hosts or with a
    non-web scheme, and dropped files outside the corpus are the ones it "never saw".
    """
    if item_type == "domain":
        return not item_id.startswith("gone-")
    if item_type == "ip_address":
        last = item_id.rsplit(".", 1)[-1]
        return not (last.isdigit() and int(last) >= 240)
    if item_type == "url":
        parts = urlsplit((context or {}).get("url", ""))
        host = parts.hostname or ""
        return parts.scheme in ("http", "https") and not host.startswith("gone-")
    if item_type == "file":
        return corpus.find_file(item_id) is not None or corpus.find_dropped(item_id) is not None
    return item_type == "attack_technique" and item_id in TECHNIQUES


def full_object(
    corpus: Corpus, item_type: str, item_id: str, base: str, context: dict[str, Any] | None
) -> dict[str, Any]:
    """The object as `/file_behaviours/{id}/{relationship}` lists it, or its error stand-in."""
    if not is_known(corpus, item_type, item_id, context):
        return {
            "type": item_type,
            "id": item_id,
            "error": {
                "code": "NotFoundError",
                "message": f'{item_type} with id "{item_id}" not found',
            },
        }
    obj: dict[str, Any] = {
        "type": item_type,
        "id": item_id,
        "links": {"self": f"{base}/{_COLLECTIONS[item_type]}/{item_id}"},
        "attributes": _attributes(corpus, item_type, item_id, context),
    }
    if context:
        obj["context_attributes"] = context
    return obj


def file_attributes(sim_file: SimFile) -> dict[str, Any]:
    """The attributes of a corpus file's `file` object."""
    rng = Random(sim_file.sha256)
    description, tag, extension, magic = _TYPE_DESCRIPTIONS[sim_file.platform]
    malicious = rng.randint(30, 60) if sim_file.family else 0
    attributes: dict[str, Any] = {
        "type_description": description,
        "type_tag": tag,
        "type_extension": extension,
        "size": sim_file.size,
        "sha256": sim_file.sha256,
        "sha1": sim_file.sha1,
        "md5": sim_file.md5,
        "magic": magic,
        "meaningful_name": sim_file.name,
        "names": [sim_file.name],
        "first_submission_date": sim_file.first_seen,
        "last_analysis_date": sim_file.first_seen + rng.randint(1000, 9_000_000),
        "times_submitted": rng.randint(1, 40),
        "reputation": -malicious // 3,
        "last_analysis_stats": _stats(rng, malicious),
        "tags": [tag, *(["malware"] if sim_file.family else [])],
    }
    if sim_file.family:
        attributes["popular_threat_classification"] = {
            "suggested_threat_label": f"trojan.{sim_file.family.lower()}",
        }
    attributes.update(_file_context(sim_file))
    return {key: value for key, value in attributes.items() if value not in ("", [], {})}


def _file_context(sim_file: SimFile) -> dict[str, Any]:
    """What `GET /files/{id}` adds for an analyst (#22): more names, last seen, fuzzy hashes,
    signature, threat label parts and crowdsourced rules. Its own random stream, so the
    attributes above stay as they were."""
    rng = Random(f"{sim_file.sha256}/file-context")
    stem, _, extension = sim_file.name.rpartition(".")
    names = [sim_file.name, f"{sim_file.sha256}.{extension or 'bin'}", f"{stem or 'sample'}.bin"]
    context: dict[str, Any] = {
        "names": names,
        "last_submission_date": sim_file.first_seen + rng.randint(10_000, 20_000_000),
        "ssdeep": f"{rng.choice((96, 192, 384, 768, 1536))}:{_b64(rng, 40)}:{_b64(rng, 30)}",
        "tlsh": "T1" + "".join(rng.choice("0123456789ABCDEF") for _ in range(70)),
        "vhash": "".join(rng.choice("0123456789abcdef") for _ in range(32)),
    }
    if sim_file.platform == "windows":
        context["pe_info"] = {"imphash": "".join(rng.choice("0123456789abcdef") for _ in range(32))}
        context["signature_info"] = (
            {"verified": "Unsigned", "product": stem or "sample", "description": stem or "sample"}
            if sim_file.family
            else {
                "verified": "Signed",
                "signers": "Example Software Ltd.; Example Code Signing CA",
                "product": "Example Utility",
                "copyright": "Copyright (C) Example Software Ltd.",
            }
        )
    if sim_file.family:
        family = sim_file.family.lower()
        context["popular_threat_classification"] = {
            "suggested_threat_label": f"trojan.{family}",
            "popular_threat_category": [
                {"count": rng.randint(10, 30), "value": "trojan"},
                {"count": rng.randint(2, 9), "value": "downloader"},
            ],
            "popular_threat_name": [{"count": rng.randint(5, 20), "value": family}],
        }
        context["crowdsourced_yara_results"] = [
            {
                "rule_name": f"{sim_file.family}_Loader_Strings",
                "ruleset_name": f"{family}_rules",
                "author": "Example Threat Research",
                "source": "https://yara.example/rules",
                "ruleset_id": "".join(rng.choice("0123456789abcdef") for _ in range(10)),
            },
            {
                "rule_name": "SUSP_PowerShell_Encoded_Command",
                "ruleset_name": "suspicious_strings",
                "author": "Example Threat Research",
                "source": "https://yara.example/rules",
                "ruleset_id": "".join(rng.choice("0123456789abcdef") for _ in range(10)),
            },
        ]
        context["sigma_analysis_stats"] = {"critical": 0, "high": 1, "medium": 2, "low": 1}
        context["sigma_analysis_results"] = [
            {
                "rule_title": "Suspicious Encoded PowerShell Command Line",
                "rule_level": "high",
                "rule_source": "Sigma Integrated Rule Set (GitHub)",
                "rule_id": "".join(rng.choice("0123456789abcdef") for _ in range(32)),
            }
        ]
    return context


def _b64(rng: Random, length: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return "".join(rng.choice(alphabet) for _ in range(length))


def _attributes(
    corpus: Corpus, item_type: str, item_id: str, context: dict[str, Any] | None
) -> dict[str, Any]:
    rng = Random(f"{item_type}/{item_id}")
    malicious = rng.choice((0, 0, 1, 3, 8, 14))
    common = {
        "last_analysis_date": 1_700_000_000 + rng.randint(0, 30_000_000),
        "last_modification_date": 1_700_000_000 + rng.randint(30_000_000, 40_000_000),
        "last_analysis_stats": _stats(rng, malicious),
        "reputation": -malicious,
    }
    if item_type == "domain":
        return {"tld": item_id.rsplit(".", 1)[-1], "categories": _categories(malicious), **common}
    if item_type == "ip_address":
        network = item_id.rsplit(".", 1)[0] + ".0/24"
        asn = 64496 + rng.randint(0, 15)  # RFC 5398 documentation ASNs
        return {
            "network": network,
            "asn": asn,
            "as_owner": f"Documentation Network AS{asn}",
            "country": rng.choice(("US", "DE", "NL", "SG")),
            "continent": "NA",
            "regional_internet_registry": "ARIN",
            **common,
        }
    if item_type == "url":
        url = (context or {}).get("url", "")
        return {
            "url": url,
            "last_final_url": url,
            "last_http_response_code": rng.choice((200, 404, 302)),
            "times_submitted": rng.randint(1, 20),
            **common,
        }
    if item_type == "file":
        sim_file = corpus.find_file(item_id)
        if sim_file is not None:
            return file_attributes(sim_file)
        dropped = corpus.find_dropped(item_id)
        assert dropped is not None
        return {
            "sha256": dropped.sha256,
            "sha1": dropped.sha1,
            "md5": dropped.md5,
            "size": dropped.size,
            "type_tag": dropped.type.lower(),
            "meaningful_name": dropped.path.replace("\\", "/").rsplit("/", 1)[-1],
            **common,
        }
    technique = TECHNIQUES[item_id]
    return {
        "name": technique.name,
        "description": technique.description,
        "link": technique.link,
        "stix_id": f"attack-pattern--{uuid.uuid5(uuid.NAMESPACE_URL, technique.link)}",
        "revoked": False,
        "creation_date": 1_496_266_264 + rng.randint(0, 100_000_000),
        "last_modification_date": 1_650_000_000 + rng.randint(0, 50_000_000),
        "info": {
            "x_mitre_platforms": list(technique.platforms),
            "x_mitre_is_subtechnique": "." in technique.id,
            "x_mitre_version": f"{rng.randint(1, 2)}.{rng.randint(0, 4)}",
        },
    }


def _stats(rng: Random, malicious: int) -> dict[str, int]:
    return {
        "malicious": malicious,
        "suspicious": rng.randint(0, 2),
        "undetected": rng.randint(10, 30),
        "harmless": rng.randint(40, 70) if not malicious else rng.randint(0, 60),
        "timeout": 0,
    }


def _categories(malicious: int) -> dict[str, str]:
    label = "malware sites" if malicious > 2 else "uncategorized"
    return {"Forcepoint ThreatSeeker": label, "Sophos": label}
