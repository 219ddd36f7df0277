"""Who may drive a running gateway and at whose cost: the Host allow-list on every port, the
links' public origin, and per-client budgets charged by every entry point (issue #16)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from iocgate.sim import DEMO_PRIVILEGED_KEY, build_corpus
from tests.support.processes import clean_env, free_port, running, sim_process, wait_http

CORPUS = build_corpus(1, 30)
RICH = CORPUS.pick("rich")
REPORT = next(r for r in RICH.reports if {"pcap", "evtx", "memdump", "html"} <= set(r.artefacts))
MCP_HEADERS = {
    "Accept": "application/json, text/event-stream",
    "MCP-Protocol-Version": "2025-06-18",
}


def mcp_call(url: str, name: str, arguments: dict[str, Any], **headers: str) -> httpx.Response:
    body = {
        "jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }  # fmt: skip
    return httpx.post(url, json=body, headers=MCP_HEADERS | headers, timeout=60)


def test_a_foreign_host_is_refused_on_every_port_and_links_use_the_public_url(
    tmp_path: Path,
) -> None:
    # Issue #16: REST and the console answered any Host (DNS rebinding), and `--host 127.0.0.3`
    # counted as loopback but MCP refused its own address with 421.
    rest, mcp = free_port(), free_port()
    args = [
        "serve", "--demo", "--host", "127.0.0.3", "--rest-port", str(rest),
        "--mcp-port", str(mcp), "--public-url", "https://gw.example/",
    ]  # fmt: skip
    with running(args, clean_env(tmp_path)):
        base, mcp_url = f"http://127.0.0.3:{rest}", f"http://127.0.0.3:{mcp}/mcp"
        wait_http(base + "/healthz")
        path = f"/v1/files/{RICH.sha256}/behaviour_mitre_trees"
        evil = {"Host": "rebind.evil.example"}
        refused = [
            httpx.get(base + path, headers=evil),
            httpx.get(base + "/", headers=evil),  # the console
            httpx.get(base + f"/x/investigate/{RICH.sha256}", headers=evil),
            mcp_call(mcp_url, "get-summary-all-behavior-reports", {"id": RICH.sha256}, **evil),
        ]
        own = mcp_call(mcp_url, "get-summary-all-behavior-reports", {"id": RICH.sha256})
        public = httpx.get(base + path, headers={"Host": "gw.example"})
    assert [r.status_code for r in refused] == [421, 421, 421, 421]
    assert refused[0].json()["error"]["code"] == "MisdirectedRequestError"
    assert own.status_code == 200 and "error" not in own.json()
    assert public.status_code == 200
    assert public.json()["links"]["self"] == f"https://gw.example{path}"


def rest_entry_points(base: str, token: str) -> list[str]:
    """Every GET path of the REST port that calls upstream, with real values filled in."""
    spec = httpx.get(base + "/openapi.json", headers={"Authorization": f"Bearer {token}"}).json()
    values = {"id": RICH.sha256, "sandbox_id": quote(REPORT.id, safe=""),
              "relationship": "contacted_domains"}  # fmt: skip
    paths = []
    for template, methods in spec["paths"].items():
        if "get" not in methods or not template.startswith(("/v1/", "/x/")):
            continue
        if template.endswith("/plan"):  # the investigation's cost preview calls nothing
            continue
        paths.append(re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template))
    return paths


@pytest.mark.slow
def test_every_entry_point_charges_the_callers_budget_and_no_one_elses(tmp_path: Path) -> None:
    # Issue #16: MCP `investigate-file` ran without the caller's client id, so one token could
    # spend the whole key's budget. Each entry point is called with token A; then A must have
    # no budget left while token B, untouched, still has its own.
    config = tmp_path / "iocgate.toml"
    config.write_text('[auth]\nclient_quota = "1/min"\n[quota]\nwait = 0\n')
    tokens = [f"token-{n:03d}" for n in range(80)]
    env = clean_env(tmp_path, VIRUSTOTAL_API_KEY=DEMO_PRIVILEGED_KEY,
                    IOCGATE_TOKENS=",".join(tokens))  # fmt: skip
    with sim_process(env) as upstream:
        rest, mcp = free_port(), free_port()
        args = [
            "serve", "--upstream", upstream, "--rest-port", str(rest), "--mcp-port", str(mcp),
            "--quota", "1000/min", "--cache", "off", "--config", str(config),
        ]  # fmt: skip
        with running(args, env):
            base, mcp_url = f"http://127.0.0.1:{rest}", f"http://127.0.0.1:{mcp}/mcp"
            wait_http(base + "/healthz")
            spare = iter(tokens)
            probe = f"{base}/v1/files/{RICH.sha256}/behaviour_summary"
            listing = httpx.post(
                mcp_url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                headers=MCP_HEADERS | {"Authorization": f"Bearer {next(spare)}"},
            ).json()["result"]["tools"]  # fmt: skip
            arguments = {"id": RICH.sha256, "sandbox_id": REPORT.id,
                         "relationship": "contacted_domains"}  # fmt: skip
            calls: dict[str, Any] = {}
            for path in rest_entry_points(base, next(spare)):
                calls["REST " + path] = lambda t, p=path: httpx.get(
                    base + p, headers={"Authorization": f"Bearer {t}"}, timeout=60
                )
            for tool in listing:
                wanted = {k: arguments[k] for k in tool["inputSchema"].get("required", [])}
                calls["MCP " + tool["name"]] = lambda t, n=tool["name"], a=wanted: mcp_call(
                    mcp_url, n, a, Authorization=f"Bearer {t}"
                )
            assert len(calls) >= 20
            unfair = []
            for name, call in calls.items():
                a, b = next(spare), next(spare)
                call(a)
                after_a = httpx.get(probe, headers={"Authorization": f"Bearer {a}"}).status_code
                after_b = httpx.get(probe, headers={"Authorization": f"Bearer {b}"}).status_code
                if (after_a, after_b) != (429, 200):
                    unfair.append((name, after_a, after_b))
    assert unfair == []
