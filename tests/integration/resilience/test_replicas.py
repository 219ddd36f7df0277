"""Two gateway replicas, two processes, one Redis, one public key: one budget, one cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from iocgate.sim import DEMO_PUBLIC_KEY
from tests.integration.resilience.conftest import MARGIN_SECONDS, WINDOW_SECONDS, LiveSim
from tests.support.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[3]


def start_replica(spec: dict[str, Any]) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.replica_runner", json.dumps(spec)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    ready = process.stdout.readline()
    assert ready == "ready\n", process.stderr.read() if process.stderr else ready
    return process


def test_two_replicas_respect_one_budget_and_share_answers(
    redis_server: RedisServer, redis_prefix: str, live_sim: LiveSim
) -> None:
    hashes = [f.sha256 for f in live_sim.state.corpus.files[:12]]
    common = {
        "upstream": live_sim.url,
        "key": DEMO_PUBLIC_KEY,
        "redis": redis_server.url,
        "prefix": redis_prefix,
        "quota": "4/min",
        "minute_seconds": WINDOW_SECONDS,
        "margin_seconds": MARGIN_SECONDS,
        "quota_wait": 30.0,
        "tool": "get-summary-all-behavior-reports",
        "argument": "id",
    }
    replicas = [
        start_replica({**common, "ids": hashes[:8]}),
        start_replica({**common, "ids": hashes[4:]}),  # 4 hashes asked by both
    ]
    lines: list[dict[str, Any]] = []
    for replica in replicas:
        assert replica.stdin is not None
        replica.stdin.write("go\n")
        replica.stdin.flush()
    for replica in replicas:
        out, err = replica.communicate(timeout=60)
        assert replica.returncode == 0, err
        lines += [json.loads(line) for line in out.splitlines()]

    statuses = [r.status for r in live_sim.state.requests]
    assert 429 not in statuses  # together they never exceeded 4 calls per window
    assert statuses == [200] * 12  # each hash fetched once, by one replica or the other
    assert [line["status"] for line in lines] == [200] * 16
    for sha in hashes[4:8]:
        both = sorted(line["cache"] for line in lines if line["id"] == sha)
        assert both == ["HIT", "MISS"], sha
