"""A beta5 capability with an imported fragment at work.

Value templates from binds, cookies and body templates reach the upstream; serve listens where
the file says and refuses what it cannot run.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mcp import Client

from iocgate.exposes.mcp import McpOptions, create_mcp_server
from iocgate.gateway import open_gateway
from iocgate.settings import load_settings
from tests.support.echo_upstream import EchoState, create_echo_app
from tests.support.processes import clean_env, free_port, running, wait_http
from tests.support.servers import run_server

VERSIONS = Path(__file__).parents[2] / "fixtures" / "versions"
ENV = {"ITEMS_KEY": "items-secret", "ITEMS_VERSION": "2026-09"}


@pytest.fixture(scope="module")
def echo() -> Iterator[tuple[str, EchoState]]:
    app = create_echo_app()
    with run_server(app) as url:
        yield url, app.state.echo


async def call_tool(
    file: str,
    url: str,
    tmp_path: Path,
    tool: str,
    args: dict[str, object],
    env: dict[str, str] = ENV,
) -> None:
    settings = load_settings(
        {
            "capabilities": [VERSIONS / file],
            "upstream": url,
            "cache": "off",
            "allow_writes": True,
            "quota": "unlimited",
            "state_dir": tmp_path,
        },
        environ={**env, "XDG_CACHE_HOME": str(tmp_path)},
    )
    async with (
        open_gateway(settings) as opened,
        Client(create_mcp_server(opened.engine, McpOptions())) as client,
    ):
        result = await client.call_tool(tool, args)
    assert not result.is_error, result


@pytest.mark.anyio
async def test_header_value_from_a_bind_and_a_cookie_reach_the_upstream(
    echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    url, state = echo
    await call_tool("items-beta5.yaml", url, tmp_path, "get-item", {"id": "a/7"})
    sent = state.requests[-1]
    assert (sent.method, sent.path) == ("GET", "/items/a%2F7")
    assert sent.headers["api-version"] == "2026-09"  # `value: '{{ITEMS_VERSION}}'`, rendered
    assert sent.headers["cookie"] == "session=s1" and sent.headers["x-key"] == "items-secret"


@pytest.mark.anyio
async def test_binds_imported_from_a_fragment_read_their_file_relative_to_it(
    echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    url, state = echo
    await call_tool("items-file-binds.yaml", url, tmp_path, "get-item", {"id": "9"}, env={})
    sent = state.requests[-1]
    assert sent.headers["x-key"] == "from-the-secrets-file"
    assert sent.headers["api-version"] == "2026-10"


@pytest.mark.anyio
async def test_a_json_body_template_is_rendered_with_the_arguments(
    echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    url, state = echo
    await call_tool(
        "writes-beta5.yaml", url, tmp_path, "create-item", {"name": "bolt", "tags": ["m3", "steel"]}
    )
    sent = state.requests[-1]
    assert (sent.method, sent.path) == ("POST", "/items")
    assert sent.body == {"name": "bolt", "tags": ["m3", "steel"]}
    assert sent.headers["content-type"] == "application/json"


def test_serve_refuses_constructs_it_does_not_run_naming_file_and_line(tmp_path: Path) -> None:
    path = VERSIONS / "orchestrated-beta5.yaml"
    run = serve_once(path, tmp_path)
    assert run.returncode == 1
    # steps and skill adapters run now (docs/orchestration.md, docs/adapters.md); a Ziti tunnel
    # is still refused, at the line that declares it
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "tunnel:" in text)
    assert f"{path}:{line}: capability.consumes[0].tunnel: a Ziti `tunnel`" in run.stderr
    assert "not supported" in run.stderr


def serve_once(path: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``iocgate serve PATH`` expected to stop at start-up."""
    return subprocess.run(
        [sys.executable, "-m", "iocgate", "serve", str(path)],
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def addressed(tmp_path: Path, address: str, port: int) -> Path:
    text = (VERSIONS / "addressed-beta5.yaml").read_text()
    path = tmp_path / "addressed.yaml"
    path.write_text(text.replace("ADDRESS", address).replace("PORT", str(port)))
    return path


def test_serve_listens_on_the_address_and_port_the_capability_declares(tmp_path: Path) -> None:
    port = free_port()
    path = addressed(tmp_path, "127.0.0.2", port)
    with running(["serve", str(path)], clean_env(tmp_path)):
        wait_http(f"http://127.0.0.2:{port}/healthz")
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_an_open_address_in_the_file_still_needs_tokens(tmp_path: Path) -> None:
    path = addressed(tmp_path, "0.0.0.0", free_port())  # noqa: S104 - the file under test says so
    run = serve_once(path, tmp_path)
    assert run.returncode == 1 and "refusing to listen on 0.0.0.0" in run.stderr


def test_inbound_bearer_declared_in_the_capability_guards_its_adapter(
    echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    port = free_port()
    path = tmp_path / "guarded.yaml"
    path.write_text((VERSIONS / "guarded-beta5.yaml").read_text().replace("PORT", str(port)))
    args = ["serve", str(path), "--upstream", echo[0], "--quota", "unlimited"]
    with running(args, clean_env(tmp_path, GATE_TOKEN="s3cret-gate")):
        wait_http(f"http://127.0.0.1:{port}/healthz")
        refused = httpx.get(f"http://127.0.0.1:{port}/v1/ping", timeout=5)
        wrong = httpx.get(
            f"http://127.0.0.1:{port}/v1/ping", headers={"Authorization": "Bearer nope"}, timeout=5
        )
        let_in = httpx.get(
            f"http://127.0.0.1:{port}/v1/ping",
            headers={"Authorization": "Bearer s3cret-gate"},
            timeout=10,
        )
    assert refused.status_code == 401 and wrong.status_code == 401
    assert let_in.status_code == 200, let_in.text
    assert echo[1].requests[-1].path == "/ping"
    assert "s3cret-gate" not in refused.text + wrong.text + let_in.text
