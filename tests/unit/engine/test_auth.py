"""Outbound authentication in-process: digest over an injected httpx transport, and the
access-token cache's renewal schedule on an injected clock."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping

import httpx
import pytest

from iocgate.capability import load_capability_text, resolve_binds
from iocgate.engine import Engine, LoadedCapability, RetryPolicy, UpstreamClient
from iocgate.engine.auth import ClientCredentials, TokenCache
from iocgate.errors import UpstreamAuthenticationError
from tests.support.auth_upstreams import create_digest_app

pytestmark = pytest.mark.anyio

CLIENT = ClientCredentials("https://as.example/token", "c1", "s1", scopes=("read",))


class TokenEndpoint:
    """A token endpoint in a function: counts requests, answers ``lifetime`` second tokens."""

    def __init__(self, lifetime: object = 100, status: int = 200) -> None:
        self.lifetime = lifetime
        self.status = status
        self.requests = 0

    async def __call__(
        self, method: str, url: str, headers: Mapping[str, str], form: Mapping[str, str] | None
    ) -> tuple[int, bytes]:
        self.requests += 1
        if self.status != 200:
            body = {"error": "invalid_scope", "error_description": "scope s1 unknown"}
            return self.status, json.dumps(body).encode()
        body = {"access_token": f"t{self.requests}", "token_type": "bearer"}
        if self.lifetime is not None:
            body["expires_in"] = self.lifetime  # type: ignore[assignment]
        return 200, json.dumps(body).encode()


async def test_token_is_reused_until_a_tenth_of_its_life_remains() -> None:
    now = [1000.0]
    cache, endpoint = TokenCache(clock=lambda: now[0]), TokenEndpoint(lifetime=100)
    assert await cache.token(CLIENT, endpoint) == ("t1", False)
    now[0] += 89.9
    assert await cache.token(CLIENT, endpoint) == ("t1", True)
    now[0] += 0.2  # 90.1 s into a 100 s token: renewal is due
    assert await cache.token(CLIENT, endpoint) == ("t2", False)
    assert endpoint.requests == 2


async def test_long_lived_token_is_renewed_a_minute_early() -> None:
    now = [0.0]
    cache, endpoint = TokenCache(clock=lambda: now[0]), TokenEndpoint(lifetime="3600")
    await cache.token(CLIENT, endpoint)
    now[0] = 3539.0
    assert (await cache.token(CLIENT, endpoint))[0] == "t1"
    now[0] = 3541.0
    assert (await cache.token(CLIENT, endpoint))[0] == "t2"


async def test_token_without_expiry_is_kept_until_invalidated() -> None:
    now = [0.0]
    cache, endpoint = TokenCache(clock=lambda: now[0]), TokenEndpoint(lifetime=None)
    await cache.token(CLIENT, endpoint)
    now[0] = 1e9
    assert (await cache.token(CLIENT, endpoint))[0] == "t1"
    cache.invalidate(CLIENT, "stale-other")  # not the held token: kept
    assert (await cache.token(CLIENT, endpoint))[0] == "t1"
    cache.invalidate(CLIENT, "t1")
    assert (await cache.token(CLIENT, endpoint))[0] == "t2"


async def test_refusal_names_the_oauth_error_and_the_fields_to_check() -> None:
    cache = TokenCache()
    with pytest.raises(UpstreamAuthenticationError) as caught:
        await cache.token(CLIENT, TokenEndpoint(status=400))
    message = caught.value.message
    assert "HTTP 400 invalid_scope: scope [REDACTED] unknown" in message
    assert "https://as.example/token" in message and "scopes" in message


async def test_digest_works_over_an_injected_httpx_transport() -> None:
    capability = load_capability_text(
        textwrap.dedent(
            """\
            naftiko: 1.0.0-alpha2
            info: {label: D}
            capability:
              consumes:
              - type: http
                namespace: up
                baseUri: http://digest.test
                authentication: {type: digest, username: u, password: p}
                resources:
                - {name: r, path: '/r/{id}', operations: [{name: get}]}
              exposes:
              - {type: mcp, namespace: m, tools: [{name: t, call: up.get}]}
            """
        )
    )
    binds = resolve_binds(capability.binds, capability_file="d.yaml", environ={})
    app = create_digest_app("u", "p")
    upstream = UpstreamClient(transport=httpx.ASGITransport(app=app))
    engine = Engine(
        [LoadedCapability(capability, binds)], upstream=upstream, retry=RetryPolicy.disabled()
    )
    operation = capability.operation("get")
    assert operation is not None
    try:
        first = await engine.invoke(operation, {"id": "1"})
        second = await engine.invoke(operation, {"id": "2"})
    finally:
        await engine.aclose()
    assert (first.status, second.status) == (200, 200)
    assert second.data == {"data": {"path": "/r/2", "user": "u"}}
    assert app.state.digest.challenges == 1
