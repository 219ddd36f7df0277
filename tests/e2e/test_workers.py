"""`iocgate serve --workers 2`: one quota budget for both workers, restarts that lose nothing."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from iocgate.sim import DEMO_PRIVILEGED_KEY, DEMO_PUBLIC_KEY, build_corpus
from tests.support.processes import clean_env, free_port, running, sim_process, wait_http
from tests.support.workers import serving_worker, wait_children

CORPUS = build_corpus(1, 30)


def _client_port(response: httpx.Response) -> int:
    return int(response.extensions["network_stream"].get_extra_info("client_addr")[1])


def _one_client_per_worker(base: str, port: int, workers: set[int]) -> dict[int, httpx.Client]:
    """A keep-alive client whose one connection was accepted by each worker."""
    chosen: dict[int, httpx.Client] = {}
    for _ in range(200):
        client = httpx.Client(base_url=base, limits=httpx.Limits(max_connections=1), timeout=30)
        pid = serving_worker(workers, port, _client_port(client.get("/healthz")))
        if pid in chosen:
            client.close()
        else:
            chosen[pid] = client
        if len(chosen) == len(workers):
            return chosen
    raise AssertionError(f"connections never reached every worker of {workers}")


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[tuple[str, int, Path, object, str]]:
    """`serve --workers 2` on a simulator process; yields (REST URL, port, log, process, sim)."""
    env = clean_env(tmp_path, VIRUSTOTAL_API_KEY=DEMO_PUBLIC_KEY, IOCGATE_QUOTA_WAIT="0")
    with sim_process(env) as upstream:
        rest, mcp = free_port(), free_port()
        log = tmp_path / "serve.log"
        args = [
            "serve", "--workers", "2", "--upstream", upstream, "--rest-port", str(rest),
            "--mcp-port", str(mcp), "--quota", "4/min", "--cache", "memory",
        ]  # fmt: skip
        with running(args, env, stderr_path=log) as process:
            base = f"http://127.0.0.1:{rest}"
            wait_http(base + "/healthz", timeout=60)  # two workers start on a loaded machine
            yield base, rest, log, process, upstream


def test_two_workers_on_a_4_per_minute_budget_never_draw_an_upstream_429(two_workers) -> None:  # type: ignore[no-untyped-def]
    base, port, log, process, upstream = two_workers
    workers = wait_children(process.pid, 2)
    clients = _one_client_per_worker(base, port, workers)
    try:
        _ask_ten_hashes_through_both(clients, base, upstream)
    finally:
        for client in clients.values():
            client.close()
    process.send_signal(signal.SIGTERM)  # type: ignore[attr-defined]
    assert process.wait(timeout=40) == 0  # type: ignore[attr-defined]
    text = log.read_text()
    assert "worker 0 stopped" in text and "worker 1 stopped" in text


def _ask_ten_hashes_through_both(
    clients: dict[int, httpx.Client], base: str, upstream: str
) -> None:
    hashes = [f.sha256 for f in CORPUS.files[:10]]
    answers: list[httpx.Response] = []

    def ask(client: httpx.Client, wanted: list[str]) -> None:
        answers.extend(client.get(f"/v1/files/{sha}/behaviour_summary") for sha in wanted)

    threads = [
        threading.Thread(target=ask, args=(client, hashes[i::2]))
        for i, client in enumerate(clients.values())
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    # Ten calls between two workers, four allowed per minute: four answers, six refusals made
    # by the gateway itself; the upstream never refused one.
    assert sorted(r.status_code for r in answers) == [200] * 4 + [429] * 6
    for refused in (r for r in answers if r.status_code == 429):
        assert (
            "the upstream quota (4/min: 4/minute) is used up" in refused.json()["error"]["message"]
        )
    origin = upstream.removesuffix("/api/v3")
    seen = httpx.get(origin + "/_sim/requests").json()["requests"]
    assert [r["status"] for r in seen if "/files/" in r["path"]] == [200] * 4
    metrics = httpx.get(base + "/metrics").text  # any worker: the sums over both
    assert 'iocgate_worker_requests_total{worker="0"} 5.0' in metrics
    assert 'iocgate_worker_requests_total{worker="1"} 5.0' in metrics
    assert "iocgate_quota_used_total 4.0" in metrics


class _Download(threading.Thread):
    """A memdump downloaded through the gateway while the simulator sends 2 MB/s (~4 s)."""

    def __init__(self, base: str, upstream: str) -> None:
        super().__init__()
        self.upstream = upstream
        self.report = next(r for r in CORPUS.pick("rich").reports if r.has_memdump)
        self.url = f"{base}/v1/file_behaviours/{quote(self.report.id)}/memdump"
        self.digest = hashlib.sha256()
        self.started = threading.Event()
        self.outcome: dict[str, object] = {}
        origin = upstream.removesuffix("/api/v3")
        httpx.put(origin + "/_sim/faults", json={"slow_body_bytes_per_second": 2_000_000})

    def run(self) -> None:
        try:
            with httpx.stream("GET", self.url, timeout=60) as response:
                self.outcome["status"] = response.status_code
                self.outcome["port"] = _client_port(response)
                for chunk in response.iter_bytes():
                    self.digest.update(chunk)
                    self.started.set()
        except httpx.HTTPError as exc:
            self.outcome["error"] = repr(exc)
        finally:
            self.started.set()

    def assert_complete(self) -> None:
        """The whole artefact arrived, byte for byte what the upstream serves."""
        self.join(60)
        origin = self.upstream.removesuffix("/api/v3")
        httpx.put(origin + "/_sim/faults", json={"slow_body_bytes_per_second": None})
        direct = httpx.get(
            f"{self.upstream}/file_behaviours/{quote(self.report.id)}/memdump",
            headers={"x-apikey": DEMO_PRIVILEGED_KEY},
            timeout=60,
        )
        assert self.outcome.get("status") == 200 and "error" not in self.outcome, self.outcome
        assert self.digest.hexdigest() == hashlib.sha256(direct.content).hexdigest()


@pytest.fixture
def download_workers(tmp_path: Path) -> Iterator[tuple[str, int, object, str]]:
    """`serve --workers 2` (sqlite cache) on a simulator: (REST URL, port, process, sim)."""
    env = clean_env(tmp_path, VIRUSTOTAL_API_KEY=DEMO_PRIVILEGED_KEY)
    with sim_process(env) as upstream:
        rest, mcp = free_port(), free_port()
        args = [
            "serve", "--workers", "2", "--upstream", upstream, "--rest-port", str(rest),
            "--mcp-port", str(mcp), "--quota", "unlimited",
        ]  # fmt: skip
        with running(args, env, stderr_path=tmp_path / "serve.log") as process:
            wait_http(f"http://127.0.0.1:{rest}/healthz", timeout=60)
            yield f"http://127.0.0.1:{rest}", rest, process, upstream


def test_a_download_on_one_worker_completes_while_another_restarts(download_workers) -> None:  # type: ignore[no-untyped-def]
    base, port, process, upstream = download_workers
    workers = wait_children(process.pid, 2)
    download = _Download(base, upstream)
    download.start()
    assert download.started.wait(20) and "port" in download.outcome, download.outcome
    serving = serving_worker(workers, port, int(download.outcome["port"]))  # type: ignore[call-overload]
    (other,) = workers - {serving}
    os.kill(other, signal.SIGKILL)  # the other worker crashes ...
    replaced = wait_children(process.pid, 2, exclude=frozenset({other}))  # ... and is replaced
    assert serving in replaced
    assert download.is_alive()  # the download was still going while that happened
    download.assert_complete()
    assert httpx.get(base + "/healthz").status_code == 200
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=40) == 0


def test_sigterm_to_the_supervisor_drains_every_worker_then_exits_zero(download_workers) -> None:  # type: ignore[no-untyped-def]
    base, _, process, upstream = download_workers
    workers = wait_children(process.pid, 2)
    download = _Download(base, upstream)
    download.start()
    assert download.started.wait(20), download.outcome
    process.send_signal(signal.SIGTERM)
    download.assert_complete()  # the worker serving it drained it to its end
    assert process.wait(timeout=40) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def test_a_worker_count_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "iocgate", "serve", "--workers", "many"],
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "invalid --workers 'many'" in done.stderr and "auto" in done.stderr
