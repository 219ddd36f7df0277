"""`iocgate sim` as a process: it announces itself, serves, and streams 1 GiB in flat memory."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from iocgate.sim import DEMO_PRIVILEGED_KEY, build_corpus

GIB = 1024**3


@dataclass
class SimProcess:
    process: subprocess.Popen[str]
    origin: str
    announced: dict[str, object]

    def memory_kib(self, field: str) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise AssertionError(f"{field} missing from /proc status")


def _start(*args: str) -> SimProcess:
    process = subprocess.Popen(
        [sys.executable, "-m", "iocgate", "sim", "--port", "0", "--json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], 20)
    if not ready:
        process.kill()
        raise AssertionError("iocgate sim printed nothing within 20 s")
    announced = json.loads(process.stdout.readline())
    return SimProcess(process, str(announced["origin"]), announced)


@pytest.fixture
def big_sim() -> Iterator[SimProcess]:
    sim = _start("--memdump-size", "1G", "--seed", "1")
    try:
        yield sim
    finally:
        sim.process.terminate()
        sim.process.communicate(timeout=10)


def test_serving_prints_the_url_as_json_on_stdout_and_a_banner_on_stderr() -> None:
    sim = _start("--seed", "1")
    try:
        assert sim.announced["url"] == f"{sim.origin}/api/v3"
        assert sim.origin.startswith("http://127.0.0.1:")
        rich = build_corpus(1, 30).pick("rich")
        response = httpx.get(
            f"{sim.origin}/api/v3/files/{rich.sha256}/behaviour_summary",
            headers={"x-apikey": DEMO_PRIVILEGED_KEY},
        )
        assert response.status_code == 200
    finally:
        sim.process.terminate()
        _, stderr = sim.process.communicate(timeout=10)
    assert sim.origin in stderr
    assert DEMO_PRIVILEGED_KEY in stderr
    assert rich.sha256 in stderr


def test_port_already_taken_is_a_clear_error() -> None:
    sim = _start("--seed", "1")
    try:
        port = sim.origin.rsplit(":", 1)[1]
        taken = subprocess.run(
            [sys.executable, "-m", "iocgate", "sim", "--port", port],
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        sim.process.terminate()
        sim.process.communicate(timeout=10)
    assert taken.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in taken.stderr


@pytest.mark.slow
def test_a_one_gib_memdump_streams_without_growing_server_memory(big_sim: SimProcess) -> None:
    rich = build_corpus(1, 30).pick("rich")
    report_id = next(r.id for r in rich.reports if r.has_memdump)
    url = f"{big_sim.origin}/api/v3/file_behaviours/{report_id}/memdump"
    headers = {"x-apikey": DEMO_PRIVILEGED_KEY}
    with httpx.Client(headers=headers, timeout=30) as http:
        assert http.head(url).headers["content-length"] == str(GIB)
        baseline = big_sim.memory_kib("VmRSS")
        peak = baseline
        received = 0
        started = time.perf_counter()
        with http.stream("GET", url) as response:
            assert response.headers["content-length"] == str(GIB)
            for index, chunk in enumerate(response.iter_raw(1024 * 1024)):
                if received == 0:
                    assert chunk[:4] == b"MDMP"
                received += len(chunk)
                if index % 32 == 0:
                    peak = max(peak, big_sim.memory_kib("VmRSS"))
        elapsed = time.perf_counter() - started
    assert received == GIB
    assert (peak - baseline) < 32 * 1024, f"server RSS grew by {(peak - baseline) / 1024:.1f} MiB"
    assert elapsed < 20
