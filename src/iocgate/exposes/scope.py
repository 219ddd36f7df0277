"""What every adapter reads from an ASGI scope: who calls, and a header's value.

REST, MCP and the ports' shared middlewares (Host allow-list, inbound authentication) read the
scope through here, without building a Starlette `Request` on the hot path.
"""

from __future__ import annotations

from starlette.types import Scope

__all__ = ["CLIENT_ID_KEY", "client_of", "header_value"]

#: Where inbound authentication puts the authenticated client's id in the ASGI scope.
CLIENT_ID_KEY = "iocgate.client_id"


def client_of(scope: Scope) -> str | None:
    """Who calls: the bearer token's id when tokens are configured, else the peer address."""
    named = scope.get(CLIENT_ID_KEY)
    if isinstance(named, str):
        return named
    peer = scope.get("client")
    return str(peer[0]) if peer else None


def header_value(scope: Scope, name: bytes) -> str | None:
    """The first value of the (lower-case) header ``name``, without building a `Headers`."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None
