"""Outbound authentication against upstreams of our own on real sockets: HTTP Digest, OAuth2
client credentials (cached, renewed before expiry, replaced when refused), an API key in
``Authorization`` (naftiko/ikanos #698) and Basic with no password (#699)."""

from __future__ import annotations

import base64
import logging
import textwrap
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
import pytest

from iocgate.errors import CapabilityError
from iocgate.exposes.rest import RestOptions, create_rest_app
from iocgate.gateway import open_gateway
from iocgate.settings import load_settings
from tests.support.auth_upstreams import (
    DigestState,
    TokenState,
    create_digest_app,
    create_oauth_app,
)
from tests.support.echo_upstream import EchoState, create_echo_app
from tests.support.servers import run_server

pytestmark = pytest.mark.anyio

CLIENT_ID, CLIENT_SECRET = "iocgate-client", "s3cret-of-the-client"
LIFETIME = 2  # seconds: renewal is due at 1.8 s


def capability(base_uri: str, authentication: str) -> str:
    """A one-operation alpha2 capability with ``authentication`` on its consumed API."""
    return textwrap.dedent(
        f"""\
        naftiko: 1.0.0-alpha2
        info: {{label: Auth}}
        binds: [{{namespace: env, keys: {{USER: T_USER, PASS: T_PASS, RAW: T_RAW,
                                          SECRET: T_SECRET}}}}]
        capability:
          consumes:
          - type: http
            namespace: up
            baseUri: {base_uri}
            authentication: {authentication}
            resources:
            - name: things
              path: /things/{{id}}
              operations:
              - name: getThing
                inputParameters: [{{name: id, in: path, type: string, required: true}}]
          exposes:
          - type: rest
            namespace: r
            resources:
            - path: /v1/things/{{id}}
              operations:
              - {{method: GET, name: getThing, call: up.getThing, with: {{id: rest.id}}}}
        """
    )


ENV = {"T_USER": "analyst", "T_PASS": "correct horse", "T_RAW": "pk_raw_token_42", "T_SECRET": "-"}


@asynccontextmanager
async def rest(
    tmp_path: Path, text: str, environ: dict[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    """The REST adapter of a gateway on ``text``, caching off so every call goes upstream."""
    path = tmp_path / "auth.yaml"
    path.write_text(text, encoding="utf-8")
    settings = load_settings(
        {"capabilities": (path,), "cache": "off", "demo": False, "quota": "unlimited"},
        environ={**environ, "XDG_CACHE_HOME": str(tmp_path)},
    )
    async with open_gateway(settings) as opened:
        app = create_rest_app(opened.engine, RestOptions())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield client


@pytest.fixture(scope="module")
def digest() -> Iterator[tuple[str, DigestState]]:
    app = create_digest_app("analyst", "correct horse")
    with run_server(app) as url:
        yield url, app.state.digest


@pytest.fixture
def oauth() -> Iterator[tuple[str, TokenState]]:
    app = create_oauth_app(CLIENT_ID, CLIENT_SECRET, lifetime=LIFETIME)
    with run_server(app) as url:
        yield url, app.state.tokens


@pytest.fixture(scope="module")
def echo() -> Iterator[tuple[str, EchoState]]:
    app = create_echo_app()
    with run_server(app) as url:
        yield url, app.state.echo


DIGEST = "{type: digest, username: '{{env.USER}}', password: '{{env.PASS}}'}"


async def test_digest_upstream_answers_after_the_challenge_and_later_calls_need_none(
    digest: tuple[str, DigestState], tmp_path: Path
) -> None:
    url, state = digest
    before = state.challenges
    async with rest(tmp_path, capability(url, DIGEST), ENV) as client:
        first = await client.get("/v1/things/a%20b")
        second = await client.get("/v1/things/c")
    assert first.status_code == 200, first.text
    assert first.json()["data"] == {"path": "/things/a b", "user": "analyst"}
    assert second.status_code == 200
    # One challenge for both calls: the second reuses the nonce (nc 2) without a round trip.
    assert state.challenges - before == 1
    assert state.seen_counts[-2:] == ["00000001", "00000002"]


async def test_digest_with_a_wrong_password_is_the_upstream_401(
    digest: tuple[str, DigestState], tmp_path: Path
) -> None:
    url, _ = digest
    async with rest(tmp_path, capability(url, DIGEST), ENV | {"T_PASS": "wrong"}) as client:
        answer = await client.get("/v1/things/x")
    assert answer.status_code == 401
    assert "wrong" not in answer.text


OAUTH = (
    "{type: oauth2, tokenEndpoint: '%s/oauth/token', clientId: "
    + CLIENT_ID
    + ", clientSecret: '{{env.SECRET}}', scopes: [things.read, things.list]}"
)


async def test_oauth2_token_is_requested_once_and_shared_by_concurrent_calls(
    oauth: tuple[str, TokenState], tmp_path: Path
) -> None:
    url, state = oauth
    text = capability(url + "/api", OAUTH % url)
    answers: list[httpx.Response] = []
    async with rest(tmp_path, text, ENV | {"T_SECRET": CLIENT_SECRET}) as client:

        async def call(n: int) -> None:
            answers.append(await client.get(f"/v1/things/{n}"))

        async with anyio.create_task_group() as tasks:
            for n in range(5):
                tasks.start_soon(call, n)
        answers.append(await client.get("/v1/things/last"))
    assert [a.status_code for a in answers] == [200] * 6
    assert len(state.issued) == 1 and state.refused == 0
    sent = state.token_requests[0]
    assert sent["grant_type"] == "client_credentials"
    assert sent["scope"] == "things.read things.list"
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert sent["authorization"] == f"Basic {basic}"


async def test_oauth2_token_endpoint_is_read_from_the_issuer_metadata_once(
    oauth: tuple[str, TokenState], tmp_path: Path
) -> None:
    url, state = oauth
    auth = (
        f"{{type: oauth2, authorizationServerUri: '{url}/tenant', clientId: {CLIENT_ID}, "
        "clientSecret: '{{env.SECRET}}'}"
    )
    async with rest(
        tmp_path, capability(url + "/api", auth), ENV | {"T_SECRET": CLIENT_SECRET}
    ) as client:
        first = await client.get("/v1/things/1")
        state.revoke_all()  # a second token, from the endpoint already known
        second = await client.get("/v1/things/2")
    assert (first.status_code, second.status_code) == (200, 200), first.text
    assert state.metadata_reads == 1 and len(state.issued) == 2


async def test_oauth2_issuer_without_metadata_names_both_places_it_looked(
    echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    url, _ = echo  # answers JSON without a token_endpoint
    auth = f"{{type: oauth2, authorizationServerUri: '{url}/as', clientId: c, clientSecret: s}}"
    async with rest(tmp_path, capability(url, auth), ENV) as client:
        answer = await client.get("/v1/things/1")
    assert answer.status_code == 502
    message = answer.json()["error"]["message"]
    assert f"{url}/.well-known/oauth-authorization-server/as" in message
    assert f"{url}/as/.well-known/openid-configuration" in message and "tokenEndpoint" in message


async def test_oauth2_token_is_renewed_before_it_expires(
    oauth: tuple[str, TokenState], tmp_path: Path
) -> None:
    url, state = oauth
    text = capability(url + "/api", OAUTH % url)
    async with rest(tmp_path, text, ENV | {"T_SECRET": CLIENT_SECRET}) as client:
        first = await client.get("/v1/things/1")
        await anyio.sleep(LIFETIME * 0.9 + 0.05)  # past renewal, before (or at) expiry
        second = await client.get("/v1/things/2")
    assert (first.status_code, second.status_code) == (200, 200)
    assert len(state.issued) == 2
    assert state.refused == 0  # the upstream never saw an expired token


async def test_oauth2_token_the_upstream_refuses_is_replaced_once(
    oauth: tuple[str, TokenState], tmp_path: Path
) -> None:
    url, state = oauth
    text = capability(url + "/api", OAUTH % url)
    async with rest(tmp_path, text, ENV | {"T_SECRET": CLIENT_SECRET}) as client:
        first = await client.get("/v1/things/1")
        state.revoke_all()
        second = await client.get("/v1/things/2")
    assert (first.status_code, second.status_code) == (200, 200)
    assert len(state.issued) == 2 and state.refused == 1


async def test_oauth2_token_does_not_follow_a_redirect_to_another_origin(
    oauth: tuple[str, TokenState], echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    url, state = oauth
    echo_url, seen = echo
    text = (
        capability(url + "/api", OAUTH % url)
        .replace(
            "inputParameters: [{name: id, in: path, type: string, required: true}]",
            "inputParameters: [{name: id, in: path, type: string, required: true},"
            " {name: redirect, in: query, type: string}]",
        )
        .replace("with: {id: rest.id}", "with: {id: rest.id, redirect: rest.redirect}")
    )
    async with rest(tmp_path, text, ENV | {"T_SECRET": CLIENT_SECRET}) as client:
        answer = await client.get("/v1/things/1", params={"redirect": echo_url + "/landed"})
    assert answer.status_code == 200 and len(state.issued) == 1
    assert seen.requests[-1].path == "/landed"
    assert "authorization" not in seen.requests[-1].headers


async def test_oauth2_wrong_client_secret_is_a_502_naming_the_token_endpoint(
    oauth: tuple[str, TokenState], tmp_path: Path
) -> None:
    url, state = oauth
    text = capability(url + "/api", OAUTH % url)
    async with rest(tmp_path, text, ENV | {"T_SECRET": "not-the-secret"}) as client:
        answer = await client.get("/v1/things/1")
    assert answer.status_code == 502
    message = answer.json()["error"]["message"]
    assert f"{url}/oauth/token" in message and "invalid_client" in message
    assert "clientSecret" in message and "not-the-secret" not in answer.text
    assert state.served == 0


async def test_oauth2_access_token_never_reaches_the_logs(
    oauth: tuple[str, TokenState], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url, state = oauth
    text = capability(url + "/api", OAUTH % url)
    with caplog.at_level(logging.DEBUG):
        async with rest(tmp_path, text, ENV | {"T_SECRET": CLIENT_SECRET}) as client:
            answer = await client.get("/v1/things/1")
    assert answer.status_code == 200 and state.issued
    logged = "\n".join(r.getMessage() + repr(r.__dict__) for r in caplog.records)
    assert "oauth2 access token obtained" in logged
    assert state.issued[0] not in logged and CLIENT_SECRET not in logged


async def test_oauth2_without_a_token_endpoint_is_refused_at_start_up(tmp_path: Path) -> None:
    text = capability("http://127.0.0.1:9/api", "{type: oauth2, clientId: c, clientSecret: s}")
    with pytest.raises(CapabilityError, match="tokenEndpoint"):
        async with rest(tmp_path, text, ENV):
            pass


async def test_apikey_can_be_the_raw_authorization_header(
    echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    url, state = echo
    auth = "{type: apikey, key: Authorization, value: '{{env.RAW}}', placement: header}"
    async with rest(tmp_path, capability(url, auth), ENV) as client:
        answer = await client.get("/v1/things/1")
    assert answer.status_code == 200
    assert state.requests[-1].headers["authorization"] == "pk_raw_token_42"


async def test_basic_without_a_password_sends_the_user_and_an_empty_password(
    echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    url, state = echo
    async with rest(tmp_path, capability(url, "{type: basic, username: sk_test_1}"), ENV) as client:
        answer = await client.get("/v1/things/1")
    assert answer.status_code == 200
    expected = base64.b64encode(b"sk_test_1:").decode()
    assert state.requests[-1].headers["authorization"] == f"Basic {expected}"
