"""The official MCP conformance suite and the MCP Inspector CLI, run against the adapter.

Both need Node >= 22 and live in ./.tools/node (scripts/ensure-node22.sh installs them; `make
test` runs it first). Without them these tests skip locally and fail under CI=true.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.sim_fixtures import SimServer

ROOT = Path(__file__).resolve().parents[3]
TOOLS = ROOT / ".tools" / "node"
BASELINE = Path(__file__).with_name("conformance-baseline.yml")
#: Scenarios that must pass (everything else that applies passes too, or the baseline says why).
REQUIRED = ("server-initialize", "ping", "tools-list", "dns-rebinding-protection")


@pytest.fixture(scope="module")
def node_tools() -> Path:
    """The Node 22 tool folder, or a skip (a failure under CI) saying how to install it."""
    needed = [
        TOOLS / "bin" / "node",
        TOOLS / "node_modules" / ".bin" / "conformance",
        TOOLS / "node_modules" / ".bin" / "mcp-inspector",
    ]
    if all(path.exists() for path in needed):
        return TOOLS
    message = (
        "the MCP conformance tools are missing from .tools/node: run scripts/ensure-node22.sh "
        "(Node 22, @modelcontextprotocol/conformance 0.1.16, @modelcontextprotocol/inspector "
        "2.12.0)"
    )
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(message)
    pytest.skip(message)


def _run(tools: Path, home: Path, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``tool`` from .tools/node/node_modules/.bin under Node 22 (what ``npx`` would run)."""
    environment = os.environ | {
        "PATH": f"{tools / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),  # the Inspector writes a catalog under ~/.mcp-inspector
        "NO_COLOR": "1",
        "npm_config_update_notifier": "false",
    }
    return subprocess.run(
        [str(tools / "node_modules" / ".bin" / tool), *args],
        cwd=tools,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _statuses(results: Path, scenario: str) -> list[str]:
    folders = sorted(results.glob(f"server-{scenario}-*"))
    assert folders, f"no results for {scenario}"
    checks = json.loads((folders[-1] / "checks.json").read_text())
    return [check["status"] for check in checks]


def test_the_official_conformance_suite_passes_every_scenario_that_applies(
    node_tools: Path, mcp_url: str, tmp_path: Path
) -> None:
    results = tmp_path / "results"
    run = _run(
        node_tools,
        tmp_path,
        "conformance",
        "server",
        "--url",
        mcp_url,
        "--expected-failures",
        str(BASELINE),
        "-o",
        str(results),
    )
    summary = run.stdout[run.stdout.rfind("=== SUMMARY ===") :]
    assert run.returncode == 0, summary + run.stderr[-2000:]
    for scenario in REQUIRED:
        statuses = _statuses(results, scenario)
        assert "SUCCESS" in statuses, (scenario, statuses)
        assert set(statuses) <= {"SUCCESS", "INFO"}, (scenario, statuses)


def test_the_mcp_inspector_cli_calls_a_tool_and_gets_structured_content(
    node_tools: Path, mcp_url: str, sim_server: SimServer, tmp_path: Path
) -> None:
    sha256 = sim_server.corpus.pick("poor").sha256
    run = _run(
        node_tools,
        tmp_path,
        "mcp-inspector",
        "--cli",
        mcp_url,
        "--method",
        "tools/call",
        "--tool-name",
        "get-summary-all-mitre-att",
        "--tool-arg",
        f"id={sha256}",
        "--format",
        "json",
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    result = json.loads(run.stdout)["result"]
    assert result.get("isError") is not True
    assert result["structuredContent"]["data"]
    assert result["_meta"]["iocgate/cache"] in ("MISS", "HIT", "BYPASS")


def test_the_mcp_inspector_finds_the_tool_schemas_portable(
    node_tools: Path, mcp_url: str, tmp_path: Path
) -> None:
    run = _run(
        node_tools,
        tmp_path,
        "mcp-inspector",
        "--cli",
        mcp_url,
        "--method",
        "tools/list",
        "--strict",
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Warning" not in run.stderr, run.stderr[-2000:]
