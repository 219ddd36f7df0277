"""Who may reach each port: loopback or inbound authentication, and the Host allow-list."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from iocgate.errors import InvalidArgumentError
from iocgate.settings import Settings

if TYPE_CHECKING:
    from iocgate.capability import Capability
    from iocgate.exposes.auth import Credential
    from iocgate.gateway import Gateway

__all__ = [
    "adapter_credentials",
    "check_exposure",
    "host_patterns",
    "is_loopback",
    "open_adapters",
    "protect",
]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings) -> None:
    """Off loopback, anyone on the network could spend the key: demand tokens, adapters that
    each declare their own authentication, or consent."""
    if is_loopback(settings.host) or settings.tokens or settings.allow_open:
        return
    from iocgate.gateway import load_capabilities

    unguarded = open_adapters(load_capabilities(settings))
    if not unguarded:
        return
    raise InvalidArgumentError(
        f"refusing to listen on {settings.host} without inbound authentication: anyone who "
        "can reach it could spend your VirusTotal quota. Set bearer tokens with "
        "IOCGATE_TOKENS=token1,token2 (or [auth] tokens = [...] in --config), declare "
        f"`authentication` on every adapter (open: {'; '.join(unguarded)}), or pass "
        "--allow-open to accept an open gateway."
    )


def host_patterns(settings: Settings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Host and Origin values every port accepts (DNS-rebinding protection, issue #16)."""
    from iocgate.exposes.hosts import LOOPBACK_HOSTS
    from iocgate.exposes.mcp import LOOPBACK_ORIGINS

    host = settings.host
    names: list[str] = []
    if host in ("0.0.0.0", "::"):  # noqa: S104 - naming, not binding
        names += [socket.gethostname(), socket.getfqdn(), *_own_addresses()]
    elif host != "localhost":
        names.append(f"[{host}]" if ":" in host else host)  # 127.0.0.3 and LAN addresses alike
    if settings.public_url:
        names.append(_url_host(settings.public_url))
    names += settings.allowed_hosts
    hosts = [*LOOPBACK_HOSTS]
    origins = [*LOOPBACK_ORIGINS]
    for name in dict.fromkeys(names):
        if f"{name}:*" not in hosts:
            # Without a port too: behind a proxy on 443 the Host header has none.
            hosts += [f"{name}:*", name]
            origins += [
                f"http://{name}:*",
                f"https://{name}:*",
                f"http://{name}",
                f"https://{name}",
            ]
    return tuple(hosts), tuple(origins)


def _own_addresses() -> list[str]:
    """This host's addresses by its name (what a LAN client types when listening on all)."""
    try:
        return socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        return []


def _url_host(url: str) -> str:
    parts = urlsplit(url)
    name = parts.hostname or ""
    return f"[{name}]" if ":" in name else name


def protect(
    app: Any,
    settings: Settings,
    demo: bool,
    declared: Sequence[Credential] = (),
    public: tuple[tuple[str, ...], tuple[str, ...]] = ((), ()),
) -> Any:
    """Every port alike: the Host allow-list, and inbound authentication when there are
    credentials (iocgate's tokens, or what the capability declares on the adapter); ``public``
    holds the paths and path prefixes that need none (header and connection bounds are the
    server's: `gateway.bind_app`)."""
    from iocgate.exposes.hosts import HostAllowListMiddleware

    credentials: list[Credential] = list(declared)
    if settings.tokens:
        from iocgate.exposes.auth import BearerTokens

        credentials.insert(0, BearerTokens(settings.tokens))
    if credentials:
        from iocgate.exposes.auth import InboundAuthMiddleware

        headers = ((b"x-iocgate-demo", b"true"),) if demo else ()
        paths, prefixes = public
        app = InboundAuthMiddleware(
            app,
            credentials,
            exempt=("/healthz", *paths),
            exempt_prefixes=prefixes,
            extra_headers=headers,
        )
    hosts, _ = host_patterns(settings)
    return HostAllowListMiddleware(app, hosts)


def adapter_credentials(gateway: Gateway, kind: str) -> list[Credential]:
    """The credentials the capabilities declare on their ``kind`` (rest, mcp) adapter."""
    from iocgate.exposes.credentials import declared_credentials

    found: list[Credential] = []
    for loaded in gateway.engine.capabilities:
        adapter = loaded.capability.rest if kind == "rest" else loaded.capability.mcp
        if adapter is not None:
            label = f"{kind} adapter of {loaded.capability.name}"
            found += declared_credentials(adapter.authentication, loaded.binds, label)
    return found


def open_adapters(capabilities: Sequence[Capability]) -> list[str]:
    """The adapters ``serve`` would listen for that declare no inbound ``authentication``
    (REST, MCP over http, skill, control), each named ``<type> adapter <namespace> of <file>``.

    Every one counts, not one per port: capabilities sharing the REST port would otherwise
    leave one file's routes guarded only by another file's credentials."""
    from iocgate.capability.model import ExposesControl, ExposesSkill

    found: list[str] = []
    for capability in capabilities:
        served: list[tuple[str, str, object]] = []
        if capability.rest is not None:
            served.append(("rest", capability.rest.namespace, capability.rest.authentication))
        if capability.mcp is not None and capability.mcp.transport == "http":
            served.append(("mcp", capability.mcp.namespace, capability.mcp.authentication))
        served.extend(("mcp", m.namespace, m.authentication) for m in capability.more_mcp)
        served.extend(
            (adapter.type, adapter.namespace, adapter.authentication)
            for adapter in capability.document.capability.exposes
            if isinstance(adapter, ExposesSkill | ExposesControl)
        )
        found += [
            f"{kind} adapter {namespace or '(unnamed)'} of {capability.name}"
            for kind, namespace, authentication in served
            if authentication is None
        ]
    return found
