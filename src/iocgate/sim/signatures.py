"""Signature, Sigma, IDS and CAPA rule catalogues that reports draw from.

Each behaviour signature names its ATT&CK technique, so the summary, the trees and the
attack_techniques relationship all agree with the report.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

__all__ = [
    "CAPA_RULES",
    "IDS_RULES",
    "SIGMA_RULES",
    "SIGNATURES",
    "CapaRule",
    "IdsRule",
    "SigmaRule",
    "Signature",
    "signatures_for",
]


@dataclass(frozen=True, slots=True)
class Signature:
    """A sandbox behaviour signature; `severity` is the `IMPACT_SEVERITY_*` suffix."""

    id: str
    description: str
    technique: str
    severity: str
    platform: str = "windows"


SIGNATURES: tuple[Signature, ...] = (
    Signature(
        "122", "Uses schtasks.exe or at.exe to add and modify task schedules", "T1053.005", "LOW"
    ),
    Signature(
        "130",
        "Creates an autostart registry key pointing to binary in C:\\Windows",
        "T1547.001",
        "MEDIUM",
    ),
    Signature("131", "Creates or modifies windows services", "T1543.003", "MEDIUM"),
    Signature("210", "Writes to foreign memory regions", "T1055", "HIGH"),
    Signature("211", "Allocates memory in foreign processes", "T1055", "MEDIUM"),
    Signature(
        "212", "Creates a process in suspended mode (likely to inject code)", "T1055.012", "MEDIUM"
    ),
    Signature("342", "Sample is packed with UPX", "T1027.002", "INFO"),
    Signature("343", "Obfuscated command line found", "T1027", "MEDIUM"),
    Signature("360", "Creates files inside the user directory", "T1036", "INFO"),
    Signature("361", "Drops PE files with a suspicious file extension", "T1036", "MEDIUM"),
    Signature("372", "Deletes files inside the Windows folder", "T1070.004", "INFO"),
    Signature("380", "Modifies the registry", "T1112", "LOW"),
    Signature("390", "Decodes base64 encoded data", "T1140", "LOW"),
    Signature("400", "May sleep (evasive loops) to hinder dynamic analysis", "T1497", "INFO"),
    Signature("401", "Checks for the presence of virtual machine artefacts", "T1497.001", "MEDIUM"),
    Signature("402", "Checks if a debugger is running", "T1622", "LOW"),
    Signature("410", "Disables Windows Defender real time protection", "T1562.001", "HIGH"),
    Signature("420", "Uses rundll32.exe to load a DLL", "T1218.011", "LOW"),
    Signature("430", "Creates hidden files", "T1564.001", "LOW"),
    Signature("509", "Reads software policies", "T1082", "INFO"),
    Signature(
        "510",
        "Queries the volume information (name, serial number etc) of a device",
        "T1082",
        "INFO",
    ),
    Signature("520", "Reads ini files", "T1083", "INFO"),
    Signature("521", "Enumerates the file system", "T1083", "INFO"),
    Signature("530", "Queries a list of all running processes", "T1057", "INFO"),
    Signature("540", "Queries the cryptographic machine GUID", "T1012", "INFO"),
    Signature("541", "Reads the hosts file", "T1018", "INFO"),
    Signature("550", "Queries sensitive network adapter information", "T1016", "LOW"),
    Signature("551", "Queries the user name of the current session", "T1033", "INFO"),
    Signature("560", "Checks for installed antivirus products via WMI", "T1518.001", "MEDIUM"),
    Signature("561", "Queries the installed keyboard layouts", "T1614.001", "INFO"),
    Signature("570", "Uses WMI to query system information", "T1047", "LOW"),
    Signature("600", "Executes PowerShell with an encoded command", "T1059.001", "HIGH"),
    Signature("601", "Starts cmd.exe to execute commands", "T1059.003", "LOW"),
    Signature("602", "Executes a VBScript via wscript.exe", "T1059.005", "MEDIUM"),
    Signature("610", "Loads modules dynamically at runtime", "T1129", "INFO"),
    Signature("611", "Calls native Windows API functions directly", "T1106", "INFO"),
    Signature(
        "620",
        "Tries to harvest and steal browser information (history, passwords, etc)",
        "T1555.003",
        "HIGH",
    ),
    Signature(
        "621", "Tries to steal Mail credentials (via file / registry access)", "T1552.001", "HIGH"
    ),
    Signature("622", "Installs a global keyboard hook", "T1056.001", "MEDIUM"),
    Signature("623", "Tries to dump the memory of the LSASS process", "T1003", "HIGH"),
    Signature("630", "Contains functionality to read the clipboard data", "T1115", "LOW"),
    Signature("631", "Takes screenshots of the desktop", "T1113", "MEDIUM"),
    Signature("632", "Reads data from the local file system", "T1005", "INFO"),
    Signature("640", "Connects to shared network drives", "T1021.002", "MEDIUM"),
    Signature("700", "Performs HTTP requests", "T1071.001", "INFO"),
    Signature("701", "Downloads files from a web server", "T1105", "MEDIUM"),
    Signature("702", "Uses HTTPS for network communication", "T1573", "INFO"),
    Signature("703", "Connects to a non-standard port", "T1571", "LOW"),
    Signature("704", "Sends data to a remote host over a raw TCP socket", "T1095", "MEDIUM"),
    Signature("705", "Uploads collected data to a remote server", "T1041", "HIGH"),
    Signature("800", "Deletes volume shadow copies", "T1490", "HIGH"),
    Signature("801", "Encrypts many files in a short time (ransomware behaviour)", "T1486", "HIGH"),
    Signature("802", "Stops security-related services", "T1489", "HIGH"),
    Signature("900", "Executes commands through /bin/sh", "T1059.004", "LOW", "linux"),
    Signature("901", "Installs a crontab entry", "T1053.003", "MEDIUM", "linux"),
    Signature("902", "Makes a dropped file executable (chmod +x)", "T1222.002", "LOW", "linux"),
    Signature("903", "Reads system information from /proc", "T1082", "INFO", "linux"),
    Signature("950", "Writes a LaunchAgent property list", "T1543.001", "MEDIUM", "macos"),
    Signature("951", "Executes AppleScript via osascript", "T1059.002", "MEDIUM", "macos"),
    Signature("952", "Queries the hardware model (sysctl hw.model)", "T1497.001", "LOW", "macos"),
)
"""Behaviour signatures with the ATT&CK technique each one evidences."""


def signatures_for(platform: str) -> tuple[Signature, ...]:
    """The signatures a sandbox on `platform` can raise."""
    return tuple(sig for sig in SIGNATURES if sig.platform == platform)


@dataclass(frozen=True, slots=True)
class SigmaRule:
    """A Sigma rule as VirusTotal reports it in `sigma_analysis_results`."""

    title: str
    level: str
    description: str
    author: str
    image: str

    @property
    def rule_id(self) -> str:
        """VirusTotal identifies Sigma rules by a 64-hex digest."""
        return hashlib.sha256(self.title.encode()).hexdigest()


SIGMA_RULES: tuple[SigmaRule, ...] = (
    SigmaRule(
        "Scheduled Task Creation",
        "low",
        "Detects the creation of scheduled tasks in user session",
        "Florian Roth (Nextron Systems)",
        "C:\\Windows\\System32\\schtasks.exe",
    ),
    SigmaRule(
        "Suspicious Encoded PowerShell Command Line",
        "high",
        "Detects suspicious powershell process starts with base64 encoded commands",
        "Florian Roth (Nextron Systems), Markus Neis",
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    ),
    SigmaRule(
        "Shadow Copies Deletion Using Operating Systems Utilities",
        "high",
        "Shadow Copies deletion using operating systems utilities",
        "Florian Roth (Nextron Systems), Michael Haag",
        "C:\\Windows\\System32\\vssadmin.exe",
    ),
    SigmaRule(
        "CurrentVersion Autorun Keys Modification",
        "medium",
        "Detects modification of autostart extensibility point (ASEP) in registry",
        "Victor Sergeev, Daniil Yugoslavskiy, Gleb Sukhodolskiy",
        "C:\\Windows\\System32\\reg.exe",
    ),
    SigmaRule(
        "Rundll32 Execution Without DLL File",
        "high",
        "Detects the execution of rundll32 with a command line that doesn't contain a .dll file",
        "Tim Shelton, Florian Roth (Nextron Systems)",
        "C:\\Windows\\System32\\rundll32.exe",
    ),
    SigmaRule(
        "Non Interactive PowerShell Process Spawned",
        "low",
        "Detects non-interactive PowerShell activity by looking at the powershell process",
        "Roberto Rodriguez @Cyb3rWard0g (rule), oscd.community (improvements)",
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    ),
    SigmaRule(
        "Windows Defender Real-time Protection Disabled",
        "high",
        "Detects disabling of Windows Defender Real-time Protection",
        "Ján Trenčanský, frack113",
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    ),
)


@dataclass(frozen=True, slots=True)
class IdsRule:
    """An IDS rule as VirusTotal reports it in `ids_alerts`."""

    rule_id: str
    message: str
    category: str
    severity: str


IDS_RULES: tuple[IdsRule, ...] = (
    IdsRule(
        "1:2013028", "ET POLICY curl User-Agent Outbound", "Attempted Information Leak", "medium"
    ),
    IdsRule(
        "1:2018959",
        "ET POLICY PE EXE or DLL Windows file download HTTP",
        "Potential Corporate Privacy Violation",
        "low",
    ),
    IdsRule("1:2027758", "ET DNS Query for .cc TLD", "Potentially Bad Traffic", "low"),
    IdsRule(
        "1:2030171",
        "ET MALWARE Generic Stealer CnC Checkin (POST)",
        "A Network Trojan was detected",
        "high",
    ),
    IdsRule("1:2033966", "ET INFO Observed DNS Query to .test TLD", "Misc activity", "info"),
    IdsRule(
        "1:2035595",
        "ET POLICY External IP Lookup",
        "Potential Corporate Privacy Violation",
        "medium",
    ),
)


@dataclass(frozen=True, slots=True)
class CapaRule:
    """A capa rule; CAPA "sandbox" reports are static `SIG_FORMAT_CAPA` matches."""

    name: str
    namespace: str
    author: str
    technique: str | None


CAPA_RULES: tuple[CapaRule, ...] = (
    CapaRule("allocate RW memory", "host-interaction/process/inject", "0x534a@mailbox.org", None),
    CapaRule("contain loop", "", "moritz.raabe@mandiant.com", None),
    CapaRule(
        "link function at runtime on Windows",
        "linking/runtime-linking",
        "0x534a@mailbox.org",
        "T1129",
    ),
    CapaRule(
        "packed with UPX",
        "anti-analysis/packer/upx",
        "william.ballenthin@mandiant.com",
        "T1027.002",
    ),
    CapaRule(
        "terminate process", "host-interaction/process/terminate", "moritz.raabe@mandiant.com", None
    ),
    CapaRule(
        "query environment variable",
        "host-interaction/environment-variable",
        "michael.hunhoff@mandiant.com",
        "T1082",
    ),
    CapaRule(
        "check for debugger via API",
        "anti-analysis/anti-debugging/debugger-detection",
        "michael.hunhoff@mandiant.com",
        "T1622",
    ),
    CapaRule(
        "encode data using Base64",
        "data-manipulation/encoding/base64",
        "moritz.raabe@mandiant.com",
        "T1027",
    ),
    CapaRule(
        "create process on Windows",
        "host-interaction/process/create",
        "moritz.raabe@mandiant.com",
        "T1106",
    ),
    CapaRule(
        "enumerate files on Windows",
        "host-interaction/file-system/files/list",
        "moritz.raabe@mandiant.com",
        "T1083",
    ),
    CapaRule(
        "persist via Run registry key",
        "persistence/registry/run",
        "moritz.raabe@mandiant.com",
        "T1547.001",
    ),
    CapaRule(
        "send HTTP request",
        "communication/http/client",
        "william.ballenthin@mandiant.com",
        "T1071.001",
    ),
)
