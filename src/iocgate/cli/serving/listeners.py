"""The listening sockets of every adapter, bound before anything starts."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from iocgate.cli.serving.exposure import check_exposure
from iocgate.errors import InvalidArgumentError
from iocgate.settings import Settings

if TYPE_CHECKING:
    from iocgate.capability import Capability

__all__ = ["DEFAULT_HOST", "AdapterListener", "Listeners", "bind_listeners", "shown_host"]

DEFAULT_HOST = Settings.host  # the dataclass default: no --host, no config or env host


@dataclass(frozen=True)
class AdapterListener:
    """The socket of one more adapter: for skill and control exposes[``adapter``] of capability
    ``capability``, for mcp its more_mcp[``adapter``] (indexes, so that a forked worker finds
    the same adapter it reloads)."""

    kind: str
    capability: int
    adapter: int
    host: str
    sock: socket.socket


@dataclass(frozen=True)
class Listeners:
    """The listening sockets, bound before anything starts (``None``: no such adapter)."""

    rest: socket.socket | None
    mcp: socket.socket | None
    rest_host: str
    mcp_host: str
    others: tuple[AdapterListener, ...] = ()

    def sockets(self) -> list[socket.socket]:
        return [s for s in (self.rest, self.mcp, *(o.sock for o in self.others)) if s]


def bind_listeners(settings: Settings, capabilities: Sequence[Capability]) -> Listeners:
    """Bind every port the capabilities expose (REST, MCP http, skill...); a busy port fails
    here."""
    from iocgate.capability.model import ExposesControl, ExposesSkill
    from iocgate.gateway import listen

    rest_spec = next((c.rest for c in capabilities if c.rest), None)
    mcp_spec = next((c.mcp for c in capabilities if c.mcp and c.mcp.transport == "http"), None)
    declared = [
        (c_index, a_index, adapter)
        for c_index, capability in enumerate(capabilities)
        for a_index, adapter in enumerate(capability.document.capability.exposes)
        if isinstance(adapter, ExposesSkill | ExposesControl)
    ]
    if rest_spec is None and mcp_spec is None and not declared:
        raise InvalidArgumentError(
            "the capability exposes no REST, MCP (http), skill or control adapter to serve; "
            "for an stdio-only MCP adapter run `iocgate stdio`"
        )
    rest_host = _adapter_host(settings, rest_spec)
    mcp_host = _adapter_host(settings, mcp_spec)
    rest = mcp = None
    if rest_spec is not None:
        rest = listen(
            rest_host, settings.rest_port if settings.rest_port is not None else rest_spec.port
        )
    if mcp_spec is not None:
        mcp = listen(
            mcp_host, settings.mcp_port if settings.mcp_port is not None else mcp_spec.port
        )
    others: list[AdapterListener] = []
    for c_index, a_index, adapter in declared:
        host = _adapter_host(settings, adapter)
        sock = listen(host, adapter.port)
        others.append(AdapterListener(adapter.type, c_index, a_index, host, sock))
    for c_index, capability in enumerate(capabilities):
        for m_index, extra in enumerate(capability.more_mcp):
            host = _adapter_host(settings, extra)
            others.append(AdapterListener("mcp", c_index, m_index, host, listen(host, extra.port)))
    return Listeners(rest, mcp, rest_host, mcp_host, tuple(others))


def shown_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _adapter_host(settings: Settings, adapter: Any) -> str:
    """Where an adapter listens: --host (or the config's host) wins, then the capability's
    ``address``, then loopback. An off-loopback address in a file still needs inbound
    authentication: iocgate's tokens, or the adapter's own declared ``authentication``."""
    declared = adapter.address if adapter is not None else None
    if settings.host != DEFAULT_HOST or not declared:
        return settings.host
    host = "127.0.0.1" if declared == "localhost" else declared
    if adapter.authentication is None:
        check_exposure(replace(settings, host=host))
    return host
