"""Outbound authentication that takes a round trip: HTTP Digest and OAuth2 client credentials.

`engine/request.py` reads the credentials from the capability and binds and puts them on the
`UpstreamRequest`; this module runs the protocols when the request is sent. Digest is the
client library's own (aiohttp's ``DigestAuthMiddleware``, httpx's ``DigestAuth`` for an
injected transport). Access tokens are fetched once per client, shared by concurrent calls,
reused until shortly before they expire, and never logged.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import anyio
import httpx
from aiohttp import DigestAuthMiddleware

from iocgate.errors import UpstreamAuthenticationError, UpstreamUnavailableError
from iocgate.redaction import redact

__all__ = [
    "Authenticator",
    "ClientCredentials",
    "DigestCredentials",
    "Exchange",
    "OutboundAuth",
    "TokenCache",
]

log = logging.getLogger("iocgate.upstream")

# A token is renewed this share of its lifetime before it expires (at most a minute early), so
# a request never leaves with a token about to lapse in flight.
RENEW_SHARE = 0.1
RENEW_AT_MOST = 60.0


@dataclass(frozen=True, slots=True)
class DigestCredentials:
    """``type: digest``: RFC 7616 challenge and response with these credentials."""

    username: str
    password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """``type: oauth2`` on a consumed API: the client credentials grant (RFC 6749 §4.4)."""

    token_endpoint: str  # "" when it is to be read from the issuer's metadata (RFC 8414)
    client_id: str
    client_secret: str = field(repr=False)
    scopes: tuple[str, ...] = ()
    audience: str | None = None
    resource: str | None = None
    issuer: str = ""  # authorizationServerUri

    def form(self) -> dict[str, str]:
        """The token request's form fields (the client authenticates with HTTP Basic)."""
        fields = {"grant_type": "client_credentials"}
        if self.scopes:
            fields["scope"] = " ".join(self.scopes)
        if self.audience:
            fields["audience"] = self.audience
        if self.resource:
            fields["resource"] = self.resource  # RFC 8707
        return fields

    def basic(self) -> str:
        # RFC 6749 §2.3.1: each part is form-encoded before the Basic encoding.
        pair = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
        return "Basic " + base64.b64encode(pair.encode()).decode()


OutboundAuth = DigestCredentials | ClientCredentials

#: Sends a small request (method, url, headers, form or None) and returns (status, body): the
#: upstream client's, so token requests travel over the same pool, timeouts and transport as
#: the calls they authorise.
Exchange = Callable[
    [str, str, Mapping[str, str], Mapping[str, str] | None], Awaitable[tuple[int, bytes]]
]


@dataclass(slots=True)
class _Token:
    value: str = field(repr=False)
    renew_at: float | None  # monotonic; None: until the upstream refuses it


class TokenCache:
    """Access tokens per client: one token request at a time, reused until renewal is due."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[ClientCredentials, _Token] = {}
        self._locks: dict[ClientCredentials, anyio.Lock] = {}
        self._endpoints: dict[str, str] = {}  # issuer -> its token endpoint, once discovered

    def _fresh(self, client: ClientCredentials) -> str | None:
        token = self._tokens.get(client)
        if token is None or (token.renew_at is not None and self._clock() >= token.renew_at):
            return None
        return token.value

    async def token(self, client: ClientCredentials, exchange: Exchange) -> tuple[str, bool]:
        """A valid access token for ``client``, and whether it was already held (a new one is
        requested only when none is)."""
        held = self._fresh(client)
        if held is not None:
            return held, True
        lock = self._locks.setdefault(client, anyio.Lock())
        async with lock:  # concurrent calls wait for the one token request
            held = self._fresh(client)
            if held is not None:
                return held, True
            token = await self._request(client, exchange)
            self._tokens[client] = token
            return token.value, False

    def invalidate(self, client: ClientCredentials, value: str) -> None:
        """Forget ``value`` (the upstream refused it); a newer token is kept."""
        token = self._tokens.get(client)
        if token is not None and token.value == value:
            del self._tokens[client]

    async def _endpoint(self, client: ClientCredentials, exchange: Exchange) -> str:
        """The declared token endpoint, else the one the issuer's metadata names."""
        if client.token_endpoint:
            return client.token_endpoint
        if client.issuer in self._endpoints:
            return self._endpoints[client.issuer]
        urls = _metadata_urls(client.issuer)
        for url in urls:
            status, body = await exchange("GET", url, {}, None)
            endpoint = _json_object(body).get("token_endpoint")
            if status == 200 and isinstance(endpoint, str) and endpoint:
                log.info("oauth2 token endpoint of %s is %s", client.issuer, endpoint)
                self._endpoints[client.issuer] = endpoint
                return endpoint
        raise UpstreamAuthenticationError(
            f"the authorization server {client.issuer} publishes no token_endpoint (read "
            f"{' and '.join(urls)}); set tokenEndpoint in the capability's oauth2 authentication"
        )

    async def _request(self, client: ClientCredentials, exchange: Exchange) -> _Token:
        started = self._clock()
        endpoint = await self._endpoint(client, exchange)
        status, body = await exchange(
            "POST", endpoint, {"Authorization": client.basic()}, client.form()
        )
        answer = _json_object(body)
        if status != 200:
            # A refusal (4xx) is configuration, not a passing fault: it is not retried.
            error = UpstreamUnavailableError if status >= 500 else UpstreamAuthenticationError
            raise error(
                f"the token endpoint {endpoint} refused the client credentials of "
                f"{client.client_id!r} (HTTP {status}{_oauth_error(answer, client)}); check "
                "tokenEndpoint, clientId, clientSecret and scopes in the capability's oauth2 "
                "authentication"
            )
        value = answer.get("access_token")
        kind = str(answer.get("token_type", "Bearer"))
        if not isinstance(value, str) or not value or kind.lower() != "bearer":
            raise UpstreamAuthenticationError(
                f"the token endpoint {endpoint} answered without a bearer "
                "access_token (RFC 6749 §5.1 requires access_token and token_type Bearer)"
            )
        lifetime = _seconds(answer.get("expires_in"))
        renew_at = None
        if lifetime is not None:
            renew_at = started + lifetime - min(RENEW_AT_MOST, lifetime * RENEW_SHARE)
        log.info(
            "oauth2 access token obtained for client %s from %s (expires in %s s)",
            client.client_id, endpoint, "?" if lifetime is None else int(lifetime),
        )  # fmt: skip
        return _Token(value, renew_at)


def _metadata_urls(issuer: str) -> list[str]:
    """RFC 8414 §3's metadata URL (well-known segment before the issuer's path), then
    OpenID Connect discovery's (appended)."""
    parts = urlsplit(issuer.rstrip("/"))
    origin = f"{parts.scheme}://{parts.netloc}"
    return [
        f"{origin}/.well-known/oauth-authorization-server{parts.path}",
        f"{issuer.rstrip('/')}/.well-known/openid-configuration",
    ]


def _json_object(body: bytes) -> dict[str, object]:
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _oauth_error(answer: Mapping[str, object], client: ClientCredentials) -> str:
    """`` error: description`` from an RFC 6749 §5.2 answer, with the secret taken out."""
    error = answer.get("error")
    if not isinstance(error, str):
        return ""
    text = f" {error}"
    description = answer.get("error_description")
    if isinstance(description, str):
        text += f": {description[:200]}"
    return redact(text, [client.client_secret]) if client.client_secret else text


def _seconds(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value > 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return float(value) or None
    return None


class Authenticator:
    """The round-trip authentication state of one upstream client: tokens and digest nonces."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.tokens = TokenCache(clock)
        # Digest state (nonce, count) is kept per credentials and origin, so that after the
        # first challenge each request authenticates at once (RFC 7616 §3.6 preemptive reuse).
        self._middlewares: dict[tuple[DigestCredentials, str], DigestAuthMiddleware] = {}
        self._httpx: dict[tuple[DigestCredentials, str], httpx.DigestAuth] = {}

    async def bearer(
        self, auth: OutboundAuth | None, exchange: Exchange
    ) -> tuple[str, bool] | None:
        """The access token to send for ``auth`` and whether it was held already (None when
        ``auth`` is not oauth2)."""
        if isinstance(auth, ClientCredentials):
            return await self.tokens.token(auth, exchange)
        return None

    def middleware(self, auth: OutboundAuth | None, origin: str) -> DigestAuthMiddleware | None:
        if not isinstance(auth, DigestCredentials):
            return None
        key = (auth, origin)
        if key not in self._middlewares:
            self._middlewares[key] = DigestAuthMiddleware(auth.username, auth.password)
        return self._middlewares[key]

    def httpx_auth(self, auth: OutboundAuth | None, origin: str) -> httpx.Auth | None:
        if not isinstance(auth, DigestCredentials):
            return None
        key = (auth, origin)
        if key not in self._httpx:
            self._httpx[key] = httpx.DigestAuth(auth.username, auth.password)
        return self._httpx[key]
