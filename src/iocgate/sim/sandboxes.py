"""The sandboxes the simulator knows: real VirusTotal display names, platforms, what they report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["ARTEFACTS", "SANDBOXES", "Sandbox"]

ARTEFACTS: tuple[str, ...] = ("pcap", "evtx", "memdump", "html")
"""Artefact names, as they appear in the URL (`/file_behaviours/{id}/pcap`)."""


@dataclass(frozen=True, slots=True)
class Sandbox:
    """A sandbox as VirusTotal names it, and which attribute families its reports carry."""

    name: str
    platform: str
    features: frozenset[str]
    artefacts: tuple[str, ...]


def _sandbox(name: str, platform: str, features: str, artefacts: str = "") -> Sandbox:
    return Sandbox(name, platform, frozenset(features.split()), tuple(artefacts.split()))


_WINDOWS_FULL = (
    "processes files registry modules mutexes network calls tags text services signatures "
    "mitre sigma ids memory windows properties crypto"
)

SANDBOXES: Mapping[str, Sandbox] = MappingProxyType(
    {
        box.name: box
        for box in (
            _sandbox("VirusTotal Jujubox", "windows", _WINDOWS_FULL, "pcap evtx memdump html"),
            _sandbox(
                "VirusTotal Observer",
                "windows",
                "processes files registry mutexes network windows properties signatures mitre",
                "pcap html",
            ),
            _sandbox(
                "Zenbox",
                "windows",
                "processes files registry mutexes network signatures mitre sigma ids memory "
                "verdicts crypto",
                "pcap evtx memdump html",
            ),
            _sandbox(
                "VirusTotal ZenBox",
                "windows",
                "processes files registry mutexes network signatures mitre memory verdicts",
                "pcap memdump html",
            ),
            _sandbox(
                "Dr.Web vxCube",
                "windows",
                "processes files network mutexes verdicts mitre signatures",
                "pcap html",
            ),
            _sandbox("ReaQta-Hive", "windows", "processes files mitre signatures network", "html"),
            _sandbox("C2AE", "windows", "tree verdicts"),
            _sandbox("CAPA", "static", "capa"),
            _sandbox("Microsoft Sysinternals", "static", "sysinternals"),
            _sandbox(
                "Zenbox Linux",
                "linux",
                "processes files network signatures mitre verdicts",
                "pcap html",
            ),
            _sandbox(
                "VirusTotal Box of Apples",
                "macos",
                "processes files network signatures mitre",
                "pcap html",
            ),
            _sandbox("VirusTotal R2DBox", "android", "android network", "pcap html"),
            # Partner sandboxes (vt-api.md §1); the "many" file is run by all of them.
            _sandbox(
                "Tencent HABO",
                "windows",
                "processes files registry mutexes network signatures mitre verdicts",
                "pcap html",
            ),
            _sandbox("Lastline", "windows", "processes files registry network mitre", "html"),
            _sandbox(
                "VenusEye Sandbox", "windows", "processes files network mitre verdicts", "pcap"
            ),
            _sandbox(
                "Yomi Hunter",
                "windows",
                "processes files registry mutexes network signatures mitre verdicts",
                "pcap html",
            ),
            _sandbox(
                "CAPE Sandbox",
                "windows",
                "processes files registry mutexes network signatures mitre memory",
                "pcap memdump",
            ),
        )
    }
)
"""Every sandbox by display name (names contain spaces, dots and hyphens, as on VirusTotal)."""
