"""Which indicators are noise: benign infrastructure and Windows background activity (#22.2).

Two sources. The MISP warning lists (the maintained ``pymispwarninglists`` package, its data
shipped inside it) name operating-system and PKI endpoints, public resolvers, captive-portal
checks and shared hosting (CDNs, clouds). Our own rules add what a Windows guest does on its
own (Explorer MRU and shell-bag keys, crypto seeds, tracing), private addresses, the sandbox's
DNS resolver, and addresses that only answered for a noise name.

Each indicator gets a class, a confidence (0-100, how sure it is an indicator of compromise)
and a reason: ``noise`` (left out of the brief unless asked for), ``context`` (kept, lower
confidence: shared infrastructure that a sample may also abuse) or ``ioc``.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Classification", "classify"]

# Warning lists that mean "benign by construction" (noise) or "shared, maybe abused" (context).
_NOISE_LISTS = (
    "microsoft",
    "microsoft-win10-connection-endpoints",
    "microsoft-office365",
    "crl-hostname",
    "crl-ip",
    "captive-portals",
    "public-dns-v4",
    "public-dns-v6",
    "public-dns-hostname",
    "rfc1918",
    "rfc6598",
    "multicast",
    "ipv6-linklocal",
)
_CONTEXT_LISTS = ("akamai", "cloudflare", "fastly", "url-shortener", "tranco10k")

# Names a Windows guest resolves by itself: update, telemetry, PKI, connectivity checks.
_BACKGROUND_SUFFIXES = (
    ".windowsupdate.com",
    ".update.microsoft.com",
    ".data.microsoft.com",
    ".msftconnecttest.com",
    ".msftncsi.com",
    "crl.microsoft.com",
    "ocsp.digicert.com",
    "crl3.digicert.com",
    "crl4.digicert.com",
    "ocsp.msocsp.com",
    "time.windows.com",
    ".in-addr.arpa",
)
_BACKGROUND_REGISTRY = re.compile(
    r"\\Explorer\\ComDlg32\\(?:OpenSavePidlMRU|LastVisitedPidlMRU|CIDSizeMRU)"
    r"|\\Explorer\\(?:RecentDocs|UserAssist|FeatureUsage|SessionInfo)"
    r"|\\Shell(?:NoRoam)?\\(?:BagMRU|Bags)"
    r"|\\Shell\\MuiCache|\\Classes\\Local Settings\\Software\\Microsoft\\Windows\\Shell"
    r"|\\Microsoft\\Cryptography\\RNG\\Seed|\\SystemCertificates\\"
    r"|\\Tracing\\[^\\]+\\(?:EnableFileTracing|EnableConsoleTracing|FileTracingMask)"
    r"|\\Internet Settings\\(?:ZoneMap|5\.0\\Cache|Connections\\SavedLegacySettings)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Classification:
    """How an indicator is classed, how sure we are it is an IoC, and why."""

    kind: str  # ioc | context | noise
    confidence: int
    reason: str | None = None


_IOC = Classification("ioc", 80)


@dataclass(frozen=True, slots=True)
class _List:
    """One warning list, indexed for exact, parent-domain and network lookups."""

    kind: str  # noise | context
    name: str
    values: frozenset[str]
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    def __contains__(self, value: str) -> bool:
        if value in self.values:
            return True
        if self.networks:
            try:
                address = ipaddress.ip_address(value)
            except ValueError:
                return False
            return any(address in network for network in self.networks)
        labels = value.split(".")  # a listed domain covers its subdomains
        return any(".".join(labels[i:]) in self.values for i in range(1, len(labels) - 1))


@functools.cache
def _warning_lists() -> tuple[_List, ...]:
    """The lists above from the installed data, loaded once (about 2 MB of JSON).

    The package's own search is exact or very slow (seconds per value over CIDR lists), so
    the lists are indexed here: values in a set, networks parsed once."""
    import pymispwarninglists  # loaded on first use (2 MB of JSON), not at import

    root = Path(pymispwarninglists.__file__).parent / "data" / "misp-warninglists" / "lists"
    wanted = [(n, "noise") for n in _NOISE_LISTS] + [(n, "context") for n in _CONTEXT_LISTS]
    loaded = []
    for folder, kind in wanted:
        path = root / folder / "list.json"
        if not path.exists():
            continue  # a list renamed upstream: the others still apply
        document = json.loads(path.read_text(encoding="utf-8"))
        values = {str(v).lower().rstrip(".") for v in document.get("list", [])}
        networks = []
        if document.get("type") == "cidr":
            # Single addresses (most of the 60,000 public resolvers) are looked up exactly.
            hosts = {v.rsplit("/", 1)[0] for v in values if v.endswith(("/32", "/128"))}
            for value in values - {f"{h}/32" for h in hosts} - {f"{h}/128" for h in hosts}:
                if "/" in value:
                    with contextlib.suppress(ValueError):
                        networks.append(ipaddress.ip_network(value, strict=False))
            values = {v for v in values if "/" not in v} | hosts
        loaded.append(_List(kind, document["name"], frozenset(values), tuple(networks)))
    return tuple(loaded)


def _listed(value: str) -> Classification | None:
    found: Classification | None = None
    for entry in _warning_lists():
        if value in entry:
            if entry.kind == "noise":
                return Classification("noise", 5, f"MISP warning list: {entry.name}")
            found = found or Classification("context", 40, f"MISP warning list: {entry.name}")
    return found


def _is_private(value: str) -> bool:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    # Not `is_private`: that also covers the documentation ranges, which are not local.
    local = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fe80::/10")
    return (
        address.is_loopback
        or address.is_multicast
        or address.is_unspecified
        or any(address in ipaddress.ip_network(net) for net in local)
    )


def _domain(value: str) -> Classification | None:
    name = value.lower().rstrip(".")
    if any(name == s.lstrip(".") or name.endswith(s) for s in _BACKGROUND_SUFFIXES):
        return Classification("noise", 5, "Windows background traffic (update, PKI, telemetry)")
    return _listed(name)


def classify(
    kind: str,
    value: str,
    *,
    contexts: tuple[str, ...] = (),
    ports: Iterable[int] = (),
    resolved_from: Iterable[str] = (),
    noise_names: Mapping[str, Classification] | None = None,
) -> Classification:
    """The class of one indicator of type ``kind`` (domain, ip, url, registry_key, ...).

    ``resolved_from`` are the names that resolved to an IP; ``noise_names`` the domains
    already classed as noise (an address that only answered for them is noise too).
    """
    if kind == "domain":
        return _domain(value) or _IOC
    if kind == "url":
        match = re.match(r"^[a-z][a-z0-9+.-]*://([^/:?#]+)", value, re.IGNORECASE)
        host = match.group(1) if match else ""
        found = _domain(host) if host else None
        if found is not None:
            return Classification(found.kind, found.confidence + 5, f"host: {found.reason}")
        return _listed(value) or _IOC
    if kind == "ip":
        if _is_private(value):
            return Classification("noise", 5, "private or local address (the sandbox network)")
        port_set = set(ports)
        answers = {"dns", "dns-answer"}  # how network.py marks an address a name resolved to
        if port_set and port_set <= {53} and not answers & set(contexts):
            return Classification("noise", 10, "DNS resolver of the sandbox (port 53 only)")
        listed = _listed(value)
        if listed is not None:
            return listed
        names = list(resolved_from)
        noise = noise_names or {}
        if names and all(name in noise for name in names):
            return Classification("noise", 10, f"address of {names[0]} ({noise[names[0]].reason})")
        if contexts and set(contexts) <= answers:
            return Classification("context", 50, "only a DNS answer, never contacted")
        return _IOC
    if kind == "registry_key":
        if _BACKGROUND_REGISTRY.search(value):
            return Classification("noise", 5, "Windows background registry activity (Explorer)")
        return _IOC
    return _IOC
