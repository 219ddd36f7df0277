"""Inbound authentication the capability declares, on REST, MCP, skill and control ports:
apikey (header and query), basic, bearer and oauth2 (JWTs against a JWKS served here), with
IOCGATE_TOKENS accepted beside them and per-client budgets applied to either."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.echo_upstream import create_echo_app
from tests.support.processes import clean_env, free_port, running, wait_http
from tests.support.servers import run_server

SURFACE = Path(__file__).parents[2] / "fixtures" / "surface"
PARTS_KEY, PASSWORD, OPERATOR = "pk-51ab", "s3same", "operator-token"
RESOURCE = "https://parts.example"
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}
LIST_TOOLS = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}


class Issuer:
    """An authorization server's metadata and JWKS on loopback, and tokens it signs."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.jwks_fetches = 0
        self.url = ""

    def app(self) -> Starlette:
        async def metadata(request: Request) -> JSONResponse:
            return JSONResponse({"issuer": self.url, "jwks_uri": f"{self.url}/jwks"})

        async def jwks(request: Request) -> JSONResponse:
            self.jwks_fetches += 1
            public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
            return JSONResponse({"keys": [public | {"kid": "k1", "use": "sig", "alg": "RS256"}]})

        return Starlette(routes=[
            Route("/.well-known/oauth-authorization-server", metadata), Route("/jwks", jwks),
        ])  # fmt: skip

    def token(self, *, signer: Any = None, **overrides: Any) -> str:
        claims = {"iss": self.url, "aud": RESOURCE, "sub": "agent-7", "scope": "parts.read",
                  "exp": int(time.time()) + 300} | overrides  # fmt: skip
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, signer or self.key, algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    found = Issuer()
    with run_server(found.app()) as url:
        found.url = url
        yield found


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with run_server(create_echo_app()) as url:
        yield url


def serve_args(
    tmp_path: Path, name: str, upstream: str, issuer: str
) -> tuple[Path, dict[str, int]]:
    ports = {k: free_port() for k in ("REST_PORT", "MCP_PORT", "SKILL_PORT", "CONTROL_PORT")}
    text = (SURFACE / name).read_text().replace("UPSTREAM", upstream).replace("ISSUER", issuer)
    for key, port in ports.items():
        text = text.replace(key, str(port))
    path = tmp_path / name
    path.write_text(text)
    (tmp_path / "iocgate.toml").write_text('[auth]\nclient_quota = "1/min"\n[quota]\nwait = 0\n')
    return path, ports


@pytest.fixture(scope="module")
def beta5(
    upstream: str, issuer: Issuer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    tmp_path = tmp_path_factory.mktemp("auth")
    path, ports = serve_args(tmp_path, "auth-beta5.yaml", upstream, issuer.url)
    env = clean_env(tmp_path, PARTS_KEY=PARTS_KEY, SKILL_PASSWORD=PASSWORD,
                    IOCGATE_TOKENS=OPERATOR)  # fmt: skip
    args = ["serve", str(path), "--cache", "off", "--quota", "1000/min",
            "--config", str(tmp_path / "iocgate.toml")]  # fmt: skip
    with running(args, env):
        urls = {k.split("_")[0].lower(): f"http://127.0.0.1:{p}" for k, p in ports.items()}
        wait_http(urls["rest"] + "/healthz")
        wait_http(urls["mcp"] + "/healthz")
        yield urls


def test_rest_takes_the_declared_header_key_or_an_operator_token(beta5: dict[str, str]) -> None:
    stock = beta5["rest"] + "/v1/stock"
    missing = httpx.get(stock)
    assert missing.status_code == 401 and "X-Parts-Key" in missing.json()["error"]["message"]
    assert httpx.get(stock, headers={"X-Parts-Key": "nope"}).status_code == 401
    assert httpx.get(stock, headers={"X-Parts-Key": PARTS_KEY}).status_code == 200
    assert httpx.get(stock, headers={"Authorization": f"Bearer {OPERATOR}"}).status_code == 200


def test_each_credential_has_its_own_client_budget(beta5: dict[str, str], issuer: Issuer) -> None:
    stock = beta5["rest"] + "/v1/stock"  # client_quota 1/min: a second call is over
    calls = [httpx.get(stock, headers={"X-Parts-Key": PARTS_KEY}).status_code for _ in range(2)]
    assert calls[-1] == 429  # the API key's client has spent its own budget...
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "get-stock", "arguments": {}}}  # fmt: skip
    token = issuer.token(sub="agent-budget")
    headers = MCP_HEADERS | {"Authorization": f"Bearer {token}"}
    answer = httpx.post(beta5["mcp"] + "/mcp", json=call, headers=headers).json()
    assert answer["result"]["isError"] is False  # ...a JWT's client still has its own


def test_the_skill_port_takes_basic_credentials(beta5: dict[str, str]) -> None:
    url = beta5["skill"] + "/skills"
    assert "Basic realm" in httpx.get(url).headers["www-authenticate"]
    assert httpx.get(url, auth=("ops", "wrong")).status_code == 401
    assert httpx.get(url, auth=("ops", PASSWORD)).json()["count"] == 1
    garbled = {"Authorization": "Basic ***"}
    assert "base64" in httpx.get(url, headers=garbled).json()["error"]["message"]


def test_the_control_port_takes_the_key_in_the_query(beta5: dict[str, str]) -> None:
    url = beta5["control"] + "/health/live"
    assert "'api_key'" in httpx.get(url).json()["error"]["message"]
    assert httpx.get(url, params={"api_key": "nope"}).status_code == 401
    assert httpx.get(url, params={"api_key": PARTS_KEY}).json() == {"status": "UP"}


def mcp_list(url: str, token: str | None) -> httpx.Response:
    headers = MCP_HEADERS | ({"Authorization": f"Bearer {token}"} if token else {})
    return httpx.post(url + "/mcp", json=LIST_TOOLS, headers=headers)


def test_mcp_accepts_a_valid_jwt_and_says_why_others_fail(
    beta5: dict[str, str], issuer: Issuer
) -> None:
    url = beta5["mcp"]
    assert mcp_list(url, issuer.token()).status_code == 200
    assert mcp_list(url, OPERATOR).status_code == 200  # the operator's token works here too
    cases = {
        "expired": issuer.token(exp=int(time.time()) - 600),
        "not for this resource": issuer.token(aud="https://elsewhere.example"),
        "not issued by": issuer.token(iss="https://evil.example"),
        "signature does not verify": issuer.token(signer=issuer.other),
        "not a valid JWT": "not-a-jwt",
    }
    for said, token in cases.items():
        response = mcp_list(url, token)
        assert response.status_code == 401, said
        assert said in response.json()["error"]["message"]
        assert "invalid_token" in response.headers["www-authenticate"] or said == "not a valid JWT"
    scopeless = mcp_list(url, issuer.token(scope="other"))
    assert scopeless.status_code == 403
    assert 'error="insufficient_scope"' in scopeless.headers["www-authenticate"]
    assert mcp_list(url, None).status_code == 401


def test_the_jwks_is_fetched_once_and_cached(beta5: dict[str, str], issuer: Issuer) -> None:
    before = issuer.jwks_fetches
    for _ in range(5):
        assert mcp_list(beta5["mcp"], issuer.token()).status_code == 200
    assert issuer.jwks_fetches == before  # the keys were cached at the first token


def test_alpha2_basic_on_rest_and_bearer_on_control(upstream: str, tmp_path: Path) -> None:
    path, ports = serve_args(tmp_path, "auth-alpha2.yaml", upstream, "")
    env = clean_env(tmp_path, PARTS_KEY=PARTS_KEY, SKILL_PASSWORD=PASSWORD)
    with running(["serve", str(path)], env):
        rest = f"http://127.0.0.1:{ports['REST_PORT']}"
        control = f"http://127.0.0.1:{ports['CONTROL_PORT']}/health/live"
        wait_http(rest + "/healthz")
        assert httpx.get(rest + "/v1/stock").status_code == 401
        assert httpx.get(rest + "/v1/stock", auth=("ops", PASSWORD)).status_code == 200
        assert httpx.get(control, headers={"Authorization": f"Bearer {PARTS_KEY}"}).is_success
        assert httpx.get(control, headers={"Authorization": "Bearer x"}).status_code == 401


def test_an_unbound_declared_secret_stops_serve(upstream: str, tmp_path: Path) -> None:
    path, _ = serve_args(tmp_path, "auth-alpha2.yaml", upstream, "")
    run = subprocess.run(
        [sys.executable, "-m", "iocgate", "serve", str(path)], env=clean_env(tmp_path),
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    assert run.returncode != 0
    assert "guard-secrets" in run.stderr  # the bind that would hold the password, named


def test_the_oauth2_port_publishes_its_protected_resource_metadata(
    beta5: dict[str, str], issuer: Issuer
) -> None:
    metadata = httpx.get(beta5["mcp"] + "/.well-known/oauth-protected-resource")
    assert metadata.status_code == 200  # no credentials needed to learn where to get them
    assert metadata.json()["authorization_servers"] == [issuer.url]
    assert metadata.json()["resource"] == RESOURCE
    challenge = mcp_list(beta5["mcp"], None).headers["www-authenticate"]
    assert f'resource_metadata="{beta5["mcp"]}/.well-known/oauth-protected-resource"' in challenge
