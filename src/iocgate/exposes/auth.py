"""Inbound authentication for every adapter, as one pure ASGI middleware.

Off loopback, a gateway that anyone can call spends its operator's upstream quota. A port
accepts any of its credentials: iocgate's own bearer tokens (``IOCGATE_TOKENS``) and what the
capability declares on that adapter (bearer, apikey in a header or the query, basic, oauth2 as
a resource server: `jwt.py`). Secrets are compared in constant time; the client id handed to
the engine (per-client limits, logs, metrics) is a short digest, never the secret itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from iocgate.errors import error_body
from iocgate.exposes.scope import CLIENT_ID_KEY, header_value

__all__ = [
    "ApiKey",
    "BasicCredentials",
    "BearerTokens",
    "Credential",
    "InboundAuthMiddleware",
    "Rejected",
    "client_id_for",
]


def client_id_for(token: str) -> str:
    """A stable, non-reversible name for a secret (safe in logs and metric labels)."""
    return "client-" + hashlib.sha256(token.encode()).hexdigest()[:12]


class Rejected(Exception):
    """Credentials were presented and are wrong: ``status`` (401 or 403) and what to fix."""

    def __init__(self, message: str, *, status: int = 401, challenge: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.challenge = challenge


@dataclass(frozen=True, slots=True)
class Presented:
    """What a request carries that a credential may read: headers (lower-case) and query."""

    headers: dict[bytes, bytes]
    query: dict[str, str]

    def authorization(self, scheme: bytes) -> bytes | None:
        """The ``Authorization`` value after ``scheme`` (case-insensitive), if that scheme."""
        given, _, value = self.headers.get(b"authorization", b"").partition(b" ")
        return value.strip() if given.lower() == scheme.lower() and value.strip() else None


class Credential(Protocol):
    """One way in. ``identify`` returns the client id, None when this kind was not presented
    or does not match, or raises `Rejected` to say precisely what is wrong."""

    #: how to present it, for the 401 message; and its WWW-Authenticate challenge ('' none)
    hint: str
    challenge: str

    async def identify(self, request: Presented) -> str | None: ...


def _match(presented: bytes, secrets: Sequence[bytes]) -> bytes | None:
    found = None
    for secret in secrets:  # compare against every secret: no early exit, no timing hint
        if hmac.compare_digest(presented, secret):
            found = secret
    return found


class BearerTokens:
    """``Authorization: Bearer <token>`` with any of ``tokens``."""

    hint = "'Authorization: Bearer <token>'"
    challenge = 'Bearer realm="iocgate"'

    def __init__(self, tokens: Iterable[str]) -> None:
        self.tokens = tuple(dict.fromkeys(t.encode() for t in tokens if t))

    async def identify(self, request: Presented) -> str | None:
        presented = request.authorization(b"bearer")
        found = _match(presented, self.tokens) if presented is not None else None
        return client_id_for(found.decode()) if found is not None else None


class ApiKey:
    """An API key in the header or query parameter ``name``."""

    challenge = ""

    def __init__(self, name: str, value: str, placement: str = "header") -> None:
        self.name = name
        self.value = value.encode()
        self.placement = placement
        where = "header" if placement == "header" else "query parameter"
        self.hint = f"the {where} {name!r}"

    async def identify(self, request: Presented) -> str | None:
        if self.placement == "query":
            given = request.query.get(self.name)
            presented = given.encode() if given is not None else None
        else:
            presented = request.headers.get(self.name.lower().encode())
            if presented is not None and self.name.lower() == "authorization":
                presented = presented.removeprefix(b"ApiKey ").removeprefix(b"Bearer ")
        if presented is None:
            return None
        if _match(presented, (self.value,)) is None:
            raise Rejected(f"the API key in {self.hint} is not valid")
        return client_id_for(self.value.decode())


class BasicCredentials:
    """``Authorization: Basic base64(user:password)`` with this user and password."""

    hint = "'Authorization: Basic <base64 user:password>'"
    challenge = 'Basic realm="iocgate", charset="UTF-8"'

    def __init__(self, username: str, password: str) -> None:
        self.pair = f"{username}:{password}".encode()
        self.username = username

    async def identify(self, request: Presented) -> str | None:
        presented = request.authorization(b"basic")
        if presented is None:
            return None
        try:
            decoded = base64.b64decode(presented, validate=True)
        except (binascii.Error, ValueError):
            raise Rejected("the Basic credentials are not base64 of user:password") from None
        if _match(decoded, (self.pair,)) is None:
            return None
        return client_id_for("basic:" + self.username)


class InboundAuthMiddleware:
    """Requires one of ``credentials`` on every HTTP request but exempt ones.

    Exempt are probes (``/healthz``) and pages that hold no data and must load before the user
    can type a token (the console's page and static assets): they spend no quota.
    """

    def __init__(
        self,
        app: ASGIApp,
        credentials: Sequence[Credential],
        *,
        exempt: tuple[str, ...] = ("/healthz",),
        exempt_prefixes: tuple[str, ...] = (),
        extra_headers: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        self.app = app
        self.credentials = tuple(credentials)
        #: documents a credential publishes for clients (oauth2: RFC 9728 metadata), by path
        self.documents: dict[str, bytes] = {
            path: json.dumps(body).encode()
            for credential in self.credentials
            for path, body in getattr(credential, "documents", dict)().items()
        }
        self.exempt = exempt
        self.exempt_prefixes = exempt_prefixes
        self.extra_headers = extra_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"  # lifespan and websocket scopes have no path to check
            or not self.credentials
            or scope["path"] in self.exempt
            or scope["path"].startswith(self.exempt_prefixes)
        ):
            await self.app(scope, receive, send)
            return
        if scope["path"] in self.documents:
            await self._send(send, 200, self.documents[scope["path"]], [])
            return
        query = scope.get("query_string", b"").decode("latin-1")
        request = Presented(dict(scope["headers"]), dict(parse_qsl(query)))
        try:
            client = await self._identify(request)
        except Rejected as rejected:
            await self._reject(send, scope, "WrongCredentialsError", rejected.message,
                               rejected.status, rejected.challenge)  # fmt: skip
            return
        if client is None:
            presented = b"authorization" in request.headers
            if presented:
                await self._reject(
                    send, scope, "WrongCredentialsError", "the credentials are not valid"
                )
            else:
                ways = " or ".join(c.hint for c in self.credentials)
                await self._reject(send, scope, "AuthenticationRequiredError",
                                   f"this port needs credentials: send {ways}")  # fmt: skip
            return
        scope = dict(scope)
        scope[CLIENT_ID_KEY] = client
        await self.app(scope, receive, send)

    async def _identify(self, request: Presented) -> str | None:
        rejected: Rejected | None = None
        for credential in self.credentials:
            try:
                client = await credential.identify(request)
            except Rejected as exc:  # another credential may still accept the request
                rejected = rejected or exc
                continue
            if client is not None:
                return client
        if rejected is not None:
            raise rejected
        return None

    async def _reject(
        self,
        send: Send,
        scope: Scope,
        code: str,
        message: str,
        status: int = 401,
        challenge: str = "",
    ) -> None:
        body = json.dumps(error_body(code, message)).encode()
        challenges = [challenge] if challenge else [c.challenge for c in self.credentials]
        if self.documents:  # RFC 9728: say where the protected resource metadata is
            origin = self._origin(scope)
            where = f'resource_metadata="{origin}{next(iter(self.documents))}"'
            challenges = [f"{c}, {where}" if c.startswith("Bearer") else c for c in challenges]
        headers = [(b"www-authenticate", c.encode()) for c in dict.fromkeys(challenges) if c]
        await self._send(send, status, body, [*headers, *self.extra_headers])

    @staticmethod
    def _origin(scope: Scope) -> str:
        host = header_value(scope, b"host") or ""
        return f"{scope.get('scheme', 'http')}://{host}"

    @staticmethod
    async def _send(send: Send, status: int, body: bytes, headers: list[Any]) -> None:
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *headers,
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
