"""The API key never appears in anything iocgate writes: responses, headers, logs, metrics,
cache files, CLI output, MCP results — across successes, upstream errors and bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from iocgate.sim import build_corpus
from tests.support.processes import clean_env, free_port, running, sim_process, wait_http

# A distinctive key: any occurrence of it (or of its halves) anywhere is a leak.
CANARY = "c4n4ry" + "0123456789abcdef" * 3 + "9f8e7d6c5b"
CORPUS = build_corpus(1, 30)


def leaks(text: str) -> bool:
    return CANARY in text or CANARY[:24] in text or CANARY[-24:] in text


@pytest.mark.slow
def test_the_key_appears_in_no_output_of_any_surface(tmp_path: Path) -> None:
    env = clean_env(tmp_path, VIRUSTOTAL_API_KEY=CANARY)
    seen: list[str] = []
    with sim_process(env, "--privileged-key", CANARY) as upstream:
        rest, mcp = free_port(), free_port()
        log = tmp_path / "serve.log"
        args = [
            "serve", "--upstream", upstream, "--rest-port", str(rest), "--mcp-port", str(mcp),
            "--log-format", "json", "--log-level", "debug", "--quota", "unlimited",
        ]  # fmt: skip
        with running(args, env, stderr_path=log):
            base = f"http://127.0.0.1:{rest}"
            wait_http(base + "/healthz")
            rich = CORPUS.pick("rich")
            report = next(r for r in rich.reports if r.has_pcap)
            paths = [
                f"/v1/files/{rich.sha256}/behaviour_summary",
                f"/v1/files/{rich.sha256}/behaviours",
                f"/v1/files/{'0' * 64}/behaviour_summary",  # upstream 404
                "/v1/files/not-a-hash/behaviour_summary",  # our 400
                f"/v1/file_behaviours/{quote(report.id)}/pcap",
                f"/v1/file_behaviours/{quote(report.id)}/relationships/contacted_domains?limit=2",
                f"/x/investigate/{rich.sha256}",
                f"/x/investigate/{rich.sha256}/stix",
                "/openapi.json",
                "/readyz",
                "/metrics",
                "/no/such/route",
            ]
            for path in paths:
                response = httpx.get(base + path, timeout=30)
                seen.append(str(response.headers) + response.content.decode("latin-1"))
            headers = {
                "Content-Type": "application/json",
                "Accept": "application/json, text/event-stream",
                "MCP-Protocol-Version": "2025-06-18",
            }
            for arguments in ({"id": rich.sha256}, {"id": "0" * 64}, {"id": "bad"}):
                body = {
                    "jsonrpc": "2.0", "id": 1, "method": "tools/call",
                    "params": {"name": "get-summary-all-behavior-reports", "arguments": arguments},
                }  # fmt: skip
                response = httpx.post(f"http://127.0.0.1:{mcp}/mcp", json=body, headers=headers)
                seen.append(str(response.headers) + response.text)
        seen.append(log.read_text())
        for call_args in (
            ["call", "fileAllBehavioursSummary", f"id={rich.sha256}", "--json"],
            ["call", "fileAllBehavioursSummary", "id=" + "0" * 64],
            ["call", "fileAllBehavioursSummary", "id=../users/me"],
        ):
            done = subprocess.run(
                [sys.executable, "-m", "iocgate", *call_args, "--upstream", upstream,
                 "--quota", "unlimited"],
                env=env, capture_output=True, text=True, timeout=60, check=False,
            )  # fmt: skip
            seen.append(done.stdout + done.stderr)
    # The cache (SQLite) and artefact files on disk hold answers, never the credential.
    stored = [path for path in (tmp_path / "iocgate").rglob("*") if path.is_file()]
    seen.extend(path.read_bytes().decode("latin-1") for path in stored)
    assert any(path.name.endswith(".sqlite3") for path in stored)  # the cache was checked
    assert len(seen) >= 20
    assert not [text[:200] for text in seen if leaks(text)]
