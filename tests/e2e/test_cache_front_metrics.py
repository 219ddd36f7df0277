"""/metrics reports the cache's in-memory front: what it holds, its bound, its hit rate."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from iocgate.sim import DEMO_PRIVILEGED_KEY, build_corpus
from tests.support.processes import clean_env, free_port, running, sim_process, wait_http

RICH = build_corpus(1, 30).pick("rich")


def _value(text: str, sample: str) -> float:
    match = re.search(rf"^{re.escape(sample)} (\S+)$", text, re.M)
    assert match is not None, f"{sample} not in /metrics"
    return float(match.group(1))


def test_the_sqlite_front_shows_its_bound_size_and_hits(tmp_path: Path) -> None:
    env = clean_env(tmp_path, VIRUSTOTAL_API_KEY=DEMO_PRIVILEGED_KEY)
    with sim_process(env) as upstream:
        rest, mcp = free_port(), free_port()
        args = [
            "serve", "--upstream", upstream, "--rest-port", str(rest), "--mcp-port", str(mcp),
            "--quota", "unlimited",
        ]  # fmt: skip
        with running(args, env):
            base = f"http://127.0.0.1:{rest}"
            wait_http(base + "/healthz")
            url = f"{base}/v1/files/{RICH.sha256}/behaviour_summary"
            bodies = [httpx.get(url) for _ in range(3)]
            text = httpx.get(base + "/metrics").text
    assert [b.status_code for b in bodies] == [200] * 3
    assert _value(text, "iocgate_cache_front_max_bytes") == 64 * 1024 * 1024
    assert 0 < _value(text, "iocgate_cache_front_bytes") <= 2 * len(bodies[0].content)
    assert _value(text, 'iocgate_cache_front_lookups_total{result="miss"}') >= 1
    assert _value(text, 'iocgate_cache_front_lookups_total{result="hit"}') >= 2
