"""A capability with two MCP adapters: ``iocgate serve`` listens on both ports, each with its
own tools and its own declared credential (the other's is refused)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.support.echo_upstream import create_echo_app
from tests.support.processes import clean_env, free_port, running, wait_http
from tests.support.servers import run_server

FIXTURE = Path(__file__).parents[2] / "fixtures" / "versions" / "two-mcp-beta5.yaml"
OPERATORS = {"Authorization": "Bearer operators-key"}
DASHBOARD = {"X-Dashboard": "dashboard-key"}


def rpc(url: str, headers: dict[str, str], method: str, params: dict[str, Any]) -> httpx.Response:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    sent = {"Accept": "application/json, text/event-stream", **headers}
    return httpx.post(url, json=body, headers=sent, timeout=20)


def test_each_mcp_adapter_serves_its_own_tools_behind_its_own_credential(tmp_path: Path) -> None:
    operators_port, dashboard_port = free_port(), free_port()
    text = FIXTURE.read_text().replace("OPERATORS_PORT", str(operators_port))
    path = tmp_path / "depot.yaml"
    path.write_text(text.replace("DASHBOARD_PORT", str(dashboard_port)))
    log = tmp_path / "serve.log"
    with run_server(create_echo_app()) as upstream:
        args = ["serve", str(path), "--upstream", upstream, "--quota", "unlimited"]
        with running(args, clean_env(tmp_path), stderr_path=log):
            operators = f"http://127.0.0.1:{operators_port}/mcp"
            dashboard = f"http://127.0.0.1:{dashboard_port}/mcp"
            wait_http(f"http://127.0.0.1:{dashboard_port}/healthz")
            listed = {
                name: rpc(url, headers, "tools/list", {})
                for name, url, headers in (
                    ("operators", operators, OPERATORS),
                    ("dashboard", dashboard, DASHBOARD),
                )
            }
            called = rpc(
                dashboard, DASHBOARD, "tools/call", {"name": "list-crates", "arguments": {}}
            )
            crossed = [
                rpc(operators, DASHBOARD, "tools/list", {}),
                rpc(dashboard, OPERATORS, "tools/list", {}),
            ]
    tools = {
        name: [t["name"] for t in answer.json()["result"]["tools"]]
        for name, answer in listed.items()
    }
    assert tools == {"operators": ["list-crates", "get-crate"], "dashboard": ["list-crates"]}
    assert called.status_code == 200 and called.json()["result"]["isError"] is False
    assert [answer.status_code for answer in crossed] == [401, 401]
    banner = log.read_text()
    assert f":{operators_port}/mcp" in banner and f":{dashboard_port}/mcp" in banner


def test_validate_counts_the_tools_of_every_mcp_adapter(tmp_path: Path) -> None:
    path = tmp_path / "depot.yaml"
    text = FIXTURE.read_text().replace("OPERATORS_PORT", "18701")
    path.write_text(text.replace("DASHBOARD_PORT", "18702"))
    run = subprocess.run(
        [sys.executable, "-m", "iocgate", "validate", str(path)],
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "0 REST routes, 3 MCP tools" in run.stdout


def test_call_finds_a_tool_of_a_further_mcp_adapter(tmp_path: Path) -> None:
    path = tmp_path / "depot.yaml"
    text = FIXTURE.read_text().replace("OPERATORS_PORT", "18701")
    text = text.replace("DASHBOARD_PORT", "18702")
    # The dashboard's tool under a name of its own: only the second adapter declares it.
    path.write_text(
        text.replace(
            "list-crates: {description: Every crate, for", "board: {description: Every crate, for"
        )
    )
    with run_server(create_echo_app()) as upstream:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "iocgate",
                "call",
                "board",
                "--json",
                "-c",
                str(path),
                "--upstream",
                upstream,
            ],
            env=clean_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert run.returncode == 0, run.stderr
    assert '"path":"/crates"' in run.stdout
