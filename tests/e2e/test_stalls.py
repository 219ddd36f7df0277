"""What stalled the event loop behind a p99 of 8-10x the median, and the figures that show it."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from iocgate.sim import DEMO_PRIVILEGED_KEY, build_corpus
from tests.support.processes import clean_env, free_port, running, sim_process, wait_http

RICH = build_corpus(1, 30).pick("rich")


def _sample(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    assert match is not None, f"{name} not in /metrics"
    return float(match.group(1))


def test_full_collections_walk_only_what_requests_keep(tmp_path: Path) -> None:
    """Start-up's objects (imports, models, the MCP stack, jsonschema's format grammars) stay
    out of every garbage collection, even after the first MCP call; /metrics shows the loop's
    lag and the collections' pauses."""
    env = clean_env(tmp_path, VIRUSTOTAL_API_KEY=DEMO_PRIVILEGED_KEY)
    with sim_process(env) as upstream:
        rest, mcp = free_port(), free_port()
        args = [
            "serve", "--upstream", upstream, "--rest-port", str(rest), "--mcp-port", str(mcp),
            "--quota", "unlimited", "--cache", "memory",
        ]  # fmt: skip
        with running(args, env):
            base = f"http://127.0.0.1:{rest}"
            wait_http(base + "/healthz")
            wait_http(f"http://127.0.0.1:{mcp}/healthz")
            call = {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "tools/call",
                "params": {
                    "name": "get-summary-all-behavior-reports",
                    "arguments": {"id": RICH.sha256},
                },
            }
            headers = {"Accept": "application/json, text/event-stream"}
            for _ in range(3):
                reply = httpx.post(f"http://127.0.0.1:{mcp}/mcp", json=call, headers=headers)
                assert reply.status_code == 200 and "error" not in reply.json()
                got = httpx.get(f"{base}/v1/files/{RICH.sha256}/behaviour_summary")
                assert got.status_code == 200
            text = httpx.get(base + "/metrics").text
    # Without the freeze a full collection walks ~250k objects (~120k after the imports,
    # ~125k more from jsonschema's first import on the first call): 100-500 ms under load.
    assert _sample(text, "iocgate_gc_tracked_objects") < 30_000
    assert _sample(text, "iocgate_event_loop_lag_seconds_count") > 0
    assert "iocgate_gc_pause_seconds_bucket" in text
