"""The Host allow-list for every port (REST, console, MCP): DNS-rebinding protection.

A web page on a name that resolves to 127.0.0.1 can make the browser call a loopback gateway,
spend its quota and read the answers. Browsers always send the page's own name in ``Host``, so
a request whose ``Host`` is not one the gateway is reached at is refused with 421 before any
adapter sees it. Patterns are ``name`` or ``name:*`` (any port), as the MCP SDK writes them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from iocgate.errors import error_body
from iocgate.exposes.scope import header_value

__all__ = ["LOOPBACK_HOSTS", "HostAllowListMiddleware", "host_allowed"]

#: Host headers accepted on loopback: these names, any port.
LOOPBACK_HOSTS: tuple[str, ...] = ("127.0.0.1:*", "localhost:*", "[::1]:*")
MAX_DECIDED = 256  # Host values whose decision is remembered


def host_allowed(host: str, patterns: Iterable[str]) -> bool:
    """Whether a ``Host`` value matches one of ``patterns`` (case-insensitive)."""
    host = host.strip().lower()
    name = _name(host)
    for pattern in patterns:
        pattern = pattern.lower()
        if host == pattern or (pattern.endswith(":*") and name == pattern[:-2]):
            return True
    return False


def _name(host: str) -> str:
    """``host`` without its port (``[::1]:8080`` -> ``[::1]``)."""
    if host.startswith("["):
        return host[: host.find("]") + 1]
    name, colon, port = host.rpartition(":")
    return name if colon and port.isdigit() else host


class HostAllowListMiddleware:
    """Answers 421 to an HTTP request whose ``Host`` matches none of the allowed patterns."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = tuple(allowed)
        self._decided: dict[str, bool] = {}  # Host values seen lately: matched once each

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = header_value(scope, b"host")
            # No Host at all (HTTP/1.0 probes) cannot come from a browser page.
            if host is not None and not self._allowed(host):
                await _refuse(send, host)
                return
        await self.app(scope, receive, send)

    def _allowed(self, host: str) -> bool:
        allowed = self._decided.get(host)
        if allowed is None:
            if len(self._decided) >= MAX_DECIDED:  # clients choose the values: keep it bounded
                self._decided.clear()
            allowed = self._decided[host] = host_allowed(host, self.allowed)
        return allowed


async def _refuse(send: Send, host: str) -> None:
    shown = host[:100].encode("ascii", "backslashreplace").decode()
    message = (
        f"this gateway is not served as {shown!r}; call it by an allowed name "
        "(loopback, the --public-url host, or one listed in --allowed-host)"
    )
    body = json.dumps(error_body("MisdirectedRequestError", message)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 421, "headers": headers})
    await send({"type": "http.response.body", "body": body})
