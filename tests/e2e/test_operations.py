"""What an operator relies on: /metrics after known traffic, JSON logs, SIGTERM drain."""

from __future__ import annotations

import hashlib
import json
import signal
import threading
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from iocgate.sim import DEMO_PRIVILEGED_KEY, build_corpus
from tests.support.processes import clean_env, free_port, running, sim_process, wait_http

CORPUS = build_corpus(1, 30)
RICH = CORPUS.pick("rich")


@pytest.fixture
def served(tmp_path: Path):  # type: ignore[no-untyped-def]
    """`iocgate serve` on a simulator process, JSON logs; yields (rest URL, stderr path)."""
    env = clean_env(tmp_path, VIRUSTOTAL_API_KEY=DEMO_PRIVILEGED_KEY)
    with sim_process(env) as upstream:
        rest, mcp = free_port(), free_port()
        log = tmp_path / "serve.log"
        args = [
            "serve", "--upstream", upstream, "--rest-port", str(rest), "--mcp-port", str(mcp),
            "--log-format", "json", "--quota", "unlimited", "--cache", "memory",
        ]  # fmt: skip
        with running(args, env, stderr_path=log) as process:
            base = f"http://127.0.0.1:{rest}"
            wait_http(base + "/healthz")
            yield base, log, process, upstream


def test_metrics_count_known_traffic_without_hashes_in_labels(served) -> None:  # type: ignore[no-untyped-def]
    base, _, _, _ = served
    for _ in range(2):
        assert httpx.get(f"{base}/v1/files/{RICH.sha256}/behaviour_summary").status_code == 200
    assert httpx.get(f"{base}/v1/files/{'0' * 64}/behaviour_summary").status_code == 404
    text = httpx.get(base + "/metrics").text
    ok = 'adapter="rest",cache="{}",operation="fileAllBehavioursSummary",status="200"'
    assert f"iocgate_requests_total{{{ok.format('MISS')}}} 1.0" in text
    assert f"iocgate_requests_total{{{ok.format('HIT')}}} 1.0" in text
    assert (
        'iocgate_upstream_requests_total{operation="fileAllBehavioursSummary",status="200"} 1.0'
        in text
    )
    assert 'iocgate_cache_total{operation="fileAllBehavioursSummary",result="hit"} 1.0' in text
    assert RICH.sha256 not in text and "0" * 64 not in text
    assert DEMO_PRIVILEGED_KEY not in text


def test_json_logs_carry_the_request_id_and_never_the_key(served) -> None:  # type: ignore[no-untyped-def]
    base, log, _, _ = served
    response = httpx.get(
        f"{base}/v1/files/{RICH.sha256}/behaviour_mitre_trees",
        headers={"X-Request-ID": "trace-me-42"},
    )
    assert response.headers["x-request-id"] == "trace-me-42"
    # The access line is written once the response is sent: give it a moment to land.
    deadline = time.monotonic() + 10
    while True:
        text = log.read_text()
        records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        mine = [r for r in records if r.get("request_id") == "trace-me-42"]
        loggers = {r["logger"] for r in mine}
        if {"iocgate.access", "iocgate.upstream"} <= loggers or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert {"iocgate.access", "iocgate.upstream"} <= loggers  # one id, both log lines
    assert DEMO_PRIVILEGED_KEY not in text


def test_sigterm_drains_a_download_in_flight_then_exits_zero(served) -> None:  # type: ignore[no-untyped-def]
    base, _, process, upstream = served
    report = next(r for r in RICH.reports if r.has_memdump)
    origin = upstream.removesuffix("/api/v3")
    # 8 MiB at 2 MB/s: the download lasts about four seconds.
    httpx.put(origin + "/_sim/faults", json={"slow_body_bytes_per_second": 2_000_000})
    digest = hashlib.sha256()
    started = threading.Event()
    outcome: dict[str, object] = {}

    def download() -> None:
        try:
            url = f"{base}/v1/file_behaviours/{quote(report.id)}/memdump"
            with httpx.stream("GET", url, timeout=60) as response:
                outcome["status"] = response.status_code
                for chunk in response.iter_bytes():
                    digest.update(chunk)
                    started.set()
        except httpx.HTTPError as exc:
            outcome["error"] = repr(exc)
        finally:
            started.set()

    worker = threading.Thread(target=download)
    worker.start()
    assert started.wait(20)
    process.send_signal(signal.SIGTERM)
    worker.join(60)
    assert process.wait(timeout=40) == 0
    httpx.put(origin + "/_sim/faults", json={"slow_body_bytes_per_second": None})
    direct = httpx.get(
        f"{upstream}/file_behaviours/{quote(report.id)}/memdump",
        headers={"x-apikey": DEMO_PRIVILEGED_KEY},
        timeout=60,
    )
    assert outcome.get("status") == 200 and "error" not in outcome
    assert digest.hexdigest() == hashlib.sha256(direct.content).hexdigest()


def access_records(log: Path, ids: set[str]) -> dict[str, dict[str, object]]:
    """The access lines of these request ids, waiting a moment for them to land."""
    deadline = time.monotonic() + 10
    while True:
        lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
        found = {
            str(r["request_id"]): r
            for r in lines
            if r.get("logger") == "iocgate.access" and r.get("request_id") in ids
        }
        if set(found) == ids or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_rest_and_mcp_access_lines_name_client_operation_cache_and_upstream(
    tmp_path: Path,
) -> None:
    # Issue #16: the access line lacked client, operation and upstream status; MCP calls
    # were not logged at all.
    token = "s3cret-token-for-logs"
    env = clean_env(tmp_path, VIRUSTOTAL_API_KEY=DEMO_PRIVILEGED_KEY, IOCGATE_TOKENS=token)
    auth = {"Authorization": f"Bearer {token}"}
    with sim_process(env) as upstream:
        rest, mcp = free_port(), free_port()
        log = tmp_path / "serve.log"
        args = [
            "serve", "--upstream", upstream, "--rest-port", str(rest), "--mcp-port", str(mcp),
            "--log-format", "json", "--quota", "unlimited", "--cache", "memory",
        ]  # fmt: skip
        with running(args, env, stderr_path=log):
            base = f"http://127.0.0.1:{rest}"
            wait_http(base + "/healthz")
            path = f"{base}/v1/files/{RICH.sha256}/behaviour_mitre_trees"
            for n in range(3):  # miss, hit, fast-path hit
                httpx.get(path, headers=auth | {"X-Request-ID": f"rest-{n}"}, timeout=30)
            body = {
                "jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "get-summary-all-behavior-reports",
                           "arguments": {"id": RICH.sha256}},
            }  # fmt: skip
            httpx.post(
                f"http://127.0.0.1:{mcp}/mcp", json=body, timeout=30,
                headers=auth | {"X-Request-ID": "mcp-0", "MCP-Protocol-Version": "2025-06-18",
                                "Accept": "application/json, text/event-stream"},
            )  # fmt: skip
            records = access_records(log, {"rest-0", "rest-1", "rest-2", "mcp-0"})
        text = log.read_text()
    assert set(records) == {"rest-0", "rest-1", "rest-2", "mcp-0"}
    client = records["rest-0"]["client"]
    assert isinstance(client, str) and client.startswith("client-")
    assert token not in text
    for rid, cache, upstream_status in [
        ("rest-0", "MISS", 200), ("rest-1", "HIT", 200), ("rest-2", "HIT", 200),
        ("mcp-0", "MISS", 200),
    ]:  # fmt: skip
        record = records[rid]
        assert record["client"] == client
        assert record["operation"] == (
            "getASummaryOfAllMitreAttckTechniquesObservedInAFile"
            if rid.startswith("rest")
            else "fileAllBehavioursSummary"
        )
        assert (record["cache"], record["upstream_status"]) == (cache, upstream_status), rid
        assert isinstance(record["duration_ms"], float)
    assert records["mcp-0"]["adapter"] == "mcp" and records["mcp-0"]["status"] == "ok"
