"""Network indicators: domains, IP addresses and URLs, from every attribute that names one.

Sources: ``dns_lookups``, ``ip_traffic``, ``http_conversations``, ``tls`` (SNI), ``ids_alerts``
(alert context) and the ``memory_pattern_*`` lists (strings embedded in memory). Values are
kept verbatim, including ones that are not valid URLs or hostnames: what the sample asked
for is the evidence.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from iocgate.virustotal.investigate.model import Capped, Indicator
from iocgate.virustotal.investigate.reports import Report, Seen, as_int

__all__ = ["NETWORK_LIMIT", "NetworkIndicators", "build_network", "is_ip"]

NETWORK_LIMIT = 200
"""At most this many domains, IPs and URLs each in a brief (the total is always stated)."""


def is_ip(value: str) -> bool:
    """Whether ``value`` is an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _host_of(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:  # e.g. an unbalanced "[" in a hostile URL
        return None
    return host or None


@dataclass
class _Details:
    resolved: dict[str, None] = field(default_factory=dict)
    ports: dict[int, None] = field(default_factory=dict)
    protocols: dict[str, None] = field(default_factory=dict)
    methods: dict[str, None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NetworkIndicators:
    """Domains, IPs and URLs, each capped."""

    domains: Capped[Indicator]
    ips: Capped[Indicator]
    urls: Capped[Indicator]


class _Collector:
    def __init__(self) -> None:
        self.domains, self.ips, self.urls = Seen(), Seen(), Seen()
        self.details: dict[tuple[str, str], _Details] = {}

    def detail(self, kind: str, value: str) -> _Details:
        return self.details.setdefault((kind, value), _Details())

    def host(self, value: object, context: str, sandbox: str | None) -> None:
        if not isinstance(value, str) or not value:
            return
        if is_ip(value):
            self.ips.add(value, context, sandbox)
        else:
            self.domains.add(value, context, sandbox)

    def ip(self, value: object, context: str, sandbox: str | None) -> None:
        if isinstance(value, str) and value:
            self.ips.add(value, context, sandbox)

    def url(self, value: object, context: str, sandbox: str | None) -> None:
        if not isinstance(value, str) or not value:
            return
        self.urls.add(value, context, sandbox)
        self.host(_host_of(value), context, sandbox)

    def add(self, source: Report | Mapping[str, Any], sandbox: str | None) -> None:
        def dicts(name: str) -> list[Mapping[str, Any]]:
            if isinstance(source, Report):
                return source.dicts(name)
            value = source.get(name)
            return [i for i in value if isinstance(i, Mapping)] if isinstance(value, list) else []

        def strings(name: str) -> list[str]:
            if isinstance(source, Report):
                return source.strings(name)
            value = source.get(name)
            return [i for i in value if isinstance(i, str) and i] if isinstance(value, list) else []

        for lookup in dicts("dns_lookups"):
            hostname = lookup.get("hostname")
            self.host(hostname, "dns", sandbox)
            answers = lookup.get("resolved_ips")
            for answer in answers if isinstance(answers, list) else []:
                if isinstance(answer, str) and answer:
                    self.ip(answer, "dns-answer", sandbox)
                    if isinstance(hostname, str) and hostname:
                        self.detail("domain", hostname).resolved[answer] = None
        for flow in dicts("ip_traffic"):
            address = flow.get("destination_ip")
            self.ip(address, "traffic", sandbox)
            if isinstance(address, str) and address:
                details = self.detail("ip", address)
                port = as_int(flow.get("destination_port"))
                if port is not None:
                    details.ports[port] = None
                protocol = flow.get("transport_layer_protocol")
                if isinstance(protocol, str) and protocol:
                    details.protocols[protocol] = None
        for conversation in dicts("http_conversations"):
            url = conversation.get("url")
            self.url(url, "http", sandbox)
            method = conversation.get("request_method")
            if isinstance(url, str) and url and isinstance(method, str) and method:
                self.detail("url", url).methods[method] = None
        for session in dicts("tls"):
            self.host(session.get("sni"), "tls", sandbox)
        for alert in dicts("ids_alerts"):
            context = alert.get("alert_context")
            if isinstance(context, Mapping):
                self.host(context.get("hostname"), "ids", sandbox)
                self.ip(context.get("dest_ip"), "ids", sandbox)
                self.url(context.get("url"), "ids", sandbox)
        for name in strings("memory_pattern_domains"):
            self.host(name, "memory", sandbox)
        for address in strings("memory_pattern_ips"):
            self.ip(address, "memory", sandbox)
        for url in strings("memory_pattern_urls"):
            self.url(url, "memory", sandbox)

    def finish(self, kind: str, seen: Seen, limit: int) -> Capped[Indicator]:
        items = []
        for value, contexts, sandboxes in seen.ranked():
            details = self.details.get((kind, value), _Details())
            items.append(
                Indicator(
                    type=kind,
                    value=value,
                    contexts=contexts,
                    sandboxes=sandboxes,
                    resolved_ips=tuple(details.resolved),
                    ports=tuple(details.ports),
                    protocols=tuple(details.protocols),
                    methods=tuple(details.methods),
                )
            )
        return Capped.of(items, limit)


def build_network(
    reports: list[Report], summary: Mapping[str, Any], *, limit: int = NETWORK_LIMIT
) -> NetworkIndicators:
    """Every domain, IP and URL the sandboxes saw (the summary adds what no report kept)."""
    collector = _Collector()
    for report in reports:
        collector.add(report, report.sandbox)
    collector.add(summary, None)
    return NetworkIndicators(
        domains=collector.finish("domain", collector.domains, limit),
        ips=collector.finish("ip", collector.ips, limit),
        urls=collector.finish("url", collector.urls, limit),
    )
