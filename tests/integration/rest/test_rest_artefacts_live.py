"""Artefacts stream through byte-exact, named, never compressed, in constant memory; JSON is
gzipped for clients that ask."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import anyio
import httpx
import pytest

from iocgate.sim import DEMO_PRIVILEGED_KEY, Faults
from iocgate.sim.artefacts import memory_strings
from iocgate.sim.artefacts.memdump import memdump_chunks
from tests.integration.rest.conftest import Gateway
from tests.support.sim_fixtures import SimServer

ROOT = Path(__file__).resolve().parents[3]
ONE_GIB = 1024**3


def upstream_bytes(gateway: Gateway, path: str) -> httpx.Response:
    return gateway.client.get(gateway.upstream + path, headers={"x-apikey": gateway.key})


@pytest.mark.parametrize(
    ("artefact", "content_type", "extension"),
    [
        ("pcap", "application/vnd.tcpdump.pcap", ".pcap"),
        ("evtx", "application/zip", ".evtx.zip"),
        ("html", "text/html", ".html"),
    ],
)
def test_an_artefact_is_byte_identical_to_upstream_and_named_after_its_id(
    gateway: Gateway, report_ids: dict[str, str], artefact: str, content_type: str, extension: str
) -> None:
    sandbox_id = report_ids["sandbox_id"]
    path = f"/file_behaviours/{quote(sandbox_id, safe='')}/{artefact}"
    through = gateway.get("/v1" + path, headers={"Accept-Encoding": "gzip"})
    direct = upstream_bytes(gateway, path)
    assert through.status_code == 200
    assert through.content == direct.content
    assert through.headers["content-type"].startswith(content_type)
    assert through.headers["content-length"] == str(len(direct.content))
    assert "content-encoding" not in through.headers
    disposition = through.headers["content-disposition"]
    assert disposition == f'attachment; filename="{sandbox_id.replace(" ", "_")}{extension}"'
    assert through.headers["x-content-type-options"] == "nosniff"


def test_head_on_an_artefact_states_its_name_and_length_without_the_bytes(
    gateway: Gateway, report_ids: dict[str, str]
) -> None:
    sandbox_id = report_ids["sandbox_id"]
    path = f"/file_behaviours/{quote(sandbox_id, safe='')}/pcap"
    head = gateway.client.head(f"{gateway.url}/v1{path}")
    direct = upstream_bytes(gateway, path)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(direct.content))
    assert head.headers["content-disposition"].startswith("attachment; filename=")


def test_json_is_gzipped_for_a_client_that_accepts_it_and_plain_otherwise(
    gateway: Gateway, report_ids: dict[str, str]
) -> None:
    url = f"{gateway.url}/v1/files/{report_ids['sha256']}/behaviours"
    with gateway.client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as zipped:
        wire = b"".join(zipped.iter_raw())  # the bytes as sent, before httpx decodes them
    plain = gateway.get(url.removeprefix(gateway.url), headers={"Accept-Encoding": "identity"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in zipped.headers["vary"].lower()
    assert int(zipped.headers["content-length"]) == len(wire) < len(plain.content)
    assert "content-encoding" not in plain.headers
    assert gzip.decompress(wire) == plain.content


def test_a_small_json_answer_is_not_compressed(gateway: Gateway) -> None:
    response = gateway.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in response.headers


def vm_hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM line")


@dataclass(frozen=True)
class Subprocess:
    url: str
    pid: int
    report_id: str
    memory_strings: tuple[str, ...] = ()  # what the simulator plants in the dump (#22.6)


def spawn(*arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", *arguments],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(10)
    if process.stdout is not None:
        process.stdout.close()


@pytest.fixture
def big_memdump_gateway(sim_server: SimServer) -> Iterator[Subprocess]:
    """A simulator whose memdumps are 1 GiB and the REST gateway on it, each in its own process
    (so that neither competes with the test's own reading and hashing for one interpreter)."""
    report = next(
        r for r in sim_server.corpus.pick("rich").reports if "memdump" in r.artefacts
    )  # the same seed, the same corpus
    sim = spawn("iocgate", "sim", "--port", "0", "--json", "--memdump-size", str(ONE_GIB))
    try:
        assert sim.stdout is not None
        upstream = json.loads(sim.stdout.readline())["url"]
        gateway = spawn("tests.support.rest_gateway", upstream, DEMO_PRIVILEGED_KEY)
        try:
            assert gateway.stdout is not None
            port = int(gateway.stdout.readline().split()[1])
            planted = tuple(memory_strings(report.attributes))
            yield Subprocess(f"http://127.0.0.1:{port}", gateway.pid, report.id, planted)
        finally:
            stop(gateway)
    finally:
        stop(sim)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_1_gib_memdump_streams_byte_exact_in_constant_memory(
    big_memdump_gateway: Subprocess,
) -> None:
    gateway = big_memdump_gateway
    sandbox = quote(gateway.report_id, safe="")
    received = hashlib.sha256()
    size = 0
    with httpx.Client(base_url=gateway.url, timeout=60) as client:
        # Warm up: imports, the upstream connection pool and a small artefact, then measure.
        assert client.get(f"/v1/file_behaviours/{sandbox}").status_code == 200
        assert client.get(f"/v1/file_behaviours/{sandbox}/pcap").status_code == 200
        before = vm_hwm_kib(gateway.pid)
        with client.stream("GET", f"/v1/file_behaviours/{sandbox}/memdump") as response:
            assert response.status_code == 200
            assert response.headers["content-length"] == str(ONE_GIB)
            assert "content-encoding" not in response.headers
            for chunk in response.iter_raw(1024 * 1024):
                received.update(chunk)
                size += len(chunk)
        after = vm_hwm_kib(gateway.pid)
    assert size == ONE_GIB
    assert (after - before) < 48 * 1024, f"peak memory grew by {(after - before) // 1024} MiB"
    expected = hashlib.sha256()

    async def digest() -> None:
        async for chunk in memdump_chunks(gateway.report_id, ONE_GIB, gateway.memory_strings):
            expected.update(chunk)

    anyio.run(digest)
    assert received.hexdigest() == expected.hexdigest()


def test_an_artefact_the_upstream_cuts_short_is_cut_short_for_the_client_too(
    gateway: Gateway, report_ids: dict[str, str]
) -> None:
    gateway.sim.faults = Faults(truncate_rate=1.0)
    path = f"/v1/file_behaviours/{quote(report_ids['sandbox_id'], safe='')}/pcap"
    with pytest.raises(httpx.RemoteProtocolError):  # a short body, never a "complete" one
        gateway.get(path)
