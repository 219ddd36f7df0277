"""Attributes of the non-Windows runs: static tools (CAPA, Sysinternals), Linux, macOS, Android."""

from __future__ import annotations

from random import Random
from typing import Any

from iocgate.sim.network import network_attributes
from iocgate.sim.profile import FileProfile
from iocgate.sim.signatures import CAPA_RULES
from iocgate.sim.vocabulary import (
    ANDROID_INVOKES,
    ANDROID_PERMISSIONS,
    DLLS,
    WORDS,
    hex_string,
    pick_some,
)
from iocgate.sim.windows import signature_attributes

__all__ = [
    "android_attributes",
    "capa_attributes",
    "linux_attributes",
    "macos_attributes",
    "sysinternals_attributes",
]


def capa_attributes(rng: Random, profile: FileProfile) -> dict[str, Any]:
    """CAPA is static analysis shown as a sandbox: only CAPA matches and their techniques."""
    rules = pick_some(rng, CAPA_RULES, 2, 3 + profile.scale // 20)
    matches = [
        {
            "format": "SIG_FORMAT_CAPA",
            "name": rule.name,
            "authors": [rule.author],
            "rule_src": f"rule:\n  meta:\n    name: {rule.name}\n    namespace: {rule.namespace}\n"
            f"    authors:\n      - {rule.author}\n    scope: function\n",
            **({"description": rule.namespace} if rule.namespace else {}),
        }
        for rule in rules
    ]
    mitre = [
        {
            "id": rule.technique,
            "signature_description": rule.name,
            "severity": "IMPACT_SEVERITY_INFO",
            "refs": [{"ref": "#signature_matches", "value": rule.name}],
        }
        for rule in rules
        if rule.technique
    ]
    return {"signature_matches": matches, "mitre_attack_techniques": mitre}


def sysinternals_attributes(rng: Random, profile: FileProfile) -> dict[str, Any]:
    """Microsoft Sysinternals reports carry a process tree and little else."""
    sample = f"%SAMPLEPATH%\\{profile.sample_name}"
    return {
        "processes_tree": [
            {
                "process_id": str(rng.randrange(1000, 9000, 4)),
                "name": "%WINDIR%\\explorer.exe",
                "children": [{"process_id": str(rng.randrange(1000, 9000, 4)), "name": sample}],
            }
        ],
        "command_executions": [f'"{sample}" '],
        "modules_loaded": [sample, *pick_some(rng, DLLS, 1, 3)],
    }


def linux_attributes(rng: Random, profile: FileProfile, features: frozenset[str]) -> dict[str, Any]:
    """A Zenbox Linux run: shell commands, /tmp files, cron persistence."""
    sample = f"/tmp/{profile.sample_name}"  # noqa: S108 - a path inside the simulated sandbox
    commands = [sample, f"/bin/sh -c chmod +x {sample}", "/bin/sh -c (crontab -l; echo '@reboot "
                f"{sample}') | crontab -", "cat /proc/cpuinfo"]  # fmt: skip
    attributes: dict[str, Any] = {
        "command_executions": commands,
        "processes_tree": [
            {
                "process_id": str(rng.randint(700, 4000)),
                "name": sample,
                "children": [
                    {"process_id": str(rng.randint(700, 4000)), "name": cmd} for cmd in commands[1:]
                ],
            }
        ],
        "files_opened": ["/etc/passwd", "/proc/cpuinfo", "/etc/resolv.conf", "/proc/self/maps"],
        "files_written": [drop.path for drop in profile.dropped]
        + [f"{sample}.{hex_string(rng, 6)}"],
        "files_deleted": [sample],
        "files_dropped": [
            {"path": d.path, "sha256": d.sha256, "type": d.type} for d in profile.dropped
        ],
        "signals_observed": pick_some(rng, ("SIGCHLD", "SIGPIPE", "SIGTERM"), 1, 2),
    }
    attributes.update(_shared(rng, profile, features, "Wget/1.21.2"))
    return attributes


def macos_attributes(rng: Random, profile: FileProfile, features: frozenset[str]) -> dict[str, Any]:
    """A VirusTotal Box of Apples run: launch agents, osascript, sysctl."""
    sample = f"/Users/user/Downloads/{profile.sample_name}"
    agent = f"/Users/user/Library/LaunchAgents/com.{rng.choice(WORDS)}.agent.plist"
    commands = [sample, "/usr/sbin/sysctl hw.model", "/usr/bin/osascript -e 'display dialog'"]
    attributes: dict[str, Any] = {
        "command_executions": commands,
        "processes_created": commands,
        "files_opened": ["/System/Library/CoreServices/SystemVersion.plist", agent],
        "files_written": [agent] + [drop.path for drop in profile.dropped],
        "files_dropped": [
            {"path": d.path, "sha256": d.sha256, "type": d.type} for d in profile.dropped
        ],
    }
    attributes.update(_shared(rng, profile, features, "CFNetwork/1410.0.3 Darwin/22.6.0"))
    return attributes


def android_attributes(
    rng: Random, profile: FileProfile, features: frozenset[str]
) -> dict[str, Any]:
    """A VirusTotal R2DBox run: reflection, permissions, shared preferences."""
    package = f"com.{rng.choice(WORDS)}.{rng.choice(WORDS)}"
    attributes: dict[str, Any] = {
        "tags": pick_some(rng, ("OBFUSCATED", "REFLECTION", "TELEPHONY", "CRYPTO"), 1, 3),
        "invokes": pick_some(rng, ANDROID_INVOKES, 2, 6),
        "permissions_requested": pick_some(rng, ANDROID_PERMISSIONS, 2, 6),
        "activities_started": [f"{package}.MainActivity"],
        "files_opened": [f"/data/user/0/{package}/files/generatefid.lock"],
        "files_written": [f"/data/user/0/{package}/shared_prefs/settings.xml"],
        "shared_preferences_sets": [{"key": "install-id", "value": str(rng.getrandbits(40))}],
        "encoding_algorithms_observed": ["base64"],
        "services_opened": ["user", "phone"],
    }
    attributes.update(_shared(rng, profile, features, "Dalvik/2.1.0 (Linux; U; Android 8.1.0)"))
    return attributes


def _shared(
    rng: Random, profile: FileProfile, features: frozenset[str], user_agent: str
) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    if "network" in features and profile.hosts:
        attributes.update(network_attributes(rng, profile, user_agent=user_agent, with_ids=False))
    signatures = [sig for sig in profile.signatures if rng.random() < 0.8]
    if "signatures" in features or "mitre" in features:
        attributes.update(
            signature_attributes(
                signatures, with_matches="signatures" in features, with_mitre="mitre" in features
            )
        )
    return attributes
