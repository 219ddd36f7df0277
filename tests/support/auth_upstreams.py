"""Upstreams that demand authentication: HTTP Digest (RFC 7616), and an OAuth2 authorization
server whose token endpoint counts and expires the tokens it issues, with an API behind it."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["DigestState", "TokenState", "create_digest_app", "create_oauth_app"]

_PAIR = re.compile(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))')


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class DigestState:
    username: str
    password: str
    realm: str = "iocgate-tests"
    nonces: set[str] = field(default_factory=set)
    challenges: int = 0  # 401 answers sent
    accepted: int = 0
    seen_counts: list[str] = field(default_factory=list)


def create_digest_app(username: str, password: str) -> Starlette:
    """Every path answers JSON to a valid SHA-256 ``qop=auth`` digest response, 401 otherwise."""
    state = DigestState(username, password)

    def challenge() -> Response:
        nonce = secrets.token_hex(16)
        state.nonces.add(nonce)
        state.challenges += 1
        header = (
            f'Digest realm="{state.realm}", qop="auth", algorithm=SHA-256, '
            f'nonce="{nonce}", opaque="{secrets.token_hex(8)}"'
        )
        return JSONResponse(
            {"error": {"code": "Unauthorized", "message": "digest required"}},
            401,
            headers={"WWW-Authenticate": header},
        )

    async def protected(request: Request) -> Response:
        sent = request.headers.get("authorization", "")
        if not sent.startswith("Digest "):
            return challenge()
        fields = {m[1]: m[2] if m[2] else m[3] for m in _PAIR.finditer(sent[7:])}
        target = request.scope["raw_path"].decode()
        if request.scope["query_string"]:
            target += "?" + request.scope["query_string"].decode()
        ha1 = _sha256(f"{state.username}:{state.realm}:{state.password}")
        ha2 = _sha256(f"{request.method}:{target}")
        expected = _sha256(
            f"{ha1}:{fields.get('nonce')}:{fields.get('nc')}:{fields.get('cnonce')}:auth:{ha2}"
        )
        if (
            fields.get("username") != state.username
            or fields.get("nonce") not in state.nonces
            or fields.get("uri") != target
            or fields.get("response") != expected
        ):
            return challenge()
        state.accepted += 1
        state.seen_counts.append(fields.get("nc", ""))
        return JSONResponse({"data": {"path": unquote(target), "user": state.username}})

    app = Starlette(routes=[Route("/{path:path}", protected, methods=["GET", "POST"])])
    app.state.digest = state
    return app


@dataclass
class TokenState:
    client_id: str
    client_secret: str
    lifetime: int
    issued: list[str] = field(default_factory=list)
    expiry: dict[str, float] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    refused: int = 0  # API calls answered 401
    served: int = 0
    metadata_reads: int = 0

    def revoke_all(self) -> None:
        self.expiry.clear()


def create_oauth_app(client_id: str, client_secret: str, *, lifetime: int) -> Starlette:
    """``POST /oauth/token`` (client credentials, HTTP Basic client authentication) and
    ``/api/{path}``, which accepts only tokens it issued that have not expired."""
    state = TokenState(client_id, client_secret, lifetime)

    async def token(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        state.token_requests.append(
            form | {"authorization": request.headers.get("authorization", "")}
        )
        basic = request.headers.get("authorization", "")
        expected = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        if basic != f"Basic {expected}":
            return JSONResponse(
                {"error": "invalid_client", "error_description": "client authentication failed"},
                401,
            )
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, 400)
        value = secrets.token_urlsafe(24)
        state.issued.append(value)
        state.expiry[value] = time.monotonic() + lifetime
        return JSONResponse(
            {"access_token": value, "token_type": "Bearer", "expires_in": lifetime},
            headers={"Cache-Control": "no-store"},
        )

    async def api(request: Request) -> Response:
        sent = request.headers.get("authorization", "")
        value = sent.removeprefix("Bearer ")
        if not sent.startswith("Bearer ") or time.monotonic() >= state.expiry.get(value, 0.0):
            state.refused += 1
            return JSONResponse(
                {"error": {"code": "Unauthorized", "message": "invalid or expired token"}},
                401,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        state.served += 1
        elsewhere = request.query_params.get("redirect")
        if elsewhere:  # a valid call is sent on to another origin
            return Response(status_code=302, headers={"Location": elsewhere})
        return JSONResponse({"data": {"path": request.url.path}})

    async def metadata(request: Request) -> Response:
        state.metadata_reads += 1
        origin = f"{request.url.scheme}://{request.url.netloc}"
        return JSONResponse(
            {"issuer": origin + "/tenant", "token_endpoint": origin + "/oauth/token"}
        )

    app = Starlette(
        routes=[
            Route("/.well-known/oauth-authorization-server/tenant", metadata),
            Route("/oauth/token", token, methods=["POST"]),
            Route("/api/{path:path}", api, methods=["GET", "POST"]),
        ]
    )
    app.state.tokens = state
    return app
