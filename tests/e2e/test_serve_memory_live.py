"""A served MCP session loads none of what serving never uses (issue #23: RSS)."""

from __future__ import annotations

from pathlib import Path

import httpx

from iocgate.sim import build_corpus
from tests.support.processes import clean_env, free_port, running, wait_http

RICH = build_corpus(1, 30).pick("rich")
HEADERS = {"accept": "application/json, text/event-stream"}


def _call(url: str, method: str, params: dict[str, object]) -> dict[str, object]:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    answer = httpx.post(url, json=body, headers=HEADERS, timeout=30)
    assert answer.status_code == 200, answer.text
    reply: dict[str, object] = answer.json()
    return reply


def test_an_mcp_tool_call_served_in_demo_mode_maps_no_unused_native_library(tmp_path: Path) -> None:
    # cryptography (~9 MB RSS, 7 of them its Rust library) comes only with the SDK's
    # high-level MCPServer, which `mcp/server/__init__` imports and serving never uses.
    env = clean_env(tmp_path)
    rest, mcp = free_port(), free_port()
    args = ["serve", "--rest-port", str(rest), "--mcp-port", str(mcp), "--quota", "unlimited"]
    with running(args, env) as process:
        wait_http(f"http://127.0.0.1:{mcp}/healthz")
        url = f"http://127.0.0.1:{mcp}/mcp"
        tools = _call(url, "tools/list", {})
        called = _call(
            url, "tools/call",
            {"name": "get-summary-all-behavior-reports", "arguments": {"id": RICH.sha256}},
        )  # fmt: skip
        maps = Path(f"/proc/{process.pid}/maps").read_text()
    assert "get-summary-all-behavior-reports" in str(tools["result"])
    result = called["result"]
    assert isinstance(result, dict)
    assert not result.get("isError")
    assert RICH.sha256 in str(result["structuredContent"])
    assert "/cryptography/" not in maps
    assert "/websockets/" not in maps  # no WebSocket protocol: no adapter serves one
    assert "/watchfiles/" not in maps  # uvicorn's --reload file watcher
    assert "/uvloop/" in maps  # the maps were read from the serving process itself
