"""Inbound bearer-token authentication for every adapter, as a pure ASGI middleware.

Off loopback, a gateway that anyone can call spends its operator's VirusTotal quota. Tokens are
compared in constant time; the client id handed to the engine (for per-client limits, logs and
metrics) is a short digest of the token, never the token itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["CLIENT_ID_KEY", "BearerAuthMiddleware", "client_id_for"]

#: Where the authenticated client's id is put in the ASGI scope.
CLIENT_ID_KEY = "iocgate.client_id"


def client_id_for(token: str) -> str:
    """A stable, non-reversible name for a token (safe in logs and metric labels)."""
    return "client-" + hashlib.sha256(token.encode()).hexdigest()[:12]


class BearerAuthMiddleware:
    """Requires ``Authorization: Bearer <token>`` on every HTTP request but exempt ones.

    Exempt are probes (``/healthz``) and pages that hold no data and must load before the user
    can type a token (the console's page and static assets): they spend no quota.
    """

    def __init__(
        self,
        app: ASGIApp,
        tokens: Iterable[str],
        *,
        exempt: tuple[str, ...] = ("/healthz",),
        exempt_prefixes: tuple[str, ...] = (),
        extra_headers: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        self.app = app
        self.tokens = tuple(t.encode() for t in tokens if t)
        self.exempt = exempt
        self.exempt_prefixes = exempt_prefixes
        self.extra_headers = extra_headers

    def _match(self, presented: bytes) -> bytes | None:
        found = None
        for token in self.tokens:  # compare against every token: no early exit, no timing hint
            if hmac.compare_digest(presented, token):
                found = token
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"  # lifespan and websocket scopes have no path to check
            or not self.tokens
            or scope["path"] in self.exempt
            or scope["path"].startswith(self.exempt_prefixes)
        ):
            await self.app(scope, receive, send)
            return
        header = dict(scope["headers"]).get(b"authorization", b"")
        scheme, _, presented = header.partition(b" ")
        if not header:
            await self._reject(send, "AuthenticationRequiredError", "this gateway needs a bearer "
                               "token: send 'Authorization: Bearer <token>'")  # fmt: skip
            return
        token = self._match(presented.strip()) if scheme.lower() == b"bearer" else None
        if token is None:
            await self._reject(send, "WrongCredentialsError", "the bearer token is not valid")
            return
        scope = dict(scope)
        scope[CLIENT_ID_KEY] = client_id_for(token.decode())
        await self.app(scope, receive, send)

    async def _reject(self, send: Send, code: str, message: str) -> None:
        body = json.dumps({"error": {"code": code, "message": message}}).encode()
        headers: list[Any] = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", b'Bearer realm="iocgate"'),
            *self.extra_headers,
        ]
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": body})
