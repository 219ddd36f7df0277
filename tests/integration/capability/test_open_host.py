"""``serve --host 0.0.0.0`` without IOCGATE_TOKENS: allowed when every adapter declares its own
inbound authentication, refused (naming the open adapter) when any does not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.echo_upstream import create_echo_app
from tests.support.processes import clean_env, free_port, running, wait_http
from tests.support.servers import run_server

VERSIONS = Path(__file__).parents[2] / "fixtures" / "versions"
OPEN_HOST = "0.0.0.0"  # noqa: S104 - the point of the test; it is reached through 127.0.0.1


def capability(tmp_path: Path, mcp_auth: str) -> tuple[Path, int, int]:
    rest_port, mcp_port = free_port(), free_port()
    text = (VERSIONS / "guarded-both-beta5.yaml").read_text()
    text = text.replace("REST_PORT", str(rest_port)).replace("MCP_PORT", str(mcp_port))
    path = tmp_path / "guarded-both.yaml"
    path.write_text(text.replace("MCP_AUTH", mcp_auth))
    return path, rest_port, mcp_port


def test_every_adapter_guarded_serves_off_loopback_without_tokens(tmp_path: Path) -> None:
    path, rest_port, mcp_port = capability(
        tmp_path, "authentication: {type: apikey, key: X-Door, value: mcp-door-key}"
    )
    log = tmp_path / "serve.log"
    with run_server(create_echo_app()) as upstream:
        args = ["serve", str(path), "--host", OPEN_HOST, "--quota", "unlimited"]
        served = running([*args, "--upstream", upstream], clean_env(tmp_path), stderr_path=log)
        with served:
            wait_http(f"http://127.0.0.1:{rest_port}/healthz")
            rest = f"http://127.0.0.1:{rest_port}/v1/ping"
            refused = httpx.get(rest, timeout=5)
            key = {"Authorization": "Bearer rest-door-key"}
            let_in = httpx.get(rest, headers=key, timeout=10)
            mcp = f"http://127.0.0.1:{mcp_port}/mcp"
            body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
            mcp_refused = httpx.post(mcp, json=body, timeout=5)
    assert refused.status_code == 401
    assert let_in.status_code == 200, let_in.text
    assert mcp_refused.status_code == 401
    assert "refusing to listen" not in log.read_text()


def test_one_open_adapter_is_still_refused_and_named(tmp_path: Path) -> None:
    path, _, _ = capability(tmp_path, "")
    run = subprocess.run(
        [sys.executable, "-m", "iocgate", "serve", str(path), "--host", OPEN_HOST],
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 1
    assert f"refusing to listen on {OPEN_HOST}" in run.stderr
    assert "open: mcp adapter guarded-mcp of" in run.stderr
    assert "rest adapter" not in run.stderr.split("open:", 1)[1]
