"""Every seed operation through the engine against the simulator on a real socket.

Checks the exact upstream request (path, query, key) and the mapped result; these are the
engine's contract with any upstream, whichever adapter calls it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from iocgate.capability import Capability
from iocgate.errors import InvalidArgumentError
from iocgate.sim import DEMO_PRIVILEGED_KEY, SimState
from tests.support.engine_fixtures import EngineFactory
from tests.support.sim_fixtures import SimServer

pytestmark = pytest.mark.anyio


def op(capability: Capability, name: str) -> Any:
    operation = capability.operation(name)
    assert operation is not None
    return operation


def rich(sim: SimServer) -> tuple[str, str]:
    sim_file = sim.corpus.pick("rich")
    report = next(r for r in sim_file.reports if r.has_pcap and r.has_evtx and r.has_memdump)
    return sim_file.sha256, report.id


async def direct(sim: SimServer, path: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(sim.url + path, headers={"x-apikey": DEMO_PRIVILEGED_KEY})


JSON_OPERATIONS = [
    ("fileAllBehavioursSummary", "id", "/files/{}/behaviour_summary"),
    (
        "getASummaryOfAllMitreAttckTechniquesObservedInAFile",
        "id",
        "/files/{}/behaviour_mitre_trees",
    ),
    ("getAllBehaviorReportsForAFile", "id", "/files/{}/behaviours"),
    ("getFileBehaviourId", "sandbox_id", "/file_behaviours/{}"),
]


@pytest.mark.parametrize(("name", "argument", "path"), JSON_OPERATIONS)
async def test_json_operation_sends_the_exact_request_and_returns_the_body(
    make_engine: EngineFactory,
    seed_capability: Capability,
    sim_server: SimServer,
    sim_state_reset: SimState,
    name: str,
    argument: str,
    path: str,
) -> None:
    sha256, sandbox_id = rich(sim_server)
    value = sha256 if argument == "id" else sandbox_id
    async with make_engine(sim_server.url, DEMO_PRIVILEGED_KEY) as engine:
        result = await engine.invoke(op(seed_capability, name), {argument: value})
    [sent] = sim_state_reset.requests
    assert sent.path == "/api/v3" + path.format(quote(value, safe=""))
    assert sent.query == "" and sent.key == DEMO_PRIVILEGED_KEY
    expected = await direct(sim_server, path.format(quote(value, safe="")))
    assert result.status == 200
    assert result.json_bytes() == expected.content  # the body exactly as the upstream sent it
    assert result.data == expected.json()


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("fileBehaviourssandboxIdrelationship", "/file_behaviours/{}/{}"),
        (
            "fileBehaviourssandboxIdrelationshipsrelationship",
            "/file_behaviours/{}/relationships/{}",
        ),
    ],
)
async def test_relationship_operations_pass_limit_and_cursor_only_when_given(
    make_engine: EngineFactory,
    seed_capability: Capability,
    sim_server: SimServer,
    sim_state_reset: SimState,
    name: str,
    form: str,
) -> None:
    _, sandbox_id = rich(sim_server)
    operation = op(seed_capability, name)
    args = {"sandbox_id": sandbox_id, "relationship": "contacted_domains"}
    async with make_engine(sim_server.url, DEMO_PRIVILEGED_KEY) as engine:
        first = await engine.invoke(operation, {**args, "limit": "2"})
        cursor = first.data["meta"]["cursor"]
        second = await engine.invoke(operation, {**args, "limit": 2, "cursor": cursor})
    first_sent, second_sent = sim_state_reset.requests
    assert first_sent.path == "/api/v3" + form.format(quote(sandbox_id), "contacted_domains")
    assert first_sent.query == "limit=2"
    assert second_sent.query == f"limit=2&cursor={quote(cursor, safe='')}"
    assert len(first.data["data"]) == 2
    assert {d["id"] for d in first.data["data"]}.isdisjoint(d["id"] for d in second.data["data"])


@pytest.mark.parametrize(
    ("name", "artefact", "content_type"),
    [
        ("fileBehavioursPcap", "pcap", "application/vnd.tcpdump.pcap"),
        ("fileBehaviourEvtx", "evtx", "application/zip"),
        ("fileBehaviourMemdump", "memdump", "application/octet-stream"),
        ("getFileBehaviourHtml", "html", "text/html"),
    ],
)
async def test_artefacts_stream_through_byte_exact_with_their_content_type(
    make_engine: EngineFactory,
    seed_capability: Capability,
    sim_server: SimServer,
    sim_state_reset: SimState,
    name: str,
    artefact: str,
    content_type: str,
) -> None:
    _, sandbox_id = rich(sim_server)
    async with make_engine(sim_server.url, DEMO_PRIVILEGED_KEY) as engine:
        result = await engine.invoke(op(seed_capability, name), {"sandbox_id": sandbox_id})
        assert result.stream is not None
        body = await result.stream.read()
    expected = await direct(sim_server, f"/file_behaviours/{quote(sandbox_id)}/{artefact}")
    assert result.content_type.startswith(content_type)
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(expected.content).hexdigest()
    assert sim_state_reset.requests[0].path.endswith(f"%20{sandbox_id.split(' ')[-1]}/{artefact}")


async def test_a_space_in_a_sandbox_id_reaches_the_upstream_as_percent_20(
    make_engine: EngineFactory,
    seed_capability: Capability,
    sim_server: SimServer,
    sim_state_reset: SimState,
) -> None:
    sha256 = sim_server.corpus.pick("rich").sha256
    sandbox_id = f"{sha256}_VirusTotal Jujubox"
    async with make_engine(sim_server.url, DEMO_PRIVILEGED_KEY) as engine:
        result = await engine.invoke(
            op(seed_capability, "getFileBehaviourId"), {"sandbox_id": sandbox_id}
        )
    assert result.status == 200
    assert (
        sim_state_reset.requests[0].path == f"/api/v3/file_behaviours/{sha256}_VirusTotal%20Jujubox"
    )


@pytest.mark.parametrize("trick", ["a/../../files/x", "..", "x?limit=40", "x#y", "%2Fusers%2Fme"])
async def test_the_generic_engine_keeps_a_hostile_value_inside_one_segment(
    make_engine: EngineFactory,
    seed_capability: Capability,
    sim_server: SimServer,
    sim_state_reset: SimState,
    trick: str,
) -> None:
    async with make_engine(sim_server.url, DEMO_PRIVILEGED_KEY, plugins=False) as engine:
        result = await engine.invoke(
            op(seed_capability, "getFileBehaviourId"), {"sandbox_id": trick}
        )
    [sent] = sim_state_reset.requests
    segments = sent.path.split("/")
    assert segments[:4] == ["", "api", "v3", "file_behaviours"] and len(segments) == 5
    assert sent.query == ""
    assert result.status == 404  # the simulator saw one unknown sandbox id, nothing else


async def test_the_virustotal_layer_refuses_a_hostile_value_before_sending(
    make_engine: EngineFactory,
    seed_capability: Capability,
    sim_server: SimServer,
    sim_state_reset: SimState,
) -> None:
    async with make_engine(sim_server.url, DEMO_PRIVILEGED_KEY) as engine:
        with pytest.raises(InvalidArgumentError, match="sandbox_id must be"):
            await engine.invoke(op(seed_capability, "getFileBehaviourId"), {"sandbox_id": "../x"})
    assert sim_state_reset.requests == []


async def test_upstream_errors_come_back_as_data_with_their_code(
    make_engine: EngineFactory,
    seed_capability: Capability,
    sim_server: SimServer,
    sim_state_reset: SimState,
) -> None:
    async with make_engine(sim_server.url, "not-a-key") as engine:
        result = await engine.invoke(
            op(seed_capability, "fileAllBehavioursSummary"), {"id": "0" * 64}
        )
    assert result.status == 401 and result.error_code == "WrongCredentialsError"
    assert json.loads(result.json_bytes())["error"]["code"] == "WrongCredentialsError"
