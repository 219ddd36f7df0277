"""vt-py 0.22, unchanged, against the simulator over a real socket: it must feel like VirusTotal."""

from __future__ import annotations

import pytest
import vt

from iocgate.sim import DEMO_PRIVILEGED_KEY, DEMO_PUBLIC_KEY, SimState
from tests.support.sim_fixtures import SimServer

pytestmark = pytest.mark.anyio


@pytest.fixture
def server(sim_server: SimServer, sim_state_reset: SimState) -> SimServer:
    return sim_server


async def test_vt_py_reads_a_report_whose_id_has_a_space(server: SimServer) -> None:
    report = server.corpus.pick("rich").reports[0]
    async with vt.Client(DEMO_PRIVILEGED_KEY, host=server.origin) as client:
        obj = await client.get_object_async("/file_behaviours/{}", report.id)
    assert obj.type == "file_behaviour"
    assert obj.id == report.id
    assert obj.sandbox_name == report.sandbox_name
    assert obj.has_pcap is True
    assert [entry["hostname"] for entry in obj.dns_lookups] == [
        entry["hostname"] for entry in report.attributes["dns_lookups"]
    ]
    assert server.state.requests[-1].path.endswith(report.id.replace(" ", "%20"))


async def test_vt_py_iterates_a_relationship_across_pages_with_the_cursor(
    server: SimServer,
) -> None:
    report = server.corpus.pick("rich").reports[0]
    expected = list(dict.fromkeys(e["hostname"] for e in report.attributes["dns_lookups"]))
    assert len(expected) > 4
    async with vt.Client(DEMO_PRIVILEGED_KEY, host=server.origin) as client:
        iterator = client.iterator("/file_behaviours/{}/contacted_domains", report.id, batch_size=4)
        domains = [obj async for obj in iterator]
    assert [obj.id for obj in domains] == expected
    missing = [obj for obj in domains if obj.error]
    assert missing
    assert missing[0].error["code"] == "NotFoundError"
    pages = server.state.matching(f"/file_behaviours/{report.id}/contacted_domains")
    assert len(pages) == -(-len(expected) // 4)
    assert "cursor=" in pages[-1].query


async def test_vt_py_iterator_limit_stops_early(server: SimServer) -> None:
    report = server.corpus.pick("rich").reports[0]
    async with vt.Client(DEMO_PRIVILEGED_KEY, host=server.origin) as client:
        iterator = client.iterator(
            "/file_behaviours/{}/relationships/attack_techniques", report.id, limit=3
        )
        techniques = [obj async for obj in iterator]
    assert len(techniques) == 3
    assert all(obj.context_attributes["signatures"] for obj in techniques)


async def test_vt_py_sees_virustotal_error_codes(server: SimServer) -> None:
    report = server.corpus.pick("rich").reports[0]
    async with vt.Client(DEMO_PRIVILEGED_KEY, host=server.origin) as client:
        with pytest.raises(vt.APIError) as missing:
            await client.get_object_async("/file_behaviours/{}", f"{'0' * 64}_Zenbox")
    assert missing.value.code == "NotFoundError"
    async with vt.Client("f" * 64, host=server.origin) as client:
        with pytest.raises(vt.APIError) as wrong:
            await client.get_object_async("/file_behaviours/{}", report.id)
    assert wrong.value.code == "WrongCredentialsError"
    async with vt.Client(DEMO_PUBLIC_KEY, host=server.origin) as client:
        with pytest.raises(vt.APIError) as forbidden:
            await client.get_data_async("/file_behaviours/{}/pcap", report.id)
        assert forbidden.value.code == "ForbiddenError"
        for _ in range(3):
            await client.get_object_async("/file_behaviours/{}", report.id)
        with pytest.raises(vt.APIError) as quota:
            await client.get_object_async("/file_behaviours/{}", report.id)
    assert quota.value.code == "QuotaExceededError"


async def test_vt_py_reads_the_summary_as_plain_data(server: SimServer) -> None:
    rich = server.corpus.pick("rich")
    async with vt.Client(DEMO_PRIVILEGED_KEY, host=server.origin) as client:
        summary = await client.get_data_async(f"/files/{rich.sha1}/behaviour_summary")
        trees = await client.get_data_async(f"/files/{rich.sha1}/behaviour_mitre_trees")
    assert "attack_techniques" in summary
    assert set(trees) == {report.sandbox_name for report in rich.reports}


async def test_vt_py_downloads_a_pcap_with_a_privileged_key(server: SimServer) -> None:
    report = server.corpus.pick("rich").reports[0]
    async with vt.Client(DEMO_PRIVILEGED_KEY, host=server.origin) as client:
        response = await client.get_async(f"/file_behaviours/{report.id}/pcap")
        body = await response.read_async()
    assert response.status == 200
    assert body[:4] == b"\xd4\xc3\xb2\xa1"
