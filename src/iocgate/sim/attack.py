"""A small built-in table of real MITRE ATT&CK tactics and techniques (ids, names, summaries).

Over 400 lines only because it is data: one entry per technique, nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["TACTICS", "TECHNIQUES", "Tactic", "Technique", "technique_link"]


@dataclass(frozen=True, slots=True)
class Tactic:
    """An ATT&CK tactic (the adversary's goal)."""

    id: str
    name: str
    description: str

    @property
    def link(self) -> str:
        """The tactic's page on attack.mitre.org."""
        return f"https://attack.mitre.org/tactics/{self.id}/"


@dataclass(frozen=True, slots=True)
class Technique:
    """An ATT&CK technique or sub-technique and the tactics it serves."""

    id: str
    name: str
    description: str
    tactics: tuple[str, ...]
    platforms: tuple[str, ...] = ("Windows",)

    @property
    def link(self) -> str:
        """The technique's page; sub-technique ids use dots but links use slashes."""
        return technique_link(self.id)


def technique_link(technique_id: str) -> str:
    """`T1070.004` -> `https://attack.mitre.org/techniques/T1070/004/`."""
    return "https://attack.mitre.org/techniques/" + technique_id.replace(".", "/") + "/"


def _tactics(*rows: tuple[str, str, str]) -> Mapping[str, Tactic]:
    return MappingProxyType({row[0]: Tactic(*row) for row in rows})


# Kill-chain order, as the ATT&CK matrix shows it; trees list tactics in this order.
TACTICS: Mapping[str, Tactic] = _tactics(
    ("TA0001", "Initial Access", "The adversary is trying to get into your network."),
    ("TA0002", "Execution", "The adversary is trying to run malicious code."),
    ("TA0003", "Persistence", "The adversary is trying to maintain their foothold."),
    ("TA0004", "Privilege Escalation", "The adversary is trying to gain higher-level permissions."),
    ("TA0005", "Defense Evasion", "The adversary is trying to avoid being detected."),
    (
        "TA0006",
        "Credential Access",
        "The adversary is trying to steal account names and passwords.",
    ),
    ("TA0007", "Discovery", "The adversary is trying to figure out your environment."),
    ("TA0008", "Lateral Movement", "The adversary is trying to move through your environment."),
    ("TA0009", "Collection", "The adversary is trying to gather data of interest to their goal."),
    (
        "TA0011",
        "Command and Control",
        "The adversary is trying to communicate with compromised systems to control them.",
    ),
    ("TA0010", "Exfiltration", "The adversary is trying to steal data."),
    (
        "TA0040",
        "Impact",
        "The adversary is trying to manipulate, interrupt, or destroy your systems and data.",
    ),
)

_EXE = ("TA0002",)
_PERSIST_PRIV = ("TA0003", "TA0004")
_EVADE = ("TA0005",)
_DISCOVER = ("TA0007",)
_C2 = ("TA0011",)
_ALL = ("Windows", "Linux", "macOS")


def _techniques(*rows: Technique) -> Mapping[str, Technique]:
    return MappingProxyType({row.id: row for row in rows})


TECHNIQUES: Mapping[str, Technique] = _techniques(
    Technique(
        "T1059",
        "Command and Scripting Interpreter",
        "Adversaries may abuse command and script interpreters to execute commands, scripts, "
        "or binaries.",
        _EXE,
        _ALL,
    ),
    Technique(
        "T1059.001",
        "PowerShell",
        "Adversaries may abuse PowerShell commands and scripts for execution.",
        _EXE,
    ),
    Technique(
        "T1059.002",
        "AppleScript",
        "Adversaries may abuse AppleScript for execution.",
        _EXE,
        ("macOS",),
    ),
    Technique(
        "T1059.003",
        "Windows Command Shell",
        "Adversaries may abuse the Windows command shell for execution.",
        _EXE,
    ),
    Technique(
        "T1059.004",
        "Unix Shell",
        "Adversaries may abuse Unix shell commands and scripts for execution.",
        _EXE,
        ("Linux", "macOS"),
    ),
    Technique(
        "T1059.005",
        "Visual Basic",
        "Adversaries may abuse Visual Basic (VB) for execution.",
        _EXE,
    ),
    Technique(
        "T1106",
        "Native API",
        "Adversaries may interact with the native OS application programming interface (API) "
        "to execute behaviors.",
        _EXE,
        _ALL,
    ),
    Technique(
        "T1047",
        "Windows Management Instrumentation",
        "Adversaries may abuse Windows Management Instrumentation (WMI) to execute malicious "
        "commands and payloads.",
        _EXE,
    ),
    Technique(
        "T1129",
        "Shared Modules",
        "Adversaries may execute malicious payloads via loading shared modules.",
        _EXE,
        _ALL,
    ),
    Technique(
        "T1204.002",
        "Malicious File",
        "An adversary may rely upon a user opening a malicious file in order to gain execution.",
        _EXE,
        _ALL,
    ),
    Technique(
        "T1053.003",
        "Cron",
        "Adversaries may abuse the cron utility to perform task scheduling for initial or "
        "recurring execution of malicious code.",
        ("TA0002", *_PERSIST_PRIV),
        ("Linux", "macOS"),
    ),
    Technique(
        "T1053.005",
        "Scheduled Task",
        "Adversaries may abuse the Windows Task Scheduler to perform task scheduling for "
        "initial or recurring execution of malicious code.",
        ("TA0002", *_PERSIST_PRIV),
    ),
    Technique(
        "T1547.001",
        "Registry Run Keys / Startup Folder",
        "Adversaries may achieve persistence by adding a program to a startup folder or "
        "referencing it with a Registry run key.",
        _PERSIST_PRIV,
    ),
    Technique(
        "T1543.001",
        "Launch Agent",
        "Adversaries may create or modify launch agents to repeatedly execute malicious payloads "
        "as part of persistence.",
        _PERSIST_PRIV,
        ("macOS",),
    ),
    Technique(
        "T1543.003",
        "Windows Service",
        "Adversaries may create or modify Windows services to repeatedly execute malicious "
        "payloads as part of persistence.",
        _PERSIST_PRIV,
    ),
    Technique(
        "T1055",
        "Process Injection",
        "Adversaries may inject code into processes in order to evade process-based defenses "
        "as well as possibly elevate privileges.",
        ("TA0005", "TA0004"),
        _ALL,
    ),
    Technique(
        "T1055.012",
        "Process Hollowing",
        "Adversaries may inject malicious code into suspended and hollowed processes in order "
        "to evade process-based defenses.",
        ("TA0005", "TA0004"),
    ),
    Technique(
        "T1027",
        "Obfuscated Files or Information",
        "Adversaries may attempt to make an executable or file difficult to discover or analyze "
        "by encrypting, encoding, or otherwise obfuscating its contents.",
        _EVADE,
        _ALL,
    ),
    Technique(
        "T1027.002",
        "Software Packing",
        "Adversaries may perform software packing or virtual machine software protection to "
        "conceal their code.",
        _EVADE,
        _ALL,
    ),
    Technique(
        "T1036",
        "Masquerading",
        "Adversaries may attempt to manipulate features of their artifacts to make them appear "
        "legitimate or benign to users and/or security tools.",
        _EVADE,
        _ALL,
    ),
    Technique(
        "T1070.004",
        "File Deletion",
        "Adversaries may delete files left behind by the actions of their intrusion activity.",
        _EVADE,
        _ALL,
    ),
    Technique(
        "T1112",
        "Modify Registry",
        "Adversaries may interact with the Windows Registry to hide configuration information "
        "within Registry keys, remove information as part of cleaning up, or as part of other "
        "techniques to aid in persistence and execution.",
        _EVADE,
    ),
    Technique(
        "T1140",
        "Deobfuscate/Decode Files or Information",
        "Adversaries may use obfuscated files or information to hide artifacts of an intrusion "
        "from analysis.",
        _EVADE,
        _ALL,
    ),
    Technique(
        "T1218.011",
        "Rundll32",
        "Adversaries may abuse rundll32.exe to proxy execution of malicious code.",
        _EVADE,
    ),
    Technique(
        "T1222.002",
        "Linux and Mac File and Directory Permissions Modification",
        "Adversaries may modify file or directory permissions/attributes to evade access "
        "control lists (ACLs) and access protected files.",
        _EVADE,
        ("Linux", "macOS"),
    ),
    Technique(
        "T1497",
        "Virtualization/Sandbox Evasion",
        "Adversaries may employ various means to detect and avoid virtualization and analysis "
        "environments.",
        ("TA0005", "TA0007"),
        _ALL,
    ),
    Technique(
        "T1497.001",
        "System Checks",
        "Adversaries may employ various system checks to detect and avoid virtualization and "
        "analysis environments.",
        ("TA0005", "TA0007"),
        _ALL,
    ),
    Technique(
        "T1562.001",
        "Disable or Modify Tools",
        "Adversaries may modify and/or disable security tools to avoid possible detection of "
        "their malware/tools and activities.",
        _EVADE,
        _ALL,
    ),
    Technique(
        "T1564.001",
        "Hidden Files and Directories",
        "Adversaries may set files and directories to be hidden to evade detection mechanisms.",
        _EVADE,
        _ALL,
    ),
    Technique(
        "T1622",
        "Debugger Evasion",
        "Adversaries may employ various means to detect and avoid debuggers.",
        ("TA0005", "TA0007"),
        _ALL,
    ),
    Technique(
        "T1003",
        "OS Credential Dumping",
        "Adversaries may attempt to dump credentials to obtain account login and credential "
        "material.",
        ("TA0006",),
        _ALL,
    ),
    Technique(
        "T1555.003",
        "Credentials from Web Browsers",
        "Adversaries may acquire credentials from web browsers by reading files specific to the "
        "target browser.",
        ("TA0006",),
        _ALL,
    ),
    Technique(
        "T1552.001",
        "Credentials In Files",
        "Adversaries may search local file systems and remote file shares for files containing "
        "insecurely stored credentials.",
        ("TA0006",),
        _ALL,
    ),
    Technique(
        "T1056.001",
        "Keylogging",
        "Adversaries may log user keystrokes to intercept credentials as the user types them.",
        ("TA0009", "TA0006"),
        _ALL,
    ),
    Technique(
        "T1082",
        "System Information Discovery",
        "An adversary may attempt to get detailed information about the operating system and "
        "hardware, including version, patches, hotfixes, service packs, and architecture.",
        _DISCOVER,
        _ALL,
    ),
    Technique(
        "T1083",
        "File and Directory Discovery",
        "Adversaries may enumerate files and directories or may search in specific locations of "
        "a host or network share for certain information within a file system.",
        _DISCOVER,
        _ALL,
    ),
    Technique(
        "T1057",
        "Process Discovery",
        "Adversaries may attempt to get information about running processes on a system.",
        _DISCOVER,
        _ALL,
    ),
    Technique(
        "T1012",
        "Query Registry",
        "Adversaries may interact with the Windows Registry to gather information about the "
        "system, configuration, and installed software.",
        _DISCOVER,
    ),
    Technique(
        "T1016",
        "System Network Configuration Discovery",
        "Adversaries may look for details about the network configuration and settings of "
        "systems they access or through information discovery of remote systems.",
        _DISCOVER,
        _ALL,
    ),
    Technique(
        "T1018",
        "Remote System Discovery",
        "Adversaries may attempt to get a listing of other systems by IP address, hostname, or "
        "other logical identifier on a network.",
        _DISCOVER,
        _ALL,
    ),
    Technique(
        "T1033",
        "System Owner/User Discovery",
        "Adversaries may attempt to identify the primary user, currently logged in user, set of "
        "users that commonly uses a system, or whether a user is actively using the system.",
        _DISCOVER,
        _ALL,
    ),
    Technique(
        "T1518.001",
        "Security Software Discovery",
        "Adversaries may attempt to get a listing of security software, configurations, "
        "defensive tools, and sensors that are installed on a system or in a cloud environment.",
        _DISCOVER,
        _ALL,
    ),
    Technique(
        "T1614.001",
        "System Language Discovery",
        "Adversaries may attempt to gather information about the system language of a victim "
        "in order to infer the geographical location of that host.",
        _DISCOVER,
        _ALL,
    ),
    Technique(
        "T1021.002",
        "SMB/Windows Admin Shares",
        "Adversaries may use Valid Accounts to interact with a remote network share using "
        "Server Message Block (SMB).",
        ("TA0008",),
    ),
    Technique(
        "T1005",
        "Data from Local System",
        "Adversaries may search local system sources, such as file systems and configuration "
        "files or local databases, to find files of interest and sensitive data.",
        ("TA0009",),
        _ALL,
    ),
    Technique(
        "T1113",
        "Screen Capture",
        "Adversaries may attempt to take screen captures of the desktop to gather information "
        "over the course of an operation.",
        ("TA0009",),
        _ALL,
    ),
    Technique(
        "T1115",
        "Clipboard Data",
        "Adversaries may collect data stored in the clipboard from users copying information "
        "within or between applications.",
        ("TA0009",),
        _ALL,
    ),
    Technique(
        "T1071.001",
        "Web Protocols",
        "Adversaries may communicate using application layer protocols associated with web "
        "traffic to avoid detection/network filtering by blending in with existing traffic.",
        _C2,
        _ALL,
    ),
    Technique(
        "T1095",
        "Non-Application Layer Protocol",
        "Adversaries may use an OSI non-application layer protocol for communication between "
        "host and C2 server or among infected hosts within a network.",
        _C2,
        _ALL,
    ),
    Technique(
        "T1105",
        "Ingress Tool Transfer",
        "Adversaries may transfer tools or other files from an external system into a "
        "compromised environment.",
        _C2,
        _ALL,
    ),
    Technique(
        "T1571",
        "Non-Standard Port",
        "Adversaries may communicate using a protocol and port pairing that are typically not "
        "associated.",
        _C2,
        _ALL,
    ),
    Technique(
        "T1573",
        "Encrypted Channel",
        "Adversaries may employ an encryption algorithm to conceal command and control traffic "
        "rather than relying on any inherent protections provided by a communication protocol.",
        _C2,
        _ALL,
    ),
    Technique(
        "T1041",
        "Exfiltration Over C2 Channel",
        "Adversaries may steal data by exfiltrating it over an existing command and control "
        "channel.",
        ("TA0010",),
        _ALL,
    ),
    Technique(
        "T1486",
        "Data Encrypted for Impact",
        "Adversaries may encrypt data on target systems or on large numbers of systems in a "
        "network to interrupt availability to system and network resources.",
        ("TA0040",),
        _ALL,
    ),
    Technique(
        "T1489",
        "Service Stop",
        "Adversaries may stop or disable services on a system to render those services "
        "unavailable to legitimate users.",
        ("TA0040",),
        _ALL,
    ),
    Technique(
        "T1490",
        "Inhibit System Recovery",
        "Adversaries may delete or remove built-in data and turn off services designed to aid "
        "in the recovery of a corrupted system to prevent recovery.",
        ("TA0040",),
        _ALL,
    ),
)
