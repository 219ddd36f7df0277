"""A report's network attributes (DNS, IP traffic, HTTP, TLS, IDS), sampled from its file.

dns_lookups, ip_traffic, http_conversations, tls, ja3_digests and ids_alerts come from the
same profile, so they agree with each other and with the pcap built from them.
"""

from __future__ import annotations

from random import Random
from typing import Any
from urllib.parse import urlsplit

from iocgate.sim.profile import FileProfile
from iocgate.sim.signatures import IDS_RULES
from iocgate.sim.vocabulary import hex_string

__all__ = [
    "BACKGROUND_HOSTS",
    "RESOLVER_IP",
    "SANDBOX_IP",
    "add_background_traffic",
    "network_attributes",
]

SANDBOX_IP = "10.0.2.15"
"""The analysed machine's own address in every capture."""

RESOLVER_IP = "192.0.2.53"
"""The DNS resolver the sandboxes use (RFC 5737, like every other address here)."""

_ISSUERS = (
    {"C": "US", "O": "Let's Encrypt", "CN": "R3"},
    {"C": "US", "O": "Google Trust Services", "CN": "WR1"},
    {"C": "BE", "O": "GlobalSign nv-sa", "CN": "GlobalSign RSA OV SSL CA 2018"},
)
_SERVERS = ("nginx", "Apache/2.4.41 (Ubuntu)", "cloudflare", "Microsoft-IIS/10.0")


def network_attributes(
    rng: Random, profile: FileProfile, *, user_agent: str, with_ids: bool
) -> dict[str, Any]:
    """Network attributes for one sandbox run; empty families are simply missing."""
    hosts = [host for host in profile.hosts if rng.random() < 0.75] or list(profile.hosts[:1])
    addresses = {host.name: host.ips for host in hosts}
    # Only names that resolved are fetched from (a URL on a dead name makes no connection).
    urls = [url for url in profile.urls if addresses.get(urlsplit(url).hostname or "")]
    attributes: dict[str, Any] = {}
    attributes["dns_lookups"] = [
        {"hostname": host.name, **({"resolved_ips": list(host.ips)} if host.ips else {})}
        for host in hosts
    ]
    traffic: list[dict[str, Any]] = [_flow("UDP", RESOLVER_IP, 53)]
    for url in urls:
        parts = urlsplit(url)
        ips = addresses[parts.hostname or ""]
        port = parts.port or (443 if parts.scheme == "https" else 80)
        traffic.append(_flow("TCP", ips[0], port))
    traffic.extend(
        _flow(proto, ip, port) for ip, port, proto in profile.raw_connections if rng.random() < 0.8
    )
    attributes["ip_traffic"] = _unique(traffic)
    attributes["http_conversations"] = [_conversation(rng, url, user_agent) for url in urls]
    ja3 = hex_string(rng, 32)
    tls_hosts = dict.fromkeys(
        urlsplit(url).hostname or "" for url in urls if url.startswith("https://")
    )
    attributes["tls"] = [_tls(rng, name, ja3) for name in tls_hosts]
    attributes["ja3_digests"] = [ja3] if tls_hosts else []
    if with_ids:
        attributes["ids_alerts"] = _ids_alerts(rng, attributes["ip_traffic"], urls, addresses)
    return attributes


def _flow(protocol: str, ip: str, port: int) -> dict[str, Any]:
    return {"transport_layer_protocol": protocol, "destination_ip": ip, "destination_port": port}


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for item in items:
        key = tuple(sorted(item.items()))
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def _conversation(rng: Random, url: str, user_agent: str) -> dict[str, Any]:
    method = rng.choice(("GET", "GET", "POST"))
    conversation: dict[str, Any] = {
        "url": url,
        "request_method": method,
        "request_headers": {"User-Agent": user_agent, "Host": urlsplit(url).netloc},
    }
    if rng.random() < 0.85:
        status = rng.choice((200, 200, 200, 404, 302, 403))
        conversation["response_status_code"] = status
        conversation["response_headers"] = {
            "Server": rng.choice(_SERVERS),
            "Content-Type": rng.choice(
                ("text/html", "application/octet-stream", "application/json")
            ),
            "Date": "Tue, 27 Feb 2024 04:08:28 GMT",
            "Content-Length": str(rng.randint(0, 90_000)),
        }
    return conversation


def _tls(rng: Random, name: str, ja3: str) -> dict[str, Any]:
    return {
        "sni": name,
        "version": rng.choice(("TLS 1.2", "TLS 1.3")),
        "ja3": ja3,
        "ja3s": hex_string(rng, 32),
        "serial_number": hex_string(rng, 36),
        "thumbprint": hex_string(rng, 40),
        "subject": {"CN": name},
        "issuer": dict(rng.choice(_ISSUERS)),
    }


def _ids_alerts(
    rng: Random,
    traffic: list[dict[str, Any]],
    urls: list[str],
    addresses: dict[str, tuple[str, ...]],
) -> list[dict[str, Any]]:
    alerts = []
    for url in urls:
        if rng.random() > 0.5:
            continue
        parts = urlsplit(url)
        host = parts.hostname or ""
        rule = rng.choice(IDS_RULES)
        alerts.append(
            {
                "rule_msg": rule.message,
                "rule_id": rule.rule_id,
                "rule_source": "Proofpoint Emerging Threats Open",
                "rule_category": rule.category,
                "alert_severity": rule.severity,
                "alert_context": {
                    "src_ip": SANDBOX_IP,
                    "src_port": rng.randint(49152, 65535),
                    "dest_ip": addresses[host][0],
                    "dest_port": parts.port or (443 if parts.scheme == "https" else 80),
                    "hostname": host,
                    "url": url,
                    "protocol": "TCP",
                },
            }
        )
    if not alerts and len(traffic) > 1:
        flow = traffic[1]
        rule = IDS_RULES[4]
        alerts.append(
            {
                "rule_msg": rule.message,
                "rule_id": rule.rule_id,
                "rule_source": "Proofpoint Emerging Threats Open",
                "rule_category": rule.category,
                "alert_severity": rule.severity,
                "alert_context": {
                    "src_ip": SANDBOX_IP,
                    "src_port": rng.randint(49152, 65535),
                    "dest_ip": flow["destination_ip"],
                    "dest_port": flow["destination_port"],
                    "protocol": flow["transport_layer_protocol"],
                },
            }
        )
    return alerts


# What any Windows guest looks up on its own while a sample runs: connectivity checks,
# certificate revocation, update and telemetry endpoints (benign infrastructure, #22.2).
BACKGROUND_HOSTS = (
    "www.msftconnecttest.com",
    "ctldl.windowsupdate.com",
    "ocsp.digicert.com",
    "crl.microsoft.com",
    "settings-win.data.microsoft.com",
    "v10.events.data.microsoft.com",
)


def add_background_traffic(rng: Random, attributes: dict[str, Any]) -> None:
    """Append the guest's own lookups and connections to a report's network attributes.

    ``rng`` is a stream of its own, so the sample's traffic stays as it was."""
    for name in rng.sample(BACKGROUND_HOSTS, rng.randint(3, len(BACKGROUND_HOSTS))):
        address = f"198.51.100.{rng.randint(200, 239)}"
        attributes.setdefault("dns_lookups", []).append(
            {"hostname": name, "resolved_ips": [address]}
        )
        port = 443 if rng.random() < 0.5 else 80
        traffic = attributes.setdefault("ip_traffic", [])
        flow = _flow("TCP", address, port)
        if flow not in traffic:
            traffic.append(flow)
