"""Which served adapters take anyone: off loopback, each must declare its own authentication."""

from __future__ import annotations

from collections.abc import Sequence

from iocgate.capability import Capability
from iocgate.capability.model import ExposesControl, ExposesSkill

__all__ = ["open_adapters"]


def open_adapters(capabilities: Sequence[Capability]) -> list[str]:
    """The adapters ``serve`` would listen for that declare no inbound ``authentication``
    (REST, MCP over http, skill, control), each named ``<type> adapter <namespace> of <file>``.

    Every one counts, not one per port: capabilities sharing the REST port would otherwise
    leave one file's routes guarded only by another file's credentials."""
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
