"""oauth2 inbound: JWT access tokens checked as a resource server (RFC 9068 / RFC 9728).

The issuer's keys come from its ``jwks_uri``, found in its authorization server metadata
(``/.well-known/oauth-authorization-server``, else ``openid-configuration``). They are cached
for `JWKS_TTL` seconds and fetched again, at most every `REFRESH_FLOOR` seconds, when a token
names a key id the cache does not hold (the issuer rotated its keys). A token passes when its
signature verifies with an asymmetric algorithm, it has not expired (nor is not yet valid), and
its ``iss``, ``aud`` and scopes are those declared.
"""

from __future__ import annotations

import time
from typing import Any

import anyio
import httpx
import jwt

from iocgate.exposes.auth import Presented, Rejected, client_id_for

__all__ = ["JWKS_TTL", "METADATA_PATH", "JwtResourceServer"]

#: Where a client finds which authorization server issues tokens for this port (RFC 9728).
METADATA_PATH = "/.well-known/oauth-protected-resource"

JWKS_TTL = 300.0
REFRESH_FLOOR = 30.0
#: Asymmetric algorithms only: an HMAC "key" from a public JWKS would let anyone sign.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
              "EdDSA")  # fmt: skip
LEEWAY_SECONDS = 30


def _strip(url: str) -> str:
    return url.rstrip("/")


class JwtResourceServer:
    """Accepts ``Authorization: Bearer <JWT>`` issued by ``issuer`` for ``audience``."""

    def __init__(
        self,
        issuer: str,
        audience: str | None,
        scopes: tuple[str, ...] = (),
        *,
        jwks_uri: str | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.scopes = scopes
        self.jwks_uri = jwks_uri
        self.timeout = timeout
        self.hint = f"'Authorization: Bearer <access token>' (a JWT issued by {issuer})"
        self.challenge = 'Bearer realm="iocgate"' + (
            f', scope="{" ".join(scopes)}"' if scopes else ""
        )
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched = 0.0
        self._lock = anyio.Lock()

    def documents(self) -> dict[str, dict[str, Any]]:
        """The protected resource metadata (RFC 9728), served without authentication."""
        metadata: dict[str, Any] = {
            "authorization_servers": [self.issuer],
            "bearer_methods_supported": ["header"],
        }
        if self.audience:
            metadata["resource"] = self.audience
        if self.scopes:
            metadata["scopes_supported"] = list(self.scopes)
        return {METADATA_PATH: metadata}

    async def identify(self, request: Presented) -> str | None:
        presented = request.authorization(b"bearer")
        if presented is None:
            return None
        token = presented.decode("latin-1")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise self._invalid("the bearer token is not a valid JWT access token") from None
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise self._invalid(f"the token's algorithm {algorithm!r} is not accepted")
        key = await self._key(header.get("kid"))
        claims = self._decode(token, key, algorithm)
        self._check_scopes(claims)
        return client_id_for(f"jwt:{claims.get('iss', '')}:{claims.get('sub', '')}")

    def _decode(self, token: str, key: jwt.PyJWK, algorithm: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=[algorithm], audience=self.audience,
                options={"require": ["exp"], "verify_aud": self.audience is not None,
                         "verify_iss": False},
                leeway=LEEWAY_SECONDS,
            )  # fmt: skip
        except jwt.ExpiredSignatureError:
            raise self._invalid("the access token has expired") from None
        except jwt.ImmatureSignatureError:
            raise self._invalid("the access token is not valid yet") from None
        except (jwt.InvalidAudienceError, jwt.MissingRequiredClaimError) as exc:
            raise self._invalid(f"the access token is not for this resource ({exc})") from None
        except jwt.InvalidTokenError:
            raise self._invalid("the access token's signature does not verify") from None
        issuer = claims.get("iss")
        if not isinstance(issuer, str) or _strip(issuer) != _strip(self.issuer):
            raise self._invalid(f"the access token was not issued by {self.issuer}")
        return claims

    def _check_scopes(self, claims: dict[str, Any]) -> None:
        raw = claims.get("scope", claims.get("scp", ""))
        granted = set(raw.split() if isinstance(raw, str) else raw or ())
        missing = [scope for scope in self.scopes if scope not in granted]
        if missing:
            raise Rejected(
                f"the access token lacks the scope {missing[0]!r}",
                status=403,
                challenge=f'Bearer error="insufficient_scope", scope="{" ".join(self.scopes)}"',
            )

    def _invalid(self, message: str) -> Rejected:
        return Rejected(
            message, challenge=f'Bearer error="invalid_token", error_description="{message}"'
        )

    async def _key(self, kid: object) -> jwt.PyJWK:
        now = time.monotonic()
        if not self._keys or now - self._fetched > JWKS_TTL:
            await self._refresh(now)
        found = self._find(kid)
        if found is None and now - self._fetched > REFRESH_FLOOR:  # rotated keys
            await self._refresh(now)
            found = self._find(kid)
        if found is None:
            raise self._invalid("the access token is signed with a key the issuer does not list")
        return found

    def _find(self, kid: object) -> jwt.PyJWK | None:
        if isinstance(kid, str):
            return self._keys.get(kid)
        return next(iter(self._keys.values())) if len(self._keys) == 1 else None

    async def _refresh(self, now: float) -> None:
        async with self._lock:
            if self._keys and self._fetched >= now:  # another request refreshed meanwhile
                return
            try:
                async with httpx.AsyncClient(timeout=self.timeout) as client:
                    uri = self.jwks_uri or await self._discover(client)
                    response = await client.get(uri)
                    response.raise_for_status()
                    keys = jwt.PyJWKSet.from_dict(response.json())
            except (httpx.HTTPError, ValueError, jwt.PyJWKSetError) as exc:
                raise Rejected(
                    f"cannot read the signing keys of {self.issuer} to check the token "
                    f"({type(exc).__name__}); try again shortly",
                    status=503,
                ) from None
            self.jwks_uri = uri
            self._keys = {k.key_id or str(i): k for i, k in enumerate(keys.keys)}
            self._fetched = time.monotonic()

    async def _discover(self, client: httpx.AsyncClient) -> str:
        for suffix in ("oauth-authorization-server", "openid-configuration"):
            response = await client.get(f"{_strip(self.issuer)}/.well-known/{suffix}")
            if response.status_code == 200:
                uri = response.json().get("jwks_uri")
                if isinstance(uri, str):
                    return uri
        raise ValueError("no jwks_uri in the issuer's metadata")
